/**
 * Calls KMS for one validated RPC call: builds the upstream request for the mode (signed V1 or
 * V3, or the caller's own signed request passed through untouched), sends it, reads the answer,
 * and retries reads on transient failures with full-jitter backoff inside the deadline.
 */
import { randomUUID } from 'node:crypto';
import type { TypedObject } from '../codec/typed.js';
import { withGeneralXml } from '../codec/xml-read.js';
import type { Config } from '../config.js';
import type { HttpRequest } from '../http/request.js';
import type { RpcCall } from '../kms/call.js';
import { gatewayError, KmsError } from '../kms/envelope.js';
import { isRetryableCode } from '../kms/errors.js';
import { canonicalQuery } from '../protocol/percent-encode.js';
import { API_VERSION, V1_SIGNING_PARAMS } from '../protocol/rpc.js';
import { signV1 } from '../protocol/sign-v1.js';
import { signV3 } from '../protocol/sign-v3.js';
import { alibabaTimestamp } from '../protocol/timestamp.js';
import type { UpstreamTrace } from '../request-state.js';
import { readAnswer } from './answer.js';
import type { CredentialProvider } from './credentials.js';
import { CredentialsExpired, CredentialsUnavailable } from './credentials.js';
import { type HttpClient, type OutgoingRequest, TransportError } from './http-client.js';

export interface KmsClientDeps {
  readonly config: Config;
  readonly http: HttpClient;
  readonly credentials: CredentialProvider;
  /** injectable for tests of the backoff; defaults to Math.random */
  readonly random?: () => number;
}

export interface Invocation {
  readonly call: RpcCall;
  readonly request: HttpRequest;
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  readonly trace: UpstreamTrace;
}

const FORM = 'application/x-www-form-urlencoded';
/** Parameters the gateway sets itself in sign mode. */
const GATEWAY_OWNED = new Set<string>([...V1_SIGNING_PARAMS, 'Format', 'Version', 'Action']);
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** an attempt that cannot get this much time is not started */
const MIN_ATTEMPT_MS = 200;

function businessParams(call: RpcCall): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.params)) {
    if (!GATEWAY_OWNED.has(name)) out[name] = value;
  }
  return out;
}

/** Prefer POST (parameters in the body stay out of access logs); a few actions are GET only. */
const upstreamMethod = (call: RpcCall): 'GET' | 'POST' =>
  call.spec.methods.includes('POST') ? 'POST' : 'GET';

/**
 * The credentials to sign with, by the deadline. Expired and not renewed yet is a 503 (it may
 * pass); anything else is the configuration's, a 500.
 */
