/**
 * The one HTTP client to KMS: undici with kept-alive connections, a connect timeout, a response
 * size cap, no redirects followed, and every request bounded by an absolute deadline.
 */
import { Agent, request } from 'undici';

export interface HttpClientOptions {
  readonly connectTimeoutMs: number;
  readonly maxBodyBytes: number;
}

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | undefined;
  /** epoch ms; the request is abandoned at this instant, connect and body included */
  readonly deadline: number;
  /** aborts early, e.g. when Middy's own early timeout fires */
  readonly signal?: AbortSignal | undefined;
}

export interface IncomingAnswer {
  readonly status: number;
  /** lower-case names; repeated headers joined with ", " */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export type TransportFailure = 'timeout' | 'connect' | 'reset' | 'too-large';

/** The upstream could not be reached or did not finish answering. `reason` is secret-free. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly failure: TransportFailure,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface HttpClient {
  send(outgoing: OutgoingRequest): Promise<IncomingAnswer>;
  close(): Promise<void>;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Maps what undici and the socket layer throw to a failure kind; never copies the error text. */
function classify(error: unknown, timedOut: boolean): TransportError {
  if (error instanceof TransportError) return error;
  const code = (error as { code?: unknown })?.code;
  const name = (error as { name?: unknown })?.name;
  if (
    timedOut ||
    name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new TransportError('timeout', 'upstream did not answer before the deadline');
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new TransportError('too-large', 'upstream body larger than the cap');
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TransportError('connect', 'connect timeout');
  }
  const known = typeof code === 'string' ? code : typeof name === 'string' ? name : 'unknown';
  if (/^E(CONNREFUSED|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH|ADDRNOTAVAIL)$/.test(known)) {
    return new TransportError('connect', known);
  }
  return new TransportError('reset', known);
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs },
    keepAliveTimeout: 4_000,
    maxResponseSize: options.maxBodyBytes,
  });

  async function send(outgoing: OutgoingRequest): Promise<IncomingAnswer> {
    const remaining = Math.max(1, outgoing.deadline - Date.now());
    const deadlineSignal = AbortSignal.timeout(remaining);
    const signal = outgoing.signal
      ? AbortSignal.any([deadlineSignal, outgoing.signal])
      : deadlineSignal;
    try {
      const answer = await request(outgoing.url, {
        dispatcher: agent,
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.body,
        signal,
        headersTimeout: remaining,
        bodyTimeout: remaining,
      });
      const declared = Number(answer.headers['content-length']);
      if (declared > options.maxBodyBytes) {
        answer.body.destroy();
        throw new TransportError('too-large', 'upstream body larger than the cap');
      }
      const body = Buffer.from(await answer.body.arrayBuffer());
      return { status: answer.statusCode, headers: flattenHeaders(answer.headers), body };
    } catch (error) {
      throw classify(error, deadlineSignal.aborted || outgoing.signal?.aborted === true);
    }
  }

  return { send, close: () => agent.close() };
}
