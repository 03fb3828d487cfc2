/**
 * The state file: what a request creates is on disk before the answer, survives a restart
 * (keys, aliases, secrets, and ciphertexts still decrypt), is 0600 and replaced atomically; a
 * broken file stops the start; reads leave the file alone. Also `npm start`'s KMS_EMULATOR_STATE,
 * as far as it can be seen without serverless-offline.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type Emulator,
  type EmulatorData,
  type EmulatorOptions,
  startEmulator,
} from '../../src/emulator/index.js';
import { PROJECT_ROOT } from '../../src/local/offline.js';
import { ACCESS_KEYS, callV1, json, ok } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'kms-emulator-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder and a state file path in it (the file does not exist yet). */
function statePath(): string {
  const folder = join(root, `case-${folders++}`);
  mkdirSync(folder);
  return join(folder, 'kms-state.json');
}

const running = new Set<Emulator>();
async function start(path: string, options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  const emulator = await startEmulator({ accessKeys: ACCESS_KEYS, statePath: path, ...options });
  running.add(emulator);
  return emulator;
}
async function stop(emulator: Emulator): Promise<void> {
  running.delete(emulator);
  await emulator.close();
}
afterEach(async () => {
  await Promise.all([...running].map(stop));
});

const onDisk = (path: string): EmulatorData =>
  JSON.parse(readFileSync(path, 'utf8')) as EmulatorData;

/** What tells one write of the file from another: each write is a new file renamed over it. */
const identity = (path: string) => {
  const stat = statSync(path);
  return { ino: stat.ino, mtimeMs: stat.mtimeMs, text: readFileSync(path, 'utf8') };
};

const keyIdOf = (body: Record<string, unknown>) =>
  (body.KeyMetadata as Record<string, string>).KeyId as string;

