/** after/onError: one INFO line per request when KMS_ACCESS_LOG=true; no parameters, no bodies. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import type { KmsContext } from '../request-state.js';

export function accessLog(
  logger: Logger,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  const line = ({
    context,
    response,
  }: Request<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>) => {
    const state = context.kms;
    logger.info('kms request', {
      action: state?.call?.action ?? state?.params?.Action,
      method: state?.http?.method,
      status: response?.statusCode,
      request_id: response?.headers['x-acs-request-id'],
      format: state?.negotiated?.format,
      format_source: state?.negotiated?.source,
      latency_ms: state ? Date.now() - state.startedAt : undefined,
      upstream_attempts: state?.upstream?.attempts,
      upstream_latency_ms: state?.upstream?.latencyMs,
    });
  };
  return { after: line, onError: line };
}
