/**
 * Error normalization, free of any runtime: whatever was thrown becomes the documented envelope,
 * in the negotiated format, with the status it states, and the one structured log line that goes
 * with it (and, for a bug, one line of its stack frames). The Middy middleware
 * (`middleware/normalize-error.ts`) only adapts this to a request and a logger, as Powertools'
 * Middy middleware hands off to its Logger.
 *
 * Every logged field is scrubbed of the secrets of the process and of the request, and bounded
 * (LOG_LIMITS): what the upstream or the caller sent can make a line neither leak nor grow.
 */
import { renderEnvelope } from '../codec/render.js';
import { isRecord } from '../codec/typed.js';
import { type ErrorOrigin, gatewayError, KmsError, toEnvelope } from '../kms/envelope.js';
import type { CodeSpelling } from '../kms/errors.js';
import { bounded, lastFour, SECRET_FIELDS } from '../kms/redact.js';
import { createScrubber, type Scrubber, type SecretSet } from '../kms/scrub.js';
import type { Params } from '../protocol/rpc.js';
import { DEFAULT_JSON, type Negotiated, negotiate } from './negotiate.js';
import type { HttpRequest } from './request.js';
import { type ApiGatewayResult, apiGatewayResult } from './response.js';

/** What the upstream call did, as far as it got (the proxy's trace). */
export interface UpstreamFacts {
  readonly host: string;
  readonly attempts: number;
  readonly latencyMs: number;
  readonly status?: number | undefined;
  readonly contentType?: string | undefined;
}

/** What the middlewares learned of the request before it failed; any of it may be missing. */
export interface FailureState {
  readonly http?: HttpRequest | undefined;
  readonly params?: Params | undefined;
  readonly negotiated?: Negotiated | undefined;
  readonly call?: { readonly action: string } | undefined;
  readonly upstream?: UpstreamFacts | undefined;
  /**
   * who called, when caller authentication knows: its text, number and boolean fields are logged
   * as `caller`, each bounded; a `secrets` list is never logged, only scrubbed from every line
   */
  readonly caller?: object | undefined;
}

export interface NormalizeOptions {
  /** `sign` or `passthrough`; `unknown` when the configuration is invalid */
  readonly mode: string;
  readonly spelling: CodeSpelling;
  /** what the process holds (its own credentials): never in a log line */
  readonly secrets: SecretSet;
  /** the envelope's RequestId when no API Gateway request id is known */
  readonly lambdaRequestId?: string | undefined;
}

