/**
 * The handler at the bottom of the Middy stack: a validated call goes upstream within the
 * deadline and its typed answer is rendered in the negotiated format. Every failure is thrown as
 * a KmsError for normalize-error to answer.
 */

import { renderSuccess } from './codec/render.js';
import { NotRepresentableAsXml } from './codec/xml-write.js';
import type { ConfigResult } from './config.js';
import type { GatewayEvent } from './http/request.js';
import { type GatewayResult, gatewayResult } from './http/response.js';
import { gatewayError } from './kms/envelope.js';
import type { KmsContext } from './middleware/state.js';
import type { KmsClient } from './upstream/kms-client.js';

export interface ProxyDeps {
  readonly config: ConfigResult;
  /** undefined only when the config is invalid */
  readonly invoke: KmsClient | undefined;
}

export function createProxy(deps: ProxyDeps) {
  return async (
    _event: GatewayEvent,
    context: KmsContext,
    options?: { signal?: AbortSignal },
  ): Promise<GatewayResult> => {
    const { call, negotiated, http } = context.kms;
    if (!deps.config.ok || !deps.invoke) {
      throw gatewayError('InternalFailure', {
        origin: 'internal',
        reason: 'invalid configuration',
      });
    }
    if (!call || !negotiated || !http) throw new Error('proxy: request state incomplete');
    const config = deps.config.config;
    // Never beyond the Lambda's remaining time, less a margin to answer in.
    const remaining = context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    const budget = Math.min(config.timeoutMs, remaining - config.deadlineMarginMs);
    const trace = { host: config.endpoint.host, attempts: 0, latencyMs: 0 };
    context.kms.upstream = trace;
    const value = await deps.invoke({
      call,
      request: http,
      deadline: Date.now() + Math.max(1, budget),
      signal: options?.signal,
      trace,
    });
    const requestId = typeof value.RequestId === 'string' ? value.RequestId : http.requestId;
    let body: string;
    try {
      body = renderSuccess(call.action, value, negotiated.format);
    } catch (error) {
      if (!(error instanceof NotRepresentableAsXml)) throw error;
      throw gatewayError('InternalFailure', {
        origin: 'upstream-answer',
        hostId: trace.host,
        reason: error.message,
        detail: `The upstream response cannot be written as XML: ${error.message}.`,
      });
    }
    return gatewayResult(200, body, negotiated.mediaType, requestId);
  };
}
