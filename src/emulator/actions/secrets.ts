/**
 * Secrets Manager, the secrets actions of KMS 2016-01-20: create, read and version secrets, move
 * version stages, delete and restore. The rules live in SecretStore (secrets-state.ts); here the
 * parameters are read and the answers shaped with exactly the metadata's response fields.
 */
import type { TypedObject } from '../../codec/typed.js';
import { failure } from '../errors.js';
import type { SecretRecord, SecretVersionRecord, Tag } from '../records.js';
import type { CreateSecretInput, PutSecretValueInput, StageMove } from '../secrets-state.js';
import {
  flag,
  integer,
  isRecord,
  jsonValue,
  optional,
  type Params,
  page,
  required,
} from './params.js';
import type { Handler } from './types.js';

/**
 * The `Tags` of CreateSecret: `[{"Key":"k","Value":"v"}]`, or with `TagKey`/`TagValue` as the
 * metadata's example writes them.
 */
function tagsParam(params: Params): Tag[] | undefined {
  const value = jsonValue(params, 'Tags');
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw failure('InvalidParameter', 'Tags');
  return value.map((item: unknown) => {
    if (!isRecord(item)) throw failure('InvalidParameter', 'Tags');
    const key = item.Key ?? item.TagKey;
    const tagValue = item.Value ?? item.TagValue ?? '';
    if (typeof key !== 'string' || typeof tagValue !== 'string') {
      throw failure('InvalidParameter', 'Tags');
    }
    return { TagKey: key, TagValue: tagValue };
  });
}

/** `VersionStages` of PutSecretValue: a JSON array of stage names. */
function stagesParam(params: Params): string[] | undefined {
  const value = jsonValue(params, 'VersionStages');
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === 'string')) {
    throw failure('InvalidParameter', 'VersionStages');
  }
  return value;
}

const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 10;

type SecretField = (secret: SecretRecord, creator: string) => readonly string[];

/** The ListSecrets filter keys the SDK documents, and the values of a secret each one matches. */
const FILTER_FIELDS: Readonly<Record<string, SecretField>> = {
  SecretName: (s) => [s.SecretName],
  Description: (s) => [s.Description],
  TagKey: (s) => s.Tags.map((t) => t.TagKey),
  TagValue: (s) => s.Tags.map((t) => t.TagValue),
  SecretType: (s) => [s.SecretType],
  DKMSInstanceId: () => [''],
  Creator: (_s, creator) => [creator],
};

/**
 * `Filters` of ListSecrets: `[{"Key":"SecretName","Values":["a","b"]}]`. Values of one key are
 * ORed, keys ANDed, values matched exactly.
 */
function filtersParam(params: Params): ((secret: SecretRecord, creator: string) => boolean)[] {
  const value = jsonValue(params, 'Filters');
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_FILTERS) {
    throw failure('InvalidParameter', 'Filters');
  }
  return value.map((item: unknown) => {
    const field = isRecord(item) && typeof item.Key === 'string' ? item.Key : undefined;
    const values = isRecord(item) ? item.Values : undefined;
    const fieldOf = field !== undefined && Object.hasOwn(FILTER_FIELDS, field);
    if (
      !fieldOf ||
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > MAX_FILTER_VALUES ||
      !values.every((v) => typeof v === 'string')
    ) {
      throw failure('InvalidParameter', 'Filters');
    }
    const read = FILTER_FIELDS[field as string] as SecretField;
    return (secret, creator) => read(secret, creator).some((v) => values.includes(v));
  });
}

const tagList = (secret: SecretRecord, fetch: boolean): TypedObject => ({
  Tag: fetch ? secret.Tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) : [],
});

const stageList = (version: SecretVersionRecord): TypedObject => ({
  VersionStage: [...version.VersionStages],
});

