/** Symmetric cryptography with AES-256-GCM: Encrypt, Decrypt, GenerateDataKey. */
import { randomBytes } from 'node:crypto';
import type { TypedObject } from '../../codec/typed.js';
import {
  type EncryptionContext,
  encryptionContextAad,
  openEnvelope,
  seal,
  unseal,
} from '../crypto.js';
import { failure } from '../errors.js';
import type { EmulatorState, KeyRecord } from '../state.js';
import { encryptionContext, integer, optional, required } from './params.js';
import type { Handler } from './types.js';

/** Alibaba's limit on Encrypt's Plaintext. */
const MAX_PLAINTEXT_BYTES = 6144;

/** Key states per the "impact of key status" table: cryptography needs an Enabled key. */
export function assertUsable(key: KeyRecord): void {
  if (key.KeyState === 'Disabled') throw failure('Rejected.Disabled');
  if (key.KeyState === 'PendingDeletion') throw failure('Rejected.PendingDeletion');
}

function encrypt(
  state: EmulatorState,
  key: KeyRecord,
  plaintext: string,
  context: EncryptionContext | undefined,
): TypedObject {
  const material = state.keyMaterial(key.KeyId);
  const blob = seal(
    material,
    key.PrimaryKeyVersion,
    Buffer.from(plaintext, 'utf8'),
    encryptionContextAad(context),
  );
  return { KeyId: key.KeyId, KeyVersionId: key.PrimaryKeyVersion, CiphertextBlob: blob };
}

const DATA_KEY_SPECS: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };

export const SYMMETRIC_ACTIONS: Readonly<Record<string, Handler>> = {
  Encrypt({ params, state }) {
    const keyId = required(params, 'KeyId');
    const plaintext = required(params, 'Plaintext');
    const context = encryptionContext(params);
    if (Buffer.byteLength(plaintext, 'utf8') > MAX_PLAINTEXT_BYTES) {
      throw failure('InvalidParameter', 'Plaintext');
    }
    const key = state.resolveKey(keyId);
    assertUsable(key);
    return encrypt(state, key, plaintext, context);
  },

  Decrypt({ params, state }) {
    const blob = required(params, 'CiphertextBlob');
    const context = encryptionContext(params);
    const envelope = openEnvelope(blob);
    const found = envelope && state.findVersion(envelope.keyVersionId);
    if (!envelope || !found) throw failure('InvalidCiphertext');
    assertUsable(found.key);
    const material = state.keyMaterial(found.key.KeyId, found.version.KeyVersionId);
    const plaintext = unseal(material, envelope, encryptionContextAad(context));
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
    const context = encryptionContext(params);
    const key = state.resolveKey(keyId);
    assertUsable(key);
    const plaintext = randomBytes(numberOfBytes).toString('base64');
    return { ...encrypt(state, key, plaintext, context), Plaintext: plaintext };
  },
};
