/**
 * Secrets Manager state: secrets and their versions, kept in the emulator's one plain,
 * JSON-serializable value (see state.ts). Methods enforce the rules of the real service and
 * throw `EmulatorError`s with its codes, so tests that arrange data through this class meet the
 * same rules as requests do.
 *
 * Lifecycle: a deleted secret waits in its recovery window (`PlannedDeleteTime` set) until the
 * emulator clock passes that time; from then on it is gone, as if it never existed, and its name
 * is free again. Every read of the store drops such secrets first.
 */

import { isRecord } from '../codec/typed.js';
import { alibabaTimestamp } from '../protocol/timestamp.js';
import { isOwnKmsArn, kmsArn, parseArn } from './arn.js';
import { encryptionContextAad, openEnvelope, seal, unseal } from './crypto.js';
import { failure } from './errors.js';
import {
  assertUsable,
  type KeyRecord,
  type SecretDataType,
  type SecretRecord,
  type SecretVersionRecord,
  type StateOptions,
  type Tag,
  upsertTags,
} from './records.js';
import { DAY_MS, rotationSeconds, SECRET_ROTATION } from './rotation.js';

/** What the store needs from the key side of the state. */
export interface KeyRing {
  resolveKey(reference: string): KeyRecord;
  keyMaterial(keyReference: string, keyVersionId?: string): Buffer;
}

export interface CreateSecretInput {
  secretName: string;
  versionId: string;
  secretData: string;
  secretDataType?: string;
  encryptionKeyId?: string;
  description?: string;
  tags?: Tag[];
  secretType?: string;
  /** JSON object text */
  extendedConfig?: string;
  enableAutomaticRotation?: boolean;
  /** `<integer><d|h|m|s>`; required (and only read) with enableAutomaticRotation */
  rotationInterval?: string;
}

export interface PutSecretValueInput {
  versionId: string;
  secretData: string;
  secretDataType?: string;
  /** default `['ACSCurrent']` */
  versionStages?: readonly string[];
}

export interface StageMove {
  removeFromVersion?: string;
  moveToVersion?: string;
}

export interface SecretValue {
  secret: SecretRecord;
  version: SecretVersionRecord;
  /** the plaintext data, decrypted when the secret has an EncryptionKeyId */
  secretData: string;
}

export const ACS_CURRENT = 'ACSCurrent';
export const ACS_PREVIOUS = 'ACSPrevious';

/** Documented: letters, digits and `_/+=.-@`, up to 192; generic secrets cannot start with acs/. */
const SECRET_NAME = /^[A-Za-z0-9_/+=.@-]{1,192}$/;
/** Not documented; printable ASCII up to 64, like the AWS client request token. */
const VERSION_ID = /^[\x21-\x7e]{1,64}$/;
const STAGE = /^[\x21-\x7e]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Secret value limit of the KMS 2016-01-20 secrets API, in bytes of the sent text. */
const MAX_SECRET_DATA_BYTES = 30_720;
const MAX_EXTENDED_CONFIG = 1024;
/** Documented: "Each generic secret can have a maximum of 10 versions". */
const MAX_VERSIONS = 10;
/** Documented: "The total number of version stages for each generic secret cannot exceed 8". */
const MAX_STAGES = 8;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const MIN_RECOVERY_DAYS = 7;
const MAX_RECOVERY_DAYS = 30;
/** The secret types of the API; only Generic is emulated. */
const MANAGED_SECRET_TYPES = new Set(['Rds', 'RAMCredentials', 'ECS', 'Redis', 'PolarDB']);

/** The secret data type a parameter names; throws InvalidParameter SecretDataType. */
function dataType(value: string | undefined): SecretDataType {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'binary') return 'binary';
  throw failure('InvalidParameter', 'SecretDataType');
}

function checkData(data: string, type: SecretDataType): void {
  if (data === '') throw failure('MissingParameter', 'SecretData');
  if (Buffer.byteLength(data, 'utf8') > MAX_SECRET_DATA_BYTES) {
    throw failure('InvalidParameter', 'SecretData');
  }
  if (type === 'binary' && !BASE64.test(data)) throw failure('InvalidParameter', 'SecretData');
}

