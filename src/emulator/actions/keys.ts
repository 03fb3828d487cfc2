/**
 * Key management: create, describe and list keys; description, rotation policy and versions;
 * enable/disable, schedule and cancel deletion (state rules in state.ts).
 */
import { failure } from '../errors.js';
import type { KeyRecord, KeyVersionRecord } from '../records.js';
import type { CreateKeyOptions } from '../state.js';
import { filterList, tagList } from './key-params.js';
import { boolean, integer, jsonValue, optional, page, required } from './params.js';
import type { Handler } from './types.js';

/** Documented: up to 8,192 characters. */
const MAX_DESCRIPTION = 8192;

/** What ListKeys can filter on, by the field compared. */
const FILTERS: Readonly<Record<string, (key: KeyRecord) => string>> = {
  KeyState: (key) => key.KeyState,
  KeySpec: (key) => key.KeySpec,
  KeyUsage: (key) => key.KeyUsage,
  ProtectionLevel: (key) => key.ProtectionLevel,
};
const FILTER_KEYS: ReadonlySet<string> = new Set(Object.keys(FILTERS));

function description(text: string | undefined): string | undefined {
  if (text !== undefined && text.length > MAX_DESCRIPTION) {
    throw failure('InvalidParameter', 'Description');
  }
  return text;
}

const versionOf = (key: KeyRecord, version: KeyVersionRecord) => ({
  KeyId: key.KeyId,
  KeyVersionId: version.KeyVersionId,
  CreationDate: version.CreationDate,
});

export const KEY_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateKey({ params, state }) {
    const options: CreateKeyOptions = {};
    const text = description(params.Description);
    const keySpec = optional(params, 'KeySpec');
    const keyUsage = optional(params, 'KeyUsage');
    const origin = optional(params, 'Origin');
    const protectionLevel = optional(params, 'ProtectionLevel');
    const enableAutomaticRotation = boolean(params, 'EnableAutomaticRotation');
    const rotationInterval = optional(params, 'RotationInterval');
    const dkmsInstanceId = optional(params, 'DKMSInstanceId');
    const tags = tagList(params, 'Tags');
    // The key policy is not emulated (every caller may do everything), but must be a JSON object.
    const policy = jsonValue(params, 'Policy');
    if (policy !== undefined && (typeof policy !== 'object' || policy === null)) {
      throw failure('InvalidParameter', 'Policy');
    }
    if (text !== undefined) options.description = text;
    if (keySpec !== undefined) options.keySpec = keySpec;
    if (keyUsage !== undefined) options.keyUsage = keyUsage;
    if (origin !== undefined) options.origin = origin;
    if (protectionLevel !== undefined) options.protectionLevel = protectionLevel;
    if (enableAutomaticRotation !== undefined) {
      options.enableAutomaticRotation = enableAutomaticRotation;
    }
    if (rotationInterval !== undefined) options.rotationInterval = rotationInterval;
    if (dkmsInstanceId !== undefined) options.dkmsInstanceId = dkmsInstanceId;
    if (tags !== undefined) options.tags = tags;
    return { KeyMetadata: state.createKey(options) };
  },

  DescribeKey({ params, state }) {
    const key = state.resolveKey(required(params, 'KeyId'));
    return {
      KeyMetadata: {
        ...state.metadata(key),
        DeletionProtection: 'Disabled',
        DeletionProtectionDescription: '',
      },
    };
  },

  ListKeys({ params, state }) {
    const filters = filterList(params, 'Filters', FILTER_KEYS);
    const matching = state.keys.filter((key) =>
      filters.every(({ key: field, values }) => values.includes(FILTERS[field]?.(key) ?? '')),
    );
    const { items, counts } = page(matching, params);
    return {
      Keys: { Key: items.map((key) => ({ KeyId: key.KeyId, KeyArn: state.keyArn(key.KeyId) })) },
      ...counts,
    };
  },

  UpdateKeyDescription({ params, state }) {
    const keyId = required(params, 'KeyId');
    const text = description(required(params, 'Description')) as string;
    state.updateKeyDescription(keyId, text);
    return {};
  },

  UpdateRotationPolicy({ params, state }) {
    const keyId = required(params, 'KeyId');
    required(params, 'EnableAutomaticRotation');
    const enable = boolean(params, 'EnableAutomaticRotation') as boolean;
    state.updateRotationPolicy(keyId, enable, optional(params, 'RotationInterval'));
    return {};
  },

  CreateKeyVersion({ params, state }) {
    const keyId = required(params, 'KeyId');
    const version = state.createKeyVersion(keyId);
    return { KeyVersion: versionOf(state.resolveKey(keyId), version) };
  },

  ListKeyVersions({ params, state }) {
    const key = state.resolveKey(required(params, 'KeyId'));
    const { items, counts } = page(key.Versions, params);
    return {
      KeyVersions: { KeyVersion: items.map((version) => versionOf(key, version)) },
      ...counts,
    };
  },

  DescribeKeyVersion({ params, state }) {
    const keyId = required(params, 'KeyId');
    const versionId = required(params, 'KeyVersionId');
    const key = state.resolveKey(keyId);
    return { KeyVersion: versionOf(key, state.version(key, versionId)) };
  },

  EnableKey({ params, state }) {
    state.enableKey(required(params, 'KeyId'));
    return {};
  },

  DisableKey({ params, state }) {
    state.disableKey(required(params, 'KeyId'));
    return {};
  },

  ScheduleKeyDeletion({ params, state }) {
    const keyId = required(params, 'KeyId');
    const days = integer(params, 'PendingWindowInDays', { min: 7, max: 366 });
    state.scheduleKeyDeletion(keyId, days);
    return {};
  },

  CancelKeyDeletion({ params, state }) {
    state.cancelKeyDeletion(required(params, 'KeyId'));
    return {};
  },
};
