/** before: method, Action, allow-list, required and typed parameters, before any upstream call. */
import type { MiddlewareObj } from '@middy/core';
import type { GatewayEvent } from '../http/request.js';
import type { GatewayResult } from '../http/response.js';
import { checkCall } from '../kms/call.js';
import type { KmsContext } from '../request-state.js';

export interface ValidateCallOptions {
  readonly allowedActions: ReadonlySet<string> | undefined;
}

export function validateCall(
  options: ValidateCallOptions,
): MiddlewareObj<GatewayEvent, GatewayResult, Error, KmsContext> {
  return {
    before: ({ context }) => {
      const { http, params } = context.kms;
      context.kms.call = checkCall(http?.method ?? '', params ?? {}, options.allowedActions);
    },
  };
}
