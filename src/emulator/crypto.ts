/**
 * The ciphertext envelope. It copies the layout of real KMS blobs, whose base64 starts with the
 * ASCII key version id (the documented sample `ODZhOWVmZDkt…` decodes to `86a9efd9-…`), so
 * Decrypt finds the key without a KeyId:
 *
 *   CiphertextBlob = base64( KeyVersionId (36 ASCII bytes) || IV (12) || ciphertext || tag (16) )
 *
 * AES-256-GCM, with the canonical EncryptionContext as additional authenticated data.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { isRecord } from '../codec/typed.js';

export const KEY_VERSION_ID_BYTES = 36;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export const newKeyMaterial = (): Buffer => randomBytes(KEY_BYTES);

export type EncryptionContext = Readonly<Record<string, string>>;

/**
 * An `EncryptionContext` parameter as a string map; undefined when absent or empty text.
 * Throws when it is not a JSON object of strings.
 * @throws TypeError when it is not a JSON object of strings
 */
export function parseEncryptionContext(text: string | undefined): EncryptionContext | undefined {
  if (text === undefined || text === '') return undefined;
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) {
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

/**
 * @throws RangeError when the key version id is not 36 bytes
 */
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

// ---------------------------------------------------------------------------------------------
// Asymmetric keys. Node signs only whole messages (`crypto.sign(null, data, key)` hashes `data`
// with SHA-256 first for RSA and EC keys), but KMS signs a digest the caller computed. So the
// signature schemes are done over the digest here: PKCS#1 v1.5 as `privateEncrypt` of the
// DigestInfo, PSS by EMSA-PSS encoding (RFC 8017 §9.1) under raw RSA, ECDSA with @noble/curves.
// Each yields a signature `crypto.verify('sha256', message, publicKey, signature)` accepts.
// ---------------------------------------------------------------------------------------------

export type AsymmetricKeySpec = 'RSA_2048' | 'EC_P256';
export type SignAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256';
export type RsaEncryptionAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1';
export type WrappingAlgorithm = RsaEncryptionAlgorithm | 'RSAES_PKCS1_V1_5';

export const DIGEST_BYTES = 32;

export interface PemKeyPair {
  /** PKCS#8 PEM */
  readonly privateKey: string;
  /** SPKI PEM */
  readonly publicKey: string;
}

export function newKeyPair(spec: AsymmetricKeySpec): PemKeyPair {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  return spec === 'RSA_2048'
    ? generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
    : generateKeyPairSync('ec', {
        namedCurve: 'prime256v1',
        publicKeyEncoding,
        privateKeyEncoding,
      });
}

/** The DER SPKI of a PEM public key, base64 (GetParametersForImport's `PublicKey`). */
export const spkiDerBase64 = (publicKeyPem: string): string =>
  createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');

/** Strict base64 (padding required), or undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

// DER of AlgorithmIdentifier sha256 + OCTET STRING header (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * DIGEST_BYTES < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(seed, c));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const modulusBits = (key: KeyObject): number => key.asymmetricKeyDetails?.modulusLength ?? 0;

/** EMSA-PSS-ENCODE with SHA-256, MGF1-SHA-256 and a 32-byte salt. */
function pssEncode(digest: Buffer, emBits: number): Buffer {
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(DIGEST_BYTES);
  const h = sha256(Buffer.alloc(8), digest, salt);
  const db = Buffer.alloc(emLen - DIGEST_BYTES - 1);
  db[db.length - DIGEST_BYTES - 1] = 0x01;
  salt.copy(db, db.length - DIGEST_BYTES);
  const mask = mgf1Sha256(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY with SHA-256, MGF1-SHA-256 and a 32-byte salt. */
function pssVerify(digest: Buffer, em: Buffer, emBits: number): boolean {
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - DIGEST_BYTES - 1));
  const h = em.subarray(emLen - DIGEST_BYTES - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((db[0] as number) & ~topMask) !== 0) return false;
  const mask = mgf1Sha256(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & topMask;
  const separator = db.length - DIGEST_BYTES - 1;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  const salt = db.subarray(db.length - DIGEST_BYTES);
  return timingSafeEqual(sha256(Buffer.alloc(8), digest, salt), h);
}

/**
 * ECDSA on P-256 over a digest, by @noble/curves (audited, constant time): node:crypto has no
 * way to sign a digest it did not compute. Plain ECDSA as FIPS 186-4 has it: random nonces (RFC
 * 6979 hedged with fresh entropy), any S accepted, DER encoding.
 */
const ECDSA_OPTIONS = { prehash: false, format: 'der', lowS: false } as const;

const jwkBytes = (value: string | undefined): Uint8Array => Buffer.from(value ?? '', 'base64url');

function ecdsaSign(privateKeyPem: string, digest: Buffer): Buffer {
  const secret = jwkBytes(createPrivateKey(privateKeyPem).export({ format: 'jwk' }).d);
  return Buffer.from(p256.sign(digest, secret, { ...ECDSA_OPTIONS, extraEntropy: true }));
}

function ecdsaVerify(publicKeyPem: string, digest: Buffer, signature: Buffer): boolean {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  // SEC 1 uncompressed point: 0x04 || x || y.
  const point = Buffer.concat([Buffer.from([0x04]), jwkBytes(jwk.x), jwkBytes(jwk.y)]);
  return p256.verify(signature, digest, point, ECDSA_OPTIONS);
}

/** A signature over a SHA-256 digest, as `crypto.verify('sha256', message, …)` expects it. */
export function signDigest(
  algorithm: SignAlgorithm,
  privateKeyPem: string,
  digest: Buffer,
): Buffer {
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256':
      return privateEncrypt(
        { key: privateKeyPem, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, digest]),
      );
    case 'RSA_PSS_SHA_256': {
      const key = createPrivateKey(privateKeyPem);
      const encoded = pssEncode(digest, modulusBits(key) - 1);
      return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, encoded);
    }
    case 'ECDSA_SHA_256':
      return ecdsaSign(privateKeyPem, digest);
  }
}

