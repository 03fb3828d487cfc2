/**
 * before: the API Gateway event becomes one HttpRequest and its RPC parameters; in sign mode a
 * V3 request's Action and Version come from its headers, in passthrough it is refused.
 */
import type { MiddlewareObj } from '@middy/core';
import { checkForwardable } from '../http/forwardable.js';
import { decodeParams, queryParams } from '../http/params.js';
import { type ApiGatewayEvent, toHttpRequest } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import { isV3Request, refuseV3Passthrough, withV3Headers } from '../http/v3-headers.js';
import type { KmsContext } from '../request-state.js';

export interface ReadRequestOptions {
  /** `sign` reads V3 headers; `passthrough` refuses V3; undefined (bad config) does neither */
  readonly mode: 'sign' | 'passthrough' | undefined;
}

/**
 * The request, translated once: its `before` throws as `@throws` says.
 * @throws KmsError what `decodeParams` throws for a body or query that cannot be read; in
 *   passthrough mode, the refusal of a V3 request or of a query that cannot be forwarded as is
 */
export function readRequest(
  options: ReadRequestOptions,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  return {
    before: ({ event, context }) => {
      const http = toHttpRequest(event, context.awsRequestId);
      context.kms = { startedAt: Date.now(), http };
      let params: ReturnType<typeof decodeParams>;
      try {
        params = decodeParams(http);
      } catch (error) {
        // The error is still answered in the format the query asked for, when it asked.
        context.kms.params = queryParams(http);
        throw error;
      }
      context.kms.params = params;
      if (options.mode === 'sign') context.kms.params = withV3Headers(params, http.headers);
      else if (options.mode === 'passthrough') {
        if (isV3Request(params, http.headers)) refuseV3Passthrough();
        checkForwardable(http.rawQuery);
      }
    },
  };
}
