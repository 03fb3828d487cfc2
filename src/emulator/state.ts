/**
 * Keys, key versions and aliases. Everything lives in one plain, JSON-serializable value
 * (`EmulatorData`, key material as base64) so it can be saved and loaded as a file; methods throw
 * `EmulatorError`s with the codes the real service answers, so tests that arrange data through
 * this class meet the same rules as requests do.
 */
import { randomUUID } from 'node:crypto';
import { KEY_BYTES, newKeyMaterial } from './crypto.js';
import { failure } from './errors.js';
import { type SecretRecord, SecretStore } from './secrets-state.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KeyVersionRecord {
  KeyVersionId: string;
  CreationDate: string;
  /** base64 of the 32-byte AES key */
  Material: string;
}

export interface KeyRecord {
  KeyId: string;
  Description: string;
  KeySpec: string;
  KeyUsage: string;
  Origin: string;
  ProtectionLevel: string;
  Creator: string;
  CreationDate: string;
  KeyState: KeyState;
  /** `""` unless PendingDeletion */
  DeleteDate: string;
  PrimaryKeyVersion: string;
  Versions: KeyVersionRecord[];
}

export interface AliasRecord {
  AliasName: string;
  KeyId: string;
}

/** Arrays, not maps: list actions answer in creation order. */
export interface EmulatorData {
  keys: KeyRecord[];
  aliases: AliasRecord[];
  secrets: SecretRecord[];
}

/** The `KeyMetadata` object of CreateKey and DescribeKey, field names as the metadata has them. */
export type KeyMetadata = {
  KeyId: string;
  Arn: string;
  KeyState: KeyState;
  KeySpec: string;
  KeyUsage: string;
  Origin: string;
  ProtectionLevel: string;
  Creator: string;
  CreationDate: string;
  Description: string;
  PrimaryKeyVersion: string;
  DeleteDate: string;
  MaterialExpireTime: string;
  AutomaticRotation: string;
  LastRotationDate: string;
};

export interface CreateKeyOptions {
  description?: string;
  keySpec?: string;
  keyUsage?: string;
  origin?: string;
  protectionLevel?: string;
}

/** Resource limits; creating one more answers 400 Rejected.LimitExceeded. Unset = no limit. */
export interface Quotas {
  keys?: number;
  secrets?: number;
}

export interface StateOptions {
  region: string;
  accountId: string;
  now: () => number;
  quotas?: Quotas;
}

const DAY_MS = 86_400_000;
const KEY_SPECS = new Set(['Aliyun_AES_256']);
const KEY_USAGES = new Set(['ENCRYPT/DECRYPT']);
const ORIGINS = new Set(['Aliyun_KMS']);
const PROTECTION_LEVELS = new Set(['SOFTWARE', 'HSM']);
const ALIAS_PREFIX = 'alias/';
const ALIAS_NAME = /^alias\/[A-Za-z0-9:/_-]{1,249}$/;
const KEY_STATES: readonly KeyState[] = ['Enabled', 'Disabled', 'PendingDeletion'];

/** Alibaba's timestamp format: UTC, no milliseconds. */
export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export const emptyData = (): EmulatorData => ({ keys: [], aliases: [], secrets: [] });

export class EmulatorState {
  #data: EmulatorData = emptyData();
  readonly #options: StateOptions;

