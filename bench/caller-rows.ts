/**
 * What caller authentication costs the function per request, in this process's CPU time (the
 * emulator runs in another process, so its work does not count): the warm handler verifying a
 * caller's V1 signature and spending its nonce (memory window, no KMS_NONCE_TABLE) beside the
 * same handler with KMS_CALLER_AUTH=none taking the same call unsigned; and the verification
 * alone beside that unsigned call, which is the share the goal (< 5 %) is about.
 * Requests are signed before timing, as callers sign them: that is the caller's cost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { readCallerDocument } from '../src/callers/directory.js';
import { loadConfig } from '../src/config.js';
import { signedPost } from '../src/local/signed-call.js';
import { createLogger } from '../src/log.js';
import { NonceWindow } from '../src/protocol/nonces.js';
import { verifySignature } from '../src/protocol/verify.js';
import { BENCH_ACCESS_KEY as accessKey, startEmulatorProcess } from './emulator-child.js';
import { CALLS, timeRow } from './measure.js';
import type { Line } from './table.js';

const CALLER = { accessKeyId: 'bench-caller-0001', accessKeySecret: 'bench-caller-secret-0001' };
const BASE = 'https://bench.local/';

type Invoke = (event: unknown, context: Context) => Promise<{ statusCode: number }>;

function eventOf(params: Record<string, string>, signed: boolean) {
  if (!signed) {
    return {
      version: '2.0',
      rawQueryString: '',
      headers: { host: 'bench.local', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      isBase64Encoded: false,
      requestContext: { requestId: 'bench', domainName: 'bench.local', http: { method: 'POST' } },
    };
  }
  const { init } = signedPost(BASE, params, CALLER, 'v1');
  return {
    version: '2.0',
    rawQueryString: '',
    headers: { host: 'bench.local', ...(init.headers as Record<string, string>) },
    body: init.body as string,
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', domainName: 'bench.local', http: { method: 'POST' } },
  };
}

export async function callerLines(): Promise<Line[]> {
  const emulator = await startEmulatorProcess();
  const dir = mkdtempSync(join(tmpdir(), 'kmsn-bench-callers-'));
  try {
    const document = JSON.stringify([
      { AccessKeyId: CALLER.accessKeyId, AccessKeySecret: CALLER.accessKeySecret, Actions: ['*'] },
    ]);
    const path = join(dir, 'callers.json');
    writeFileSync(path, document);
    const env = {
      KMS_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.secret,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const { buildHandler } = await import('../src/handler.js');
    const build = (extra: Record<string, string>): Invoke => {
      const loaded = loadConfig({ ...env, ...extra });
      if (!loaded.ok) throw new Error(loaded.problems.join('; '));
      return buildHandler(loaded.config, createLogger()) as unknown as Invoke;
    };
    const signedHandler = build({ KMS_CALLER_KEYS_FILE: path });
    const openHandler = build({ KMS_CALLER_AUTH: 'none' });
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 10_000 } as Context;
    const params = { Action: 'Encrypt', KeyId: emulator.keyId, Plaintext: 'aGVsbG8=' };

    // Enough signed requests for the whole row, made before it: a nonce is good once.
    const pool = Array.from({ length: 20_000 }, () => eventOf(params, true));
    let next = 0;
    const take = () => {
      const event = pool[next++];
      if (!event) throw new Error('bench: the pool of signed requests ran out; make it larger');
      return event;
    };
    const unsigned = eventOf(params, false);
    const call = (invoke: Invoke, event: () => unknown) => async () => {
      const result = await invoke(event(), context);
      if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}`);
    };
    const cpu = { ...CALLS, rowMs: 4_000, clock: 'cpu' as const };
    const whole = await timeRow(
      { ours: call(signedHandler, take), theirs: call(openHandler, () => unsigned) },
      cpu,
      true,
    );

    // The verification and nonce alone, on requests signed beforehand.
    const directory = readCallerDocument(document);
    const requests = pool.slice(0, 5_000).map((event) => {
      const body = new URLSearchParams(event.body);
      return {
        method: 'POST',
        query: {},
        params: Object.fromEntries(body),
        headers: event.headers as Record<string, string>,
        body: Buffer.from(event.body),
      };
    });
    let window = new NonceWindow();
    let i = 0;
    const verifyOnly = () => {
      if (i === requests.length) {
        i = 0;
        window = new NonceWindow();
      }
      const verified = verifySignature(requests[i++] as (typeof requests)[number], {
        keyOf: (id) => directory.keys.get(id),
        now: Date.now(),
      });
      window.use(verified.key.id, verified.nonce, Date.now());
    };
    const alone = await timeRow(
      { ours: verifyOnly, theirs: call(openHandler, () => unsigned) },
      cpu,
      true,
    );
    return [
      {
        what: 'warm invocation with caller signature (CPU)',
        payload: 'Encrypt',
        ours: whole.ours?.us as number,
        anchor: 'the same call unsigned, KMS_CALLER_AUTH=none',
        theirs: whole.theirs?.us as number,
        unit: 'µs',
      },
      {
        what: 'caller verification alone: V1 HMAC + nonce (CPU)',
        payload: 'Encrypt',
        ours: alone.ours?.us as number,
        anchor: 'the warm unsigned invocation',
        theirs: alone.theirs?.us as number,
        unit: 'µs',
        atMost: 0.05,
      },
    ];
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
