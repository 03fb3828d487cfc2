/**
 * Caller authentication through serverless-offline against the emulator, as deployed (sign mode,
 * KMS_CALLER_AUTH=signature by default): Alibaba's own clients, unmodified, given a caller key and
 * the gateway's URL — pop-core and @alicloud/kms20160120 signing V1, @alicloud/openapi-client
 * signing V3 with the action in headers — and every way a signature fails, each answered in the
 * envelope without reaching KMS (counted at the emulator).
 */
import { createRequire } from 'node:module';
import type * as KmsSdk from '@alicloud/kms20160120';
import type * as OpenApiSdk from '@alicloud/openapi-client';
import RPCClient from '@alicloud/pop-core';
import { Config } from '@alicloud/rpc-client';
import type * as TeaUtil from '@alicloud/tea-util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { envelopeOf } from './gateway-suite.js';
import { CALLER_KEY, caller, type Stack, send, startStack } from './stack.js';

// CommonJS packages: require gives their exports the same way under Node and Vitest.
const require = createRequire(import.meta.url);
const $Kms = require('@alicloud/kms20160120') as typeof KmsSdk.default;
const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiSdk.default;
const $Util = require('@alicloud/tea-util') as typeof TeaUtil;

const DISABLED = { id: 'KMSN-e2e-disabled-0001', secret: 'e2e-disabled-secret-000001' };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    callers: [
      {
        AccessKeyId: DISABLED.id,
        AccessKeySecret: DISABLED.secret,
        Enabled: false,
        Actions: ['*'],
      },
    ],
  });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  stack.emulator.state.reset();
});

/** What reached KMS while `work` ran. */
async function upstreamDuring<T>(work: () => Promise<T>): Promise<{ result: T; upstream: number }> {
  const before = stack.emulator.requests.length;
  const result = await work();
  return { result, upstream: stack.emulator.requests.length - before };
}

