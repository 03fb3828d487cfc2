/**
 * Bring your own key: GetParametersForImport (a wrapping key and token for an EXTERNAL key),
 * ImportKeyMaterial, DeleteKeyMaterial. The rules are in state.ts.
 */
import { integer, required } from './params.js';
import type { Handler } from './types.js';

/** Seconds since the epoch; ten digits reach the year 2286. */
const MAX_UNIX = 9_999_999_999;

export const IMPORT_ACTIONS: Readonly<Record<string, Handler>> = {
  GetParametersForImport({ params, state }) {
    const keyId = required(params, 'KeyId');
    const algorithm = required(params, 'WrappingAlgorithm');
    const keySpec = required(params, 'WrappingKeySpec');
    return { ...state.parametersForImport(keyId, algorithm, keySpec) };
  },

  ImportKeyMaterial({ params, state }) {
    const keyId = required(params, 'KeyId');
    const encryptedKeyMaterial = required(params, 'EncryptedKeyMaterial');
    const importToken = required(params, 'ImportToken');
    // Required by the metadata; 0 = the material never expires.
    const keyMaterialExpireUnix = integer(params, 'KeyMaterialExpireUnix', {
      min: 0,
      max: MAX_UNIX,
    });
    state.importKeyMaterial(keyId, { encryptedKeyMaterial, importToken, keyMaterialExpireUnix });
    return {};
  },

  DeleteKeyMaterial({ params, state }) {
    state.deleteKeyMaterial(required(params, 'KeyId'));
    return {};
  },
};