  /** Secrets Manager state, over this state's data. */
  readonly secrets = new SecretStore(() => this.#data.secrets);

  constructor(options: StateOptions) {
    this.#options = options;
  }

  /** A deep copy of everything, ready for JSON.stringify. */
  snapshot(): EmulatorData {
    return structuredClone(this.#data);
  }

  /** Replaces everything with a copy of `data` (e.g. a snapshot read back from a file). */
  load(data: Partial<EmulatorData>): void {
    this.#data = { ...emptyData(), ...structuredClone(data) };
  }

  /** Drops everything: keys, aliases, secrets. */
  reset(): void {
    this.#data = emptyData();
  }

  get keys(): readonly KeyRecord[] {
    return this.#data.keys;
  }

  get aliases(): readonly AliasRecord[] {
    return this.#data.aliases;
  }

  keyArn(keyId: string): string {
    return `acs:kms:${this.#options.region}:${this.#options.accountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `acs:kms:${this.#options.region}:${this.#options.accountId}:${aliasName}`;
  }

  createKey(options: CreateKeyOptions = {}): KeyMetadata {
    const keySpec = options.keySpec ?? 'Aliyun_AES_256';
    const keyUsage = options.keyUsage ?? 'ENCRYPT/DECRYPT';
    const origin = options.origin ?? 'Aliyun_KMS';
    const protectionLevel = options.protectionLevel ?? 'SOFTWARE';
    if (!KEY_SPECS.has(keySpec)) throw failure('InvalidParameter', 'KeySpec');
    if (!KEY_USAGES.has(keyUsage)) throw failure('InvalidParameter', 'KeyUsage');
    if (!ORIGINS.has(origin)) throw failure('InvalidParameter', 'Origin');
    if (!PROTECTION_LEVELS.has(protectionLevel)) {
      throw failure('InvalidParameter', 'ProtectionLevel');
    }
    const created = isoSeconds(this.#options.now());
    const version: KeyVersionRecord = {
      KeyVersionId: randomUUID(),
      CreationDate: created,
      Material: newKeyMaterial().toString('base64'),
    };
    const key: KeyRecord = {
      KeyId: randomUUID(),
      Description: options.description ?? '',
      KeySpec: keySpec,
      KeyUsage: keyUsage,
      Origin: origin,
      ProtectionLevel: protectionLevel,
      Creator: this.#options.accountId,
      CreationDate: created,
      KeyState: 'Enabled',
      DeleteDate: '',
      PrimaryKeyVersion: version.KeyVersionId,
      Versions: [version],
    };
    this.#data.keys.push(key);
    return this.metadata(key);
  }

  metadata(key: KeyRecord): KeyMetadata {
    const primary = key.Versions.find((v) => v.KeyVersionId === key.PrimaryKeyVersion);
    return {
      KeyId: key.KeyId,
      Arn: this.keyArn(key.KeyId),
      KeyState: key.KeyState,
      KeySpec: key.KeySpec,
      KeyUsage: key.KeyUsage,
      Origin: key.Origin,
      ProtectionLevel: key.ProtectionLevel,
      Creator: key.Creator,
      CreationDate: key.CreationDate,
      Description: key.Description,
      PrimaryKeyVersion: key.PrimaryKeyVersion,
      DeleteDate: key.DeleteDate,
      MaterialExpireTime: '',
      AutomaticRotation: 'Disabled',
      // With no rotation yet, the service reports when the first version was made.
      LastRotationDate: primary?.CreationDate ?? key.CreationDate,
    };
  }

  /**
   * The key a KeyId parameter names: a key id, `alias/<name>`, or an ARN of either.
   * Throws Forbidden.KeyNotFound / Forbidden.AliasNotFound.
   */
  resolveKey(reference: string): KeyRecord {
    if (reference.startsWith('acs:')) {
      const arn = /^acs:kms:([^:]*):([^:]*):(key\/.+|alias\/.+)$/.exec(reference);
      const resource = arn?.[3];
      const isAlias = resource?.startsWith(ALIAS_PREFIX) ?? false;
      const ours = arn?.[1] === this.#options.region && arn?.[2] === this.#options.accountId;
      if (!resource || !ours) {
        throw failure(isAlias ? 'Forbidden.AliasNotFound' : 'Forbidden.KeyNotFound');
      }
      return isAlias ? this.#keyOfAlias(resource) : this.#key(resource.slice('key/'.length));
    }
    if (reference.startsWith(ALIAS_PREFIX)) return this.#keyOfAlias(reference);
    return this.#key(reference);
  }

  #key(keyId: string): KeyRecord {
    const key = this.#data.keys.find((k) => k.KeyId === keyId);
    if (!key) throw failure('Forbidden.KeyNotFound');
    return key;
  }

  #keyOfAlias(aliasName: string): KeyRecord {
    const alias = this.#data.aliases.find((a) => a.AliasName === aliasName);
    if (!alias) throw failure('Forbidden.AliasNotFound');
    return this.#key(alias.KeyId);
  }

  /** The key and version a ciphertext names, or undefined. */
  findVersion(keyVersionId: string): { key: KeyRecord; version: KeyVersionRecord } | undefined {
    for (const key of this.#data.keys) {
      const version = key.Versions.find((v) => v.KeyVersionId === keyVersionId);
      if (version) return { key, version };
    }
    return undefined;
  }

  createAlias(aliasName: string, keyReference: string): AliasRecord {
    if (!aliasName.startsWith(ALIAS_PREFIX)) throw failure('Unsupported.Alias');
    if (!ALIAS_NAME.test(aliasName)) throw failure('InvalidParameter', 'AliasName');
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    if (this.#data.aliases.some((a) => a.AliasName === aliasName)) {
      throw failure('AliasAlreadyExists');
    }
    const alias = { AliasName: aliasName, KeyId: key.KeyId };
    this.#data.aliases.push(alias);
    return { ...alias };
  }

  /** Sets a state directly (no transition rules); PendingDeletion gets a DeleteDate 7 days out. */
  setKeyState(keyReference: string, state: KeyState): void {
    if (!KEY_STATES.includes(state)) throw failure('InvalidParameter', 'KeyState');
    const key = this.resolveKey(keyReference);
    if (state === 'PendingDeletion') {
      if (key.KeyState !== 'PendingDeletion') {
        key.DeleteDate = isoSeconds(this.#options.now() + 7 * DAY_MS);
      }
    } else {
      key.DeleteDate = '';
    }
    key.KeyState = state;
  }

  enableKey(keyReference: string): void {
    this.#transition(keyReference, 'Enabled');
  }

  disableKey(keyReference: string): void {
    this.#transition(keyReference, 'Disabled');
  }

  #transition(keyReference: string, state: 'Enabled' | 'Disabled'): void {
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    key.KeyState = state;
  }

  scheduleKeyDeletion(keyReference: string, pendingWindowInDays: number): void {
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    key.KeyState = 'PendingDeletion';
    key.DeleteDate = isoSeconds(this.#options.now() + pendingWindowInDays * DAY_MS);
  }

  /** The key goes back to Enabled, as Alibaba documents (unlike AWS, which leaves it Disabled). */
  cancelKeyDeletion(keyReference: string): void {
    const key = this.resolveKey(keyReference);
    if (key.KeyState !== 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    key.KeyState = 'Enabled';
    key.DeleteDate = '';
  }

  /** The raw 32-byte AES key of a version (the primary one by default). */
  keyMaterial(keyReference: string, keyVersionId?: string): Buffer {
    const key = this.resolveKey(keyReference);
    const wanted = keyVersionId ?? key.PrimaryKeyVersion;
    const version = key.Versions.find((v) => v.KeyVersionId === wanted);
    if (!version) throw failure('InvalidParameter', 'KeyVersionId');
    const material = Buffer.from(version.Material, 'base64');
    if (material.length !== KEY_BYTES) throw new RangeError('stored key material is not 32 bytes');
    return material;
  }
}
