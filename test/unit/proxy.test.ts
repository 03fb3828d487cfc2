/**
 * The proxy at the bottom of the stack: the upstream call's deadline is the configured timeout,
 * never beyond the Lambda's remaining time less KMS_DEADLINE_MARGIN_MS; the typed answer is
 * rendered in the negotiated format. Real KMS client, scripted upstream over HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotRepresentableAsXml } from '../../src/codec/xml-write.js';
import { loadConfig } from '../../src/config.js';
import { checkCall } from '../../src/kms/call.js';
import { KmsError } from '../../src/kms/envelope.js';
import type { Format } from '../../src/protocol/rpc.js';
import { createProxy } from '../../src/proxy.js';
import type { KmsContext } from '../../src/request-state.js';
import { createCredentialProvider } from '../../src/upstream/credentials.js';
import { createHttpClient } from '../../src/upstream/http-client.js';
import { createKmsClient, type Invocation } from '../../src/upstream/kms-client.js';
import { type ScriptedUpstream, startUpstream } from '../support/upstream.js';

let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.reset();
});

function proxyWith(env: Record<string, string> = {}) {
  const loaded = loadConfig({
    KMS_ENDPOINT: upstream.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tProxyTest00001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'proxy-test-secret',
    KMS_CALLER_AUTH: 'none',
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const real = createKmsClient({
    config: loaded.config,
    http: createHttpClient(loaded.config),
    credentials: createCredentialProvider(loaded.config.credentials),
  });
  const seen: Invocation[] = [];
  const proxy = createProxy({
    config: loaded.config,
    invoke: (inv) => {
      seen.push(inv);
      return real(inv);
    },
  });
  return { proxy, seen };
}

function context(remainingMs: number | undefined, format: Format = 'JSON'): KmsContext {
  const until = Date.now() + (remainingMs ?? 0);
  return {
    awsRequestId: 'lambda-1',
    ...(remainingMs === undefined ? {} : { getRemainingTimeInMillis: () => until - Date.now() }),
    kms: {
      startedAt: Date.now(),
      http: {
        method: 'POST',
        headers: {},
        rawQuery: '',
        body: undefined,
        requestId: 'apigw-1',
        domainName: 'gw.example',
      },
      params: { Action: 'ListKeys' },
      negotiated:
        format === 'XML'
          ? { format: 'XML', mediaType: 'text/xml', source: 'Accept' }
          : { format: 'JSON', mediaType: 'application/json', source: 'default' },
      call: checkCall('POST', { Action: 'ListKeys' }, undefined),
    },
  } as unknown as KmsContext;
}

/** The upstream deadline the proxy gave, as ms from the moment of the call. */
async function budgetOf(env: Record<string, string>, remainingMs: number | undefined) {
  const { proxy, seen } = proxyWith(env);
  const before = Date.now();
  await proxy({} as never, context(remainingMs));
  return (seen[0]?.deadline ?? 0) - before;
}

describe('the upstream deadline', () => {
  it('is KMS_TIMEOUT_MS when the Lambda has plenty of time', async () => {
    const budget = await budgetOf({ KMS_TIMEOUT_MS: '4000' }, 60_000);
    expect(budget).toBeGreaterThanOrEqual(3990);
    expect(budget).toBeLessThanOrEqual(4010);
  });

  it('is the remaining time less KMS_DEADLINE_MARGIN_MS when that is shorter', async () => {
    const budget = await budgetOf({ KMS_TIMEOUT_MS: '5000', KMS_DEADLINE_MARGIN_MS: '700' }, 2000);
    expect(budget).toBeGreaterThanOrEqual(1280);
    expect(budget).toBeLessThanOrEqual(1310);
  });

  it('keeps the default margin of 500 ms', async () => {
    const budget = await budgetOf({}, 2000);
    expect(budget).toBeGreaterThanOrEqual(1480);
    expect(budget).toBeLessThanOrEqual(1510);
  });

  it('is at least 1 ms when the margin is already spent (the call then fails at once)', async () => {
    const { proxy, seen } = proxyWith({ KMS_DEADLINE_MARGIN_MS: '500' });
    const before = Date.now();
    await expect(proxy({} as never, context(100))).rejects.toMatchObject({
      status: 503,
      code: 'SerivceUnavailableTemporary',
    });
    const budget = (seen[0]?.deadline ?? 0) - before;
    expect(budget).toBeGreaterThanOrEqual(1);
    expect(budget).toBeLessThanOrEqual(10);
  });

  it('is KMS_TIMEOUT_MS when the context cannot tell the remaining time', async () => {
    const budget = await budgetOf({ KMS_TIMEOUT_MS: '3000' }, undefined);
    expect(budget).toBeGreaterThanOrEqual(2990);
    expect(budget).toBeLessThanOrEqual(3010);
  });

  it('passes Middy’s abort signal on to the call', async () => {
    const { proxy, seen } = proxyWith();
    const controller = new AbortController();
    await proxy({} as never, context(10_000), { signal: controller.signal });
    expect(seen[0]?.signal).toBe(controller.signal);
  });
});

describe('the answer', () => {
  it('is the typed value in the negotiated format, with the upstream RequestId in the header', async () => {
    upstream.reply({
      body: '{"RequestId":"UP-1","TotalCount":"1","Keys":{"Key":{"KeyId":"007","KeyArn":"a"}}}',
    });
    const { proxy } = proxyWith();
    const ctx = context(10_000, 'XML');
    const result = await proxy({} as never, ctx);
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(result.headers['x-acs-request-id']).toBe('UP-1');
    expect(result.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><ListKeysResponse><RequestId>UP-1</RequestId><TotalCount>1</TotalCount><Keys><Key><KeyId>007</KeyId><KeyArn>a</KeyArn></Key></Keys></ListKeysResponse>',
    );
    expect(ctx.kms.upstream).toMatchObject({ host: upstream.host, attempts: 1, status: 200 });
  });

  it('a success XML cannot carry is 500 InternalFailure saying so, naming the upstream host', async () => {
    upstream.reply({ body: '{"RequestId":"UP-2","bad name":"x"}' });
    const { proxy } = proxyWith();
    const error = await proxy({} as never, context(10_000, 'XML')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsError);
    expect(error).toMatchObject({
      status: 500,
      code: 'InternalFailure',
      origin: 'upstream-answer',
      hostId: upstream.host,
    });
    expect((error as KmsError).message).toMatch(
      /^Internal Failure\. The upstream response cannot be written as XML: .+\.$/,
    );
    expect((error as KmsError).cause).toBeInstanceOf(NotRepresentableAsXml);
  });

  it('an incomplete request state is a bug, not a call', async () => {
    const { proxy } = proxyWith();
    const ctx = context(10_000);
    ctx.kms.call = undefined;
    await expect(proxy({} as never, ctx)).rejects.not.toBeInstanceOf(KmsError);
    expect(upstream.received).toHaveLength(0);
  });
});
