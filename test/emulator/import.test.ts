/**
 * Bring your own key over real HTTP: material wrapped by node:crypto with the public key the
 * emulator hands out, each wrapping algorithm, each import error, material deletion and expiry,
 * and the PendingImport column of the key-state table.
 */
import {
  constants,
  createDecipheriv,
  createPublicKey,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { expectKmsError } from './helpers.js';
import {
  DAY,
  expectBothFormats,
  invalid,
  MESSAGES,
  missing,
  START,
  useEmulator,
} from './key-helpers.js';

const h = useEmulator();
const state = () => h.emulator.state;
const HOUR = 3_600_000;

const PADDINGS = {
  RSAES_OAEP_SHA_256: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
  RSAES_OAEP_SHA_1: { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
  RSAES_PKCS1_V1_5: { padding: constants.RSA_PKCS1_PADDING },
} as const;
type Wrapping = keyof typeof PADDINGS;

async function createExternal(): Promise<string> {
  const body = await h.succeed({ Action: 'CreateKey', Origin: 'EXTERNAL' });
  return (body.KeyMetadata as Record<string, string>).KeyId as string;
}

interface ImportParameters {
  KeyId: string;
  ImportToken: string;
  TokenExpireTime: string;
  PublicKey: string;
}

async function parametersFor(
  keyId: string,
  algorithm: Wrapping = 'RSAES_OAEP_SHA_256',
): Promise<ImportParameters> {
  return (await h.succeed({
    Action: 'GetParametersForImport',
    KeyId: keyId,
    WrappingAlgorithm: algorithm,
    WrappingKeySpec: 'RSA_2048',
  })) as unknown as ImportParameters;
}

/** Material wrapped as a customer would: node:crypto with the DER public key. */
function wrap(publicKey: string, algorithm: Wrapping, material: Buffer): string {
  const key = createPublicKey({
    key: Buffer.from(publicKey, 'base64'),
    format: 'der',
    type: 'spki',
  });
  return publicEncrypt({ key, ...PADDINGS[algorithm] }, material).toString('base64');
}

const importMaterial = (keyId: string, importToken: string, encrypted: string, expireUnix = '0') =>
  h.call({
    Action: 'ImportKeyMaterial',
    KeyId: keyId,
    ImportToken: importToken,
    EncryptedKeyMaterial: encrypted,
    KeyMaterialExpireUnix: expireUnix,
  });

/** An EXTERNAL key with `material` imported (never expiring). */
async function importedKey(material = randomBytes(32)): Promise<[string, Buffer]> {
  const keyId = await createExternal();
  const parameters = await parametersFor(keyId);
  const result = await importMaterial(
    keyId,
    parameters.ImportToken,
    wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', material),
  );
  expect(result.status).toBe(200);
  return [keyId, material];
}

const describeKey = async (KeyId: string) =>
  (await h.succeed({ Action: 'DescribeKey', KeyId })).KeyMetadata as Record<string, string>;

describe('the BYOK flow', () => {
  for (const algorithm of Object.keys(PADDINGS) as Wrapping[]) {
    it(`imports material wrapped with ${algorithm}, and encrypts with exactly that material`, async () => {
      const keyId = await createExternal();
      expect(await describeKey(keyId)).toMatchObject({
        Origin: 'EXTERNAL',
        KeyState: 'PendingImport',
        MaterialExpireTime: '',
      });
      const parameters = (await expectBothFormats(h, () => ({
        Action: 'GetParametersForImport',
        KeyId: keyId,
        WrappingAlgorithm: algorithm,
        WrappingKeySpec: 'RSA_2048',
      }))) as unknown as ImportParameters;
      expect(parameters.KeyId).toBe(keyId);
      expect(parameters.TokenExpireTime).toBe(alibabaTimestamp(START + DAY));
      expect(parameters.ImportToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const wrappingKey = createPublicKey({
        key: Buffer.from(parameters.PublicKey, 'base64'),
        format: 'der',
        type: 'spki',
      });
      expect(wrappingKey.asymmetricKeyType).toBe('rsa');
      expect(wrappingKey.asymmetricKeyDetails?.modulusLength).toBe(2048);

      const material = randomBytes(32);
      const encrypted = wrap(parameters.PublicKey, algorithm, material);
      const params = {
        Action: 'ImportKeyMaterial',
        KeyId: keyId,
        ImportToken: parameters.ImportToken,
        EncryptedKeyMaterial: encrypted,
        KeyMaterialExpireUnix: '0',
      };
      // Importing the same material twice is allowed (the XML call is the second import).
      await expectBothFormats(h, () => params);
      expect(await describeKey(keyId)).toMatchObject({
        KeyState: 'Enabled',
        MaterialExpireTime: '',
      });
      expect(state().keyMaterial(keyId)).toEqual(material);

      const sealed = await h.succeed({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'byok' });
      const blob = Buffer.from(sealed.CiphertextBlob as string, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(36, 48));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plaintext = Buffer.concat([
        decipher.update(blob.subarray(48, blob.length - 16)),
        decipher.final(),
      ]);
      expect(plaintext.toString('utf8')).toBe('byok');
      const opened = await h.succeed({
        Action: 'Decrypt',
        CiphertextBlob: sealed.CiphertextBlob as string,
      });
      expect(opened.Plaintext).toBe('byok');
    });
  }

  it('hands out a new wrapping key and token on every call, each valid for its key', async () => {
    const keyId = await createExternal();
    const first = await parametersFor(keyId);
    h.advance(HOUR);
    const second = await parametersFor(keyId, 'RSAES_PKCS1_V1_5');
    expect(second.PublicKey).not.toBe(first.PublicKey);
    expect(second.ImportToken).not.toBe(first.ImportToken);
    expect(second.TokenExpireTime).toBe(alibabaTimestamp(START + HOUR + DAY));
    const material = randomBytes(32);
    // The first token still works, with its own key and algorithm.
    const result = await importMaterial(
      keyId,
      first.ImportToken,
      wrap(first.PublicKey, 'RSAES_OAEP_SHA_256', material),
    );
    expect(result.status).toBe(200);
  });

  it('DeleteKeyMaterial takes the key back to PendingImport until the same material returns', async () => {
    const [keyId, material] = await importedKey();
    const sealed = await h.succeed({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'kept' });
    await expectBothFormats(h, () => ({ Action: 'DeleteKeyMaterial', KeyId: keyId }));
    expect((await describeKey(keyId)).KeyState).toBe('PendingImport');
    expect(state().keys[0]?.Versions.every((v) => v.Material === '')).toBe(true);
    expect(JSON.stringify(state().snapshot())).not.toContain(material.toString('base64'));
    for (const params of <Record<string, string>[]>[
      { Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' },
      { Action: 'Decrypt', CiphertextBlob: sealed.CiphertextBlob as string },
      { Action: 'GenerateDataKey', KeyId: keyId },
      { Action: 'GenerateDataKeyWithoutPlaintext', KeyId: keyId },
    ]) {
      expectKmsError(await h.call(params), 409, 'Rejected.PendingImport', MESSAGES.PendingImport);
    }
    expect(() => state().keyMaterial(keyId)).toThrow(MESSAGES.PendingImport);
    // Other material is refused, even now that none is there.
    const parameters = await parametersFor(keyId);
    expectKmsError(
      await importMaterial(
        keyId,
        parameters.ImportToken,
        wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
      ),
      400,
      'InvalidKeyMaterial',
      MESSAGES.InvalidKeyMaterial,
    );
    const back = await importMaterial(
      keyId,
      parameters.ImportToken,
      wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', material),
    );
    expect(back.status).toBe(200);
    const opened = await h.succeed({
      Action: 'Decrypt',
      CiphertextBlob: sealed.CiphertextBlob as string,
    });
    expect(opened.Plaintext).toBe('kept');
  });

  it('drops material at KeyMaterialExpireUnix; re-importing it sets a new expiry', async () => {
    const keyId = await createExternal();
    const parameters = await parametersFor(keyId);
    const material = randomBytes(32);
    const encrypted = wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', material);
    const expiry = (START + 2 * HOUR) / 1000;
    expect(
      (await importMaterial(keyId, parameters.ImportToken, encrypted, String(expiry))).status,
    ).toBe(200);
    expect(await describeKey(keyId)).toMatchObject({
      KeyState: 'Enabled',
      MaterialExpireTime: alibabaTimestamp(START + 2 * HOUR),
    });
    h.advance(2 * HOUR - 1000);
    expect((await h.call({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' })).status).toBe(200);
    h.advance(1000);
    expect(await describeKey(keyId)).toMatchObject({
      KeyState: 'PendingImport',
      MaterialExpireTime: '',
    });
    expectKmsError(
      await h.call({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' }),
      409,
      'Rejected.PendingImport',
      MESSAGES.PendingImport,
    );
    expect((await importMaterial(keyId, parameters.ImportToken, encrypted)).status).toBe(200);
    expect(await describeKey(keyId)).toMatchObject({ KeyState: 'Enabled', MaterialExpireTime: '' });
  });
});

describe('import errors', () => {
  it('GetParametersForImport: EXTERNAL keys only, known algorithm and spec', async () => {
    const kms = (await h.succeed({ Action: 'CreateKey' })).KeyMetadata as Record<string, string>;
    const keyId = await createExternal();
    const get = (params: Record<string, string>) =>
      h.call({
        Action: 'GetParametersForImport',
        KeyId: keyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
        ...params,
      });
    expectKmsError(
      await get({ KeyId: kms.KeyId as string }),
      400,
      'Unsupported.Origin',
      MESSAGES.UnsupportedOrigin,
    );
    expectKmsError(
      await get({ WrappingAlgorithm: 'RSAES_OAEP_SHA_512' }),
      400,
      'InvalidParameter',
      invalid('WrappingAlgorithm'),
    );
    expectKmsError(
      await get({ WrappingKeySpec: 'RSA_3072' }),
      400,
      'InvalidParameter',
      invalid('WrappingKeySpec'),
    );
    expectKmsError(
      await get({ WrappingKeySpec: '' }),
      400,
      'MissingParameter',
      missing('WrappingKeySpec'),
    );
    expectKmsError(
      await get({ KeyId: 'nope' }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
    state().setKeyState(keyId, 'PendingDeletion');
    expectKmsError(await get({}), 409, 'Rejected.PendingDeletion', MESSAGES.PendingDeletion);
    expect(state().keys.find((k) => k.KeyId === keyId)?.ImportTokens).toEqual([]);
  });

  it('ImportKeyMaterial: unknown tokens, tokens of another key, expired tokens', async () => {
    const keyId = await createExternal();
    const otherKey = await createExternal();
    const mine = await parametersFor(keyId);
    const theirs = await parametersFor(otherKey);
    const material = randomBytes(32);
    expectKmsError(
      await importMaterial(
        keyId,
        'bm90IGEgdG9rZW4=',
        wrap(mine.PublicKey, 'RSAES_OAEP_SHA_256', material),
      ),
      400,
      'InvalidImportToken',
      MESSAGES.InvalidImportToken,
    );
    expectKmsError(
      await importMaterial(
        keyId,
        theirs.ImportToken,
        wrap(theirs.PublicKey, 'RSAES_OAEP_SHA_256', material),
      ),
      400,
      'InvalidImportToken',
      MESSAGES.InvalidImportToken,
    );
    h.advance(DAY);
    expectKmsError(
      await importMaterial(
        keyId,
        mine.ImportToken,
        wrap(mine.PublicKey, 'RSAES_OAEP_SHA_256', material),
      ),
      400,
      'ExpiredImportToken',
      MESSAGES.ExpiredImportToken,
    );
    expect((await describeKey(keyId)).KeyState).toBe('PendingImport');
  });

  it('ImportKeyMaterial: material that does not unwrap, is not 32 bytes, or used the wrong algorithm', async () => {
    const keyId = await createExternal();
    const parameters = await parametersFor(keyId, 'RSAES_OAEP_SHA_256');
    const pkcs1 = await parametersFor(keyId, 'RSAES_PKCS1_V1_5');
    const stranger = await parametersFor(await createExternal());
    const material = randomBytes(32);
    for (const [token, encrypted] of [
      [parameters.ImportToken, wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', randomBytes(16))],
      [parameters.ImportToken, wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', randomBytes(33))],
      [parameters.ImportToken, wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_1', material)],
      [parameters.ImportToken, wrap(parameters.PublicKey, 'RSAES_PKCS1_V1_5', material)],
      [pkcs1.ImportToken, wrap(pkcs1.PublicKey, 'RSAES_OAEP_SHA_256', material)],
      [pkcs1.ImportToken, wrap(pkcs1.PublicKey, 'RSAES_PKCS1_V1_5', randomBytes(24))],
      [parameters.ImportToken, wrap(stranger.PublicKey, 'RSAES_OAEP_SHA_256', material)],
      [parameters.ImportToken, randomBytes(256).toString('base64')],
      [parameters.ImportToken, 'not base64!'],
    ] as const) {
      expectKmsError(
        await importMaterial(keyId, token, encrypted),
        400,
        'InvalidKeyMaterial',
        MESSAGES.InvalidKeyMaterial,
      );
    }
    expect((await describeKey(keyId)).KeyState).toBe('PendingImport');
    expect(state().keys[0]?.ImportedMaterialDigest).toBe('');
  });

  it('ImportKeyMaterial: only the material imported first, never into a KMS key', async () => {
    const [keyId] = await importedKey();
    const parameters = await parametersFor(keyId);
    expectKmsError(
      await importMaterial(
        keyId,
        parameters.ImportToken,
        wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
      ),
      400,
      'InvalidKeyMaterial',
      MESSAGES.InvalidKeyMaterial,
    );
    const kms = (await h.succeed({ Action: 'CreateKey' })).KeyMetadata as Record<string, string>;
    expectKmsError(
      await importMaterial(kms.KeyId as string, parameters.ImportToken, 'AAAA'),
      400,
      'Unsupported.Origin',
      MESSAGES.UnsupportedOrigin,
    );
    expectKmsError(
      await h.call({ Action: 'DeleteKeyMaterial', KeyId: kms.KeyId as string }),
      400,
      'Unsupported.Origin',
      MESSAGES.UnsupportedOrigin,
    );
  });

  it('ImportKeyMaterial: a key pending deletion, a bad expiry, missing parameters', async () => {
    const keyId = await createExternal();
    const parameters = await parametersFor(keyId);
    const encrypted = wrap(parameters.PublicKey, 'RSAES_OAEP_SHA_256', randomBytes(32));
    for (const expiry of [String(START / 1000), String(START / 1000 - 1), '-1', 'soon', '1.5']) {
      expectKmsError(
        await importMaterial(keyId, parameters.ImportToken, encrypted, expiry),
        400,
        'InvalidParameter',
        invalid('KeyMaterialExpireUnix'),
      );
    }
    for (const name of ['EncryptedKeyMaterial', 'ImportToken', 'KeyMaterialExpireUnix']) {
      const params: Record<string, string> = {
        Action: 'ImportKeyMaterial',
        KeyId: keyId,
        ImportToken: parameters.ImportToken,
        EncryptedKeyMaterial: encrypted,
        KeyMaterialExpireUnix: '0',
      };
      delete params[name];
      expectKmsError(await h.call(params), 400, 'MissingParameter', missing(name));
    }
    await h.succeed({ Action: 'ScheduleKeyDeletion', KeyId: keyId, PendingWindowInDays: '7' });
    expectKmsError(
      await importMaterial(keyId, parameters.ImportToken, encrypted),
      409,
      'Rejected.StateModifiedFailed',
      MESSAGES.StateModifiedFailed,
    );
    expectKmsError(
      await h.call({ Action: 'DeleteKeyMaterial', KeyId: keyId }),
      409,
      'Rejected.StateModifiedFailed',
      MESSAGES.StateModifiedFailed,
    );
    expect((await describeKey(keyId)).KeyState).toBe('PendingDeletion');
  });
});

describe('the PendingImport column of the key-state table', () => {
  it('refuses cryptography and Enable/Disable, accepts deletion scheduling and aliases', async () => {
    const keyId = await createExternal();
    for (const params of <Record<string, string>[]>[
      { Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' },
      { Action: 'GenerateDataKey', KeyId: keyId },
      { Action: 'GenerateDataKeyWithoutPlaintext', KeyId: keyId },
    ]) {
      expectKmsError(await h.call(params), 409, 'Rejected.PendingImport', MESSAGES.PendingImport);
    }
    for (const Action of ['EnableKey', 'DisableKey', 'CancelKeyDeletion']) {
      expectKmsError(
        await h.call({ Action, KeyId: keyId }),
        409,
        'Rejected.StateModifiedFailed',
        MESSAGES.StateModifiedFailed,
      );
    }
    expectKmsError(
      await h.call({ Action: 'CreateKeyVersion', KeyId: keyId }),
      400,
      'Rejected.UnsupportedOperation',
      MESSAGES.RejectedUnsupportedOperation,
    );
    await h.succeed({ Action: 'CreateAlias', KeyId: keyId, AliasName: 'alias/byok' });
    await h.succeed({
      Action: 'ScheduleKeyDeletion',
      KeyId: 'alias/byok',
      PendingWindowInDays: '7',
    });
    expect((await describeKey(keyId)).KeyState).toBe('PendingDeletion');
    // Cancelling goes back to PendingImport: the key still has no material.
    await h.succeed({ Action: 'CancelKeyDeletion', KeyId: keyId });
    expect(await describeKey(keyId)).toMatchObject({ KeyState: 'PendingImport', DeleteDate: '' });
  });

  it('a key with material goes back to Enabled when deletion is cancelled', async () => {
    const [keyId] = await importedKey();
    await h.succeed({ Action: 'ScheduleKeyDeletion', KeyId: keyId, PendingWindowInDays: '7' });
    await h.succeed({ Action: 'CancelKeyDeletion', KeyId: keyId });
    expect((await describeKey(keyId)).KeyState).toBe('Enabled');
    await h.succeed({ Action: 'DisableKey', KeyId: keyId });
    await h.succeed({ Action: 'DeleteKeyMaterial', KeyId: keyId });
    expect((await describeKey(keyId)).KeyState).toBe('PendingImport');
  });
});
