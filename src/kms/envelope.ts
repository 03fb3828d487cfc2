/**
 * The error envelope every failure reaches the caller in, and KmsError, which carries a failure
 * from wherever it happened to the one place that renders it.
 */
import {
  type CodeSpelling,
  documentedMessage,
  documentedStatus,
  type KnownCode,
  respell,
} from './errors.js';

/** Exactly these five fields, in this order. */
export interface ErrorEnvelope {
  readonly HttpStatus: number;
  readonly Code: string;
  readonly Message: string;
  readonly RequestId: string;
  readonly HostId: string;
}

/** Where the failure was seen: before any upstream call, in the call, or in the upstream's answer. */
export type ErrorOrigin = 'request' | 'upstream-call' | 'upstream-answer' | 'internal';

/** What the upstream said, kept for the log line only. */
export interface UpstreamErrorDetail {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly recommend?: string | undefined;
  /** RAM's explanation of a denial (`AccessDeniedDetail`), as compact JSON */
  readonly accessDeniedDetail?: string | undefined;
  readonly contentType?: string | undefined;
}

export interface KmsErrorInit {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly origin: ErrorOrigin;
  /** set when the upstream gave one; otherwise the gateway's request id is used */
  readonly requestId?: string | undefined;
  /** set when the upstream gave one, or the upstream host for call failures */
  readonly hostId?: string | undefined;
  readonly upstream?: UpstreamErrorDetail | undefined;
  /** a short, secret-free reason for the log (e.g. `ECONNREFUSED`, `malformed XML`) */
  readonly reason?: string | undefined;
  /** the error this one translates, kept for debugging (never rendered or logged whole) */
  readonly cause?: unknown;
}

export class KmsError extends Error {
  override readonly name = 'KmsError';
  readonly status: number;
  readonly code: string;
  readonly origin: ErrorOrigin;
  readonly requestId: string | undefined;
  readonly hostId: string | undefined;
  readonly upstream: UpstreamErrorDetail | undefined;
  readonly reason: string | undefined;

  constructor(init: KmsErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.origin = init.origin;
    this.requestId = init.requestId;
    this.hostId = init.hostId;
    this.upstream = init.upstream;
    this.reason = init.reason;
  }
}

/** An error this gateway raises itself, with the documented status and message. */
export function gatewayError(
  code: KnownCode,
  options: {
    parameter?: string;
    origin?: ErrorOrigin;
    hostId?: string;
    reason?: string;
    /** appended to the documented message, e.g. why the upstream was unreadable */
    detail?: string;
    /** the upstream's request id, when it gave one */
    requestId?: string | undefined;
    /** the error this one translates */
    cause?: unknown;
  } = {},
): KmsError {
  const message = documentedMessage(code, options.parameter);
  return new KmsError({
    status: documentedStatus(code),
    code,
    message: options.detail ? `${message} ${options.detail}` : message,
    origin: options.origin ?? 'request',
    hostId: options.hostId,
    requestId: options.requestId,
    reason: options.reason,
    cause: options.cause,
  });
}

export interface EnvelopeContext {
  /** API Gateway request id (else the Lambda's) */
  readonly requestId: string;
  /** the gateway's own domain */
  readonly gatewayHost: string;
  readonly spelling: CodeSpelling;
}

export function toEnvelope(error: KmsError, context: EnvelopeContext): ErrorEnvelope {
  return {
    HttpStatus: error.status,
    Code: respell(error.code, context.spelling),
    Message: error.message,
    RequestId: error.requestId ?? context.requestId,
    HostId: error.hostId ?? context.gatewayHost,
  };
}
