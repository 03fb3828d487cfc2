/**
 * before: who is calling. The route first (method, path: as KMS answers them), then the caller
 * by KMS_CALLER_AUTH: a signature verified against the callers directory and a nonce spent,
 * or the IAM principal API Gateway verified, or nobody in particular (`none`).
 */
import type { MiddlewareObj } from '@middy/core';
import { authenticateIam, authenticateSignature } from '../callers/authenticate.js';
import type { CallerStore } from '../callers/caller-store.js';
import type { NonceStore } from '../callers/nonce-store.js';
import { UNRESTRICTED } from '../callers/policy.js';
import type { CallerAuth } from '../config.js';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import { checkRoute } from '../kms/call.js';
import { gatewayError } from '../kms/envelope.js';
import type { KmsContext } from '../request-state.js';

export interface AuthenticateCallerOptions {
  readonly auth: CallerAuth;
  /** required for `signature`, optional for `iam` */
  readonly callers: CallerStore | undefined;
  readonly nonces: NonceStore;
  /** time kept back from the Lambda deadline to answer in */
  readonly deadlineMarginMs: number;
}

/** How long a request may wait for the callers directory or the nonce store. */
const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * Who is calling, by KMS_CALLER_AUTH; its `before` rejects as `@throws` says.
 * @throws KmsError the documented refusal (see `authenticateSignature`), 500 InternalFailure
 *   when no callers directory can be read
 */
export function authenticateCaller(
  options: AuthenticateCallerOptions,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  // Before-middlewares run outside Middy's early-timeout guard: every wait here is bounded.
  const lookupSignal = (context: KmsContext) => {
    const remaining = context.getRemainingTimeInMillis?.() ?? LOOKUP_TIMEOUT_MS;
    const ms = Math.min(LOOKUP_TIMEOUT_MS, remaining - options.deadlineMarginMs);
    return AbortSignal.timeout(Math.max(1, ms));
  };
  const directory = async (context: KmsContext) => {
    if (!options.callers) return undefined;
    try {
      return await options.callers.get(lookupSignal(context));
    } catch (error) {
      throw gatewayError('InternalFailure', {
        origin: 'internal',
        reason: `callers directory: ${(error as Error).message}`,
        cause: error,
      });
    }
  };

  return {
    before: async ({ context }) => {
      const { http, params } = context.kms;
      if (!http || !params) return;
      checkRoute(http.method, http.path);
      switch (options.auth) {
        case 'none':
          context.kms.caller = { kind: 'anonymous', policy: UNRESTRICTED };
          return;
        case 'iam':
          context.kms.caller = authenticateIam(http.iamPrincipal, await directory(context));
          return;
        case 'signature': {
          const found = await directory(context);
          if (!found)
            throw gatewayError('InternalFailure', {
              origin: 'internal',
              reason: 'no callers directory',
            });
          const query = new URLSearchParams(http.rawQuery);
          context.kms.caller = await authenticateSignature(
            {
              method: http.method,
              query: Object.fromEntries(query),
              params,
              headers: http.headers,
              body: http.body ?? new Uint8Array(),
            },
            found,
            options.nonces,
            lookupSignal(context),
          );
        }
      }
    },
  };
}
