/**
 * The upstream body cap (KMS_MAX_BODY_BYTES) at its edges, with and without Content-Length, over
 * real HTTP: a body of exactly the cap is read, one byte more is refused.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, TransportError } from '../../src/upstream/http-client.js';
import { type ScriptedUpstream, startUpstream } from '../support/upstream.js';

const CAP = 1024;
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

const client = createHttpClient({ maxBodyBytes: CAP });
const send = () =>
  client.send({
    method: 'POST',
    url: new URL('/', upstream.url),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListKeys',
    deadline: Date.now() + 5000,
  });

async function refusal(): Promise<TransportError> {
  try {
    await send();
  } catch (error) {
    if (error instanceof TransportError) return error;
    throw error;
  }
  throw new Error('expected a TransportError');
}

describe('upstream body cap', () => {
  it('reads a body of exactly the cap, bytes intact', async () => {
    const body = Buffer.alloc(CAP, 'k');
    upstream.reply({ status: 200, headers: { 'x-acs-request-id': 'R1' }, body });
    const answer = await send();
    expect(answer.status).toBe(200);
    expect(answer.body.equals(body)).toBe(true);
    expect(answer.headers['x-acs-request-id']).toBe('R1');
    expect(answer.headers['content-length']).toBe(String(CAP));
  });

  it('refuses one byte over the cap, announced by Content-Length', async () => {
    upstream.reply({ status: 200, body: Buffer.alloc(CAP + 1, 'k') });
    const error = await refusal();
    expect([error.failure, error.reason]).toEqual([
      'too-large',
      'upstream body larger than the cap',
    ]);
  });

  it('refuses a Content-Length over the cap without waiting for the body', async () => {
    upstream.reply({
      status: 200,
      headers: { 'content-length': String(10 * CAP) },
      body: 'short',
    });
    // The server sends 5 of the 10 240 bytes it announced and then waits: only a client that
    // trusts the announcement answers before the deadline.
    const error = await refusal();
    expect(error.failure).toBe('too-large');
  });

  it('refuses one byte over the cap when the body is chunked (no Content-Length)', async () => {
    upstream.reply({
      status: 200,
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(CAP + 1, 'k'),
    });
    expect((await refusal()).failure).toBe('too-large');
  });

  it('counts a compressed body as fetch decompresses it: a small Content-Length is no pass', async () => {
    // 4 kB of zeros gzip to a few dozen bytes; fetch inflates them to 4 × the cap.
    const inflated = Buffer.alloc(4 * CAP);
    upstream.reply({
      status: 200,
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(inflated),
    });
    expect((await refusal()).failure).toBe('too-large');
  });

  it('reads a compressed body within the cap, decompressed', async () => {
    const body = Buffer.from('{"RequestId":"R3"}');
    upstream.reply({ status: 200, headers: { 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect((await send()).body.toString()).toBe(body.toString());
  });

  it('reads an empty body', async () => {
    upstream.reply({ status: 204 });
    const answer = await send();
    expect([answer.status, answer.body.length]).toEqual([204, 0]);
  });

  it('joins repeated headers, names in lower case', async () => {
    upstream.reply({ status: 200, headers: { 'X-Acs-Request-Id': 'R2', Vary: 'Accept' } });
    const answer = await send();
    expect(answer.headers).toMatchObject({ 'x-acs-request-id': 'R2', vary: 'Accept' });
  });
});
