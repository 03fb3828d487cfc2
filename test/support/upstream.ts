/**
 * A scripted upstream: a real `node:http` server on 127.0.0.1 that answers each request with the
 * next reply queued by the test (then with a default), and records every request it received,
 * including the ones it answered with a failure. Where the emulator applies a fault before it
 * looks at a request, this one keeps the request: a test can read the nonce of an attempt that
 * failed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Received {
  readonly method: string;
  /** path and query as sent */
  readonly url: string;
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** the query merged with a form body, decoded */
  readonly params: Readonly<Record<string, string>>;
  /** epoch ms when the request was complete */
  readonly at: number;
}

export type Reply =
  | {
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Buffer;
    }
  /** the socket is destroyed without an answer */
  | { readonly drop: true }
  /** nothing is ever answered (until the client gives up) */
  | { readonly silent: true };

export interface ScriptedUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly received: Received[];
  /** replies for the next requests, in order */
  reply(...replies: Reply[]): void;
  /** the reply once the queue is empty (default: a 200 JSON success with a RequestId) */
  otherwise(reply: Reply): void;
  reset(): void;
  close(): Promise<void>;
}

export const OK_REPLY: Reply = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"RequestId":"upstream-ok"}',
};

/** A KMS JSON error answer. */
export const kmsError = (status: number, code: string, requestId = `req-${code}`): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ RequestId: requestId, HostId: 'kms.test', Code: code, Message: code }),
});

function paramsOf(req: IncomingMessage, url: URL, body: Buffer): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  return params;
}

export async function startUpstream(): Promise<ScriptedUpstream> {
  const queue: Reply[] = [];
  let fallback: Reply = OK_REPLY;
  const received: Received[] = [];
  const answer = (res: ServerResponse, reply: Reply) => {
    if ('drop' in reply) {
      res.socket?.destroy();
      return;
    }
    if ('silent' in reply) return;
    const body = reply.body ?? '';
    const headers: Record<string, string> = { ...reply.headers };
    const named = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    // Announced, as KMS does, unless the reply says how it is framed.
    if (!named('content-length') && !named('transfer-encoding')) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://upstream');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers,
        body,
        params: paramsOf(req, url, body),
        at: Date.now(),
      });
      answer(res, queue.shift() ?? fallback);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    received,
    reply: (...replies) => {
      queue.push(...replies);
    },
    otherwise: (reply) => {
      fallback = reply;
    },
    reset: () => {
      queue.length = 0;
      received.length = 0;
      fallback = OK_REPLY;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
