/** before: the API Gateway event becomes one HttpRequest and its RPC parameters. */
import type { MiddlewareObj } from '@middy/core';
import { decodeParams, queryParams } from '../http/params.js';
import { type GatewayEvent, toHttpRequest } from '../http/request.js';
import type { GatewayResult } from '../http/response.js';
import type { KmsContext } from './state.js';

export function readRequest(): MiddlewareObj<GatewayEvent, GatewayResult, Error, KmsContext> {
  return {
    before: ({ event, context }) => {
      const http = toHttpRequest(event, context.awsRequestId);
      context.kms = { startedAt: Date.now(), http };
      try {
        context.kms.params = decodeParams(http);
      } catch (error) {
        // The error is still answered in the format the query asked for, when it asked.
        context.kms.params = queryParams(http);
        throw error;
      }
    },
  };
}