/** Whether `signature` signs `digest`; false (never a throw) for anything that does not. */
export function verifyDigest(
  algorithm: SignAlgorithm,
  publicKeyPem: string,
  digest: Buffer,
  signature: Buffer,
): boolean {
  try {
    switch (algorithm) {
      case 'RSA_PKCS1_SHA_256': {
        const recovered = publicDecrypt(
          { key: publicKeyPem, padding: constants.RSA_PKCS1_PADDING },
          signature,
        );
        const expected = Buffer.concat([SHA256_DIGEST_INFO, digest]);
        return recovered.length === expected.length && timingSafeEqual(recovered, expected);
      }
      case 'RSA_PSS_SHA_256': {
        const key = createPublicKey(publicKeyPem);
        const bits = modulusBits(key);
        if (signature.length !== Math.ceil(bits / 8)) return false;
        const em = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
        // Raw RSA answers modulus-length bytes; EM is one byte shorter when emBits is 8k.
        const emLen = Math.ceil((bits - 1) / 8);
        return pssVerify(digest, em.subarray(em.length - emLen), bits - 1);
      }
      case 'ECDSA_SHA_256':
        return ecdsaVerify(publicKeyPem, digest, signature);
    }
  } catch {
    return false;
  }
}

const OAEP_HASH: Readonly<Record<RsaEncryptionAlgorithm, string>> = {
  RSAES_OAEP_SHA_256: 'sha256',
  RSAES_OAEP_SHA_1: 'sha1',
};

/** The longest plaintext RSAES-OAEP takes under a 2048-bit key. */
export const oaepMaxPlaintext = (algorithm: RsaEncryptionAlgorithm): number =>
  256 - 2 * (algorithm === 'RSAES_OAEP_SHA_256' ? 32 : 20) - 2;

export const rsaEncrypt = (
  algorithm: RsaEncryptionAlgorithm,
  publicKeyPem: string,
  plaintext: Buffer,
): Buffer =>
  publicEncrypt(
    {
      key: publicKeyPem,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: OAEP_HASH[algorithm],
    },
    plaintext,
  );

/**
 * The plaintext, or undefined when the ciphertext does not decrypt. PKCS#1 v1.5 is unpadded by
 * hand: Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809).
 */
export function rsaDecrypt(
  algorithm: WrappingAlgorithm,
  privateKeyPem: string,
  ciphertext: Buffer,
): Buffer | undefined {
  try {
    if (algorithm !== 'RSAES_PKCS1_V1_5') {
      return privateDecrypt(
        {
          key: privateKeyPem,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: OAEP_HASH[algorithm],
        },
        ciphertext,
      );
    }
    const key = createPrivateKey(privateKeyPem);
    if (ciphertext.length !== Math.ceil(modulusBits(key) / 8)) return undefined;
    const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
    if (em[0] !== 0x00 || em[1] !== 0x02) return undefined;
    const separator = em.indexOf(0x00, 2);
    // At least 8 bytes of non-zero padding (RFC 8017 §7.2.2 step 3).
    if (separator < 10) return undefined;
    return em.subarray(separator + 1);
  } catch {
    return undefined;
  }
}