export const SECRET_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateSecret({ params, state }) {
    const secretName = required(params, 'SecretName');
    const versionId = required(params, 'VersionId');
    const secretData = required(params, 'SecretData');
    const enableAutomaticRotation = flag(params, 'EnableAutomaticRotation', false);
    const tags = tagsParam(params);
    // The emulator has no KMS instances: any instance id names one that does not exist.
    if (optional(params, 'DKMSInstanceId') !== undefined) {
      throw failure('Forbidden.DKMSInstanceNotFound');
    }
    const input: CreateSecretInput = { secretName, versionId, secretData, enableAutomaticRotation };
    const secretDataType = optional(params, 'SecretDataType');
    const encryptionKeyId = optional(params, 'EncryptionKeyId');
    const description = optional(params, 'Description');
    const secretType = optional(params, 'SecretType');
    const extendedConfig = optional(params, 'ExtendedConfig');
    const rotationInterval = optional(params, 'RotationInterval');
    if (secretDataType !== undefined) input.secretDataType = secretDataType;
    if (encryptionKeyId !== undefined) input.encryptionKeyId = encryptionKeyId;
    if (description !== undefined) input.description = description;
    if (secretType !== undefined) input.secretType = secretType;
    if (extendedConfig !== undefined) input.extendedConfig = extendedConfig;
    if (rotationInterval !== undefined) input.rotationInterval = rotationInterval;
    if (tags !== undefined) input.tags = tags;
    const secret = state.secrets.create(input);
    return {
      AutomaticRotation: secret.AutomaticRotation,
      SecretName: secret.SecretName,
      VersionId: versionId,
      NextRotationDate: secret.NextRotationDate,
      SecretType: secret.SecretType,
      RotationInterval: secret.RotationInterval,
      Arn: state.secrets.arn(secret.SecretName),
      ExtendedConfig: secret.ExtendedConfig,
      DKMSInstanceId: '',
    };
  },

  /**
   * ExtendedConfig is answered only with FetchExtendedConfig=true (`""` otherwise); a secret in
   * its recovery window answers 409 Rejected.ResourceInDeleteWindow.
   */
  GetSecretValue({ params, state }) {
    const secretName = required(params, 'SecretName');
    const versionStage = optional(params, 'VersionStage');
    const versionId = optional(params, 'VersionId');
    const fetchExtendedConfig = flag(params, 'FetchExtendedConfig', false);
    const select: { versionId?: string; versionStage?: string } = {};
    if (versionStage !== undefined) select.versionStage = versionStage;
    if (versionId !== undefined) select.versionId = versionId;
    const { secret, version, secretData } = state.secrets.getValue(secretName, select);
    return {
      SecretDataType: version.SecretDataType,
      CreateTime: version.CreateTime,
      VersionId: version.VersionId,
      NextRotationDate: secret.NextRotationDate,
      SecretData: secretData,
      RotationInterval: secret.RotationInterval,
      ExtendedConfig: fetchExtendedConfig ? secret.ExtendedConfig : '',
      LastRotationDate: secret.LastRotationDate,
      SecretName: secret.SecretName,
      AutomaticRotation: secret.AutomaticRotation,
      SecretType: secret.SecretType,
      VersionStages: stageList(version),
    };
  },

  PutSecretValue({ params, state }) {
    const secretName = required(params, 'SecretName');
    const versionId = required(params, 'VersionId');
    const secretData = required(params, 'SecretData');
    const secretDataType = optional(params, 'SecretDataType');
    const versionStages = stagesParam(params);
    const input: PutSecretValueInput = { versionId, secretData };
    if (secretDataType !== undefined) input.secretDataType = secretDataType;
    if (versionStages !== undefined) input.versionStages = versionStages;
    const { secret, version } = state.secrets.putValue(secretName, input);
    return {
      SecretName: secret.SecretName,
      VersionId: version.VersionId,
      VersionStages: stageList(version),
    };
  },

  DescribeSecret({ params, state }) {
    const secretName = required(params, 'SecretName');
    const fetchTags = flag(params, 'FetchTags', false);
    const secret = state.secrets.find(secretName);
    return {
      UpdateTime: secret.UpdateTime,
      CreateTime: secret.CreateTime,
      NextRotationDate: secret.NextRotationDate,
      EncryptionKeyId: secret.EncryptionKeyId,
      RotationInterval: secret.RotationInterval,
      Arn: state.secrets.arn(secret.SecretName),
      ExtendedConfig: secret.ExtendedConfig,
      LastRotationDate: secret.LastRotationDate,
      Description: secret.Description,
      SecretName: secret.SecretName,
      AutomaticRotation: secret.AutomaticRotation,
      SecretType: secret.SecretType,
      PlannedDeleteTime: secret.PlannedDeleteTime,
      DKMSInstanceId: '',
      Tags: tagList(secret, fetchTags),
    };
  },

  ListSecrets({ params, state }) {
    const fetchTags = flag(params, 'FetchTags', false);
    const filters = filtersParam(params);
    const creator = state.secrets.accountId;
    const matching = state.secrets.secrets.filter((s) => filters.every((f) => f(s, creator)));
    const { items, counts } = page(matching, params);
    return {
      SecretList: {
        Secret: items.map((secret) => ({
          SecretName: secret.SecretName,
          UpdateTime: secret.UpdateTime,
          SecretType: secret.SecretType,
          PlannedDeleteTime: secret.PlannedDeleteTime,
          CreateTime: secret.CreateTime,
          Tags: tagList(secret, fetchTags),
        })),
      },
      ...counts,
    };
  },

  ListSecretVersionIds({ params, state }) {
    const secretName = required(params, 'SecretName');
    const includeDeprecated = flag(params, 'IncludeDeprecated', false);
    const secret = state.secrets.find(secretName);
    const { items, counts } = page(state.secrets.versions(secretName, includeDeprecated), params);
    return {
      SecretName: secret.SecretName,
      VersionIds: {
        VersionId: items.map((version) => ({
          VersionId: version.VersionId,
          CreateTime: version.CreateTime,
          VersionStages: stageList(version),
        })),
      },
      ...counts,
    };
  },

  UpdateSecretVersionStage({ params, state }) {
    const secretName = required(params, 'SecretName');
    const versionStage = required(params, 'VersionStage');
    const move: StageMove = {};
    const removeFromVersion = optional(params, 'RemoveFromVersion');
    const moveToVersion = optional(params, 'MoveToVersion');
    if (removeFromVersion !== undefined) move.removeFromVersion = removeFromVersion;
    if (moveToVersion !== undefined) move.moveToVersion = moveToVersion;
    const secret = state.secrets.updateVersionStage(secretName, versionStage, move);
    return { SecretName: secret.SecretName };
  },

  /** RecoveryWindowInDays is ignored with ForceDeleteWithoutRecovery=true, as documented. */
  DeleteSecret({ params, state }) {
    const secretName = required(params, 'SecretName');
    const force = flag(params, 'ForceDeleteWithoutRecovery', false);
    const recoveryWindowInDays = force
      ? undefined
      : integer(params, 'RecoveryWindowInDays', { fallback: 30, min: 7, max: 30 });
    const { SecretName } = state.secrets.find(secretName);
    const options: { force: boolean; recoveryWindowInDays?: number } = { force };
    if (recoveryWindowInDays !== undefined) options.recoveryWindowInDays = recoveryWindowInDays;
    const plannedDeleteTime = state.secrets.delete(secretName, options);
    return { SecretName, PlannedDeleteTime: plannedDeleteTime };
  },

  RestoreSecret({ params, state }) {
    const secret = state.secrets.restore(required(params, 'SecretName'));
    return { SecretName: secret.SecretName };
  },
};
