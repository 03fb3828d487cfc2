/**
 * The handler at the bottom of the Middy stack: a validated call goes upstream within the
 * deadline and its typed answer is rendered in the negotiated format. Every failure is thrown as
 * a KmsError for normalize-error to answer.
 */

import { renderSuccess } from './codec/render.js';
import { NotRepresentableAsXml } from './codec/xml-write.js';
import type { Config } from './config.js';
import { upstreamDeadline, upstreamTrace } from './deadline.js';
import type { ApiGatewayEvent } from './http/request.js';
import { type ApiGatewayResult, apiGatewayResult } from './http/response.js';
import { gatewayError } from './kms/envelope.js';
import type { KmsContext } from './request-state.js';
import type { KmsClient } from './upstream/kms-client.js';

export interface ProxyDeps {
  readonly config: Config;
  readonly invoke: KmsClient;
}

/**
 * The Middy handler: calls KMS and answers in the negotiated format; it rejects as `@throws` says.
 * @throws KmsError what the KMS client throws, or 500 InternalFailure for a success XML cannot
 *   carry
 */
export function createProxy(deps: ProxyDeps) {
  return async (
    _event: ApiGatewayEvent,
    context: KmsContext,
    options?: { signal?: AbortSignal },
  ): Promise<ApiGatewayResult> => {
    const { call, negotiated, http } = context.kms;
    if (!call || !negotiated || !http) throw new Error('proxy: request state incomplete');
    const value = await deps.invoke({
      call,
      request: http,
      deadline: upstreamDeadline(context, deps.config),
      signal: options?.signal,
      trace: upstreamTrace(context, deps.config),
    });
    // Decrypt's key is known only now: no plaintext leaves before the caller's policy says so.
    await context.kms.answerCheck?.(value);
    const trace = upstreamTrace(context, deps.config);
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
        cause: error,
      });
    }
    return apiGatewayResult(200, body, negotiated.mediaType, requestId);
  };
}
