/**
 * before: the caller's policy on the validated call (its action, then the keys, aliases and
 * secrets it names), before the upstream call; leaves the check its answer must pass.
 */
import type { MiddlewareObj } from '@middy/core';
import { authorizeCall as authorize } from '../callers/authorize.js';
import type { Config } from '../config.js';
import { upstreamDeadline, upstreamTrace } from '../deadline.js';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import type { KmsContext } from '../request-state.js';
import { createKeyResolver } from '../upstream/key-resolver.js';
import type { KmsClient } from '../upstream/kms-client.js';

export interface AuthorizeCallOptions {
  readonly config: Config;
  /** set in sign mode: policy look-ups are asked of KMS as the function */
  readonly invoke: KmsClient | undefined;
}

export function authorizeCall(
  options: AuthorizeCallOptions,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  return {
    before: async ({ context }) => {
      const { caller, call, http } = context.kms;
      if (!caller || !call || !http) return;
      const { invoke, config } = options;
      const resolver =
        invoke && config.mode === 'sign'
          ? createKeyResolver(invoke, {
              request: http,
              get deadline() {
                return upstreamDeadline(context, config);
              },
              get trace() {
                return upstreamTrace(context, config);
              },
            })
          : undefined;
      context.kms.answerCheck = await authorize(call, caller.policy, resolver);
    },
  };
}
