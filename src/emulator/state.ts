/**
 * Keys, key versions, aliases and key tags. Everything lives in one plain, JSON-serializable value
 * (`EmulatorData`: AES material as base64, asymmetric key pairs as PEM) so it can be saved and
 * loaded as a file; methods throw `EmulatorError`s with the codes the real service answers, so
 * tests that arrange data through this class meet the same rules as requests do.
 *
 * Time moves with the emulator clock, checked whenever keys are read: a key whose deletion date
 * has passed is gone (with its aliases), imported material past its expiry time is dropped (the
 * key goes back to PendingImport), and an automatic rotation that has fallen due adds a version.
 * A rotated version is derived from the key's first version and the due time, so it comes out the
 * same if a read that caused it was not saved to the state file.
 */
import { createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { alibabaTimestamp } from '../protocol/timestamp.js';
import { isOwnKmsArn, kmsArn, parseArn } from './arn.js';
import {
  decodeBase64,
  KEY_BYTES,
  newKeyMaterial,
  newKeyPair,
  rsaDecrypt,
  spkiDerBase64,
  type WrappingAlgorithm,
} from './crypto.js';
import { failure } from './errors.js';
import {
  type AliasRecord,
  assertUsable,
  type EmulatorData,
  emptyData,
  type ImportTokenRecord,
  type KeyRecord,
  type KeyState,
  type KeyVersionRecord,
  type StateOptions,
  type Tag,
  upsertTags,
} from './records.js';
import { DAY_MS, KEY_ROTATION, rotationSeconds } from './rotation.js';
import { SecretStore } from './secrets-state.js';

/** The `KeyMetadata` object of CreateKey, field names as the metadata has them. */
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
  AutomaticRotation: 'Enabled' | 'Disabled' | 'Suspended';
  RotationInterval: string;
  LastRotationDate: string;
  NextRotationDate: string;
  DKMSInstanceId: string;
};

export interface CreateKeyOptions {
  description?: string;
  keySpec?: string;
  keyUsage?: string;
  origin?: string;
  protectionLevel?: string;
  enableAutomaticRotation?: boolean;
  /** `<integer><d|h|m|s>`, 7 to 730 days; required (and only read) with enableAutomaticRotation */
  rotationInterval?: string;
  /** no KMS instances are emulated: any value answers 403 Forbidden.DKMSInstanceNotFound */
  dkmsInstanceId?: string;
  tags?: Tag[];
}

export interface ImportParameters {
  KeyId: string;
  ImportToken: string;
  TokenExpireTime: string;
  /** base64 DER SPKI of the wrapping key */
  PublicKey: string;
}

export interface ImportInput {
  /** base64 of the material wrapped with the token's public key */
  encryptedKeyMaterial: string;
  importToken: string;
  /** seconds since the epoch; 0 = never expires */
  keyMaterialExpireUnix: number;
}

const SYMMETRIC_SPEC = 'Aliyun_AES_256';
/** KeySpec → the KeyUsages it allows, first the default. */
const KEY_SPECS: Readonly<Record<string, readonly string[]>> = {
  Aliyun_AES_256: ['ENCRYPT/DECRYPT'],
  RSA_2048: ['ENCRYPT/DECRYPT', 'SIGN/VERIFY'],
  EC_P256: ['SIGN/VERIFY'],
};
const DEFAULT_USAGE = 'ENCRYPT/DECRYPT';
const ORIGINS = new Set(['Aliyun_KMS', 'EXTERNAL']);
const PROTECTION_LEVELS = new Set(['SOFTWARE', 'HSM']);
const ALIAS_PREFIX = 'alias/';
const ALIAS_NAME = /^alias\/[A-Za-z0-9:/_-]{1,249}$/;
const KEY_STATES: readonly KeyState[] = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'];
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 128;
/** Documented tag characters: letters, digits, spaces and `/\_-.+=:@`. */
const TAG_TEXT = /^[\p{L}\p{N} /\\_.+=:@-]+$/u;
const WRAPPING_ALGORITHMS = new Set(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_PKCS1_V1_5']);
const IMPORT_TOKEN_MS = DAY_MS;
/** Tokens kept per key (older ones are forgotten and answer InvalidImportToken). */
const MAX_IMPORT_TOKENS = 10;

/** AES-256 keys; the others (RSA_2048, EC_P256) are asymmetric. */
export const isSymmetric = (key: KeyRecord): boolean => key.KeySpec === SYMMETRIC_SPEC;

/**
 * A key rotation interval in seconds; InvalidParameter RotationInterval.
 * @throws EmulatorError InvalidParameter RotationInterval
 */
export const keyRotationSeconds = (interval: string): number =>
  rotationSeconds(interval, KEY_ROTATION);

/**
 * Checks tags as TagResource and CreateKey take them; failures name `parameter`.
 * @throws EmulatorError InvalidParameter `parameter`
 */
export function checkTags(tags: readonly Tag[], parameter: string): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    const key: unknown = tag.TagKey;
    const value: unknown = tag.TagValue;
    const bad =
      typeof key !== 'string' ||
      typeof value !== 'string' ||
      key.length > MAX_TAG_LENGTH ||
      value.length > MAX_TAG_LENGTH ||
      !TAG_TEXT.test(key) ||
      !TAG_TEXT.test(value) ||
      /^(aliyun|acs:)/i.test(key) ||
      seen.has(key);
    if (bad) throw failure('InvalidParameter', parameter);
    seen.add(key);
  }
}

