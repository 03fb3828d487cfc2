/**
 * What the middlewares learn about one request, in the order they learn it. Each field is set
 * once, by the middleware named beside it, and read by those after it.
 */
import type { Context } from 'aws-lambda';
import type { AnswerCheck } from './callers/authorize.js';
import type { Caller } from './callers/caller.js';
import type { FailureSummary } from './http/error-answer.js';
import type { Negotiated } from './http/negotiate.js';
import type { HttpRequest } from './http/request.js';
import type { RpcCall } from './kms/call.js';
import type { Params } from './protocol/rpc.js';

/**
 * What happened upstream, filled in as it happens (by the KMS client and the policy look-ups): the
 * error log line and the metrics read it. It lives with the request state, below `upstream/`, so
 * the state and the deadline need nothing from the layer that fills it.
 */
export interface UpstreamTrace {
  host: string;
  attempts: number;
  latencyMs: number;
  status?: number;
  contentType?: string;
}

export interface RequestState {
  readonly startedAt: number;
  /** read-request */
  http?: HttpRequest;
  /** read-request: every parameter, or the query alone when the body was unreadable */
  params?: Params;
  /** negotiate-format: the format of the answer, error or not */
  negotiated?: Negotiated;
  /** authenticate-caller: who is calling, and what they may do */
  caller?: Caller;
  /** validate-call */
  call?: RpcCall;
  /** authorize-call: a check the answer must pass before it is returned (Decrypt's key) */
  answerCheck?: AnswerCheck;
  /** the instant every upstream call of this request must be done by (epoch ms) */
  deadline?: number;
  /** the first upstream call (a policy look-up or the proxy's), as it goes */
  upstream?: UpstreamTrace;
  /** normalize-error: what a failure was answered with */
  failure?: FailureSummary;
}

export interface KmsContext extends Context {
  kms: RequestState;
}