async function credentialsBy(provider: CredentialProvider, deadline: number) {
  // A controller and a timer cleared at once: static credentials answer without waiting, and
  // AbortSignal.timeout would leave a timer and a weak reference behind on every call.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(1, deadline - Date.now()));
  try {
    return await provider(controller.signal);
  } catch (error) {
    if (error instanceof CredentialsExpired) {
      throw gatewayError('SerivceUnavailableTemporary', {
        origin: 'internal',
        reason: error.message,
        detail: "The function's Alibaba Cloud credentials expired and could not be renewed.",
        cause: error,
      });
    }
    throw gatewayError('InternalFailure', {
      origin: 'internal',
      reason: error instanceof CredentialsUnavailable ? error.message : 'credentials lookup failed',
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The KMS call for one request; the returned function rejects as `@throws` says.
 * @throws KmsError for every failure: the upstream's error as KMS said it, 503 for a transport
 *   failure or the deadline, 500 InternalFailure for credentials that cannot be had
 */
export function createKmsClient(deps: KmsClientDeps) {
  const { config, http } = deps;
  const random = deps.random ?? Math.random;
  const endpoint = config.endpoint;

  async function signed(inv: Invocation): Promise<Omit<OutgoingRequest, 'deadline' | 'signal'>> {
    const credentials = await credentialsBy(deps.credentials, inv.deadline);
    const method = upstreamMethod(inv.call);
    // A fresh nonce and timestamp for every attempt: a resent nonce is refused upstream.
    const nonce = randomUUID();
    const now = alibabaTimestamp(new Date());
    const business = businessParams(inv.call);
    if (config.signatureVersion === 'v3') {
      const query = config.upstreamFormat === 'XML' ? { ...business, Format: 'XML' } : business;
      const headers = signV3(query, credentials, {
        method,
        host: endpoint.host,
        action: inv.call.action,
        version: API_VERSION,
        nonce,
        date: now,
      });
      const { host: _host, ...sendable } = headers;
      const qs = canonicalQuery(query);
      return { method, url: new URL(qs ? `/?${qs}` : '/', endpoint), headers: sendable };
    }
    const params = signV1(
      { ...business, Action: inv.call.action, Version: API_VERSION, Format: config.upstreamFormat },
      credentials,
      { method, nonce, timestamp: now },
    );
    const encoded = canonicalQuery(params);
    if (method === 'GET') return { method, url: new URL(`/?${encoded}`, endpoint), headers: {} };
    return {
      method,
      url: new URL('/', endpoint),
      headers: { 'content-type': FORM },
      body: encoded,
    };
  }

  /** The caller's request as it came: same method, query text and body bytes. */
  function passedThrough(inv: Invocation): Omit<OutgoingRequest, 'deadline' | 'signal'> {
    const { request } = inv;
    const method = request.method === 'GET' ? 'GET' : 'POST';
    // V1 only: its signature lives in the parameters. A V3 signature covers the Host header,
    // which cannot survive the hop, so V3 headers are not forwarded.
    const contentType = request.headers['content-type'];
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    return {
      method,
      url: new URL(request.rawQuery ? `/?${request.rawQuery}` : '/', endpoint),
      headers,
      body: method === 'POST' ? request.body : undefined,
    };
  }

  async function attempt(inv: Invocation): Promise<TypedObject> {
    const outgoing = config.mode === 'sign' ? await signed(inv) : passedThrough(inv);
    const started = performance.now();
    inv.trace.attempts += 1;
    try {
      const answer = await http.send({ ...outgoing, deadline: inv.deadline, signal: inv.signal });
      inv.trace.status = answer.status;
      inv.trace.contentType = answer.headers['content-type'];
      // The general XML reader is loaded the first time an answer needs it (codec/xml-read.ts).
      return await withGeneralXml(() =>
        readAnswer(answer, { spec: inv.call.spec, host: endpoint.host }),
      );
    } catch (error) {
      if (error instanceof TransportError) throw fromTransport(error, endpoint.host);
      throw error;
    } finally {
      inv.trace.latencyMs += Math.round(performance.now() - started);
    }
  }

  function retryable(error: unknown, inv: Invocation): boolean {
    if (config.mode !== 'sign' || inv.call.spec.operationType !== 'read') return false;
    if (!(error instanceof KmsError)) return false;
    if (error.origin === 'upstream-call') return error.code !== 'InternalFailure';
    return (
      error.origin === 'upstream-answer' && (error.status >= 500 || isRetryableCode(error.code))
    );
  }

  return async function invoke(inv: Invocation): Promise<TypedObject> {
    for (let n = 1; ; n++) {
      try {
        return await attempt(inv);
      } catch (error) {
        if (n >= config.maxAttempts || !retryable(error, inv)) throw error;
        const delay = random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
        if (Date.now() + delay + MIN_ATTEMPT_MS > inv.deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

function fromTransport(error: TransportError, host: string): KmsError {
  if (error.failure === 'too-large') {
    return gatewayError('InternalFailure', {
      origin: 'upstream-call',
      hostId: host,
      reason: error.reason,
      detail: 'The upstream response was unreadable: larger than the size cap.',
      requestId: error.requestId,
      cause: error,
    });
  }
  const what =
    error.failure === 'timeout'
      ? 'did not answer in time'
      : error.failure === 'connect'
        ? 'could not be reached'
        : 'closed the connection';
  return gatewayError('SerivceUnavailableTemporary', {
    origin: 'upstream-call',
    hostId: host,
    reason: error.reason,
    detail: `The upstream KMS ${what}.`,
    cause: error,
  });
}

export type KmsClient = ReturnType<typeof createKmsClient>;
