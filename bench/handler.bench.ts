/**
 * What the gateway adds to a KMS call, warm, in one process: the whole Middy stack (parse,
 * negotiate, validate, sign, call, type, render) beside the same signed call made directly to
 * the same emulator over HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, bench, describe } from 'vitest';
import { startEmulator } from '../src/emulator/index.js';
import { canonicalQuery } from '../src/protocol/percent-encode.js';
import { signV1 } from '../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../src/protocol/timestamp.js';

const accessKey = { id: 'LTAI5tBenchKey000001', secret: 'bench-secret-0123456789' };
const emulator = await startEmulator({ accessKeys: [accessKey] });
const key = emulator.state.createKey();
for (let i = 0; i < 9; i++) emulator.state.createKey();
afterAll(() => emulator.close());

Object.assign(process.env, {
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.secret,
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
const { handler } = await import('../src/handler.js');
const invoke = handler as unknown as (event: unknown, context: Context) => Promise<unknown>;
const context = {
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const event = (query: string) => ({
  version: '2.0',
  rawQueryString: query,
  headers: { accept: 'application/xml' },
  isBase64Encoded: false,
  requestContext: { requestId: 'bench', domainName: 'bench.local', http: { method: 'GET' } },
});

async function direct(params: Record<string, string>) {
  const signed = signV1(
    { ...params, Version: '2016-01-20', Format: 'JSON' },
    { accessKeyId: accessKey.id, accessKeySecret: accessKey.secret },
    { method: 'POST', nonce: randomUUID(), timestamp: alibabaTimestamp(new Date()) },
  );
  const response = await fetch(`${emulator.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: canonicalQuery(signed),
  });
  await response.text();
}

describe('ListKeys (10 keys), answered as XML', () => {
  bench('through kms-normalizer (handler, warm)', async () => {
    await invoke(event('Action=ListKeys'), context);
  });
  bench('baseline: the same signed call straight to KMS', async () => {
    await direct({ Action: 'ListKeys' });
  });
});

describe(`Encrypt with ${key.KeyId.slice(0, 8)}…`, () => {
  bench('through kms-normalizer (handler, warm)', async () => {
    await invoke(event(`Action=Encrypt&KeyId=${key.KeyId}&Plaintext=aGVsbG8%3D`), context);
  });
  bench('baseline: the same signed call straight to KMS', async () => {
    await direct({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'aGVsbG8=' });
  });
});
