/**
 * onError: whatever was thrown becomes the documented envelope, in the negotiated format, with
 * the status it states, and one structured log line. Registered last so it runs first. It never
 * throws: a failure here still answers a fixed InternalFailure envelope.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import { renderEnvelope } from '../codec/render.js';
import { DEFAULT_JSON, type Negotiated, negotiate } from '../http/negotiate.js';
import type { GatewayEvent } from '../http/request.js';
import { type GatewayResult, gatewayResult } from '../http/response.js';
import { type ErrorEnvelope, gatewayError, KmsError, toEnvelope } from '../kms/envelope.js';
import type { CodeSpelling } from '../kms/errors.js';
import { lastFour, SECRET_FIELDS, scrubText } from '../log.js';
import type { KmsContext, RequestState } from './state.js';

export interface NormalizeErrorOptions {
  readonly logger: Logger;
  /** `sign` or `passthrough`; `unknown` when the configuration is invalid */
  readonly mode: string;
  readonly spelling: CodeSpelling;
  /** secrets of the configuration that must never reach a log line */
  readonly configSecrets: readonly string[];
}

const UPSTREAM_MESSAGE_MAX = 512;

/** Anything thrown, as a KmsError: Middy's early timeout is a 503, anything unknown a 500. */
function asKmsError(error: unknown, state: RequestState | undefined): KmsError {
  if (error instanceof KmsError) return error;
  const host = state?.upstream?.host;
  if ((error as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return gatewayError('SerivceUnavailableTemporary', {
      origin: host ? 'upstream-call' : 'internal',
      ...(host ? { hostId: host } : {}),
      reason: 'Lambda deadline reached',
      detail: 'The request did not complete before the function deadline.',
    });
  }
  const name = (error as { name?: unknown } | undefined)?.name;
  return gatewayError('InternalFailure', {
    origin: 'internal',
    ...(host ? { hostId: host } : {}),
    reason: typeof name === 'string' ? name : 'unknown',
  });
}

/** The format to answer in when negotiation itself did not run (the body was unreadable). */
function formatFor(state: RequestState | undefined): Negotiated {
  if (state?.negotiated) return state.negotiated;
  const result = negotiate(state?.params?.Format, state?.http?.headers.accept);
  return result.ok ? result : result.renderAs;
}

function secretsOf(state: RequestState | undefined, configSecrets: readonly string[]): string[] {
  const secrets = [...configSecrets];
  for (const [name, value] of Object.entries(state?.params ?? {})) {
    if (SECRET_FIELDS.has(name.toLowerCase())) secrets.push(value);
  }
  if (state?.caller?.kind === 'key') secrets.push(...state.caller.secrets);
  return secrets;
}

/** Who called, as the log names them: a caller key by its last four characters. */
function callerField(state: RequestState | undefined) {
  const caller = state?.caller;
  if (caller?.kind === 'key') return { kind: 'key', access_key_id: lastFour(caller.accessKeyId) };
  if (caller?.kind === 'iam') return { kind: 'iam', principal: caller.principal.slice(0, 256) };
  if (caller?.kind === 'anonymous') return { kind: 'none' };
  // Refused before it was known: the key it claimed, if any (never more than four characters).
  const claimed = state?.params?.AccessKeyId ?? accessKeyOfAuthorization(state?.http?.headers);
  return claimed ? { kind: 'unverified', access_key_id: lastFour(claimed) } : undefined;
}

function accessKeyOfAuthorization(headers: Readonly<Record<string, string>> | undefined) {
  return /Credential=([^,\s]+)/.exec(headers?.authorization ?? '')?.[1];
}

const FALLBACK_BODY = JSON.stringify({
  HttpStatus: 500,
  Code: 'InternalFailure',
  Message: 'Internal Failure.',
  RequestId: '',
  HostId: '',
});

export function normalizeError(
  options: NormalizeErrorOptions,
): MiddlewareObj<GatewayEvent, GatewayResult, Error, KmsContext> {
  const { logger } = options;

  function logLine(
    error: KmsError,
    envelope: ErrorEnvelope,
    negotiated: Negotiated,
    state?: RequestState,
  ) {
    const secrets = secretsOf(state, options.configSecrets);
    const fields = {
      action: state?.call?.action ?? state?.params?.Action,
      mode: options.mode,
      format: negotiated.format,
      format_source: negotiated.source,
      origin: error.origin,
      reason: error.reason === undefined ? undefined : scrubText(error.reason, secrets),
      envelope: {
        HttpStatus: envelope.HttpStatus,
        Code: envelope.Code,
        RequestId: envelope.RequestId,
        HostId: envelope.HostId,
      },
      upstream: state?.upstream
        ? {
            status: error.upstream?.status ?? state.upstream.status,
            code: error.upstream?.code,
            message:
              error.upstream === undefined
                ? undefined
                : scrubText(error.upstream.message, secrets).slice(0, UPSTREAM_MESSAGE_MAX),
            recommend: error.upstream?.recommend,
            access_denied_detail: error.upstream?.accessDeniedDetail,
            content_type: error.upstream?.contentType ?? state.upstream.contentType,
            latency_ms: state.upstream.latencyMs,
            attempts: state.upstream.attempts,
          }
        : undefined,
      caller: callerField(state),
    };
    if (envelope.HttpStatus >= 500) logger.error('kms error normalized', fields);
    else logger.warn('kms error normalized', fields);
  }

  return {
    onError: (request) => {
      try {
        const state = request.context.kms as RequestState | undefined;
        const error = asKmsError(request.error, state);
        const negotiated = formatFor(state);
        const envelope = toEnvelope(error, {
          requestId: state?.http?.requestId ?? request.context.awsRequestId ?? '',
          gatewayHost: state?.http?.domainName ?? 'localhost',
          spelling: options.spelling,
        });
        request.response = gatewayResult(
          envelope.HttpStatus,
          renderEnvelope(envelope, negotiated.format),
          negotiated.mediaType,
          envelope.RequestId,
        );
        if (!(request.error instanceof KmsError)) {
          // A bug: its frames go to the log, never to the caller. Not its message, which may
          // quote input (JSON.parse does).
          const stack = String((request.error as Error | undefined)?.stack ?? '');
          logger.error('unexpected error', {
            error_name: String((request.error as Error | undefined)?.name),
            frames: stack
              .split('\n')
              .filter((line) => line.trimStart().startsWith('at '))
              .map((line) => line.trim()),
          });
        }
        logLine(error, envelope, negotiated, state);
      } catch {
        request.response = gatewayResult(500, FALLBACK_BODY, DEFAULT_JSON.mediaType, '');
      }
    },
  };
}