function checkVersionId(versionId: string): void {
  if (versionId === '') throw failure('MissingParameter', 'VersionId');
  if (!VERSION_ID.test(versionId)) throw failure('InvalidParameter', 'VersionId');
}

function checkTags(tags: readonly Tag[], parameter: string): void {
  for (const tag of tags) {
    const key: unknown = tag.TagKey;
    const value: unknown = tag.TagValue;
    if (
      typeof key !== 'string' ||
      typeof value !== 'string' ||
      key.length === 0 ||
      key.length > MAX_TAG_KEY ||
      value.length > MAX_TAG_VALUE ||
      /^(aliyun|acs:)/i.test(key)
    ) {
      throw failure('InvalidParameter', parameter);
    }
  }
}

const holds = (version: SecretVersionRecord, stage: string): boolean =>
  version.VersionStages.includes(stage);

const stagesOf = (secret: SecretRecord): Set<string> =>
  new Set(secret.Versions.flatMap((v) => v.VersionStages));

/** Operations on the secrets array the EmulatorState owns (it is replaced on load/reset). */
export class SecretStore {
  readonly #data: () => SecretRecord[];
  readonly #options: () => StateOptions;
  readonly #keys: KeyRing;

  /** `options` is read at every call (the state sets its options after building the store). */
  constructor(data: () => SecretRecord[], options: () => StateOptions, keys: KeyRing) {
    this.#data = data;
    this.#options = options;
    this.#keys = keys;
  }

  /** Every secret, pending deletion included, in creation order. */
  get secrets(): readonly SecretRecord[] {
    return this.#live();
  }