describe('Alibaba clients, unmodified, with a caller key', () => {
  it('pop-core (V1): Encrypt → Decrypt, ListKeys, and an error as KMS says it', async () => {
    stack.emulator.state.createAlias('alias/sdk', stack.emulator.state.createKey().KeyId);
    const pop = new RPCClient({
      accessKeyId: CALLER_KEY.id,
      accessKeySecret: CALLER_KEY.secret,
      endpoint: stack.gateway.url.replace(/\/$/, ''),
      apiVersion: '2016-01-20',
    });
    const options = { method: 'POST', timeout: 10_000 };
    const sealed = (await pop.request(
      'Encrypt',
      { KeyId: 'alias/sdk', Plaintext: 'cG9w' },
      options,
    )) as { CiphertextBlob: string };
    const opened = (await pop.request(
      'Decrypt',
      { CiphertextBlob: sealed.CiphertextBlob },
      options,
    )) as { Plaintext: string };
    expect(opened.Plaintext).toBe('cG9w');
    const listed = (await pop.request('ListKeys', {}, options)) as { TotalCount: number };
    expect(listed.TotalCount).toBe(1);
    const failure = (await pop
      .request('DescribeKey', { KeyId: 'alias/nope' }, options)
      .catch((error: unknown) => error)) as { code?: string; data?: Record<string, unknown> };
    expect(failure.code).toBe('Forbidden.AliasNotFound');
    expect(failure.data?.HttpStatus).toBe(404);
  });

  it('@alicloud/kms20160120 (V1 through rpc-client): Encrypt → Decrypt, ListKeys, an error', async () => {
    stack.emulator.state.createAlias('alias/tea', stack.emulator.state.createKey().KeyId);
    const kms = new $Kms.default(
      new Config({
        accessKeyId: CALLER_KEY.id,
        accessKeySecret: CALLER_KEY.secret,
        endpoint: new URL(stack.gateway.url).host,
        protocol: 'http',
        regionId: 'cn-hangzhou',
      }),
    );
    const sealed = await kms.encrypt(
      new $Kms.EncryptRequest({ keyId: 'alias/tea', plaintext: 'dGVh' }),
    );
    const opened = await kms.decrypt(
      new $Kms.DecryptRequest({ ciphertextBlob: sealed.ciphertextBlob }),
    );
    expect(opened.plaintext).toBe('dGVh');
    expect((await kms.listKeys(new $Kms.ListKeysRequest({}))).totalCount).toBe(1);
    const failure = (await kms
      .describeKey(new $Kms.DescribeKeyRequest({ keyId: 'alias/nope' }))
      .catch((error: unknown) => error)) as { code?: string };
    expect(failure.code).toBe('Forbidden.AliasNotFoundError');
  });

  it('@alicloud/openapi-client (V3, Action and Version in headers): Encrypt → Decrypt, ListKeys, an error', async () => {
    stack.emulator.state.createAlias('alias/v3', stack.emulator.state.createKey().KeyId);
    const client = new $OpenApi.default(
      new $OpenApi.Config({
        accessKeyId: CALLER_KEY.id,
        accessKeySecret: CALLER_KEY.secret,
        endpoint: new URL(stack.gateway.url).host,
        protocol: 'http',
        regionId: 'cn-hangzhou',
      }),
    );
    const call = async (action: string, query: Record<string, string>) => {
      const params = new $OpenApi.Params({
        action,
        version: '2016-01-20',
        protocol: 'HTTP',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const answer = await client.callApi(
        params,
        new $OpenApi.OpenApiRequest({ query }),
        new $Util.RuntimeOptions({}),
      );
      return answer.body as Record<string, unknown>;
    };
    const before = stack.emulator.requests.length;
    const sealed = await call('Encrypt', { KeyId: 'alias/v3', Plaintext: 'djM=' });
    // It really signed V3 (the gateway verified an ACS3 signature), and KMS saw the function.
    expect(stack.emulator.requests.at(-1)?.signatureVersion).toBe('v1');
    expect(stack.emulator.requests.length).toBe(before + 1);
    const opened = await call('Decrypt', { CiphertextBlob: sealed.CiphertextBlob as string });
    expect(opened.Plaintext).toBe('djM=');
    expect((await call('ListKeys', {})).TotalCount).toBe(1);
    const failure = (await call('DescribeKey', { KeyId: 'alias/nope' }).catch(
      (error: unknown) => error,
    )) as { code?: string; statusCode?: number };
    expect(failure.code).toBe('Forbidden.AliasNotFound');
    expect(failure.statusCode).toBe(404);
  });
});

describe('a signature that fails never reaches KMS, and is answered in the envelope', () => {
  const v1 = caller(() => stack, 'caller-v1');
  const v3 = caller(() => stack, 'caller-v3');
  const LIST = { Action: 'ListKeys' };

  type Send = (accept: string) => Promise<Response>;
  const cases: [string, Send, number, string][] = [
    [
      'wrong secret (V1)',
      (accept) => v1.call(LIST, { accept, signing: { tamper: true } }),
      400,
      'IncompleteSignature',
    ],
    [
      'wrong secret (V3)',
      (accept) => v3.call(LIST, { accept, signing: { tamper: true } }),
      400,
      'IncompleteSignature',
    ],
    [
      'unknown key',
      (accept) =>
        v1.call(LIST, { accept, signing: { accessKey: { id: 'KMSN-nobody', secret: 'x' } } }),
      404,
      'InvalidAccessKeyId.NotFound',
    ],
    [
      'disabled key',
      (accept) => v1.call(LIST, { accept, signing: { accessKey: DISABLED } }),
      403,
      'Forbidden.AccessKey',
    ],
    [
      'expired timestamp',
      (accept) =>
        v1.call(LIST, { accept, signing: { timestamp: new Date(Date.now() - 20 * 60_000) } }),
      400,
      'IllegalTimestamp',
    ],
    [
      'missing signature',
      (accept) => caller(() => stack, 'unsigned').call(LIST, { accept }),
      400,
      'MissingParameter',
    ],
  ];
  // The refusal is rendered as the caller asked, signed or not.
  for (const accept of ['application/json', 'application/xml']) {
    it.each(cases)(`%s (${accept})`, async (_name, send, status, code) => {
      const { result, upstream } = await upstreamDuring(async () => {
        const response = await send(accept);
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          envelope: await envelopeOf(response),
        };
      });
      expect(result.status).toBe(status);
      expect(result.type).toBe(`${accept}; charset=utf-8`);
      expect(result.envelope).toMatchObject({ HttpStatus: status, Code: code });
      expect(upstream).toBe(0);
    });
  }

  it('a reused nonce (V1 and V3)', async () => {
    const encoded = v1.encode(LIST);
    expect((await send(stack, encoded)).status).toBe(200);
    const replay = await upstreamDuring(() => send(stack, encoded));
    expect(replay.result.status).toBe(400);
    expect(await envelopeOf(replay.result)).toMatchObject({ Code: 'SignatureNonceUsed' });
    expect(replay.upstream).toBe(0);
    const nonce = 'e2e-v3-nonce-0000000000000001';
    expect((await v3.call(LIST, { signing: { nonce } })).status).toBe(200);
    const again = await upstreamDuring(() => v3.call(LIST, { signing: { nonce } }));
    expect(again.result.status).toBe(400);
    expect(await envelopeOf(again.result)).toMatchObject({ Code: 'SignatureNonceUsed' });
    expect(again.upstream).toBe(0);
  });

  it('the refusal log line names the key by its last four characters only', async () => {
    await v1.call(LIST, { signing: { accessKey: DISABLED } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = stack.logLines().filter((l) => l.message === 'kms error normalized');
    const disabled = lines.find(
      (l) => (l.envelope as { Code?: string } | undefined)?.Code === 'Forbidden.AccessKey',
    );
    expect(disabled?.caller).toEqual({ kind: 'unverified', access_key_id: '****0001' });
    expect(stack.output.join('\n').includes(DISABLED.id)).toBe(false);
  });
});
