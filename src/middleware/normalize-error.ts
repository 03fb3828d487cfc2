/**
 * onError: the Middy adapter of `http/error-answer.ts`, which turns whatever was thrown into the
 * envelope and its log lines; this file only hands it the request state and writes the lines.
 * Registered last so it runs first. It never throws: a failure here still answers a fixed
 * InternalFailure envelope, and says so in the log.
 *
 * before/onError also tell the logger the request's secrets, so that no line written for this
 * request (the access log's included) holds them.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import {
  FALLBACK_SUMMARY,
  type FailureSummary,
  fallbackAnswer,
  normalizeFailure,
  requestSecrets,
} from '../http/error-answer.js';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import type { CodeSpelling } from '../kms/errors.js';
import { lastFour, maskRequestSecrets } from '../log.js';
import { heldSecrets } from '../protocol/held-secrets.js';
import type { KmsContext, RequestState } from '../request-state.js';

/**
 * The request state as the core reads it, with the caller as the log names it: a caller key by
 * its last four characters, an IAM principal whole; its secrets go along only to be scrubbed.
 */
function failureState(state: RequestState | undefined) {
  const caller = state?.caller;
  if (!state) return state;
  if (!caller) {
    // Refused before it was known: the key it claimed, if any, by its last four characters.
    const claimed = state.params?.AccessKeyId ?? credentialOf(state.http?.headers.authorization);
    if (claimed) {
      return { ...state, caller: { kind: 'unverified', access_key_id: lastFour(claimed) } };
    }
    // An IAM principal API Gateway verified, refused (not listed in the callers document).
    const principal = state.http?.iamPrincipal;
    return principal ? { ...state, caller: { kind: 'unverified', principal } } : state;
  }
  const logged =
    caller.kind === 'key'
      ? { kind: 'key', access_key_id: lastFour(caller.accessKeyId), secrets: caller.secrets }
      : caller.kind === 'iam'
        ? { kind: 'iam', principal: caller.principal }
        : { kind: 'none' };
  return { ...state, caller: logged };
}

/** The AccessKeyId of a V3 `Authorization: ACS3-HMAC-SHA256 Credential=…` header. */
const credentialOf = (authorization: string | undefined) =>
  /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1];

export interface NormalizeErrorOptions {
  readonly logger: Logger;
  /** `sign` or `passthrough`; `unknown` when the configuration is invalid */
  readonly mode: string;
  readonly spelling: CodeSpelling;
  /** secrets of the configuration that must never reach a log line */
  readonly configSecrets: readonly string[];
}

type KmsRequest = Request<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>;

/** Leaves what was answered in the request state (a request refused unread gets one). */
function remember(request: KmsRequest, summary: FailureSummary): void {
  request.context.kms ??= { startedAt: Date.now() };
  request.context.kms.failure = summary;
}

export function normalizeError(
  options: NormalizeErrorOptions,
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  const { logger } = options;
  const stateOf = (request: KmsRequest) =>
    failureState(request.context.kms as RequestState | undefined);

  return {
    before: (request) => {
      maskRequestSecrets(logger, requestSecrets(stateOf(request)));
    },
    onError: (request) => {
      try {
        const state = stateOf(request);
        maskRequestSecrets(logger, requestSecrets(state));
        const held = heldSecrets();
        const { response, lines, summary } = normalizeFailure(request.error, state, {
          mode: options.mode,
          spelling: options.spelling,
          secrets: {
            secrets: [...options.configSecrets, ...held.secrets],
            accessKeyIds: held.accessKeyIds,
          },
          lambdaRequestId: request.context.awsRequestId,
        });
        request.response = response;
        remember(request, summary);
        for (const line of lines) {
          if (line.level === 'ERROR') logger.error(line.message, line.fields);
          else logger.warn(line.message, line.fields);
        }
      } catch (failure) {
        request.response = fallbackAnswer();
        try {
          remember(request, FALLBACK_SUMMARY);
        } catch {
          // Only the metrics miss it; the caller has its envelope.
        }
        try {
          logger.error('error normalization failed', {
            error_name: String((failure as { name?: unknown } | null)?.name),
          });
        } catch {
          // Nothing is left to tell; the caller still has its envelope.
        }
      }
    },
  };
}