  arn(secretName: string): string {
    return kmsArn(this.#options(), `secret/${secretName}`);
  }

  /** The account that creates secrets (the `Creator` filter of ListSecrets). */
  get accountId(): string {
    return this.#options().accountId;
  }

  /**
   * The secret a SecretName parameter names: a name, or the ARN of a secret of this region and
   * account. Throws Forbidden.ResourceNotFound.
   */
  find(reference: string): SecretRecord {
    let name = reference;
    if (reference.startsWith('acs:')) {
      const arn = parseArn(reference);
      if (!isOwnKmsArn(arn, this.#options()) || !arn.resource.startsWith('secret/')) {
        throw failure('Forbidden.ResourceNotFound');
      }
      name = arn.resource.slice('secret/'.length);
    }
    const secret = this.#live().find((s) => s.SecretName === name);
    if (!secret) throw failure('Forbidden.ResourceNotFound');
    return secret;
  }

  isPendingDeletion(secret: SecretRecord): boolean {
    return secret.PlannedDeleteTime !== '';
  }

  create(input: CreateSecretInput): SecretRecord {
    const name = input.secretName;
    if (name === '') throw failure('MissingParameter', 'SecretName');
    if (!SECRET_NAME.test(name) || name.startsWith('acs/')) {
      throw failure('InvalidParameter', 'SecretName');
    }
    checkVersionId(input.versionId);
    const type = dataType(input.secretDataType);
    checkData(input.secretData, type);
    const secretType = input.secretType ?? 'Generic';
    if (MANAGED_SECRET_TYPES.has(secretType)) throw failure('UnsupportedOperation');
    if (secretType !== 'Generic') throw failure('InvalidParameter', 'SecretType');
    const tags = input.tags ?? [];
    checkTags(tags, 'Tags');
    const extendedConfig = input.extendedConfig ?? '';
    if (extendedConfig !== '') checkExtendedConfig(extendedConfig);
    const rotation = input.enableAutomaticRotation === true;
    let intervalSeconds = 0;
    if (rotation) {
      if (input.rotationInterval === undefined || input.rotationInterval === '') {
        throw failure('MissingParameter', 'RotationInterval');
      }
      intervalSeconds = rotationSeconds(input.rotationInterval, SECRET_ROTATION);
    }

    const secrets = this.#live();
    const clash = secrets.find((s) => s.SecretName === name);
    if (clash) {
      throw failure(
        this.isPendingDeletion(clash)
          ? 'Rejected.ResourceInDeleteWindow'
          : 'Rejected.ResourceExist',
      );
    }
    const quota = this.#options().quotas?.secrets;
    if (quota !== undefined && secrets.length >= quota) throw failure('Rejected.LimitExceeded');
    const key =
      input.encryptionKeyId === undefined || input.encryptionKeyId === ''
        ? undefined
        : this.#usableKey(input.encryptionKeyId);

    const now = this.#now();
    const created = alibabaTimestamp(now);
    const secret: SecretRecord = {
      SecretName: name,
      SecretType: secretType,
      Description: input.description ?? '',
      EncryptionKeyId: key?.KeyId ?? '',
      ExtendedConfig: extendedConfig,
      AutomaticRotation: rotation ? 'Enabled' : 'Disabled',
      RotationInterval: rotation ? `${intervalSeconds}s` : '',
      NextRotationDate: rotation ? alibabaTimestamp(now + intervalSeconds * 1000) : '',
      LastRotationDate: '',
      CreateTime: created,
      UpdateTime: created,
      PlannedDeleteTime: '',
      Tags: [],
      Versions: [],
    };
    upsertTags(secret.Tags, tags);
    secret.Versions.push(
      this.#newVersion(secret, input.versionId, input.secretData, type, [ACS_CURRENT]),
    );
    secrets.push(secret);
    return secret;
  }

  /**
   * A version's value: by VersionId, by VersionStage (default ACSCurrent), or by both, when the
   * version must hold the stage. A secret in its recovery window cannot be read.
   */
  getValue(reference: string, select: { versionId?: string; versionStage?: string }): SecretValue {
    const secret = this.#active(reference);
    const stage = select.versionStage ?? (select.versionId === undefined ? ACS_CURRENT : undefined);
    const version = secret.Versions.find(
      (v) =>
        (select.versionId === undefined || v.VersionId === select.versionId) &&
        (stage === undefined || holds(v, stage)),
    );
    if (!version) throw failure('Forbidden.ResourceNotFound');
    return { secret, version, secretData: this.#open(secret, version) };
  }

  /**
   * Stores a new version. The stages it gets leave the versions that held them; when ACSCurrent
   * moves, the version that had it becomes ACSPrevious. The same VersionId again is a no-op when
   * the data is the same and Rejected.ResourceExist when it differs. Beyond 10 versions the oldest
   * version without a stage is dropped, as the service documents.
   */
  putValue(reference: string, input: PutSecretValueInput): SecretValue {
    const secret = this.#active(reference);
    checkVersionId(input.versionId);
    const type = dataType(input.secretDataType);
    checkData(input.secretData, type);
    const stages = [...new Set(input.versionStages ?? [ACS_CURRENT])];
    if (stages.length === 0 || !stages.every((s) => STAGE.test(s))) {
      throw failure('InvalidParameter', 'VersionStages');
    }

    const existing = secret.Versions.find((v) => v.VersionId === input.versionId);
    if (existing) {
      const same =
        existing.SecretDataType === type && this.#open(secret, existing) === input.secretData;
      if (!same) throw failure('Rejected.ResourceExist');
      return { secret, version: existing, secretData: input.secretData };
    }

    const after = stagesOf(secret);
    for (const stage of stages) after.add(stage);
    if (stages.includes(ACS_CURRENT) && secret.Versions.some((v) => holds(v, ACS_CURRENT))) {
      after.add(ACS_PREVIOUS);
    }
    if (after.size > MAX_STAGES) throw failure('Rejected.LimitExceeded');

    const version = this.#newVersion(secret, input.versionId, input.secretData, type, []);
    secret.Versions.push(version);
    // Explicitly asking for ACSPrevious too keeps it off the former current version.
    const autoPrevious = !stages.includes(ACS_PREVIOUS);
    for (const stage of stages) this.#attach(secret, stage, version, autoPrevious);
    while (secret.Versions.length > MAX_VERSIONS) {
      const oldest = secret.Versions.findIndex((v) => v.VersionStages.length === 0);
      if (oldest < 0) break;
      secret.Versions.splice(oldest, 1);
    }
    secret.UpdateTime = alibabaTimestamp(this.#now());
    return { secret, version, secretData: input.secretData };
  }

  /** Versions oldest first; deprecated ones (no stage) only when asked for. */
  versions(reference: string, includeDeprecated: boolean): SecretVersionRecord[] {
    const secret = this.find(reference);
    return secret.Versions.filter((v) => includeDeprecated || v.VersionStages.length > 0);
  }

  /**
   * Moves a stage, per the documented scenarios: MoveToVersion alone adds the stage to a version
   * (taking it from whichever version held it), RemoveFromVersion alone removes a custom stage,
   * both move it. ACSCurrent and ACSPrevious cannot be removed, only moved; moving ACSCurrent
   * makes its former version ACSPrevious.
   */
  updateVersionStage(reference: string, stage: string, move: StageMove): SecretRecord {
    const secret = this.#active(reference);
    const { removeFromVersion, moveToVersion } = move;
    if (removeFromVersion === undefined && moveToVersion === undefined) {
      throw failure('Rejected.InvalidRequest');
    }
    const system = stage === ACS_CURRENT || stage === ACS_PREVIOUS;
    if (system && moveToVersion === undefined) throw failure('Rejected.InvalidRequest');
    if (!STAGE.test(stage)) throw failure('InvalidParameter', 'VersionStage');
    const from =
      removeFromVersion === undefined ? undefined : this.#version(secret, removeFromVersion);
    const to = moveToVersion === undefined ? undefined : this.#version(secret, moveToVersion);
    if (from && !holds(from, stage)) throw failure('Rejected.InvalidRequest');

    if (to) {
      const after = stagesOf(secret);
      after.add(stage);
      if (stage === ACS_CURRENT) after.add(ACS_PREVIOUS);
      if (after.size > MAX_STAGES) throw failure('Rejected.LimitExceeded');
      this.#attach(secret, stage, to);
    } else if (from) {
      from.VersionStages = from.VersionStages.filter((s) => s !== stage);
    }
    secret.UpdateTime = alibabaTimestamp(this.#now());
    return secret;
  }

  /**
   * Schedules deletion after a recovery window of 7 to 30 days, or with `force` deletes at once
   * (also a secret already in its window). Answers the PlannedDeleteTime.
   */
  delete(reference: string, options: { force?: boolean; recoveryWindowInDays?: number }): string {
    const secret = this.find(reference);
    const now = this.#now();
    if (options.force === true) {
      const secrets = this.#data();
      secrets.splice(secrets.indexOf(secret), 1);
      return alibabaTimestamp(now);
    }
    if (this.isPendingDeletion(secret)) throw failure('Rejected.ResourceInDeleteWindow');
    const days = options.recoveryWindowInDays ?? MAX_RECOVERY_DAYS;
    if (!Number.isInteger(days) || days < MIN_RECOVERY_DAYS || days > MAX_RECOVERY_DAYS) {
      throw failure('InvalidParameter', 'RecoveryWindowInDays');
    }
    secret.PlannedDeleteTime = alibabaTimestamp(now + days * DAY_MS);
    secret.UpdateTime = alibabaTimestamp(now);
    return secret.PlannedDeleteTime;
  }

  /** Cancels a scheduled deletion; a secret not pending deletion answers Rejected.ResourceInUse. */
  restore(reference: string): SecretRecord {
    const secret = this.find(reference);
    if (!this.isPendingDeletion(secret)) throw failure('Rejected.ResourceInUse');
    secret.PlannedDeleteTime = '';
    secret.UpdateTime = alibabaTimestamp(this.#now());
    return secret;
  }

  /** Adds tags, or sets the value of keys already there. For TagResource. */
  tag(secretName: string, tags: Tag[]): void {
    const secret = this.find(secretName);
    checkTags(tags, 'Tags');
    upsertTags(secret.Tags, tags);
    secret.UpdateTime = alibabaTimestamp(this.#now());
  }

  /** Removes tags by key; keys the secret does not have are ignored. For UntagResource. */
  untag(secretName: string, tagKeys: string[]): void {
    const secret = this.find(secretName);
    if (!tagKeys.every((k) => typeof k === 'string' && k !== '')) {
      throw failure('InvalidParameter', 'TagKeys');
    }
    secret.Tags = secret.Tags.filter((t) => !tagKeys.includes(t.TagKey));
    secret.UpdateTime = alibabaTimestamp(this.#now());
  }

  #now(): number {
    return this.#options().now();
  }

  /** The secrets array after dropping every secret whose recovery window has ended. */
  #live(): SecretRecord[] {
    const secrets = this.#data();
    const now = this.#now();
    for (let i = secrets.length - 1; i >= 0; i--) {
      const planned = secrets[i]?.PlannedDeleteTime ?? '';
      if (planned !== '' && Date.parse(planned) <= now) secrets.splice(i, 1);
    }
    return secrets;
  }

  /** A secret that is not pending deletion; one that is answers Rejected.ResourceInDeleteWindow. */
  #active(reference: string): SecretRecord {
    const secret = this.find(reference);
    if (this.isPendingDeletion(secret)) throw failure('Rejected.ResourceInDeleteWindow');
    return secret;
  }

  #version(secret: SecretRecord, versionId: string): SecretVersionRecord {
    const version = secret.Versions.find((v) => v.VersionId === versionId);
    if (!version) throw failure('Forbidden.ResourceNotFound');
    return version;
  }

  /**
   * Puts `stage` on `version` alone. When ACSCurrent leaves a version, that version becomes
   * ACSPrevious (unless `autoPrevious` is false), so moving ACSCurrent back is a rollback.
   */
  #attach(
    secret: SecretRecord,
    stage: string,
    version: SecretVersionRecord,
    autoPrevious = true,
  ): void {
    if (holds(version, stage)) return;
    const holder = secret.Versions.find((v) => holds(v, stage));
    if (holder) holder.VersionStages = holder.VersionStages.filter((s) => s !== stage);
    version.VersionStages.push(stage);
    if (stage === ACS_CURRENT && holder && autoPrevious) {
      this.#attach(secret, ACS_PREVIOUS, holder);
    }
  }

  #newVersion(
    secret: SecretRecord,
    versionId: string,
    data: string,
    type: SecretDataType,
    stages: string[],
  ): SecretVersionRecord {
    const version: SecretVersionRecord = {
      VersionId: versionId,
      CreateTime: alibabaTimestamp(this.#now()),
      VersionStages: stages,
      SecretDataType: type,
      SecretData: data,
      CiphertextBlob: '',
    };
    if (secret.EncryptionKeyId !== '') {
      const key = this.#usableKey(secret.EncryptionKeyId);
      const material = this.#keys.keyMaterial(key.KeyId);
      version.CiphertextBlob = seal(
        material,
        key.PrimaryKeyVersion,
        Buffer.from(data, 'utf8'),
        aadOf(secret.SecretName, versionId),
      );
      version.SecretData = '';
    }
    return version;
  }

  /** The plaintext of a version, decrypting with the secret's key when it has one. */
  #open(secret: SecretRecord, version: SecretVersionRecord): string {
    if (secret.EncryptionKeyId === '') return version.SecretData;
    const key = this.#usableKey(secret.EncryptionKeyId);
    const envelope = openEnvelope(version.CiphertextBlob);
    if (!envelope) throw failure('InternalFailure');
    let material: Buffer;
    try {
      material = this.#keys.keyMaterial(key.KeyId, envelope.keyVersionId);
    } catch (error) {
      throw failure('InternalFailure', undefined, error);
    }
    const plaintext = unseal(material, envelope, aadOf(secret.SecretName, version.VersionId));
    if (!plaintext) throw failure('InternalFailure');
    return plaintext.toString('utf8');
  }

  /** An enabled symmetric AES-256 key, as EncryptionKeyId must name. */
  #usableKey(reference: string): KeyRecord {
    const key = this.#keys.resolveKey(reference);
    if (key.KeySpec !== 'Aliyun_AES_256' || key.KeyUsage !== 'ENCRYPT/DECRYPT') {
      throw failure('InvalidParameter', 'EncryptionKeyId');
    }
    assertUsable(key);
    return key;
  }
}

/** The AAD that binds a version's ciphertext to its secret and version. */
const aadOf = (secretName: string, versionId: string): Buffer =>
  encryptionContextAad({ SecretName: secretName, VersionId: versionId });

function checkExtendedConfig(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw failure('InvalidParameter', 'ExtendedConfig', error);
  }
  if (!isRecord(value) || text.length > MAX_EXTENDED_CONFIG) {
    throw failure('InvalidParameter', 'ExtendedConfig');
  }
}
