/**
 * The upstream HTTP client against real local servers: connections are kept alive, redirects
 * are not followed, the body cap holds even without Content-Length, and the deadline covers a
 * server that never answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, TransportError } from '../../src/upstream/http-client.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
const hits: { path: string; port: number }[] = [];
const routes: Record<string, Route> = {
  '/ok': (_req, res) => res.end('{"RequestId":"r"}'),
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: `${base}/ok` });
    res.end();
  },
  // Chunked, no Content-Length: the cap must be enforced while reading.
  '/endless': (_req, res) => {
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const write = () => {
      while (res.write(chunk)) if (res.writableLength > 1 << 20) break;
      setTimeout(write, 1);
    };
    write();
  },
  '/silent': () => {},
};

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', port: req.socket.remotePort ?? 0 });
    (routes[req.url ?? ''] ?? ((_q, r: ServerResponse) => r.end()))(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = createHttpClient({ maxBodyBytes: 64 * 1024 });
const get = (path: string, ms = 2000) =>
  client.send({ method: 'GET', url: new URL(path, base), headers: {}, deadline: Date.now() + ms });

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransportError) return error;
    throw error;
  }
  throw new Error('expected a TransportError');
}

describe('upstream HTTP client', () => {
  it('reuses one kept-alive connection across invocations', async () => {
    hits.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await get('/ok')).status).toBe(200);
      // Invocations are apart in time; back to back, fetch may open a second connection
      // before it has released the first.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(new Set(hits.map((h) => h.port)).size).toBe(1);
  });

  it('does not follow a redirect: the 302 comes back as it is', async () => {
    hits.length = 0;
    const answer = await get('/redirect');
    expect(answer.status).toBe(302);
    expect(hits.map((h) => h.path)).toEqual(['/redirect']);
  });

  it('stops reading at the cap, Content-Length or not', async () => {
    const error = await failure(get('/endless', 5000));
    expect(error.failure).toBe('too-large');
  });

  it('gives up at the deadline on a server that never answers', async () => {
    const started = Date.now();
    const error = await failure(get('/silent', 300));
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names a refused connection without quoting the error text', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      client.send({
        method: 'GET',
        url: new URL(`http://127.0.0.1:${port}/`),
        headers: {},
        deadline: Date.now() + 2000,
      }),
    );
    expect([error.failure, error.reason]).toEqual(['connect', 'ECONNREFUSED']);
  });
});
