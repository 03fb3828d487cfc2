/**
 * The ciphertext envelope. It copies the layout of real KMS blobs, whose base64 starts with the
 * ASCII key version id (the documented sample `ODZhOWVmZDkt…` decodes to `86a9efd9-…`), so
 * Decrypt finds the key without a KeyId:
 *
 *   CiphertextBlob = base64( KeyVersionId (36 ASCII bytes) || IV (12) || ciphertext || tag (16) )
 *
 * AES-256-GCM, with the canonical EncryptionContext as additional authenticated data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const KEY_VERSION_ID_BYTES = 36;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export const newKeyMaterial = (): Buffer => randomBytes(KEY_BYTES);

export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * An `EncryptionContext` parameter as a string map; undefined when absent or empty text.
 * Throws when it is not a JSON object of strings.
 */
export function parseEncryptionContext(text: string | undefined): EncryptionContext | undefined {
  if (text === undefined || text === '') return undefined;
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('EncryptionContext is not a JSON object');
  }
  for (const item of Object.values(value)) {
    if (typeof item !== 'string') throw new TypeError('EncryptionContext values must be strings');
  }
  return value as EncryptionContext;
}

/**
 * The AAD for a context: `JSON.stringify` of its `[key, value]` pairs sorted by key (code-unit
 * order). Pairs rather than an object because JS objects reorder integer-like keys. No context
 * and `{}` are the same: empty AAD.
 */
export function encryptionContextAad(context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.length === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(pairs), 'utf8');
}

export interface Envelope {
  readonly keyVersionId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

export function seal(
  material: Buffer,
  keyVersionId: string,
  plaintext: Buffer,
  aad: Buffer,
): string {
  const id = Buffer.from(keyVersionId, 'ascii');
  if (id.length !== KEY_VERSION_ID_BYTES) throw new RangeError('key version id is not 36 bytes');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([id, iv, ciphertext, cipher.getAuthTag()]).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const VERSION_ID = /^[0-9A-Za-z-]{36}$/;

/** The parts of a blob, or undefined when it cannot be one (bad base64, too short). */
export function openEnvelope(blob: string): Envelope | undefined {
  if (!BASE64.test(blob)) return undefined;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < KEY_VERSION_ID_BYTES + IV_BYTES + TAG_BYTES) return undefined;
  const keyVersionId = bytes.subarray(0, KEY_VERSION_ID_BYTES).toString('latin1');
  if (!VERSION_ID.test(keyVersionId)) return undefined;
  const body = bytes.subarray(KEY_VERSION_ID_BYTES);
  return {
    keyVersionId,
    iv: body.subarray(0, IV_BYTES),
    ciphertext: body.subarray(IV_BYTES, body.length - TAG_BYTES),
    tag: body.subarray(body.length - TAG_BYTES),
  };
}

/** The plaintext, or undefined when GCM authentication fails (tampering, another context). */
export function unseal(material: Buffer, envelope: Envelope, aad: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', material, envelope.iv, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(envelope.tag);
  try {
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
