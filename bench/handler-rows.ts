/**
 * Warm-path rows: one whole invocation of the handler in this process (parse, negotiate,
 * validate, sign, call, type, render, over HTTP to the emulator in another process) beside the
 * same signed call made directly to the same emulator with fetch. Latency, so wall time.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { canonicalQuery } from '../src/protocol/percent-encode.js';
import { signV1 } from '../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../src/protocol/timestamp.js';
import { BENCH_ACCESS_KEY as accessKey, startEmulatorProcess } from './emulator-child.js';
import { CALLS, timeRow } from './measure.js';
import type { Line } from './table.js';

export async function handlerLines(): Promise<Line[]> {
  const emulator = await startEmulatorProcess();
  try {
    const key = { KeyId: emulator.keyId };
    Object.assign(process.env, {
      KMS_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.secret,
      KMS_CALLER_AUTH: 'none',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../src/handler.js');
    const invoke = handler as unknown as (
      event: unknown,
      context: Context,
    ) => Promise<{ statusCode: number }>;
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
    const through = (query: string) => async () => {
      const result = await invoke(event(query), context);
      if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}`);
    };
    const direct = (params: Record<string, string>) => async () => {
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
      if (response.status !== 200) throw new Error(`KMS answered ${response.status}`);
    };
    const rows: [string, () => Promise<void>, () => Promise<void>][] = [
      [
        'Encrypt',
        through(`Action=Encrypt&KeyId=${key.KeyId}&Plaintext=aGVsbG8%3D`),
        direct({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'aGVsbG8=' }),
      ],
      ['ListKeys, 10 keys', through('Action=ListKeys'), direct({ Action: 'ListKeys' })],
    ];
    const lines: Line[] = [];
    for (const [payload, ours, theirs] of rows) {
      const t = await timeRow({ ours, theirs }, CALLS, true);
      lines.push({
        what: 'warm invocation, caller XML',
        payload,
        ours: t.ours?.us as number,
        anchor: 'the same signed call, direct (fetch)',
        theirs: t.theirs?.us as number,
        unit: 'µs',
        atMost: 1.2,
      });
    }
    return lines;
  } finally {
    emulator.stop();
  }
}
