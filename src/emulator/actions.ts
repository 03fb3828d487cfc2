/**
 * One function per implemented KMS action. Each validates its business parameters, works on the
 * state, and returns the response fields under the metadata's names (RequestId is added by the
 * caller). Failures are thrown as EmulatorErrors and answered in the KMS error shape.
 */
import { randomBytes } from 'node:crypto';
import type { TypedObject } from '../codec/typed.js';
import {
  type EncryptionContext,
  encryptionContextAad,
  openEnvelope,
  parseEncryptionContext,
  seal,
  unseal,
} from './crypto.js';
import { failure } from './errors.js';
import type { EmulatorState, KeyRecord } from './state.js';

export interface ActionContext {
  readonly params: Readonly<Record<string, string>>;
  readonly state: EmulatorState;
}

type Handler = (ctx: ActionContext) => TypedObject;

type Params = ActionContext['params'];

/** Alibaba's limit on Encrypt's Plaintext. */
const MAX_PLAINTEXT_BYTES = 6144;
const INT32_MAX = 2_147_483_647;
const INTEGER = /^[+-]?\d{1,10}$/;

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw failure('MissingParameter', name);
  return value;
}

/** An optional parameter; empty text counts as absent. */
function optional(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === '' ? undefined : value;
}

interface IntegerRule {
  readonly fallback?: number;
  readonly min: number;
  readonly max: number;
}

function integer(params: Params, name: string, rule: IntegerRule): number {
  const text = optional(params, name);
  if (text === undefined) {
    if (rule.fallback === undefined) throw failure('MissingParameter', name);
    return rule.fallback;
  }
  const value = Number(text);
  if (!INTEGER.test(text) || value < rule.min || value > rule.max) {
    throw failure('InvalidParameter', name);
  }
  return value;
}

function context(params: Params): EncryptionContext | undefined {
  try {
    return parseEncryptionContext(params.EncryptionContext);
  } catch {
    throw failure('InvalidParameter', 'EncryptionContext');
  }
}

/** Key states per the "impact of key status" table: cryptography needs an Enabled key. */
function assertUsable(key: KeyRecord): void {
  if (key.KeyState === 'Disabled') throw failure('Rejected.Disabled');
  if (key.KeyState === 'PendingDeletion') throw failure('Rejected.PendingDeletion');
}

function paging(params: Params): { pageNumber: number; pageSize: number } {
  return {
    pageNumber: integer(params, 'PageNumber', { fallback: 1, min: 1, max: INT32_MAX }),
    pageSize: integer(params, 'PageSize', { fallback: 10, min: 1, max: 100 }),
  };
}

function page<T>(items: readonly T[], params: Params): { items: T[]; counts: TypedObject } {
  const { pageNumber, pageSize } = paging(params);
  const start = (pageNumber - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    counts: { TotalCount: items.length, PageNumber: pageNumber, PageSize: pageSize },
  };
}

function encrypt(
  state: EmulatorState,
  key: KeyRecord,
  plaintext: string,
  encryptionContext: EncryptionContext | undefined,
): TypedObject {
  const material = state.keyMaterial(key.KeyId);
  const blob = seal(
    material,
    key.PrimaryKeyVersion,
    Buffer.from(plaintext, 'utf8'),
    encryptionContextAad(encryptionContext),
  );
  return { KeyId: key.KeyId, KeyVersionId: key.PrimaryKeyVersion, CiphertextBlob: blob };
}

const DATA_KEY_SPECS: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };

export const ACTIONS: Readonly<Record<string, Handler>> = {
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

  CreateAlias({ params, state }) {
    const keyId = required(params, 'KeyId');
    state.createAlias(required(params, 'AliasName'), keyId);
    return {};
  },

  ListAliases({ params, state }) {
    const { items, counts } = page(state.aliases, params);
    return {
      Aliases: {
        Alias: items.map((alias) => ({
          KeyId: alias.KeyId,
          AliasArn: state.aliasArn(alias.AliasName),
          AliasName: alias.AliasName,
        })),
      },
      ...counts,
    };
  },

  Encrypt({ params, state }) {
    const keyId = required(params, 'KeyId');
    const plaintext = required(params, 'Plaintext');
    const encryptionContext = context(params);
    if (Buffer.byteLength(plaintext, 'utf8') > MAX_PLAINTEXT_BYTES) {
      throw failure('InvalidParameter', 'Plaintext');
    }
    const key = state.resolveKey(keyId);
    assertUsable(key);
    return encrypt(state, key, plaintext, encryptionContext);
  },

  Decrypt({ params, state }) {
    const blob = required(params, 'CiphertextBlob');
    const encryptionContext = context(params);
    const envelope = openEnvelope(blob);
    const found = envelope && state.findVersion(envelope.keyVersionId);
    if (!envelope || !found) throw failure('InvalidCiphertext');
    assertUsable(found.key);
    const material = state.keyMaterial(found.key.KeyId, found.version.KeyVersionId);
    const plaintext = unseal(material, envelope, encryptionContextAad(encryptionContext));
    if (!plaintext) throw failure('InvalidCiphertext');
    return {
      KeyId: found.key.KeyId,
      KeyVersionId: found.version.KeyVersionId,
      Plaintext: plaintext.toString('utf8'),
    };
  },

  /** Plaintext is base64 of the data key; the blob encrypts that base64 text, so Decrypt returns it. */
  GenerateDataKey({ params, state }) {
    const keyId = required(params, 'KeyId');
    const keySpec = optional(params, 'KeySpec');
    const specBytes = keySpec === undefined ? 32 : DATA_KEY_SPECS[keySpec];
    if (specBytes === undefined) throw failure('InvalidParameter', 'KeySpec');
    const numberOfBytes = integer(params, 'NumberOfBytes', {
      fallback: specBytes,
      min: 1,
      max: 1024,
    });
    const encryptionContext = context(params);
    const key = state.resolveKey(keyId);
    assertUsable(key);
    const plaintext = randomBytes(numberOfBytes).toString('base64');
    return { ...encrypt(state, key, plaintext, encryptionContext), Plaintext: plaintext };
  },
};

export const isImplementedAction = (action: string): boolean => Object.hasOwn(ACTIONS, action);
