/**
 * Asymmetric keys over real HTTP: every signature the emulator makes is checked with plain
 * node:crypto over the original message, every ciphertext is opened independently, and node-made
 * signatures and ciphertexts are accepted by the emulator.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  sign,
  verify,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmulatorState } from '../../src/emulator/index.js';
import { expectKmsError } from './helpers.js';
import {
  ACCOUNT,
  expectBothFormats,
  expectXmlSchema,
  invalid,
  MESSAGES,
  missing,
  useEmulator,
} from './key-helpers.js';

const h = useEmulator();
const state = () => h.emulator.state;

const MESSAGE = Buffer.from('the message that was signed', 'utf8');
const DIGEST = createHash('sha256').update(MESSAGE).digest();
const OTHER_DIGEST = createHash('sha256').update('another message').digest();
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

/** A type, not an interface: it must pass as a parameter record. */
type Key = {
  KeyId: string;
  KeyVersionId: string;
};

async function createKey(params: Record<string, string>): Promise<Key> {
  const body = await h.succeed({ Action: 'CreateKey', ...params });
  const metadata = body.KeyMetadata as Record<string, string>;
  return { KeyId: metadata.KeyId as string, KeyVersionId: metadata.PrimaryKeyVersion as string };
}
const rsaSigning = () => createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY' });
const rsaEncryption = () => createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' });
const ecSigning = () => createKey({ KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' });

const publicKeyOf = async (key: Key): Promise<string> =>
  (await h.succeed({ Action: 'GetPublicKey', ...key })).PublicKey as string;

async function signDigest(key: Key, Algorithm: string, digest = DIGEST): Promise<Buffer> {
  const body = await h.succeed({
    Action: 'AsymmetricSign',
    ...key,
    Algorithm,
    Digest: digest.toString('base64'),
  });
  expect([body.KeyId, body.KeyVersionId]).toEqual([key.KeyId, key.KeyVersionId]);
  return Buffer.from(body.Value as string, 'base64');
}

async function verifyDigest(
  key: Key,
  Algorithm: string,
  signature: Buffer,
  digest = DIGEST,
): Promise<unknown> {
  const body = await h.succeed({
    Action: 'AsymmetricVerify',
    ...key,
    Algorithm,
    Digest: digest.toString('base64'),
    Value: signature.toString('base64'),
  });
  return body.Value;
}

describe('GetPublicKey', () => {
  it('answers the PEM SPKI public key of RSA and EC keys, in JSON and XML', async () => {
    for (const [key, type] of [
      [await rsaSigning(), 'rsa'],
      [await rsaEncryption(), 'rsa'],
      [await ecSigning(), 'ec'],
    ] as const) {
      const body = await expectBothFormats(h, () => ({ Action: 'GetPublicKey', ...key }));
      expect([body.KeyId, body.KeyVersionId]).toEqual([key.KeyId, key.KeyVersionId]);
      const pem = body.PublicKey as string;
      expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
      const parsed = createPublicKey(pem);
      expect(parsed.asymmetricKeyType).toBe(type);
      if (type === 'rsa') expect(parsed.asymmetricKeyDetails?.modulusLength).toBe(2048);
      else expect(parsed.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(state().publicKey(key.KeyId)).toBe(pem);
    }
  });

  it('asymmetric keys have one version, and no more can be made', async () => {
    const key = await ecSigning();
    const versions = await h.succeed({ Action: 'ListKeyVersions', KeyId: key.KeyId });
    expect(versions.KeyVersions).toEqual({
      KeyVersion: [
        { KeyId: key.KeyId, KeyVersionId: key.KeyVersionId, CreationDate: expect.any(String) },
      ],
    });
    expect(versions.TotalCount).toBe(1);
  });

  it('refuses symmetric keys, unknown versions and unusable keys', async () => {
    const aes = await createKey({});
    expectKmsError(
      await h.call({ Action: 'GetPublicKey', ...aes }),
      400,
      'InvalidParameter',
      invalid('KeyId'),
    );
    const key = await rsaSigning();
    expectKmsError(
      await h.call({ Action: 'GetPublicKey', KeyId: key.KeyId, KeyVersionId: aes.KeyVersionId }),
      404,
      'Forbidden.KeyVersionNotFound',
      MESSAGES.KeyVersionNotFound,
    );
    expectKmsError(
      await h.call({ Action: 'GetPublicKey', KeyId: key.KeyId }),
      400,
      'MissingParameter',
      missing('KeyVersionId'),
    );
    state().setKeyState(key.KeyId, 'Disabled');
    expectKmsError(
      await h.call({ Action: 'GetPublicKey', ...key }),
      409,
      'Rejected.Disabled',
      MESSAGES.Disabled,
    );
  });
});

describe('AsymmetricSign and AsymmetricVerify', () => {
  const CASES = [
    ['RSA_PSS_SHA_256', rsaSigning, PSS],
    ['RSA_PKCS1_SHA_256', rsaSigning, {}],
    ['ECDSA_SHA_256', ecSigning, {}],
  ] as const;

  for (const [algorithm, make, options] of CASES) {
    it(`${algorithm}: signs the digest so node:crypto verifies it over the message`, async () => {
      const key = await make();
      const pem = await publicKeyOf(key);
      for (let i = 0; i < 3; i++) {
        const signature = await signDigest(key, algorithm);
        expect(verify('sha256', MESSAGE, { key: pem, ...options }, signature)).toBe(true);
        expect(verify('sha256', Buffer.from('tampered'), { key: pem, ...options }, signature)).toBe(
          false,
        );
      }
      if (algorithm === 'ECDSA_SHA_256') {
        // DER: SEQUENCE { INTEGER r, INTEGER s }
        const der = await signDigest(key, algorithm);
        expect(der[0]).toBe(0x30);
        expect(der[1]).toBe(der.length - 2);
        expect(der[2]).toBe(0x02);
      } else {
        expect(await signDigest(key, algorithm)).toHaveLength(256);
      }
    });

    it(`${algorithm}: verifies its own and node-made signatures, false for another digest`, async () => {
      const key = await make();
      const own = await signDigest(key, algorithm);
      expect(await verifyDigest(key, algorithm, own)).toBe(true);
      expect(await verifyDigest(key, algorithm, own, OTHER_DIGEST)).toBe(false);
      const privateKey = state().keys.find((k) => k.KeyId === key.KeyId)?.Versions[0]
        ?.PrivateKey as string;
      const nodeMade = sign('sha256', MESSAGE, { key: createPrivateKey(privateKey), ...options });
      expect(await verifyDigest(key, algorithm, nodeMade)).toBe(true);
      const flipped = Buffer.from(own);
      flipped[flipped.length - 5] = (flipped[flipped.length - 5] as number) ^ 0x40;
      expect(await verifyDigest(key, algorithm, flipped)).toBe(false);
      expect(await verifyDigest(key, algorithm, Buffer.from('not a signature'))).toBe(false);
      // A signature by another key of the same kind.
      const stranger = await make();
      expect(await verifyDigest(key, algorithm, await signDigest(stranger, algorithm))).toBe(false);
    });
  }

  it('answer the metadata fields, Value a boolean in JSON and XML', async () => {
    const key = await ecSigning();
    const signature = (await signDigest(key, 'ECDSA_SHA_256')).toString('base64');
    await expectBothFormats(h, () => ({
      Action: 'AsymmetricSign',
      ...key,
      Algorithm: 'ECDSA_SHA_256',
      Digest: DIGEST.toString('base64'),
    }));
    const verified = await expectBothFormats(h, () => ({
      Action: 'AsymmetricVerify',
      ...key,
      Algorithm: 'ECDSA_SHA_256',
      Digest: DIGEST.toString('base64'),
      Value: signature,
    }));
    expect(verified.Value).toBe(true);
    for (const [digest, expected] of [
      [DIGEST, 'true'],
      [OTHER_DIGEST, 'false'],
    ] as const) {
      const xml = await h.call({
        Action: 'AsymmetricVerify',
        ...key,
        Algorithm: 'ECDSA_SHA_256',
        Digest: digest.toString('base64'),
        Value: signature,
        Format: 'XML',
      });
      expect(xml.body).toContain(`<Value>${expected}</Value>`);
      expect(expectXmlSchema('AsymmetricVerify', xml).Value).toBe(expected === 'true');
    }
  });

  it('refuse a wrong algorithm, digest, usage or version, naming the parameter', async () => {
    const rsa = await rsaSigning();
    const ec = await ecSigning();
    const rsaEnc = await rsaEncryption();
    const aes = await createKey({});
    const digest = DIGEST.toString('base64');
    const cases: [Record<string, string>, number, string, string][] = [
      [
        { ...rsa, Algorithm: 'ECDSA_SHA_256', Digest: digest },
        400,
        'InvalidParameter',
        invalid('Algorithm'),
      ],
      [
        { ...ec, Algorithm: 'RSA_PSS_SHA_256', Digest: digest },
        400,
        'InvalidParameter',
        invalid('Algorithm'),
      ],
      [
        { ...ec, Algorithm: 'ECDSA_SHA_384', Digest: digest },
        400,
        'InvalidParameter',
        invalid('Algorithm'),
      ],
      [
        { ...rsa, Algorithm: 'RSA_PSS_SHA_256', Digest: DIGEST.subarray(0, 31).toString('base64') },
        400,
        'InvalidParameter',
        invalid('Digest'),
      ],
      [
        { ...rsa, Algorithm: 'RSA_PSS_SHA_256', Digest: Buffer.alloc(48).toString('base64') },
        400,
        'InvalidParameter',
        invalid('Digest'),
      ],
      [
        { ...rsa, Algorithm: 'RSA_PSS_SHA_256', Digest: 'not base64!' },
        400,
        'InvalidParameter',
        invalid('Digest'),
      ],
      [
        { ...rsaEnc, Algorithm: 'RSA_PSS_SHA_256', Digest: digest },
        400,
        'InvalidParameter',
        invalid('KeyId'),
      ],
      [
        { ...aes, Algorithm: 'RSA_PSS_SHA_256', Digest: digest },
        400,
        'InvalidParameter',
        invalid('KeyId'),
      ],
      [
        {
          KeyId: rsa.KeyId,
          KeyVersionId: ec.KeyVersionId,
          Algorithm: 'RSA_PSS_SHA_256',
          Digest: digest,
        },
        404,
        'Forbidden.KeyVersionNotFound',
        MESSAGES.KeyVersionNotFound,
      ],
      [
        {
          KeyId: 'nope',
          KeyVersionId: rsa.KeyVersionId,
          Algorithm: 'RSA_PSS_SHA_256',
          Digest: digest,
        },
        404,
        'Forbidden.KeyNotFound',
        MESSAGES.KeyNotFound,
      ],
      [{ ...rsa, Algorithm: 'RSA_PSS_SHA_256' }, 400, 'MissingParameter', missing('Digest')],
      [{ ...rsa, Digest: digest }, 400, 'MissingParameter', missing('Algorithm')],
    ];
    for (const [params, status, code, message] of cases) {
      expectKmsError(await h.call({ Action: 'AsymmetricSign', ...params }), status, code, message);
      expectKmsError(
        await h.call({ Action: 'AsymmetricVerify', Value: 'AAAA', ...params }),
        status,
        code,
        message,
      );
    }
    for (const value of ['not base64!', '']) {
      const result = await h.call({
        Action: 'AsymmetricVerify',
        ...rsa,
        Algorithm: 'RSA_PSS_SHA_256',
        Digest: digest,
        Value: value,
      });
      if (value === '') expectKmsError(result, 400, 'MissingParameter', missing('Value'));
      else expectKmsError(result, 400, 'InvalidParameter', invalid('Value'));
    }
  });

  it('refuse keys that are not Enabled', async () => {
    const key = await rsaSigning();
    const params = {
      Action: 'AsymmetricSign',
      ...key,
      Algorithm: 'RSA_PKCS1_SHA_256',
      Digest: DIGEST.toString('base64'),
    };
    state().setKeyState(key.KeyId, 'Disabled');
    expectKmsError(await h.call(params), 409, 'Rejected.Disabled', MESSAGES.Disabled);
    state().setKeyState(key.KeyId, 'PendingDeletion');
    expectKmsError(await h.call(params), 409, 'Rejected.PendingDeletion', MESSAGES.PendingDeletion);
    await h.succeed({ Action: 'CancelKeyDeletion', KeyId: key.KeyId });
    expect((await h.call(params)).status).toBe(200);
  });
});

describe('AsymmetricEncrypt and AsymmetricDecrypt', () => {
  for (const [algorithm, oaepHash, max] of [
    ['RSAES_OAEP_SHA_256', 'sha256', 190],
    ['RSAES_OAEP_SHA_1', 'sha1', 214],
  ] as const) {
    it(`${algorithm}: round-trips, and agrees with node:crypto both ways`, async () => {
      const key = await rsaEncryption();
      const plaintext = Buffer.from('wrapped data key 0123456789abcdef');
      const body = await expectBothFormats(h, () => ({
        Action: 'AsymmetricEncrypt',
        ...key,
        Algorithm: algorithm,
        Plaintext: plaintext.toString('base64'),
      }));
      const blob = Buffer.from(body.CiphertextBlob as string, 'base64');
      expect(blob).toHaveLength(256);
      const privateKey = state().keys[0]?.Versions[0]?.PrivateKey as string;
      const padding = constants.RSA_PKCS1_OAEP_PADDING;
      expect(privateDecrypt({ key: privateKey, padding, oaepHash }, blob)).toEqual(plaintext);
      const decrypted = await expectBothFormats(h, () => ({
        Action: 'AsymmetricDecrypt',
        ...key,
        Algorithm: algorithm,
        CiphertextBlob: body.CiphertextBlob as string,
      }));
      expect(decrypted).toMatchObject({ ...key, Plaintext: plaintext.toString('base64') });
      const nodeMade = publicEncrypt(
        { key: await publicKeyOf(key), padding, oaepHash },
        Buffer.from('from node'),
      );
      const opened = await h.succeed({
        Action: 'AsymmetricDecrypt',
        ...key,
        Algorithm: algorithm,
        CiphertextBlob: nodeMade.toString('base64'),
      });
      expect(Buffer.from(opened.Plaintext as string, 'base64').toString()).toBe('from node');
      // The longest plaintext the algorithm takes, and one byte more.
      const longest = await h.call({
        Action: 'AsymmetricEncrypt',
        ...key,
        Algorithm: algorithm,
        Plaintext: Buffer.alloc(max, 7).toString('base64'),
      });
      expect(longest.status).toBe(200);
      expectKmsError(
        await h.call({
          Action: 'AsymmetricEncrypt',
          ...key,
          Algorithm: algorithm,
          Plaintext: Buffer.alloc(max + 1, 7).toString('base64'),
        }),
        400,
        'InvalidParameter',
        invalid('Plaintext'),
      );
    });
  }

  it('answers a ciphertext that does not decrypt with InvalidCiphertext', async () => {
    const key = await rsaEncryption();
    const body = await h.succeed({
      Action: 'AsymmetricEncrypt',
      ...key,
      Algorithm: 'RSAES_OAEP_SHA_256',
      Plaintext: Buffer.from('x').toString('base64'),
    });
    const blob = Buffer.from(body.CiphertextBlob as string, 'base64');
    const flipped = Buffer.from(blob);
    flipped[100] = (flipped[100] as number) ^ 1;
    for (const [ciphertext, algorithm] of [
      [blob.toString('base64'), 'RSAES_OAEP_SHA_1'],
      [flipped.toString('base64'), 'RSAES_OAEP_SHA_256'],
      [blob.subarray(1).toString('base64'), 'RSAES_OAEP_SHA_256'],
      ['not base64!', 'RSAES_OAEP_SHA_256'],
    ] as const) {
      expectKmsError(
        await h.call({
          Action: 'AsymmetricDecrypt',
          ...key,
          Algorithm: algorithm,
          CiphertextBlob: ciphertext,
        }),
        400,
        'InvalidCiphertext',
        MESSAGES.InvalidCiphertext,
      );
    }
  });

  it('refuses the wrong algorithm, key, usage, version or Plaintext', async () => {
    const key = await rsaEncryption();
    const signing = await rsaSigning();
    const ec = await ecSigning();
    const aes = await createKey({});
    const plaintext = Buffer.from('p').toString('base64');
    const encrypt = (params: Record<string, string>) =>
      h.call({
        Action: 'AsymmetricEncrypt',
        Plaintext: plaintext,
        Algorithm: 'RSAES_OAEP_SHA_256',
        ...params,
      });
    for (const algorithm of ['RSAES_PKCS1_V1_5', 'RSA_PSS_SHA_256', 'SM2PKE']) {
      expectKmsError(
        await encrypt({ ...key, Algorithm: algorithm }),
        400,
        'InvalidParameter',
        invalid('Algorithm'),
      );
      expectKmsError(
        await h.call({
          Action: 'AsymmetricDecrypt',
          ...key,
          Algorithm: algorithm,
          CiphertextBlob: 'AAAA',
        }),
        400,
        'InvalidParameter',
        invalid('Algorithm'),
      );
    }
    for (const other of [signing, ec]) {
      expectKmsError(await encrypt(other), 400, 'InvalidParameter', invalid('KeyId'));
    }
    expectKmsError(
      await encrypt(aes),
      400,
      'Rejected.UnsupportedOperation',
      MESSAGES.RejectedUnsupportedOperation,
    );
    expectKmsError(
      await h.call({
        Action: 'AsymmetricDecrypt',
        ...aes,
        Algorithm: 'RSAES_OAEP_SHA_1',
        CiphertextBlob: 'AAAA',
      }),
      400,
      'Rejected.UnsupportedOperation',
      MESSAGES.RejectedUnsupportedOperation,
    );
    expectKmsError(
      await encrypt({ KeyId: key.KeyId, KeyVersionId: signing.KeyVersionId }),
      404,
      'Forbidden.KeyVersionNotFound',
      MESSAGES.KeyVersionNotFound,
    );
    expectKmsError(
      await encrypt({ ...key, Plaintext: 'not base64!' }),
      400,
      'InvalidParameter',
      invalid('Plaintext'),
    );
    expectKmsError(
      await h.call({ Action: 'AsymmetricEncrypt', ...key, Algorithm: 'RSAES_OAEP_SHA_1' }),
      400,
      'MissingParameter',
      missing('Plaintext'),
    );
    state().setKeyState(key.KeyId, 'Disabled');
    expectKmsError(await encrypt(key), 409, 'Rejected.Disabled', MESSAGES.Disabled);
  });
});

describe('ReEncrypt from an RSA ciphertext', () => {
  it('moves an RSA ciphertext under a symmetric key', async () => {
    const rsa = await rsaEncryption();
    const aes = await createKey({});
    const wrapped = publicEncrypt(
      {
        key: await publicKeyOf(rsa),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      Buffer.from('data key text', 'utf8'),
    ).toString('base64');
    const moved = await h.succeed({
      Action: 'ReEncrypt',
      CiphertextBlob: wrapped,
      SourceKeyId: rsa.KeyId,
      SourceKeyVersionId: rsa.KeyVersionId,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      DestinationKeyId: aes.KeyId,
      DestinationEncryptionContext: '{"k":"v"}',
    });
    expect([moved.KeyId, moved.KeyVersionId]).toEqual([aes.KeyId, aes.KeyVersionId]);
    const opened = await h.succeed({
      Action: 'Decrypt',
      CiphertextBlob: moved.CiphertextBlob as string,
      EncryptionContext: '{"k":"v"}',
    });
    expect(opened.Plaintext).toBe('data key text');
    const base = {
      Action: 'ReEncrypt',
      CiphertextBlob: wrapped,
      SourceKeyId: rsa.KeyId,
      DestinationKeyId: aes.KeyId,
    };
    expectKmsError(
      await h.call({ ...base, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      400,
      'MissingParameter',
      missing('SourceKeyVersionId'),
    );
    expectKmsError(
      await h.call({ ...base, SourceKeyVersionId: rsa.KeyVersionId }),
      400,
      'MissingParameter',
      missing('SourceEncryptionAlgorithm'),
    );
    expectKmsError(
      await h.call({
        ...base,
        SourceKeyVersionId: rsa.KeyVersionId,
        SourceEncryptionAlgorithm: 'RSAES_PKCS1_V1_5',
      }),
      400,
      'InvalidParameter',
      invalid('SourceEncryptionAlgorithm'),
    );
    expectKmsError(
      await h.call({
        ...base,
        SourceKeyVersionId: rsa.KeyVersionId,
        SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      }),
      400,
      'InvalidCiphertext',
      MESSAGES.InvalidCiphertext,
    );
  });
});

describe('asymmetric keys in the state', () => {
  it('survive a snapshot as PEM text: the same public key verifies new signatures', async () => {
    const key = await ecSigning();
    const pem = await publicKeyOf(key);
    const saved = JSON.stringify(state().snapshot());
    expect(saved).toContain('BEGIN PRIVATE KEY');
    const copy = new EmulatorState({ region: 'cn-hangzhou', accountId: ACCOUNT, now: Date.now });
    copy.load(JSON.parse(saved));
    expect(copy.publicKey(key.KeyId, key.KeyVersionId)).toBe(pem);
    state().reset();
    state().load(JSON.parse(saved));
    const signature = await signDigest(key, 'ECDSA_SHA_256');
    expect(verify('sha256', MESSAGE, pem, signature)).toBe(true);
  });
});
