/**
 * What the middlewares learn about one request, in the order they learn it. Each field is set
 * once, by the middleware named beside it, and read by those after it.
 */
import type { Context } from 'aws-lambda';
import type { Negotiated } from '../http/negotiate.js';
import type { HttpRequest } from '../http/request.js';
import type { RpcCall } from '../kms/call.js';
import type { Params } from '../protocol/rpc.js';
import type { UpstreamTrace } from '../upstream/kms-client.js';

export interface RequestState {
  readonly startedAt: number;
  /** read-request */
  http?: HttpRequest;
  /** read-request: every parameter, or the query alone when the body was unreadable */
  params?: Params;
  /** negotiate-format: the format of the answer, error or not */
  negotiated?: Negotiated;
  /** validate-call */
  call?: RpcCall;
  /** the proxy, while it calls upstream */
  upstream?: UpstreamTrace;
}

export interface KmsContext extends Context {
  kms: RequestState;
}