export interface LogLine {
  readonly level: 'WARN' | 'ERROR';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What a failure was answered with, for whoever counts failures (the metrics). */
export interface FailureSummary {
  readonly httpStatus: number;
  /** the envelope's Code, as answered (in the operator's spelling) */
  readonly code: string;
  readonly origin: ErrorOrigin;
}

export interface NormalizedFailure {
  readonly response: ApiGatewayResult;
  /** in the order to write them */
  readonly lines: readonly LogLine[];
  readonly summary: FailureSummary;
}

/** The bound of each logged field, in characters (README, Security). */
export const LOG_LIMITS = {
  /** action, codes, format, origin, content type, error name, each caller field */
  short: 128,
  /** RequestId, HostId, and each stack frame */
  id: 256,
  /** why the gateway refused or could not read */
  reason: 256,
  /** the upstream's Message and Recommend */
  message: 512,
  /** RAM's AccessDeniedDetail, as compact JSON */
  detail: 1024,
  /** stack frames of a bug, and fields of `caller` */
  items: 16,
} as const;

/** Limits by field name; any other string is `short`. */
const LIMIT_OF: Readonly<Record<string, number>> = {
  RequestId: LOG_LIMITS.id,
  HostId: LOG_LIMITS.id,
  reason: LOG_LIMITS.reason,
  message: LOG_LIMITS.message,
  recommend: LOG_LIMITS.message,
  access_denied_detail: LOG_LIMITS.detail,
  frames: LOG_LIMITS.id,
};

/** The secrets a request carries: secret parameters and headers, and its AccessKeyIds. */
export function requestSecrets(state: FailureState | undefined): SecretSet {
  const secrets: string[] = [];
  const accessKeyIds: string[] = [];
  const sort = (name: string, value: string) => {
    const lower = name.toLowerCase();
    if (SECRET_FIELDS.has(lower)) secrets.push(value);
    else if (lower === 'accesskeyid' || lower === 'x-acs-accesskey-id') accessKeyIds.push(value);
  };
  for (const [name, value] of Object.entries(state?.params ?? {})) sort(name, value);
  for (const [name, value] of Object.entries(state?.http?.headers ?? {})) sort(name, value);
  // The caller's own key secret and token, when caller authentication found them.
  const held = (state?.caller as { secrets?: unknown } | undefined)?.secrets;
  if (Array.isArray(held))
    for (const value of held) if (typeof value === 'string') secrets.push(value);
  return { secrets, accessKeyIds };
}

/** Middy's early-timeout guard: the deadline came, which is no bug. */
const isDeadline = (error: unknown) =>
  (error as { name?: unknown } | null | undefined)?.name === 'TimeoutError';

/** Anything thrown, as a KmsError: Middy's early timeout is a 503, anything unknown a 500. */
function asKmsError(error: unknown, state: FailureState | undefined): KmsError {
  if (error instanceof KmsError) return error;
  const host = state?.upstream?.host;
  const name = (error as { name?: unknown } | null | undefined)?.name;
  if (isDeadline(error)) {
    return gatewayError('SerivceUnavailableTemporary', {
      origin: host ? 'upstream-call' : 'internal',
      ...(host ? { hostId: host } : {}),
      reason: 'Lambda deadline reached',
      detail: 'The request did not complete before the function deadline.',
      cause: error,
    });
  }
  return gatewayError('InternalFailure', {
    origin: 'internal',
    ...(host ? { hostId: host } : {}),
    reason: typeof name === 'string' ? name : 'unknown',
    cause: error,
  });
}

/** The format to answer in when negotiation itself did not run (the body was unreadable). */
function formatFor(state: FailureState | undefined): Negotiated {
  if (state?.negotiated) return state.negotiated;
  const result = negotiate(state?.params?.Format, state?.http?.headers.accept);
  return result.ok ? result : result.renderAs;
}

/** Up to LOG_LIMITS.items fields of the caller object: text, numbers and booleans only. */
function callerFields(caller: object | undefined): Record<string, unknown> | undefined {
  if (caller === undefined || caller === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(caller).slice(0, LOG_LIMITS.items)) {
    const key = bounded(name, LOG_LIMITS.short);
    if (typeof value === 'string') {
      out[key] = /^(accesskeyid|accessKeyId)$/i.test(name) ? lastFour(value) : value;
    } else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/**
 * `fields` with every string scrubbed (all in one pass over the secrets) and bounded by its
 * name's limit; lists (stack frames) bounded in length too.
 */
function cleaned(fields: Record<string, unknown>, scrub: Scrubber): Record<string, unknown> {
  const slots: {
    holder: Record<string, unknown> | unknown[];
    key: string | number;
    max: number;
  }[] = [];
  const texts: string[] = [];
  const visit = (
    holder: Record<string, unknown> | unknown[],
    key: string | number,
    max: number,
  ) => {
    const value = (holder as Record<string | number, unknown>)[key];
    if (typeof value === 'string') {
      slots.push({ holder, key, max });
      // Only a head of a long text is scrubbed: what is cut is never logged.
      texts.push(value.length > 4 * max ? value.slice(0, 4 * max) : value);
    } else if (Array.isArray(value)) {
      value.splice(LOG_LIMITS.items);
      value.forEach((_, i) => {
        visit(value, i, max);
      });
    } else if (isRecord(value)) {
      for (const child of Object.keys(value)) {
        visit(value, child, LIMIT_OF[child] ?? LOG_LIMITS.short);
      }
    }
  };
  const root = { fields };
  visit(root, 'fields', LOG_LIMITS.short);
  const clean = scrub.scrubAll(texts);
  slots.forEach(({ holder, key, max }, i) => {
    const original = (holder as Record<string | number, unknown>)[key] as string;
    (holder as Record<string | number, unknown>)[key] = bounded(
      clean[i] as string,
      max,
      original.length === (texts[i] as string).length ? undefined : original.length,
    );
  });
  return root.fields;
}

/** The `kms error normalized` line: where it came from, the envelope, what the upstream said. */
function errorLine(
  error: KmsError,
  envelope: { HttpStatus: number; Code: string; RequestId: string; HostId: string },
  negotiated: Negotiated,
  state: FailureState | undefined,
  mode: string,
): Record<string, unknown> {
  const upstream = state?.upstream;
  const accessKeyId = state?.params?.AccessKeyId;
  return {
    action: state?.call?.action ?? state?.params?.Action,
    mode,
    format: negotiated.format,
    format_source: negotiated.source,
    origin: error.origin,
    reason: error.reason,
    envelope: {
      HttpStatus: envelope.HttpStatus,
      Code: envelope.Code,
      RequestId: envelope.RequestId,
      HostId: envelope.HostId,
    },
    upstream: upstream
      ? {
          status: error.upstream?.status ?? upstream.status,
          code: error.upstream?.code,
          message: error.upstream?.message,
          recommend: error.upstream?.recommend,
          access_denied_detail: error.upstream?.accessDeniedDetail,
          content_type: error.upstream?.contentType ?? upstream.contentType,
          latency_ms: upstream.latencyMs,
          attempts: upstream.attempts,
        }
      : undefined,
    caller_access_key_id: accessKeyId ? lastFour(accessKeyId) : undefined,
    caller: callerFields(state?.caller),
  };
}

/** A bug's frames go to the log, never to the caller; not its message, which may quote input. */
function bugLine(thrown: unknown): Record<string, unknown> {
  const stack = String((thrown as { stack?: unknown } | null | undefined)?.stack ?? '');
  return {
    error_name: String((thrown as { name?: unknown } | null | undefined)?.name),
    frames: stack
      .split('\n', 200)
      .filter((line) => line.trimStart().startsWith('at '))
      .map((line) => line.trim()),
  };
}

/**
 * The answer and the log lines for whatever was thrown while handling a request, given what was
 * learned of the request before.
 */
export function normalizeFailure(
  thrown: unknown,
  state: FailureState | undefined,
  options: NormalizeOptions,
): NormalizedFailure {
  const error = asKmsError(thrown, state);
  const negotiated = formatFor(state);
  const envelope = toEnvelope(error, {
    requestId: state?.http?.requestId ?? options.lambdaRequestId ?? '',
    gatewayHost: state?.http?.domainName ?? 'localhost',
    spelling: options.spelling,
  });
  const response = apiGatewayResult(
    envelope.HttpStatus,
    renderEnvelope(envelope, negotiated.format),
    negotiated.mediaType,
    envelope.RequestId,
  );
  const request = requestSecrets(state);
  const scrub = createScrubber({
    secrets: [...options.secrets.secrets, ...request.secrets],
    accessKeyIds: [...(options.secrets.accessKeyIds ?? []), ...(request.accessKeyIds ?? [])],
  });
  const lines: LogLine[] = [];
  if (!(thrown instanceof KmsError) && !isDeadline(thrown)) {
    lines.push({
      level: 'ERROR',
      message: 'unexpected error',
      fields: cleaned(bugLine(thrown), scrub),
    });
  }
  lines.push({
    level: envelope.HttpStatus >= 500 ? 'ERROR' : 'WARN',
    message: 'kms error normalized',
    fields: cleaned(errorLine(error, envelope, negotiated, state, options.mode), scrub),
  });
  return {
    response,
    lines,
    summary: { httpStatus: envelope.HttpStatus, code: envelope.Code, origin: error.origin },
  };
}

const FALLBACK_BODY = JSON.stringify({
  HttpStatus: 500,
  Code: 'InternalFailure',
  Message: 'Internal Failure.',
  RequestId: '',
  HostId: '',
});

/** What the fallback answer is. */
export const FALLBACK_SUMMARY: FailureSummary = {
  httpStatus: 500,
  code: 'InternalFailure',
  origin: 'internal',
};

/** The answer when normalizing itself failed: a fixed InternalFailure envelope. */
export function fallbackAnswer(): ApiGatewayResult {
  return apiGatewayResult(500, FALLBACK_BODY, DEFAULT_JSON.mediaType, '');
}
