/**
 * The records the emulator's state is made of, shared by the key side (state.ts) and the secrets
 * side (secrets-state.ts): one plain, JSON-serializable value, field names as the API answers
 * them, so it can be saved as a file and read back. Also the few rules both sides apply to them.
 */
import { failure } from './errors.js';

/** A resource tag, on a key or a secret. */
export interface Tag {
  TagKey: string;
  TagValue: string;
}

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

export interface KeyVersionRecord {
  KeyVersionId: string;
  CreationDate: string;
  /**
   * base64 of the 32-byte AES key; `""` for an asymmetric key, and for an EXTERNAL key whose
   * material is not imported (or was deleted, or expired).
   */
  Material: string;
  /** Asymmetric keys: the private key, PKCS#8 PEM. */
  PrivateKey?: string;
  /** Asymmetric keys: the public key, SPKI PEM. */
  PublicKey?: string;
}

/** One answer of GetParametersForImport: the wrapping key pair stays here, with its token. */
export interface ImportTokenRecord {
  ImportToken: string;
  WrappingAlgorithm: string;
  /** PKCS#8 PEM of the wrapping key */
  PrivateKey: string;
  TokenExpireTime: string;
}

export type RotationPolicy = 'Enabled' | 'Disabled';

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
  /** Oldest first. */
  Versions: KeyVersionRecord[];
  /** The automatic rotation policy (the metadata says `Suspended` while the key is not Enabled). */
  AutomaticRotation: RotationPolicy;
  /** `<seconds>s` while the policy is Enabled, else `""` */
  RotationInterval: string;
  /** When the next automatic rotation falls due; `""` while the policy is Disabled */
  NextRotationDate: string;
  /** When imported material expires; `""` for never, and for keys without imported material */
  MaterialExpireTime: string;
  DKMSInstanceId: string;
  Tags: Tag[];
  /** EXTERNAL keys: what GetParametersForImport handed out, newest last */
  ImportTokens: ImportTokenRecord[];
  /** EXTERNAL keys: SHA-256 (base64) of the first material imported, `""` before any import */
  ImportedMaterialDigest: string;
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

export type SecretDataType = 'text' | 'binary';

export interface SecretVersionRecord {
  VersionId: string;
  CreateTime: string;
  /** No stage = a deprecated version: readable by VersionId, listed only with IncludeDeprecated. */
  VersionStages: string[];
  SecretDataType: SecretDataType;
  /** The data as sent (base64 for binary) when the secret has no EncryptionKeyId, else `""`. */
  SecretData: string;
  /**
   * With an EncryptionKeyId: the data sealed with that key (crypto.ts envelope, AES-256-GCM,
   * bound to the secret name and version id), else `""`.
   */
  CiphertextBlob: string;
}

/** One secret, field names as the API answers them. */
export interface SecretRecord {
  SecretName: string;
  SecretType: string;
  Description: string;
  /** The KeyId that protects the versions, `""` for the service-managed default. */
  EncryptionKeyId: string;
  /** JSON text as sent, `""` when none. */
  ExtendedConfig: string;
  AutomaticRotation: 'Enabled' | 'Disabled';
  /** `<seconds>s` while automatic rotation is enabled, else `""`. */
  RotationInterval: string;
  NextRotationDate: string;
  LastRotationDate: string;
  CreateTime: string;
  UpdateTime: string;
  /** `""` unless the secret is in its recovery window. */
  PlannedDeleteTime: string;
  Tags: Tag[];
  /** Oldest first. */
  Versions: SecretVersionRecord[];
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

export const emptyData = (): EmulatorData => ({ keys: [], aliases: [], secrets: [] });

/**
 * The failure for using a key that is not Enabled, if any.
 * @throws EmulatorError Rejected.Disabled, Rejected.PendingDeletion or Rejected.PendingImport
 */
export function assertUsable(key: KeyRecord): void {
  if (key.KeyState === 'Disabled') throw failure('Rejected.Disabled');
  if (key.KeyState === 'PendingDeletion') throw failure('Rejected.PendingDeletion');
  if (key.KeyState === 'PendingImport') throw failure('Rejected.PendingImport');
}

/** Tags set on a list: a key already there gets the new value, new keys are appended. */
export function upsertTags(target: Tag[], tags: readonly Tag[]): void {
  for (const { TagKey, TagValue } of tags) {
    const existing = target.find((t) => t.TagKey === TagKey);
    if (existing) existing.TagValue = TagValue;
    else target.push({ TagKey, TagValue });
  }
}
