/**
 * Two Alibaba clients nobody here wrote, used as their READMEs say, pointed straight at the
 * emulator: they must sign, send and parse exactly as against kms.<region>.aliyuncs.com.
 */
import { createRequire } from 'node:module';
import type * as KmsSdk from '@alicloud/kms20160120';
import RPCClient from '@alicloud/pop-core';
import { Config } from '@alicloud/rpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';

// A CommonJS package: require gives its exports object the same way under Node and Vitest.
const $Kms = createRequire(import.meta.url)('@alicloud/kms20160120') as typeof KmsSdk.default;
const Kms = $Kms.default;

const ACCESS_KEY = { id: 'LTAI5tSdkClientKey01', secret: 'sdk-client-secret-0123456789' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: [ACCESS_KEY] });
});
afterAll(async () => {
  await emulator?.close();
});

/** Runs `call` and returns what it threw. */
async function rejection(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('@alicloud/pop-core RPCClient', () => {
  const client = () =>
    new RPCClient({
      accessKeyId: ACCESS_KEY.id,
      accessKeySecret: ACCESS_KEY.secret,
      endpoint: emulator.url,
      apiVersion: '2016-01-20',
    });
  const post = { method: 'POST', timeout: 5000 };

  it('CreateKey, ListKeys, Encrypt and Decrypt', async () => {
    emulator.state.reset();
    const created = (await client().request('CreateKey', { Description: 'pop-core' }, post)) as {
      KeyMetadata: { KeyId: string; Description: string };
    };
    expect(created.KeyMetadata.Description).toBe('pop-core');
    const listed = (await client().request('ListKeys', {}, post)) as {
      Keys: { Key: { KeyId: string }[] };
      TotalCount: number;
    };
    expect(listed.TotalCount).toBe(1);
    expect(listed.Keys.Key.map((k) => k.KeyId)).toEqual([created.KeyMetadata.KeyId]);

    const context = JSON.stringify({ app: 'pop-core' });
    const sealed = (await client().request(
      'Encrypt',
      { KeyId: created.KeyMetadata.KeyId, Plaintext: 'aGVsbG8=', EncryptionContext: context },
      post,
    )) as { CiphertextBlob: string };
    // The default method is GET: every parameter in the URL.
    const opened = (await client().request(
      'Decrypt',
      { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context },
      { timeout: 5000 },
    )) as { Plaintext: string; KeyId: string };
    expect(opened).toMatchObject({ Plaintext: 'aGVsbG8=', KeyId: created.KeyMetadata.KeyId });
  });

  it('an error case surfaces as the SDK surfaces KMS errors', async () => {
    const error = await rejection(() =>
      client().request('DescribeKey', { KeyId: 'alias/does-not-exist' }, post),
    );
    expect(error.code).toBe('Forbidden.AliasNotFound');
    expect(error.name).toBe('Forbidden.AliasNotFoundError');
    expect(error.data).toMatchObject({
      HttpStatus: 404,
      Code: 'Forbidden.AliasNotFound',
      HostId: 'kms.cn-hangzhou.aliyuncs.com',
    });
  });

  it('a wrong secret is refused by signature checking', async () => {
    const wrong = new RPCClient({
      accessKeyId: ACCESS_KEY.id,
      accessKeySecret: 'not-the-secret',
      endpoint: emulator.url,
      apiVersion: '2016-01-20',
    });
    const error = await rejection(() => wrong.request('ListKeys', {}, post));
    expect(error.code).toBe('IncompleteSignature');
  });
});

describe('@alicloud/kms20160120 Client', () => {
  const client = () =>
    new Kms(
      new Config({
        accessKeyId: ACCESS_KEY.id,
        accessKeySecret: ACCESS_KEY.secret,
        endpoint: new URL(emulator.url).host,
        protocol: 'http',
        regionId: 'cn-hangzhou',
      }),
    );

  it('CreateKey, ListKeys, Encrypt and Decrypt, typed by the SDK models', async () => {
    emulator.state.reset();
    const created = await client().createKey(new $Kms.CreateKeyRequest({ description: 'tea' }));
    const keyId = created.keyMetadata.keyId;
    expect(created.keyMetadata.description).toBe('tea');
    expect(created.keyMetadata.keyState).toBe('Enabled');

    const listed = await client().listKeys(new $Kms.ListKeysRequest({ pageSize: 5 }));
    expect(listed.totalCount).toBe(1);
    expect(listed.pageSize).toBe(5);
    expect(listed.keys.key.map((k: { keyId: string }) => k.keyId)).toEqual([keyId]);

    const sealed = await client().encrypt(
      new $Kms.EncryptRequest({ keyId, plaintext: 'dGVh', encryptionContext: { app: 'tea' } }),
    );
    expect(sealed.keyId).toBe(keyId);
    const opened = await client().decrypt(
      new $Kms.DecryptRequest({
        ciphertextBlob: sealed.ciphertextBlob,
        encryptionContext: { app: 'tea' },
      }),
    );
    expect(opened.plaintext).toBe('dGVh');
  });

  it('an error case: Decrypt with another EncryptionContext', async () => {
    const key = emulator.state.createKey();
    const sealed = await client().encrypt(
      new $Kms.EncryptRequest({
        keyId: key.KeyId,
        plaintext: 'eA==',
        encryptionContext: { a: '1' },
      }),
    );
    const error = await rejection(() =>
      client().decrypt(
        new $Kms.DecryptRequest({
          ciphertextBlob: sealed.ciphertextBlob,
          encryptionContext: { a: '2' },
        }),
      ),
    );
    expect(error.code).toBe('InvalidCiphertextError');
    expect(String(error.message)).toContain('code: 400');
  });
});
