/** Key management: create, describe, list, enable/disable, schedule and cancel deletion. */
import type { EmulatorState } from '../state.js';
import { integer, optional, page, required } from './params.js';
import type { Handler } from './types.js';

export const KEY_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateKey({ params, state }) {
    const options: Parameters<EmulatorState['createKey']>[0] = {};
    const description = params.Description;
    const keySpec = optional(params, 'KeySpec');
    const keyUsage = optional(params, 'KeyUsage');
    const origin = optional(params, 'Origin');
    const protectionLevel = optional(params, 'ProtectionLevel');
    if (description !== undefined) options.description = description;
    if (keySpec !== undefined) options.keySpec = keySpec;
    if (keyUsage !== undefined) options.keyUsage = keyUsage;
    if (origin !== undefined) options.origin = origin;
    if (protectionLevel !== undefined) options.protectionLevel = protectionLevel;
    return { KeyMetadata: state.createKey(options) };
  },

  DescribeKey({ params, state }) {
    const key = state.resolveKey(required(params, 'KeyId'));
    return { KeyMetadata: { ...state.metadata(key), DeletionProtection: 'Disabled' } };
  },

  ListKeys({ params, state }) {
    const { items, counts } = page(state.keys, params);
    return {
      Keys: { Key: items.map((key) => ({ KeyId: key.KeyId, KeyArn: state.keyArn(key.KeyId) })) },
      ...counts,
    };
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
