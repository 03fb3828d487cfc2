/**
 * Asymmetric keys (RSA_2048, EC_P256; one version each): GetPublicKey, AsymmetricSign/Verify over
 * a caller-computed SHA-256 digest, AsymmetricEncrypt/Decrypt with RSAES-OAEP.
 */
import {
  DIGEST_BYTES,
  decodeBase64,
  oaepMaxPlaintext,
  type RsaEncryptionAlgorithm,
  rsaDecrypt,
  rsaEncrypt,
  type SignAlgorithm,
  signDigest,
  verifyDigest,
} from '../crypto.js';
import { failure } from '../errors.js';
import { assertUsable, type KeyRecord, type KeyVersionRecord } from '../records.js';
import { type EmulatorState, isSymmetric } from '../state.js';
import { base64, type Params, required } from './params.js';
import type { Handler } from './types.js';

const SIGN_VERIFY = 'SIGN/VERIFY';
const ENCRYPT_DECRYPT = 'ENCRYPT/DECRYPT';

/** Signature algorithms → the key spec they need. */
const SIGN_ALGORITHMS: Readonly<Record<string, string>> = {
  RSA_PSS_SHA_256: 'RSA_2048',
  RSA_PKCS1_SHA_256: 'RSA_2048',
  ECDSA_SHA_256: 'EC_P256',
};
const ENCRYPTION_ALGORITHMS: ReadonlySet<string> = new Set([
  'RSAES_OAEP_SHA_256',
  'RSAES_OAEP_SHA_1',
]);

interface Usable {
  readonly key: KeyRecord;
  readonly version: KeyVersionRecord & { PrivateKey: string; PublicKey: string };
}

/**
 * The asymmetric key and version a request names, ready to use: wrong usage is InvalidParameter
 * KeyId; a symmetric key answers `onSymmetric` (the metadata differs per action); then the key
 * state; then 404 Forbidden.KeyVersionNotFound.
 */
function asymmetric(
  state: EmulatorState,
  keyId: string,
  versionId: string,
  usage: string | undefined,
  onSymmetric: () => Error,
): Usable {
  const key = state.resolveKey(keyId);
  if (isSymmetric(key)) throw onSymmetric();
  if (usage !== undefined && key.KeyUsage !== usage) throw failure('InvalidParameter', 'KeyId');
  assertUsable(key);
  const version = state.version(key, versionId);
  if (version.PrivateKey === undefined || version.PublicKey === undefined) {
    throw failure('InternalFailure');
  }
  return { key, version: version as Usable['version'] };
}

/** AsymmetricSign/Verify's checked parameters and key. */
function signing(state: EmulatorState, params: Params) {
  const keyId = required(params, 'KeyId');
  const versionId = required(params, 'KeyVersionId');
  const algorithm = required(params, 'Algorithm');
  const digestText = required(params, 'Digest');
  const spec = Object.hasOwn(SIGN_ALGORITHMS, algorithm) ? SIGN_ALGORITHMS[algorithm] : undefined;
  if (spec === undefined) throw failure('InvalidParameter', 'Algorithm');
  const digest = decodeBase64(digestText);
  if (!digest || digest.length !== DIGEST_BYTES) throw failure('InvalidParameter', 'Digest');
  const usable = asymmetric(state, keyId, versionId, SIGN_VERIFY, () =>
    failure('InvalidParameter', 'KeyId'),
  );
  if (usable.key.KeySpec !== spec) throw failure('InvalidParameter', 'Algorithm');
  return { ...usable, algorithm: algorithm as SignAlgorithm, digest };
}

export interface RsaDecryptRequest {
  readonly keyId: string;
  readonly versionId: string;
  readonly algorithm: string;
  readonly ciphertext: string;
  /** the request's name for the algorithm parameter, for InvalidParameter */
  readonly algorithmParameter: string;
}

