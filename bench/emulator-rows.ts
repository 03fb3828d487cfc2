/**
 * How long the emulator takes to be useful: start, answer one signed request, close, beside a
 * bare `node:http` server doing listen + one request + close in the same run; also with a state
 * file of 100 keys loaded at start (a read: nothing is written back).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmulatorOptions, startEmulator } from '../src/emulator/index.js';
import { canonicalQuery } from '../src/protocol/percent-encode.js';
import { signV1 } from '../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../src/protocol/timestamp.js';
import { CALLS, timeRow } from './measure.js';
import type { Line } from './table.js';

const accessKey = { id: 'LTAI5tBenchKey000001', secret: 'bench-secret-0123456789' };

/** One GET on a fresh connection (no keep-alive), the body read to its end. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const signedListKeys = (): string => {
  const signed = signV1(
    { Action: 'ListKeys', Version: '2016-01-20', Format: 'JSON' },
    { accessKeyId: accessKey.id, accessKeySecret: accessKey.secret },
    { method: 'GET', nonce: randomUUID(), timestamp: alibabaTimestamp(new Date()) },
  );
  return `/?${canonicalQuery(signed)}`;
};

async function emulatorRoundTrip(options: Partial<EmulatorOptions> = {}): Promise<void> {
  const emulator = await startEmulator({ accessKeys: [accessKey], ...options });
  const status = await get(emulator.port, signedListKeys());
  await emulator.close();
  if (status !== 200) throw new Error(`ListKeys answered ${status}`);
}

async function bareRoundTrip(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const status = await get((server.address() as AddressInfo).port, '/');
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  if (status !== 200) throw new Error(`answered ${status}`);
}

export async function emulatorLines(): Promise<Line[]> {
  const folder = mkdtempSync(join(tmpdir(), 'kms-bench-state-'));
  try {
    const statePath = join(folder, 'state.json');
    const seed = await startEmulator({ accessKeys: [accessKey], statePath });
    for (let i = 0; i < 100; i++) seed.state.createKey();
    await seed.close();
    const t = await timeRow(
      {
        empty: () => emulatorRoundTrip(),
        stateFile: () => emulatorRoundTrip({ statePath }),
        bare: () => bareRoundTrip(),
      },
      CALLS,
      true,
    );
    const what = 'emulator: start, one signed ListKeys, close';
    const anchor = 'bare node:http listen + one request + close';
    const theirs = t.bare?.us as number;
    return [
      { what, payload: 'empty state', ours: t.empty?.us as number, anchor, theirs, unit: 'µs' },
      {
        what,
        payload: 'a 100-key state file',
        ours: t.stateFile?.us as number,
        anchor,
        theirs,
        unit: 'µs',
      },
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
