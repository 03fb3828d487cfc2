/**
 * `npx serverless package` works offline and ships the bundled handler only: no emulator, no
 * tests, no local tooling, and no AWS SDK (the runtime has it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/offline.js';

const out = mkdtempSync(join(tmpdir(), 'kms-package-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The entries of a zip file, read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + extra;
  }
  return entries;
}

it('packages the bundled handler only', async () => {
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/serverless/bin/serverless.js'),
        'package',
        '--package',
        out,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: out, KMS_ESBUILD_DIR: '.esbuild-package' },
      },
      (error, _stdout, stderr) => (error ? reject(new Error(stderr)) : resolve()),
    ),
  );
  const entries = unzip(readFileSync(join(out, 'kms-normalizer.zip')));
  expect([...entries.keys()]).toEqual(['src/handler.mjs']);
  const handler = (entries.get('src/handler.mjs') as Buffer).toString('utf8');
  // Booleans, not toContain: a failure must not print a 170 kB bundle.
  expect(handler.includes('kms error normalized')).toBe(true);
  // The AWS SDK stays a runtime import, not bundled code.
  expect(handler.includes('import("@aws-sdk/client-secrets-manager")')).toBe(true);
  for (const absent of ['__emulator', 'startEmulator', 'serverless-offline', 'vitest', 'smithy']) {
    expect(handler.includes(absent), absent).toBe(false);
  }
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const fn = template.Resources.KmsLambdaFunction.Properties;
  expect(fn).toMatchObject({
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Handler: 'src/handler.handler',
  });
}, 60_000);
