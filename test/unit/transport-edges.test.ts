/**
 * The upstream HTTP client's failures, named by kind and never by the error's own text: a reset,
 * a request fetch refuses to send, a caller that aborts, the deadline.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, TransportError } from '../../src/upstream/http-client.js';
import { type ScriptedUpstream, startUpstream } from '../support/upstream.js';

let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
});

const client = createHttpClient({ maxBodyBytes: 1024 });

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransportError) return error;
    throw error;
  }
  throw new Error('expected a TransportError');
}

const send = (
  extra: { headers?: Record<string, string>; signal?: AbortSignal; ms?: number } = {},
) =>
  client.send({
    method: 'POST',
    url: new URL('/', upstream.url),
    headers: extra.headers ?? {},
    body: 'Action=ListKeys',
    deadline: Date.now() + (extra.ms ?? 5000),
    signal: extra.signal,
  });

describe('transport failures', () => {
  it('a connection closed without an answer is a reset', async () => {
    upstream.reply({ drop: true });
    const error = await failure(send());
    expect(error.failure).toBe('reset');
    expect(error.reason).toMatch(/^[A-Z_]+$/);
  });

  it('a request fetch refuses to send is a reset of unknown cause, not a crash', async () => {
    const error = await failure(send({ headers: { 'x-bad': 'a\nb' } }));
    expect([error.failure, error.reason]).toEqual(['reset', 'unknown']);
    expect(upstream.received).toHaveLength(0);
  });

  it('the deadline: a timeout, saying so', async () => {
    upstream.reply({ silent: true });
    const error = await failure(send({ ms: 200 }));
    expect([error.failure, error.reason]).toEqual([
      'timeout',
      'upstream did not answer before the deadline',
    ]);
  });

  it('an abort from the caller (Middy’s early timeout) ends the wait at once, as a timeout', async () => {
    upstream.reply({ silent: true });
    const started = Date.now();
    const error = await failure(send({ signal: AbortSignal.timeout(150), ms: 20_000 }));
    expect(error.failure).toBe('timeout');
    // Long before the 20 s deadline.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a body over the cap says so', async () => {
    upstream.reply({ headers: { 'transfer-encoding': 'chunked' }, body: Buffer.alloc(2048) });
    expect((await failure(send())).reason).toBe('upstream body larger than the cap');
  });
});
