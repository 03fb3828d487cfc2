/** before: method, Action, allow-list, required and typed parameters, before any upstream call. */
import type { MiddlewareObj } from '@middy/core';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import { checkCall } from '../kms/call.js';
import type { KmsContext } from '../request-state.js';

export interface ValidateCallOptions {
  readonly allowedActions: ReadonlySet<string> | undefined;
}

export function validateCall(
  options: ValidateCallOptions,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  return {
    before: ({ context }) => {
      const { http, params } = context.kms;
      context.kms.call = checkCall(http?.method ?? '', params ?? {}, options.allowedActions);
    },
  };
}
