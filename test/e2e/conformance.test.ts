/**
 * Conformance: every emulated action, driven through the gateway (serverless-offline, sign mode)
 * in JSON and in XML, answers with the field names and types of its response schema in the
 * metadata. A scenario arranges what the action needs and returns its parameters; it runs once
 * per format, so each run gets fresh resources.
 */
import {
  createHash,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  randomUUID,
  constants as rsa,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { ObjectSchema } from '../../src/kms/schema.js';
import { type CheckOptions, jsonProblems, xmlProblems } from '../support/schema-check.js';
import { caller, type Stack, startStack } from './stack.js';

let stack: Stack;
const kms = caller(() => stack, false);

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A JSON call through the gateway that must succeed; its typed answer. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked against schemas, not types
async function ok(params: Record<string, string>): Promise<Record<string, any>> {
  const response = await kms.call({ ...params, Format: 'JSON' });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${params.Action} → ${response.status} ${body}`);
  return JSON.parse(body);
}

const newKey = async (params: Record<string, string> = {}) =>
  (await ok({ Action: 'CreateKey', ...params })).KeyMetadata as {
    KeyId: string;
    PrimaryKeyVersion: string;
  };
const name = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const digest = (text: string) => createHash('sha256').update(text).digest('base64');
const newSecret = async () => {
  const secretName = name('secret');
  await ok({
    Action: 'CreateSecret',
    SecretName: secretName,
    VersionId: 'v1',
    SecretData: 's3cr3t',
  });
  return secretName;
};
async function externalKeyWithToken() {
  const { KeyId } = await newKey({ Origin: 'EXTERNAL' });
  const parameters = await ok({
    Action: 'GetParametersForImport',
    KeyId,
    WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048',
  });
  const publicKey = createPublicKey({
    key: Buffer.from(parameters.PublicKey, 'base64'),
    format: 'der',
    type: 'spki',
  });
  const wrapped = publicEncrypt(
    { key: publicKey, padding: rsa.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    randomBytes(32),
  );
  return {
    KeyId,
    ImportToken: parameters.ImportToken as string,
    EncryptedKeyMaterial: wrapped.toString('base64'),
  };
}

type Scenario = [
  action: string,
  arrange: () => Promise<Record<string, string>>,
  options?: CheckOptions,
];

const scenarios: Scenario[] = [
  // keys
  ['CreateKey', async () => ({ Description: 'conformance' })],
  ['DescribeKey', async () => ({ KeyId: (await newKey()).KeyId })],
  [
    'ListKeys',
    async () => {
      await newKey();
      return { PageSize: '5' };
    },
  ],
  ['EnableKey', async () => ({ KeyId: (await newKey()).KeyId })],
  ['DisableKey', async () => ({ KeyId: (await newKey()).KeyId })],
  ['UpdateKeyDescription', async () => ({ KeyId: (await newKey()).KeyId, Description: 'renamed' })],
  [
    'ScheduleKeyDeletion',
    async () => ({ KeyId: (await newKey()).KeyId, PendingWindowInDays: '7' }),
  ],
  [
    'CancelKeyDeletion',
    async () => {
      const { KeyId } = await newKey();
      await ok({ Action: 'ScheduleKeyDeletion', KeyId, PendingWindowInDays: '7' });
      return { KeyId };
    },
  ],
  [
    'UpdateRotationPolicy',
    async () => ({
      KeyId: (await newKey()).KeyId,
      EnableAutomaticRotation: 'true',
      RotationInterval: '2592000s',
    }),
  ],
  ['CreateKeyVersion', async () => ({ KeyId: (await newKey()).KeyId })],
  ['ListKeyVersions', async () => ({ KeyId: (await newKey()).KeyId })],
  [
    'DescribeKeyVersion',
    async () => {
      const key = await newKey();
      return { KeyId: key.KeyId, KeyVersionId: key.PrimaryKeyVersion };
    },
  ],
  [
    'TagResource',
    async () => ({ KeyId: (await newKey()).KeyId, Tags: '[{"TagKey":"team","TagValue":"kms"}]' }),
  ],
  [
    'UntagResource',
    async () => {
      const { KeyId } = await newKey();
      await ok({ Action: 'TagResource', KeyId, Tags: '[{"TagKey":"team","TagValue":"kms"}]' });
      return { KeyId, TagKeys: '["team"]' };
    },
  ],
  [
    'ListResourceTags',
    async () => {
      const { KeyId } = await newKey();
      await ok({ Action: 'TagResource', KeyId, Tags: '[{"TagKey":"team","TagValue":"kms"}]' });
      return { KeyId };
    },
  ],
  // aliases
  ['CreateAlias', async () => ({ KeyId: (await newKey()).KeyId, AliasName: `alias/${name('a')}` })],
  [
    'UpdateAlias',
    async () => {
      const AliasName = `alias/${name('a')}`;
      await ok({ Action: 'CreateAlias', KeyId: (await newKey()).KeyId, AliasName });
      return { AliasName, KeyId: (await newKey()).KeyId };
    },
  ],
  [
    'DeleteAlias',
    async () => {
      const AliasName = `alias/${name('a')}`;
      await ok({ Action: 'CreateAlias', KeyId: (await newKey()).KeyId, AliasName });
      return { AliasName };
    },
  ],
  [
    'ListAliases',
    async () => {
      await ok({
        Action: 'CreateAlias',
        KeyId: (await newKey()).KeyId,
        AliasName: `alias/${name('a')}`,
      });
      return {};
    },
  ],
  [
    'ListAliasesByKeyId',
    async () => {
      const { KeyId } = await newKey();
      await ok({ Action: 'CreateAlias', KeyId, AliasName: `alias/${name('a')}` });
      return { KeyId };
    },
  ],
  // symmetric
  [
    'Encrypt',
    async () => ({
      KeyId: (await newKey()).KeyId,
      Plaintext: 'aGVsbG8=',
      EncryptionContext: '{"k":"v"}',
    }),
  ],
  [
    'Decrypt',
    async () => {
      const { KeyId } = await newKey();
      const sealed = await ok({ Action: 'Encrypt', KeyId, Plaintext: 'aGVsbG8=' });
      return { CiphertextBlob: sealed.CiphertextBlob };
    },
  ],
  ['GenerateDataKey', async () => ({ KeyId: (await newKey()).KeyId, NumberOfBytes: '32' })],
  [
    'GenerateDataKeyWithoutPlaintext',
    async () => ({ KeyId: (await newKey()).KeyId, KeySpec: 'AES_128' }),
  ],
  [
    'ReEncrypt',
    async () => {
      const source = await newKey();
      const sealed = await ok({ Action: 'Encrypt', KeyId: source.KeyId, Plaintext: 'aGVsbG8=' });
      return { CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: (await newKey()).KeyId };
    },
  ],
  // asymmetric
  [
    'GetPublicKey',
    async () => {
      const key = await newKey({ KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' });
      return { KeyId: key.KeyId, KeyVersionId: key.PrimaryKeyVersion };
    },
  ],
  [
    'AsymmetricSign',
    async () => {
      const key = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY' });
      return {
        KeyId: key.KeyId,
        KeyVersionId: key.PrimaryKeyVersion,
        Algorithm: 'RSA_PSS_SHA_256',
        Digest: digest('m'),
      };
    },
  ],
  [
    'AsymmetricVerify',
    async () => {
      const key = await newKey({ KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' });
      const base = {
        KeyId: key.KeyId,
        KeyVersionId: key.PrimaryKeyVersion,
        Algorithm: 'ECDSA_SHA_256',
        Digest: digest('m'),
      };
      const signed = await ok({ Action: 'AsymmetricSign', ...base });
      return { ...base, Value: signed.Value };
    },
  ],
  [
    'AsymmetricEncrypt',
    async () => {
      const key = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' });
      return {
        KeyId: key.KeyId,
        KeyVersionId: key.PrimaryKeyVersion,
        Algorithm: 'RSAES_OAEP_SHA_256',
        Plaintext: 'aGVsbG8=',
      };
    },
  ],
  [
    'AsymmetricDecrypt',
    async () => {
      const key = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT' });
      const base = {
        KeyId: key.KeyId,
        KeyVersionId: key.PrimaryKeyVersion,
        Algorithm: 'RSAES_OAEP_SHA_256',
      };
      const sealed = await ok({ Action: 'AsymmetricEncrypt', ...base, Plaintext: 'aGVsbG8=' });
      return { ...base, CiphertextBlob: sealed.CiphertextBlob };
    },
  ],
  // bring your own key
  [
    'GetParametersForImport',
    async () => ({
      KeyId: (await newKey({ Origin: 'EXTERNAL' })).KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }),
  ],
  [
    'ImportKeyMaterial',
    async () => ({ ...(await externalKeyWithToken()), KeyMaterialExpireUnix: '0' }),
  ],
  [
    'DeleteKeyMaterial',
    async () => {
      const material = await externalKeyWithToken();
      await ok({ Action: 'ImportKeyMaterial', ...material, KeyMaterialExpireUnix: '0' });
      return { KeyId: material.KeyId };
    },
  ],
  // secrets
  [
    'CreateSecret',
    async () => ({
      SecretName: name('secret'),
      VersionId: 'v1',
      SecretData: 's3cr3t',
      Description: 'd',
    }),
  ],
  ['GetSecretValue', async () => ({ SecretName: await newSecret() })],
  [
    'PutSecretValue',
    async () => ({ SecretName: await newSecret(), VersionId: 'v2', SecretData: 'n3w' }),
  ],
  ['DescribeSecret', async () => ({ SecretName: await newSecret(), FetchTags: 'true' })],
  [
    'ListSecrets',
    async () => {
      await newSecret();
      return { FetchTags: 'true' };
    },
  ],
  ['ListSecretVersionIds', async () => ({ SecretName: await newSecret() })],
  [
    'UpdateSecretVersionStage',
    async () => {
      const SecretName = await newSecret();
      await ok({ Action: 'PutSecretValue', SecretName, VersionId: 'v2', SecretData: 'n3w' });
      return {
        SecretName,
        VersionStage: 'ACSCurrent',
        RemoveFromVersion: 'v2',
        MoveToVersion: 'v1',
      };
    },
  ],
  ['DeleteSecret', async () => ({ SecretName: await newSecret(), RecoveryWindowInDays: '7' })],
  [
    'RestoreSecret',
    async () => {
      const SecretName = await newSecret();
      await ok({ Action: 'DeleteSecret', SecretName });
      return { SecretName };
    },
  ],
  // misc
  ['GetRandomPassword', async () => ({ PasswordLength: '16' })],
  ['DescribeRegions', async () => ({})],
];

describe.each(['JSON', 'XML'] as const)(
  'every emulated action through the gateway, as %s',
  (format) => {
    it.each(scenarios)('%s', async (action, arrange, options) => {
      const schema = (ACTIONS[action] as { response: ObjectSchema }).response;
      const params = await arrange();
      const response = await kms.call({ Action: action, ...params, Format: format });
      const body = await response.text();
      expect(response.status, body).toBe(200);
      if (format === 'JSON') {
        expect(jsonProblems(JSON.parse(body), schema, options)).toEqual([]);
      } else {
        const { root, problems } = xmlProblems(body, schema, options);
        expect(root).toBe(`${action}Response`);
        expect(problems).toEqual([]);
      }
    });
  },
);