/** A UUID (version 4 layout) made of 16 given bytes. */
function uuidOf(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sha256Base64 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64');

/** Fills what a key record saved by an older emulator lacks. */
function normalizeKey(key: KeyRecord): void {
  const partial = key as Partial<KeyRecord>;
  key.AutomaticRotation = partial.AutomaticRotation ?? 'Disabled';
  key.RotationInterval = partial.RotationInterval ?? '';
  key.NextRotationDate = partial.NextRotationDate ?? '';
  key.MaterialExpireTime = partial.MaterialExpireTime ?? '';
  key.DKMSInstanceId = partial.DKMSInstanceId ?? '';
  key.Tags = partial.Tags ?? [];
  key.ImportTokens = partial.ImportTokens ?? [];
  key.ImportedMaterialDigest = partial.ImportedMaterialDigest ?? '';
}

export class EmulatorState {
  #data: EmulatorData = emptyData();
  readonly #options: StateOptions;

  /** Secrets Manager state, over this state's data. */
  readonly secrets = new SecretStore(
    () => this.#data.secrets,
    () => this.#options,
    this,
  );

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
    for (const key of this.#data.keys) normalizeKey(key);
  }

  /** Drops everything: keys, aliases, secrets. */
  reset(): void {
    this.#data = emptyData();
  }

  /** Every key not yet deleted, in creation order. */
  get keys(): readonly KeyRecord[] {
    this.#tick();
    return this.#data.keys;
  }

  get aliases(): readonly AliasRecord[] {
    this.#tick();
    return this.#data.aliases;
  }

  keyArn(keyId: string): string {
    return kmsArn(this.#options, `key/${keyId}`);
  }

  aliasArn(aliasName: string): string {
    return kmsArn(this.#options, aliasName);
  }

  createKey(options: CreateKeyOptions = {}): KeyMetadata {
    const keySpec = options.keySpec ?? SYMMETRIC_SPEC;
    const usages = Object.hasOwn(KEY_SPECS, keySpec) ? KEY_SPECS[keySpec] : undefined;
    if (!usages) throw failure('InvalidParameter', 'KeySpec');
    const keyUsage = options.keyUsage ?? DEFAULT_USAGE;
    if (!usages.includes(keyUsage)) throw failure('InvalidParameter', 'KeyUsage');
    const origin = options.origin ?? 'Aliyun_KMS';
    if (!ORIGINS.has(origin)) throw failure('InvalidParameter', 'Origin');
    if (origin === 'EXTERNAL' && keySpec !== SYMMETRIC_SPEC) {
      throw failure('InvalidParameter', 'Origin');
    }
    const protectionLevel = options.protectionLevel ?? 'SOFTWARE';
    if (!PROTECTION_LEVELS.has(protectionLevel)) {
      throw failure('InvalidParameter', 'ProtectionLevel');
    }
    let rotation: number | undefined;
    if (options.enableAutomaticRotation) {
      if (keySpec !== SYMMETRIC_SPEC || origin !== 'Aliyun_KMS') {
        throw failure('InvalidParameter', 'EnableAutomaticRotation');
      }
      if (options.rotationInterval === undefined || options.rotationInterval === '') {
        throw failure('MissingParameter', 'RotationInterval');
      }
      rotation = keyRotationSeconds(options.rotationInterval);
    }
    if (options.dkmsInstanceId !== undefined && options.dkmsInstanceId !== '') {
      throw failure('Forbidden.DKMSInstanceNotFound');
    }
    const tags = options.tags ?? [];
    checkTags(tags, 'Tags');
    if (tags.length > MAX_TAGS) throw failure('InvalidParameter', 'Tags');
    const quota = this.#options.quotas?.keys;
    if (quota !== undefined && this.keys.length >= quota) throw failure('Rejected.LimitExceeded');

    const now = this.#options.now();
    const created = alibabaTimestamp(now);
    const version: KeyVersionRecord = {
      KeyVersionId: randomUUID(),
      CreationDate: created,
      Material: '',
    };
    if (keySpec === SYMMETRIC_SPEC) {
      if (origin === 'Aliyun_KMS') version.Material = newKeyMaterial().toString('base64');
    } else {
      const pair = newKeyPair(keySpec as 'RSA_2048' | 'EC_P256');
      version.PrivateKey = pair.privateKey;
      version.PublicKey = pair.publicKey;
    }
    const key: KeyRecord = {
      KeyId: randomUUID(),
      Description: options.description ?? '',
      KeySpec: keySpec,
      KeyUsage: keyUsage,
      Origin: origin,
      ProtectionLevel: protectionLevel,
      Creator: this.#options.accountId,
      CreationDate: created,
      KeyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
      DeleteDate: '',
      PrimaryKeyVersion: version.KeyVersionId,
      Versions: [version],
      AutomaticRotation: rotation === undefined ? 'Disabled' : 'Enabled',
      RotationInterval: rotation === undefined ? '' : `${rotation}s`,
      NextRotationDate: rotation === undefined ? '' : alibabaTimestamp(now + rotation * 1000),
      MaterialExpireTime: '',
      DKMSInstanceId: '',
      Tags: tags.map(({ TagKey, TagValue }) => ({ TagKey, TagValue })),
      ImportTokens: [],
      ImportedMaterialDigest: '',
    };
    this.#data.keys.push(key);
    return this.metadata(key);
  }

  metadata(key: KeyRecord): KeyMetadata {
    const primary = key.Versions.find((v) => v.KeyVersionId === key.PrimaryKeyVersion);
    const policy = key.AutomaticRotation === 'Enabled';
    const rotation = !policy ? 'Disabled' : key.KeyState === 'Enabled' ? 'Enabled' : 'Suspended';
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
      MaterialExpireTime: key.MaterialExpireTime,
      AutomaticRotation: rotation,
      RotationInterval: policy ? key.RotationInterval : '',
      // With no rotation yet, the service reports when the first version was made.
      LastRotationDate: primary?.CreationDate ?? key.CreationDate,
      NextRotationDate: rotation === 'Enabled' ? key.NextRotationDate : '',
      DKMSInstanceId: key.DKMSInstanceId,
    };
  }

  /**
   * The key a KeyId parameter names: a key id, `alias/<name>`, or an ARN of either.
   * Throws Forbidden.KeyNotFound / Forbidden.AliasNotFound.
   */
  resolveKey(reference: string): KeyRecord {
    this.#tick();
    if (reference.startsWith('acs:')) {
      const arn = parseArn(reference);
      const resource = /^(key|alias)\/./.test(arn?.resource ?? '') ? arn?.resource : undefined;
      const isAlias = resource?.startsWith(ALIAS_PREFIX) ?? false;
      if (!resource || !isOwnKmsArn(arn, this.#options)) {
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

  /** A version of a key; 404 Forbidden.KeyVersionNotFound when the key has no such version. */
  version(key: KeyRecord, keyVersionId: string): KeyVersionRecord {
    const version = key.Versions.find((v) => v.KeyVersionId === keyVersionId);
    if (!version) throw failure('Forbidden.KeyVersionNotFound');
    return version;
  }

  /** The key and version a ciphertext names, or undefined. */
  findVersion(keyVersionId: string): { key: KeyRecord; version: KeyVersionRecord } | undefined {
    this.#tick();
    for (const key of this.#data.keys) {
      const version = key.Versions.find((v) => v.KeyVersionId === keyVersionId);
      if (version) return { key, version };
    }
    return undefined;
  }

  // ----- aliases -----

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

  /** Points an existing alias at another key (not one pending deletion). */
  updateAlias(aliasName: string, keyReference: string): AliasRecord {
    const alias = this.#alias(aliasName);
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.PendingDeletion');
    alias.KeyId = key.KeyId;
    return { ...alias };
  }

  deleteAlias(aliasName: string): void {
    const alias = this.#alias(aliasName);
    this.#data.aliases.splice(this.#data.aliases.indexOf(alias), 1);
  }

  /** The aliases of one key, in creation order. */
  aliasesOf(keyReference: string): AliasRecord[] {
    const key = this.resolveKey(keyReference);
    return this.#data.aliases.filter((a) => a.KeyId === key.KeyId).map((a) => ({ ...a }));
  }

  #alias(aliasName: string): AliasRecord {
    this.#tick();
    const alias = this.#data.aliases.find((a) => a.AliasName === aliasName);
    if (!alias) throw failure('Forbidden.AliasNotFound');
    return alias;
  }

  // ----- key states -----

  /** Sets a state directly (no transition rules); PendingDeletion gets a DeleteDate 7 days out. */
  setKeyState(keyReference: string, state: KeyState): void {
    if (!KEY_STATES.includes(state)) throw failure('InvalidParameter', 'KeyState');
    const key = this.resolveKey(keyReference);
    if (state === 'PendingDeletion') {
      if (key.KeyState !== 'PendingDeletion') {
        key.DeleteDate = alibabaTimestamp(this.#options.now() + 7 * DAY_MS);
      }
    } else {
      key.DeleteDate = '';
    }
    key.KeyState = state;
  }

  enableKey(keyReference: string): void {
    const key = this.#transition(keyReference, 'Enabled');
    // A rotation that fell due while the key was not Enabled happens now, not back-dated.
    const now = this.#options.now();
    if (key.AutomaticRotation === 'Enabled' && Date.parse(key.NextRotationDate) < now) {
      key.NextRotationDate = alibabaTimestamp(now);
    }
  }

  disableKey(keyReference: string): void {
    this.#transition(keyReference, 'Disabled');
  }

  #transition(keyReference: string, state: 'Enabled' | 'Disabled'): KeyRecord {
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion' || key.KeyState === 'PendingImport') {
      throw failure('Rejected.StateModifiedFailed');
    }
    key.KeyState = state;
    return key;
  }

  scheduleKeyDeletion(keyReference: string, pendingWindowInDays: number): void {
    const key = this.resolveKey(keyReference);
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    key.KeyState = 'PendingDeletion';
    key.DeleteDate = alibabaTimestamp(this.#options.now() + pendingWindowInDays * DAY_MS);
  }

  /**
   * The key goes back to Enabled, as Alibaba documents (unlike AWS, which leaves it Disabled);
   * an EXTERNAL key without material goes back to PendingImport.
   */
  cancelKeyDeletion(keyReference: string): void {
    const key = this.resolveKey(keyReference);
    if (key.KeyState !== 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    key.KeyState = this.#hasMaterial(key) ? 'Enabled' : 'PendingImport';
    key.DeleteDate = '';
  }

  #hasMaterial(key: KeyRecord): boolean {
    if (!isSymmetric(key)) return true;
    return key.Versions.some((v) => v.KeyVersionId === key.PrimaryKeyVersion && v.Material !== '');
  }

  // ----- description, versions, rotation -----

  updateKeyDescription(keyReference: string, description: string): void {
    this.resolveKey(keyReference).Description = description;
  }

  /** A new primary version (manual rotation); symmetric keys with KMS-made material only. */
  createKeyVersion(keyReference: string): KeyVersionRecord {
    const key = this.resolveKey(keyReference);
    if (!isSymmetric(key) || key.Origin !== 'Aliyun_KMS') {
      throw failure('Rejected.UnsupportedOperation');
    }
    assertUsable(key);
    const now = this.#options.now();
    const version = this.#addVersion(key, {
      KeyVersionId: randomUUID(),
      CreationDate: alibabaTimestamp(now),
      Material: newKeyMaterial().toString('base64'),
    });
    if (key.AutomaticRotation === 'Enabled') {
      key.NextRotationDate = alibabaTimestamp(
        now + keyRotationSeconds(key.RotationInterval) * 1000,
      );
    }
    return version;
  }

  /**
   * Turns automatic rotation on (with an interval of 7 to 730 days) or off. Symmetric keys with
   * KMS-made material only (else Rejected.UnsupportedOperation), and only while Enabled.
   */
  updateRotationPolicy(keyReference: string, enable: boolean, rotationInterval?: string): void {
    const key = this.resolveKey(keyReference);
    if (!isSymmetric(key) || key.Origin !== 'Aliyun_KMS') {
      throw failure('Rejected.UnsupportedOperation');
    }
    assertUsable(key);
    if (!enable) {
      key.AutomaticRotation = 'Disabled';
      key.RotationInterval = '';
      key.NextRotationDate = '';
      return;
    }
    if (rotationInterval === undefined || rotationInterval === '') {
      throw failure('MissingParameter', 'RotationInterval');
    }
    const seconds = keyRotationSeconds(rotationInterval);
    const last = Date.parse(this.metadata(key).LastRotationDate);
    const now = this.#options.now();
    key.AutomaticRotation = 'Enabled';
    key.RotationInterval = `${seconds}s`;
    key.NextRotationDate = alibabaTimestamp(Math.max(last + seconds * 1000, now));
  }

  #addVersion(key: KeyRecord, version: KeyVersionRecord): KeyVersionRecord {
    key.Versions.push(version);
    key.PrimaryKeyVersion = version.KeyVersionId;
    return version;
  }

  // ----- tags -----

  tagKey(keyReference: string, tags: readonly Tag[]): void {
    checkTags(tags, 'Tags');
    const key = this.resolveKey(keyReference);
    const merged = key.Tags.map((t) => ({ ...t }));
    upsertTags(merged, tags);
    if (merged.length > MAX_TAGS) throw failure('InvalidParameter', 'Tags');
    key.Tags = merged;
  }

  /** Removes tags by key; keys the key does not have are ignored. */
  untagKey(keyReference: string, tagKeys: readonly string[]): void {
    const key = this.resolveKey(keyReference);
    key.Tags = key.Tags.filter((t) => !tagKeys.includes(t.TagKey));
  }

  tagsOf(keyReference: string): Tag[] {
    return this.resolveKey(keyReference).Tags.map((t) => ({ ...t }));
  }

  // ----- material -----

  /** The raw 32-byte AES key of a version (the primary one by default). */
  keyMaterial(keyReference: string, keyVersionId?: string): Buffer {
    const key = this.resolveKey(keyReference);
    if (!isSymmetric(key)) throw failure('UnsupportedOperation');
    const version = this.version(key, keyVersionId ?? key.PrimaryKeyVersion);
    if (version.Material === '') throw failure('Rejected.PendingImport');
    const material = Buffer.from(version.Material, 'base64');
    if (material.length !== KEY_BYTES) throw new RangeError('stored key material is not 32 bytes');
    return material;
  }

  /** The public key (SPKI PEM) of an asymmetric key's version (the primary one by default). */
  publicKey(keyReference: string, keyVersionId?: string): string {
    const key = this.resolveKey(keyReference);
    const version = this.version(key, keyVersionId ?? key.PrimaryKeyVersion);
    if (version.PublicKey === undefined) throw failure('UnsupportedOperation');
    return version.PublicKey;
  }

  /** A wrapping key pair and token for ImportKeyMaterial, valid 24 hours. EXTERNAL keys only. */
  parametersForImport(
    keyReference: string,
    wrappingAlgorithm: string,
    wrappingKeySpec: string,
  ): ImportParameters {
    if (!WRAPPING_ALGORITHMS.has(wrappingAlgorithm)) {
      throw failure('InvalidParameter', 'WrappingAlgorithm');
    }
    if (wrappingKeySpec !== 'RSA_2048') throw failure('InvalidParameter', 'WrappingKeySpec');
    const key = this.resolveKey(keyReference);
    if (key.Origin !== 'EXTERNAL') throw failure('Unsupported.Origin');
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.PendingDeletion');
    const pair = newKeyPair('RSA_2048');
    const token: ImportTokenRecord = {
      ImportToken: randomBytes(48).toString('base64'),
      WrappingAlgorithm: wrappingAlgorithm,
      PrivateKey: pair.privateKey,
      TokenExpireTime: alibabaTimestamp(this.#options.now() + IMPORT_TOKEN_MS),
    };
    key.ImportTokens = [...key.ImportTokens, token].slice(-MAX_IMPORT_TOKENS);
    return {
      KeyId: key.KeyId,
      ImportToken: token.ImportToken,
      TokenExpireTime: token.TokenExpireTime,
      PublicKey: spkiDerBase64(pair.publicKey),
    };
  }

  /**
   * Unwraps and installs imported material. Re-importing is allowed at any time, but only the
   * same material (it may change the expiry time); a PendingImport key becomes Enabled.
   */
  importKeyMaterial(keyReference: string, input: ImportInput): void {
    const key = this.resolveKey(keyReference);
    if (key.Origin !== 'EXTERNAL') throw failure('Unsupported.Origin');
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    const now = this.#options.now();
    const expireUnix = input.keyMaterialExpireUnix;
    if (
      !Number.isSafeInteger(expireUnix) ||
      expireUnix < 0 ||
      (expireUnix > 0 && expireUnix * 1000 <= now)
    ) {
      throw failure('InvalidParameter', 'KeyMaterialExpireUnix');
    }
    const token = key.ImportTokens.find((t) => t.ImportToken === input.importToken);
    if (!token) throw failure('InvalidImportToken');
    if (Date.parse(token.TokenExpireTime) <= now) throw failure('ExpiredImportToken');
    const wrapped = decodeBase64(input.encryptedKeyMaterial);
    const material =
      wrapped &&
      rsaDecrypt(token.WrappingAlgorithm as WrappingAlgorithm, token.PrivateKey, wrapped);
    if (!material || material.length !== KEY_BYTES) throw failure('InvalidKeyMaterial');
    const digest = sha256Base64(material);
    if (key.ImportedMaterialDigest !== '' && key.ImportedMaterialDigest !== digest) {
      throw failure('InvalidKeyMaterial');
    }
    key.ImportedMaterialDigest = digest;
    for (const version of key.Versions) version.Material = material.toString('base64');
    key.MaterialExpireTime = expireUnix === 0 ? '' : alibabaTimestamp(expireUnix * 1000);
    if (key.KeyState === 'PendingImport') key.KeyState = 'Enabled';
  }

  /** Deletes imported material: the key goes to PendingImport until the same material returns. */
  deleteKeyMaterial(keyReference: string): void {
    const key = this.resolveKey(keyReference);
    if (key.Origin !== 'EXTERNAL') throw failure('Unsupported.Origin');
    if (key.KeyState === 'PendingDeletion') throw failure('Rejected.StateModifiedFailed');
    this.#dropMaterial(key);
  }

  #dropMaterial(key: KeyRecord): void {
    for (const version of key.Versions) version.Material = '';
    key.MaterialExpireTime = '';
    if (key.KeyState !== 'PendingDeletion') key.KeyState = 'PendingImport';
  }

  // ----- the clock -----

  /** Applies what the clock has brought: deletions, material expiry, automatic rotations. */
  #tick(): void {
    const now = this.#options.now();
    const keys = this.#data.keys;
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as KeyRecord;
      if (key.KeyState === 'PendingDeletion' && Date.parse(key.DeleteDate) <= now) {
        keys.splice(i, 1);
        const aliases = this.#data.aliases;
        for (let j = aliases.length - 1; j >= 0; j--) {
          if (aliases[j]?.KeyId === key.KeyId) aliases.splice(j, 1);
        }
      }
    }
    for (const key of keys) {
      if (key.MaterialExpireTime !== '' && Date.parse(key.MaterialExpireTime) <= now) {
        this.#dropMaterial(key);
      }
      this.#rotateIfDue(key, now);
    }
  }

  #rotateIfDue(key: KeyRecord, now: number): void {
    if (key.AutomaticRotation !== 'Enabled' || key.KeyState !== 'Enabled') return;
    const first = key.Versions[0];
    if (!first || first.Material === '') return;
    const step = keyRotationSeconds(key.RotationInterval) * 1000;
    let due = Date.parse(key.NextRotationDate);
    if (!(due <= now)) return;
    for (; due <= now; due += step) {
      const derived = Buffer.from(
        hkdfSync(
          'sha256',
          Buffer.from(first.Material, 'base64'),
          key.KeyId,
          `automatic rotation ${alibabaTimestamp(due)}`,
          KEY_BYTES + 16,
        ),
      );
      this.#addVersion(key, {
        KeyVersionId: uuidOf(derived.subarray(KEY_BYTES)),
        CreationDate: alibabaTimestamp(due),
        Material: derived.subarray(0, KEY_BYTES).toString('base64'),
      });
    }
    key.NextRotationDate = alibabaTimestamp(due);
  }
}