/**
 * RSAES-OAEP decryption with an ENCRYPT/DECRYPT RSA key (AsymmetricDecrypt, and ReEncrypt from
 * an asymmetric source). A blob that does not decrypt is InvalidCiphertext.
 * @throws EmulatorError InvalidParameter for the algorithm, InvalidCiphertext for a blob that
 *   does not decrypt
 */
export function decryptWithRsa(
  state: EmulatorState,
  request: RsaDecryptRequest,
): { key: KeyRecord; version: KeyVersionRecord; plaintext: Buffer } {
  if (!ENCRYPTION_ALGORITHMS.has(request.algorithm)) {
    throw failure('InvalidParameter', request.algorithmParameter);
  }
  const { key, version } = asymmetric(
    state,
    request.keyId,
    request.versionId,
    ENCRYPT_DECRYPT,
    () => failure('Rejected.UnsupportedOperation'),
  );
  const ciphertext = decodeBase64(request.ciphertext);
  const plaintext =
    ciphertext &&
    rsaDecrypt(request.algorithm as RsaEncryptionAlgorithm, version.PrivateKey, ciphertext);
  if (!plaintext) throw failure('InvalidCiphertext');
  return { key, version, plaintext };
}

export const ASYMMETRIC_ACTIONS: Readonly<Record<string, Handler>> = {
  GetPublicKey({ params, state }) {
    const keyId = required(params, 'KeyId');
    const versionId = required(params, 'KeyVersionId');
    const { key, version } = asymmetric(state, keyId, versionId, undefined, () =>
      failure('InvalidParameter', 'KeyId'),
    );
    return { KeyId: key.KeyId, KeyVersionId: version.KeyVersionId, PublicKey: version.PublicKey };
  },

  AsymmetricSign({ params, state }) {
    const { key, version, algorithm, digest } = signing(state, params);
    const signature = signDigest(algorithm, version.PrivateKey, digest);
    return {
      KeyId: key.KeyId,
      KeyVersionId: version.KeyVersionId,
      Value: signature.toString('base64'),
    };
  },

  /** A signature that does not match answers `Value: false`, not an error. */
  AsymmetricVerify({ params, state }) {
    const { key, version, algorithm, digest } = signing(state, params);
    const signature = base64(params, 'Value');
    return {
      KeyId: key.KeyId,
      KeyVersionId: version.KeyVersionId,
      Value: verifyDigest(algorithm, version.PublicKey, digest, signature),
    };
  },

  AsymmetricEncrypt({ params, state }) {
    const plaintext = base64(params, 'Plaintext');
    const keyId = required(params, 'KeyId');
    const versionId = required(params, 'KeyVersionId');
    const algorithm = required(params, 'Algorithm');
    if (!ENCRYPTION_ALGORITHMS.has(algorithm)) throw failure('InvalidParameter', 'Algorithm');
    const rsa = algorithm as RsaEncryptionAlgorithm;
    if (plaintext.length > oaepMaxPlaintext(rsa)) throw failure('InvalidParameter', 'Plaintext');
    const { key, version } = asymmetric(state, keyId, versionId, ENCRYPT_DECRYPT, () =>
      failure('Rejected.UnsupportedOperation'),
    );
    return {
      KeyId: key.KeyId,
      KeyVersionId: version.KeyVersionId,
      CiphertextBlob: rsaEncrypt(rsa, version.PublicKey, plaintext).toString('base64'),
    };
  },

  AsymmetricDecrypt({ params, state }) {
    const ciphertext = required(params, 'CiphertextBlob');
    const { key, version, plaintext } = decryptWithRsa(state, {
      keyId: required(params, 'KeyId'),
      versionId: required(params, 'KeyVersionId'),
      algorithm: required(params, 'Algorithm'),
      ciphertext,
      algorithmParameter: 'Algorithm',
    });
    return {
      KeyId: key.KeyId,
      KeyVersionId: version.KeyVersionId,
      Plaintext: plaintext.toString('base64'),
    };
  },
};
