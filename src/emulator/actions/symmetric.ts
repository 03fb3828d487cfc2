/**
 * Symmetric cryptography with AES-256-GCM: Encrypt, Decrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext and ReEncrypt. A ciphertext names its key version, so Decrypt
 * needs no KeyId and every version of a key stays readable after rotation.
 */
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
import { assertUsable, type KeyRecord, type KeyVersionRecord } from '../records.js';
import { type EmulatorState, isSymmetric } from '../state.js';
import { decryptWithRsa } from './asymmetric.js';
import { encryptionContext, integer, optional, type Params, required } from './params.js';
import type { Handler } from './types.js';

/** Alibaba's limit on Encrypt's Plaintext. */
const MAX_PLAINTEXT_BYTES = 6144;

/** A symmetric key ready to encrypt: asymmetric keys answer UnsupportedOperation, then states. */
function symmetricKey(state: EmulatorState, reference: string): KeyRecord {
  const key = state.resolveKey(reference);
  if (!isSymmetric(key)) throw failure('UnsupportedOperation');
  assertUsable(key);
  return key;
}

function encrypt(
  state: EmulatorState,
  key: KeyRecord,
  plaintext: Buffer,
  context: EncryptionContext | undefined,
): TypedObject {
  const material = state.keyMaterial(key.KeyId);
  const blob = seal(material, key.PrimaryKeyVersion, plaintext, encryptionContextAad(context));
  return { KeyId: key.KeyId, KeyVersionId: key.PrimaryKeyVersion, CiphertextBlob: blob };
}

/** The plaintext of a blob and the key version that sealed it; InvalidCiphertext when it is not one. */
function decrypt(
  state: EmulatorState,
  blob: string,
  context: EncryptionContext | undefined,
): { key: KeyRecord; version: KeyVersionRecord; plaintext: Buffer } {
  const envelope = openEnvelope(blob);
  const found = envelope && state.findVersion(envelope.keyVersionId);
  if (!envelope || !found) throw failure('InvalidCiphertext');
  if (!isSymmetric(found.key)) throw failure('UnsupportedOperation');
  assertUsable(found.key);
  const material = state.keyMaterial(found.key.KeyId, found.version.KeyVersionId);
  const plaintext = unseal(material, envelope, encryptionContextAad(context));
  if (!plaintext) throw failure('InvalidCiphertext');
  return { ...found, plaintext };
}

const DATA_KEY_SPECS: Readonly<Record<string, number>> = { AES_256: 32, AES_128: 16 };

/**
 * A new data key sealed under KeyId. Its plaintext is base64 of the key bytes, and the blob
 * encrypts that base64 text, so Decrypt gives back the same text.
 */
function generateDataKey(state: EmulatorState, params: Params): TypedObject {
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
  const key = symmetricKey(state, keyId);
  const plaintext = randomBytes(numberOfBytes).toString('base64');
  return { ...encrypt(state, key, Buffer.from(plaintext, 'utf8'), context), Plaintext: plaintext };
}

export const SYMMETRIC_ACTIONS: Readonly<Record<string, Handler>> = {
  Encrypt({ params, state }) {
    const keyId = required(params, 'KeyId');
    const plaintext = required(params, 'Plaintext');
    const context = encryptionContext(params);
    if (Buffer.byteLength(plaintext, 'utf8') > MAX_PLAINTEXT_BYTES) {
      throw failure('InvalidParameter', 'Plaintext');
    }
    const key = symmetricKey(state, keyId);
    return encrypt(state, key, Buffer.from(plaintext, 'utf8'), context);
  },

  Decrypt({ params, state }) {
    const blob = required(params, 'CiphertextBlob');
    const context = encryptionContext(params);
    const { key, version, plaintext } = decrypt(state, blob, context);
    return {
      KeyId: key.KeyId,
      KeyVersionId: version.KeyVersionId,
      Plaintext: plaintext.toString('utf8'),
    };
  },

  GenerateDataKey({ params, state }) {
    return generateDataKey(state, params);
  },

  GenerateDataKeyWithoutPlaintext({ params, state }) {
    const { KeyId, KeyVersionId, CiphertextBlob } = generateDataKey(state, params);
    return { KeyId, KeyVersionId, CiphertextBlob } as TypedObject;
  },

  /**
   * Decrypts under the source and encrypts under DestinationKeyId without showing the plaintext.
   * The source is a symmetric blob (its key from the blob; SourceKeyId, when given, must be that
   * key), or an RSA ciphertext named by SourceKeyId, SourceKeyVersionId and
   * SourceEncryptionAlgorithm.
   */
  ReEncrypt({ params, state }) {
    const blob = required(params, 'CiphertextBlob');
    const destinationKeyId = required(params, 'DestinationKeyId');
    const sourceContext = encryptionContext(params, 'SourceEncryptionContext');
    const destinationContext = encryptionContext(params, 'DestinationEncryptionContext');
    const sourceKeyId = optional(params, 'SourceKeyId');
    const destination = symmetricKey(state, destinationKeyId);
    const source = sourceKeyId === undefined ? undefined : state.resolveKey(sourceKeyId);
    let plaintext: Buffer;
    if (source && !isSymmetric(source)) {
      plaintext = decryptWithRsa(state, {
        keyId: source.KeyId,
        versionId: required(params, 'SourceKeyVersionId'),
        algorithm: required(params, 'SourceEncryptionAlgorithm'),
        ciphertext: blob,
        algorithmParameter: 'SourceEncryptionAlgorithm',
      }).plaintext;
    } else {
      const opened = decrypt(state, blob, sourceContext);
      if (source && opened.key.KeyId !== source.KeyId) throw failure('InvalidCiphertext');
      plaintext = opened.plaintext;
    }
    return encrypt(state, destination, plaintext, destinationContext);
  },
};