describe('state file', () => {
  it('keeps keys, aliases and secrets across a restart', async () => {
    const path = statePath();
    const first = await start(path);
    const keyId = keyIdOf(await ok(first, { Action: 'CreateKey', Description: 'kept' }));
    await ok(first, { Action: 'CreateAlias', AliasName: 'alias/kept', KeyId: keyId });
    await ok(first, { Action: 'DisableKey', KeyId: keyId });
    await ok(first, {
      Action: 'CreateSecret',
      SecretName: 'db-password',
      VersionId: 'v1',
      SecretData: 's3cr3t',
    });
    // Already on disk, before any close.
    const saved = onDisk(path);
    expect(saved.keys.map((k) => [k.KeyId, k.KeyState])).toEqual([[keyId, 'Disabled']]);
    expect(saved.aliases).toEqual([{ AliasName: 'alias/kept', KeyId: keyId }]);
    expect(saved.secrets.map((s) => s.SecretName)).toEqual(['db-password']);
    await stop(first);

    const second = await start(path);
    expect(second.state.snapshot()).toEqual(saved);
    const described = await ok(second, { Action: 'DescribeKey', KeyId: 'alias/kept' });
    expect(described.KeyMetadata).toMatchObject({
      KeyId: keyId,
      Description: 'kept',
      KeyState: 'Disabled',
    });
    const secret = await ok(second, { Action: 'GetSecretValue', SecretName: 'db-password' });
    expect(secret).toMatchObject({ SecretName: 'db-password', SecretData: 's3cr3t' });
  });

  it('decrypts after a restart what was encrypted before it', async () => {
    const path = statePath();
    const first = await start(path);
    const keyId = keyIdOf(await ok(first, { Action: 'CreateKey' }));
    const encrypted = await ok(first, {
      Action: 'Encrypt',
      KeyId: keyId,
      Plaintext: 'cGVyc2lzdGVk',
      EncryptionContext: '{"app":"demo"}',
    });
    await stop(first);

    const second = await start(path);
    const decrypted = await ok(second, {
      Action: 'Decrypt',
      CiphertextBlob: encrypted.CiphertextBlob as string,
      EncryptionContext: '{"app":"demo"}',
    });
    expect(decrypted).toMatchObject({ KeyId: keyId, Plaintext: 'cGVyc2lzdGVk' });
  });

  it('writes the file 0600, by renaming a temporary file, leaving nothing else behind', async () => {
    const path = statePath();
    const emulator = await start(path);
    await ok(emulator, { Action: 'CreateKey' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = identity(path);
    await ok(emulator, { Action: 'CreateKey' });
    expect(identity(path).ino).not.toBe(before.ino);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await stop(emulator);
    expect(readdirSync(join(path, '..'))).toEqual(['kms-state.json']);
  });

  it('replaces a file that was readable by others with a 0600 one', async () => {
    const path = statePath();
    writeFileSync(path, '{"keys":[],"aliases":[]}', { mode: 0o644 });
    const emulator = await start(path);
    await ok(emulator, { Action: 'CreateKey' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('does not rewrite the file for reads, failed writes, or a close with nothing new', async () => {
    const path = statePath();
    const first = await start(path);
    const keyId = keyIdOf(await ok(first, { Action: 'CreateKey' }));
    await ok(first, { Action: 'CreateAlias', AliasName: 'alias/a', KeyId: keyId });
    await stop(first);

    const emulator = await start(path);
    const before = identity(path);
    const encrypted = await ok(emulator, { Action: 'Encrypt', KeyId: keyId, Plaintext: 'aGk=' });
    await ok(emulator, { Action: 'Decrypt', CiphertextBlob: encrypted.CiphertextBlob as string });
    await ok(emulator, { Action: 'GenerateDataKey', KeyId: 'alias/a' });
    await ok(emulator, { Action: 'ListKeys' });
    await ok(emulator, { Action: 'ListAliases' });
    await ok(emulator, { Action: 'DescribeKey', KeyId: keyId });
    // Actions that can write, but did not: failures and a no-op.
    const taken = await callV1(emulator, {
      Action: 'CreateAlias',
      AliasName: 'alias/a',
      KeyId: keyId,
    });
    expect(json(taken).Code).toBe('AliasAlreadyExists');
    expect((await callV1(emulator, { Action: 'EnableKey', KeyId: 'nope' })).status).toBe(404);
    await ok(emulator, { Action: 'EnableKey', KeyId: keyId });
    expect(identity(path)).toEqual(before);
    await stop(emulator);
    expect(identity(path)).toEqual(before);
  });

  it('saves what a request changed before answering, even when many come at once', async () => {
    const path = statePath();
    const emulator = await start(path);
    const created = await Promise.all(
      Array.from({ length: 20 }, () => ok(emulator, { Action: 'CreateKey' }).then(keyIdOf)),
    );
    expect(
      onDisk(path)
        .keys.map((k) => k.KeyId)
        .sort(),
    ).toEqual(created.sort());
  });

  it('saves changes made on the state object on save() and on close()', async () => {
    const path = statePath();
    const emulator = await start(path);
    const key = emulator.state.createKey({ description: 'direct' });
    expect(existsSync(path)).toBe(false);
    await emulator.save();
    expect(onDisk(path).keys.map((k) => k.KeyId)).toEqual([key.KeyId]);
    emulator.state.createAlias('alias/direct', key.KeyId);
    await stop(emulator);
    expect(onDisk(path).aliases).toEqual([{ AliasName: 'alias/direct', KeyId: key.KeyId }]);
  });

  it('creates the folder of a state file that is not there yet', async () => {
    const path = join(statePath(), '..', 'nested', 'deeper', 'state.json');
    const emulator = await start(path);
    await ok(emulator, { Action: 'CreateKey' });
    expect(onDisk(path).keys).toHaveLength(1);
  });

  it('answers InternalFailure when the change cannot be saved', async () => {
    const folder = join(statePath(), '..');
    const path = join(folder, 'sub', 'state.json');
    const emulator = await start(path);
    // A file where the folder should be: the write fails.
    writeFileSync(join(folder, 'sub'), 'in the way');
    const failed = await callV1(emulator, { Action: 'CreateKey' });
    expect(failed.status).toBe(500);
    expect(json(failed).Code).toBe('InternalFailure');
    rmSync(join(folder, 'sub'));
    // The next change saves everything, the earlier key too.
    await ok(emulator, { Action: 'CreateKey' });
    expect(onDisk(path).keys).toHaveLength(2);
  });

  const MALFORMED: [string, string, RegExp][] = [
    ['truncated JSON', '{"keys": [', /not valid JSON/],
    ['an empty file', '', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['a misspelt field', '{"Keys": []}', /unknown field "Keys"/],
    ['keys not an array', '{"keys": {}}', /keys must be an array/],
    ['a key without an id', '{"keys": [{"Versions": []}]}', /keys\[0\]\.KeyId must be a string/],
    [
      'a version without material',
      JSON.stringify({
        keys: [
          {
            KeyId: 'k',
            KeyState: 'Enabled',
            PrimaryKeyVersion: 'v',
            Versions: [{ KeyVersionId: 'v', Material: 'not base64!' }],
          },
        ],
      }),
      /keys\[0\]\.Versions\[0\]\.Material must be base64/,
    ],
    ['an alias not an object', '{"aliases": ["alias/x"]}', /aliases\[0\] must be an object/],
  ];

  it.each(MALFORMED)(
    'refuses to start on %s, naming the file, and leaves it alone',
    async (_, text, problem) => {
      const path = statePath();
      writeFileSync(path, text);
      const attempt = startEmulator({ accessKeys: ACCESS_KEYS, statePath: path });
      await expect(attempt).rejects.toThrow(problem);
      await expect(attempt).rejects.toThrow(`state file ${path} is not usable`);
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
  );

  it('refuses to start on a state file it cannot read', async () => {
    const path = statePath();
    mkdirSync(path);
    await expect(startEmulator({ accessKeys: ACCESS_KEYS, statePath: path })).rejects.toThrow(
      `state file ${path} cannot be read`,
    );
  });

  it('loads a file written by hand, and an older one missing a field', async () => {
    const path = statePath();
    const seed = await start(statePath());
    const key = seed.state.createKey();
    const { keys } = seed.state.snapshot();
    writeFileSync(path, JSON.stringify({ keys, aliases: [] }));
    const emulator = await start(path);
    expect(emulator.state.snapshot()).toEqual({ keys, aliases: [], secrets: [] });
    const encrypted = await ok(emulator, {
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'aGk=',
    });
    expect(encrypted.KeyId).toBe(key.KeyId);
  });
});

describe('npm start with KMS_EMULATOR_STATE', () => {
  it('stops on a malformed state file, naming it, and leaves it alone', async () => {
    const path = statePath();
    writeFileSync(path, '{"keys": [');
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/local/start.ts'],
      {
        cwd: PROJECT_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          KMS_EMULATOR_STATE: path,
          // Port 0 for the emulator: nothing else is started before the state loads.
          KMS_EMULATOR_CONFIG: writeConfig({ port: 0 }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(output).toContain(`the KMS emulator did not start: state file ${path} is not usable`);
    expect(readFileSync(path, 'utf8')).toBe('{"keys": [');
  });
});

function writeConfig(content: unknown): string {
  const path = join(statePath(), '..', 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}
