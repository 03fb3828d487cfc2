/**
 * The one HTTP client to KMS: the runtime's own fetch (undici inside Node, kept-alive
 * connections by default), redirects never followed, a response size cap, and every request
 * bounded by an absolute deadline that covers connecting, waiting and reading.
 *
 * Why not the `undici` package: it is CommonJS and bundles whole (fetch, WebSocket, cache, two
 * copies of the llhttp wasm), several times the rest of the handler, all paid at cold start;
 * Node's fetch is that same undici, already in the runtime.
 */

export interface HttpClientOptions {
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
  /** the upstream's `x-acs-request-id`, when its headers came before the failure */
  readonly requestId: string | undefined;
  constructor(
    readonly failure: TransportFailure,
    readonly reason: string,
    options: { cause?: unknown; requestId?: string | undefined } = {},
  ) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.requestId = options.requestId;
  }
}

export interface HttpClient {
  /**
   * The upstream's answer, whatever its status.
   *
   * @throws TransportError when the upstream cannot be reached, drops the connection, passes the
   *   deadline, or sends a body over the cap
   */
  send(outgoing: OutgoingRequest): Promise<IncomingAnswer>;
}

const CONNECT_FAILURES =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|UND_ERR_CONNECT_TIMEOUT)$/;

/** Maps what fetch throws to a failure kind, by code only: the error text is never copied. */
function classify(error: unknown, timedOut: boolean): TransportError {
  if (error instanceof TransportError) return error;
  if (timedOut) {
    return new TransportError('timeout', 'upstream did not answer before the deadline', {
      cause: error,
    });
  }
  // fetch wraps the socket-level error as its cause: "TypeError: fetch failed" { cause }.
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  const known = typeof code === 'string' ? code : String(cause?.name ?? 'unknown');
  if (CONNECT_FAILURES.test(known)) return new TransportError('connect', known, { cause: error });
  return new TransportError('reset', known, { cause: error });
}

/** Reads the body, refusing it as soon as it passes the cap. */
async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new TransportError('too-large', 'upstream body larger than the cap', {
      requestId: response.headers.get('x-acs-request-id') ?? undefined,
    });
  const declared = response.headers.get('content-length');
  if (Number(declared) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  // A declared length within the cap bounds what HTTP framing delivers: read it whole, without
  // iterating the stream chunk by chunk (most of the cost of a small answer). Not when encoded:
  // fetch decompresses, and the length is then the compressed one.
  if (declared !== null && /^\d+$/.test(declared) && !response.headers.has('content-encoding')) {
    return Buffer.from(await response.arrayBuffer());
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, total);
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  async function send(outgoing: OutgoingRequest): Promise<IncomingAnswer> {
    // A controller and one timer, not AbortSignal.timeout + AbortSignal.any: those cost tens of
    // µs of CPU per call and leave weak references for the GC (docs/benchmarks.md, warm path).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(1, outgoing.deadline - Date.now()),
    );
    const abort = () => controller.abort();
    outgoing.signal?.addEventListener('abort', abort, { once: true });
    if (outgoing.signal?.aborted) controller.abort();
    try {
      const response = await fetch(outgoing.url, {
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const body = await readCapped(response, options.maxBodyBytes);
      return { status: response.status, headers, body };
    } catch (error) {
      throw classify(error, timedOut || outgoing.signal?.aborted === true);
    } finally {
      clearTimeout(timer);
      outgoing.signal?.removeEventListener('abort', abort);
    }
  }
  return { send };
}
