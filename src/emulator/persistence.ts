/**
 * The state file: `EmulatorState.snapshot()` as JSON, read once at start and rewritten whenever
 * a request changed the state. It holds key material, so it is written 0600, and atomically: a
 * temporary file in the same folder, flushed, then renamed over the old one, so a crash leaves
 * either the old file or the new one, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isRecord } from '../codec/typed.js';
import { type EmulatorData, emptyData } from './records.js';

export const STATE_FILE_MODE = 0o600;

/**
 * Actions that never change the state by themselves, by exact name: a request for one of these
 * is not followed by a save. (Anything such an action might do lazily, like a clock-driven
 * purge, follows from the saved data and the clock, so skipping its save loses nothing.) Every
 * other action, including ones added later, is checked by comparing the state's JSON.
 */
export const READ_ONLY_ACTIONS: ReadonlySet<string> = new Set([
  'AsymmetricDecrypt',
  'AsymmetricEncrypt',
  'AsymmetricSign',
  'AsymmetricVerify',
  'CertificatePrivateKeyDecrypt',
  'CertificatePrivateKeySign',
  'CertificatePublicKeyEncrypt',
  'CertificatePublicKeyVerify',
  'Decrypt',
  'DescribeAccountKmsStatus',
  'DescribeApplicationAccessPoint',
  'DescribeCertificate',
  'DescribeKey',
  'DescribeKeyVersion',
  'DescribeNetworkRule',
  'DescribePolicy',
  'DescribeRegions',
  'DescribeSecret',
  'Encrypt',
  'ExportDataKey',
  'GenerateAndExportDataKey',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GetCertificate',
  'GetKeyPolicy',
  'GetKmsInstance',
  'GetPublicKey',
  'GetRandomPassword',
  'GetSecretPolicy',
  'GetSecretValue',
  'ListAliases',
  'ListAliasesByKeyId',
  'ListApplicationAccessPoints',
  'ListClientKeys',
  'ListKeyVersions',
  'ListKeys',
  'ListKmsInstances',
  'ListNetworkRules',
  'ListPolicies',
  'ListResourceTags',
  'ListSecretVersionIds',
  'ListSecrets',
  'ListTagResources',
  'ReEncrypt',
]);

/** The file's text for `data`: indented, so a person can read it, with a final newline. */
export const serializeState = (data: EmulatorData): string => `${JSON.stringify(data, null, 2)}\n`;

/** Checks what the state needs of each record; other fields pass through untouched. */
const RECORD_CHECKS: Readonly<Record<string, (item: Record<string, unknown>) => string | null>> = {
  keys(key) {
    if (typeof key.KeyId !== 'string' || key.KeyId === '') return 'KeyId must be a string';
    if (typeof key.KeyState !== 'string') return 'KeyState must be a string';
    if (typeof key.PrimaryKeyVersion !== 'string') return 'PrimaryKeyVersion must be a string';
    if (!Array.isArray(key.Versions)) return 'Versions must be an array';
    for (const [i, version] of key.Versions.entries()) {
      if (!isRecord(version)) return `Versions[${i}] must be an object`;
      if (typeof version.KeyVersionId !== 'string') {
        return `Versions[${i}].KeyVersionId must be a string`;
      }
      if (
        typeof version.Material !== 'string' ||
        !/^[A-Za-z0-9+/]*={0,2}$/.test(version.Material)
      ) {
        return `Versions[${i}].Material must be base64`;
      }
    }
    return null;
  },
  aliases(alias) {
    if (typeof alias.AliasName !== 'string') return 'AliasName must be a string';
    if (typeof alias.KeyId !== 'string') return 'KeyId must be a string';
    return null;
  },
  secrets(secret) {
    return typeof secret.SecretName === 'string' ? null : 'SecretName must be a string';
  },
};

/**
 * The data in a state file's text, checked; throws an Error naming `file` and what is wrong.
 * Fields the state has today may be missing (an older file); unknown ones are refused, since a
 * misspelled `keys` would otherwise load as no keys and be saved over.
 * @throws Error naming the file, when it is not the state file's shape
 */
export function parseStateFile(text: string, file: string): Partial<EmulatorData> {
  const fail = (problem: string, cause?: unknown): never => {
    throw new Error(
      `state file ${file} is not usable (${problem}); fix or remove it`,
      cause === undefined ? undefined : { cause },
    );
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`, error);
  }
  if (!isRecord(parsed)) return fail('not a JSON object');
  const known: Record<string, unknown> = emptyData() as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(known, field)) fail(`unknown field ${JSON.stringify(field)}`);
    if (!Array.isArray(known[field])) continue;
    if (!Array.isArray(value)) fail(`${field} must be an array`);
    const check = RECORD_CHECKS[field];
    for (const [i, item] of (value as unknown[]).entries()) {
      if (!isRecord(item)) fail(`${field}[${i}] must be an object`);
      const problem = check?.(item as Record<string, unknown>);
      if (problem) fail(`${field}[${i}].${problem}`);
    }
  }
  return parsed as Partial<EmulatorData>;
}

/**
 * The state file's data, or undefined when there is no file yet.
 * @throws Error naming the file when it exists but cannot be read or parsed
 */
export async function readStateFile(file: string): Promise<Partial<EmulatorData> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`state file ${file} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseStateFile(text, file);
}

/** Replaces `file` with `text`, atomically, mode 0600. */
export async function writeStateFile(file: string, text: string): Promise<void> {
  const folder = dirname(file);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const temporary = join(folder, `.${basename(file)}.${process.pid}.${randomUUID()}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temporary, 'wx', STATE_FILE_MODE);
    try {
      // The umask narrows the mode `open` sets; this states it exactly.
      await handle.chmod(STATE_FILE_MODE);
      await handle.writeFile(text, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temporary).catch(() => {});
  }
}

/**
 * Saves to one file, one write at a time. `save(text)` resolves once a write of `text` (or of
 * something newer) is on disk; text equal to what is already there or on its way costs nothing,
 * and saves that pile up while a write runs are folded into one.
 */
export class StateFile {
  readonly path: string;
  /** the text on disk, as far as this process knows */
  #onDisk: string | undefined;
  /** the newest text asked for */
  #wanted: string | undefined;
  #tail: Promise<void> = Promise.resolve();

  /** `onDisk`: the text the file is known to hold (its data as loaded), if any. */
  constructor(path: string, onDisk?: string) {
    this.path = path;
    this.#onDisk = onDisk;
    this.#wanted = onDisk;
  }

  save(text: string): Promise<void> {
    if (text === this.#wanted) return this.#tail;
    this.#wanted = text;
    this.#tail = this.#tail.catch(() => {}).then(() => this.#flush());
    return this.#tail;
  }

  async #flush(): Promise<void> {
    const text = this.#wanted;
    if (text === undefined || text === this.#onDisk) return;
    try {
      await writeStateFile(this.path, text);
    } catch (error) {
      // Let the next save try again.
      if (this.#wanted === text) this.#wanted = this.#onDisk;
      throw new Error(`state file ${this.path} could not be written: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#onDisk = text;
  }
}

/**
 * The state file at `path`, ready to save to, with its data (when the file exists) loaded into
 * `state` first. A malformed file throws, naming it.
 */
export async function openStateFile(
  path: string,
  state: { load(data: Partial<EmulatorData>): void },
): Promise<StateFile> {
  const data = await readStateFile(path);
  if (data) state.load(data);
  // What load() holds, serialized without another deep copy.
  return new StateFile(path, data && serializeState({ ...emptyData(), ...data }));
}
