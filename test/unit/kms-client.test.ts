/**
 * The KMS client against a scripted upstream over real HTTP: what each mode sends, which failures
 * a read is retried on, the full-jitter backoff (through the injectable `random`) and how it stays
 * inside the deadline, and how transport failures become envelopes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { HttpRequest } from '../../src/http/request.js';
import { checkCall } from '../../src/kms/call.js';
import { KmsError } from '../../src/kms/envelope.js';
import { signatureV1 } from '../../src/protocol/sign-v1.js';
import { canonicalRequestV3, signatureV3 } from '../../src/protocol/sign-v3.js';
import type { UpstreamTrace } from '../../src/request-state.js';
import type { CredentialProvider } from '../../src/upstream/credentials.js';
import {
  CredentialsExpired,
  CredentialsUnavailable,
  createCredentialProvider,
} from '../../src/upstream/credentials.js';
import { createHttpClient } from '../../src/upstream/http-client.js';
import { createKmsClient } from '../../src/upstream/kms-client.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';
import {
  kmsError,
  type Received,
  type ScriptedUpstream,
  startUpstream,
} from '../support/upstream.js';

const KEY = { id: 'LTAI5tClientTest0001', secret: 'client-test-secret-0123' };

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

interface ClientOptions {
  readonly env?: Record<string, string>;
  readonly random?: () => number;
  readonly credentials?: CredentialProvider;
}

function clientFor(options: ClientOptions = {}) {
  const loaded = loadConfig({
    KMS_ENDPOINT: upstream.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.secret,
    KMS_CALLER_AUTH: 'none',
    ...options.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const { config } = loaded;
  return createKmsClient({
    config,
    http: createHttpClient(config),
    credentials: options.credentials ?? createCredentialProvider(config.credentials),
    ...(options.random ? { random: options.random } : {}),
  });
}

interface Sent {
  readonly params: Record<string, string>;
  readonly method?: 'GET' | 'POST';
  readonly rawQuery?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

function invocation(sent: Sent, budgetMs = 5000) {
  const method = sent.method ?? 'POST';
  const request: HttpRequest = {
    method,
    headers: sent.headers ?? {},
    rawQuery: sent.rawQuery ?? '',
    body: sent.body === undefined ? undefined : Buffer.from(sent.body),
    requestId: 'gateway-request',
    domainName: 'gateway.example',
    path: '/',
    iamPrincipal: undefined,
  };
  const trace: UpstreamTrace = { host: upstream.host, attempts: 0, latencyMs: 0 };
  return {
    call: checkCall(method, sent.params, undefined),
    request,
    deadline: Date.now() + budgetMs,
    trace,
  };
}

async function rejection(promise: Promise<unknown>): Promise<KmsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

/** Without its Signature: what a V1 signature covers. */
function unsigned(params: Readonly<Record<string, string>>): Record<string, string> {
  const { Signature: _signature, ...rest } = params;
  return rest;
}

describe('sign mode, signature V1', () => {
  it('POSTs a form body signed afresh, replacing whatever signing parameters the caller sent', async () => {
    const invoke = clientFor();
    const value = await invoke(
      invocation({
        params: {
          Action: 'Encrypt',
          KeyId: 'alias/k',
          Plaintext: 'aGk=',
          AccessKeyId: 'LTAIcallerKey',
          Signature: 'caller-signature',
          SignatureNonce: 'caller-nonce',
          Timestamp: '2000-01-01T00:00:00Z',
          SecurityToken: 'caller-token',
          Format: 'XML',
          Version: '2016-01-20',
        },
      }),
    );
    expect(value).toEqual({ RequestId: 'upstream-ok' });
    const [sent] = upstream.received;
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = sent?.params ?? {};
    expect(params).toMatchObject({
      Action: 'Encrypt',
      KeyId: 'alias/k',
      Plaintext: 'aGk=',
      AccessKeyId: KEY.id,
      Format: 'JSON',
      Version: '2016-01-20',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
    });
    expect(params.SignatureNonce).not.toBe('caller-nonce');
    expect(params.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(params.Timestamp as string) - Date.now())).toBeLessThan(60_000);
    expect(params).not.toHaveProperty('SecurityToken');
    expect(params.Signature).toBe(signatureV1('POST', unsigned(params), KEY.secret));
  });

  it('asks for XML when KMS_UPSTREAM_FORMAT=XML, and carries an STS token', async () => {
    const invoke = clientFor({
      env: { KMS_UPSTREAM_FORMAT: 'XML', ALIBABA_CLOUD_SECURITY_TOKEN: 'sts-token-1' },
    });
    upstream.reply({ body: '<KMS><RequestId>xml-ok</RequestId></KMS>' });
    expect(await invoke(invocation({ params: { Action: 'DescribeRegions' } }))).toMatchObject({
      RequestId: 'xml-ok',
    });
    const params = upstream.received[0]?.params ?? {};
    expect(params).toMatchObject({ Format: 'XML', SecurityToken: 'sts-token-1' });
    expect(params.Signature).toBe(signatureV1('POST', unsigned(params), KEY.secret));
  });

  it('signs a GET-only action as GET, parameters in the query and no body', async () => {
    const invoke = clientFor();
    await invoke(invocation({ params: { Action: 'ListClientKeys' } }));
    const [sent] = upstream.received;
    expect(sent?.method).toBe('GET');
    expect(sent?.url.startsWith('/?')).toBe(true);
    expect(sent?.body.length).toBe(0);
    expect(sent?.params.Action).toBe('ListClientKeys');
    const params = sent?.params ?? {};
    expect(params.Signature).toBe(signatureV1('GET', unsigned(params), KEY.secret));
  });
});

describe('sign mode, signature V3', () => {
  function verifiesV3(sent: Received | undefined, query: Record<string, string>) {
    const authorization = sent?.headers.authorization ?? '';
    const match =
      /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=(\w+)$/.exec(
        authorization,
      );
    expect(match?.[1]).toBe(KEY.id);
    const names = (match?.[2] ?? '').split(';');
    expect(names).toEqual(
      expect.arrayContaining(['host', 'x-acs-action', 'x-acs-signature-nonce']),
    );
    const canonical = canonicalRequestV3(
      { method: sent?.method ?? '', query, headers: sent?.headers ?? {} },
      names,
    );
    expect(match?.[3]).toBe(signatureV3(canonical, KEY.secret));
  }

  it('puts the business parameters in the query and signs the x-acs headers', async () => {
    const invoke = clientFor({ env: { KMS_SIGNATURE_VERSION: 'v3' } });
    await invoke(
      invocation({
        params: { Action: 'Encrypt', KeyId: 'alias/k', Plaintext: 'a b+c', Format: 'XML' },
      }),
    );
    const [sent] = upstream.received;
    expect(sent?.method).toBe('POST');
    expect(sent?.params).toEqual({ KeyId: 'alias/k', Plaintext: 'a b+c' });
    expect(sent?.headers).toMatchObject({
      'x-acs-action': 'Encrypt',
      'x-acs-version': '2016-01-20',
      host: upstream.host,
    });
    verifiesV3(sent, sent?.params ?? {});
  });

  it('adds Format=XML to the signed query when KMS_UPSTREAM_FORMAT=XML', async () => {
    const invoke = clientFor({ env: { KMS_SIGNATURE_VERSION: 'v3', KMS_UPSTREAM_FORMAT: 'xml' } });
    upstream.reply({
      body: '<DescribeRegionsResponse><RequestId>r</RequestId></DescribeRegionsResponse>',
    });
    await invoke(invocation({ params: { Action: 'DescribeRegions' } }));
    const [sent] = upstream.received;
    expect(sent?.params).toEqual({ Format: 'XML' });
    verifiesV3(sent, { Format: 'XML' });
  });

  it('an action without parameters is sent to / with no query', async () => {
    const invoke = clientFor({ env: { KMS_SIGNATURE_VERSION: 'v3' } });
    await invoke(invocation({ params: { Action: 'DescribeRegions' } }));
    expect(upstream.received[0]?.url).toBe('/');
  });
});

describe('passthrough mode', () => {
  const passthrough = () => clientFor({ env: { KMS_MODE: 'passthrough' } });

  it("forwards a POST with the caller's body bytes and Content-Type, untouched", async () => {
    const body = 'Action=Encrypt&KeyId=alias%2Fk&Plaintext=aGk%3D&Signature=abc%2B%2F';
    await passthrough()(
      invocation({
        params: { Action: 'Encrypt', KeyId: 'alias/k', Plaintext: 'aGk=' },
        body,
        rawQuery: 'Format=xml&x=%7e',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      }),
    );
    const [sent] = upstream.received;
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/?Format=xml&x=%7e');
    expect(sent?.body.toString('utf8')).toBe(body);
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
  });

  it('forwards a GET with the query text as sent and no body', async () => {
    await passthrough()(
      invocation({
        method: 'GET',
        params: { Action: 'ListKeys' },
        rawQuery: 'Action=ListKeys&Signature=a%2bb&Timestamp=2024-01-01T00%3A00%3A00Z',
        // A body on a GET is the caller's mistake: it is not forwarded.
        body: 'ignored=1',
      }),
    );
    const [sent] = upstream.received;
    expect(sent?.method).toBe('GET');
    expect(sent?.url).toBe('/?Action=ListKeys&Signature=a%2bb&Timestamp=2024-01-01T00%3A00%3A00Z');
    expect(sent?.body.length).toBe(0);
    expect(sent?.headers).not.toHaveProperty('content-type');
  });

  it('invents no Content-Type the caller did not send', async () => {
    await passthrough()(invocation({ params: { Action: 'ListKeys' }, body: 'Action=ListKeys' }));
    expect(upstream.received[0]?.headers).not.toHaveProperty('content-type');
    expect(upstream.received[0]?.url).toBe('/');
  });

  it('never retries: the caller’s nonce is spent', async () => {
    upstream.reply(kmsError(503, 'ServiceUnavailableTemporary'));
    const error = await rejection(
      passthrough()(invocation({ params: { Action: 'ListKeys' }, body: 'Action=ListKeys' })),
    );
    expect(error.status).toBe(503);
    expect(upstream.received).toHaveLength(1);
  });
});

describe('retry policy (sign mode)', () => {
  const noWait = () => 0;

  it.each([
    ['a 503', kmsError(503, 'ServiceUnavailableTemporary')],
    ['a 500', kmsError(500, 'InternalFailure')],
    ['a 502 HTML page', { status: 502, body: '<html><body>Bad Gateway</body></html>' }],
    ['Throttling (400)', kmsError(400, 'Throttling')],
    ['Throttling.User (400)', kmsError(400, 'Throttling.User')],
    ['Throttling.Api (429)', kmsError(429, 'Throttling.Api')],
    ['ServiceUnavailable (400)', kmsError(400, 'ServiceUnavailable')],
    ['SerivceUnvailableTemporary inside a 200', kmsError(200, 'SerivceUnvailableTemporary')],
    ['a dropped connection', { drop: true } as const],
  ])('a read is retried after %s, with a fresh nonce and signature', async (_name, reply) => {
    upstream.reply(reply);
    const inv = invocation({ params: { Action: 'ListKeys' } });
    const value = await clientFor({ random: noWait })(inv);
    expect(value.RequestId).toBe('upstream-ok');
    expect(upstream.received).toHaveLength(2);
    expect(inv.trace.attempts).toBe(2);
    expect(inv.trace.latencyMs).toBeGreaterThanOrEqual(0);
    expect(inv.trace.latencyMs).toBeLessThan(60_000);
    const [first, second] = upstream.received.map((r) => r.params);
    expect(first?.SignatureNonce).toBeTruthy();
    expect(second?.SignatureNonce).not.toBe(first?.SignatureNonce);
    expect(second?.Signature).toBe(signatureV1('POST', unsigned(second ?? {}), KEY.secret));
  });

  it.each([
    ['Forbidden.KeyNotFound (404)', kmsError(404, 'Forbidden.KeyNotFound')],
    ['InvalidParameter (400)', kmsError(400, 'InvalidParameter')],
    ['Forbidden.NoPermission (403)', kmsError(403, 'Forbidden.NoPermission')],
    ['Rejected.Disabled inside a 200', kmsError(200, 'Rejected.Disabled')],
  ])('a read is not retried after %s', async (_name, reply) => {
    upstream.reply(reply);
    const error = await rejection(
      clientFor({ random: noWait })(invocation({ params: { Action: 'ListKeys' } })),
    );
    expect(error.origin).toBe('upstream-answer');
    expect(upstream.received).toHaveLength(1);
  });

  it('a body over the size cap is not retried', async () => {
    upstream.reply({ body: `{"RequestId":"r","Pad":"${'x'.repeat(2048)}"}` });
    const error = await rejection(
      clientFor({ random: noWait, env: { KMS_MAX_BODY_BYTES: '1024' } })(
        invocation({ params: { Action: 'ListKeys' } }),
      ),
    );
    expect([error.status, error.code, error.origin]).toEqual([
      500,
      'InternalFailure',
      'upstream-call',
    ]);
    expect(error.message).toBe(
      'Internal Failure. The upstream response was unreadable: larger than the size cap.',
    );
    expect(upstream.received).toHaveLength(1);
  });

  it.each([
    ['a write (CreateKey)', { Action: 'CreateKey' }],
    [
      'a write (ScheduleKeyDeletion)',
      { Action: 'ScheduleKeyDeletion', KeyId: 'k', PendingWindowInDays: '7' },
    ],
    ['an action of no operation type (GetClientKey)', { Action: 'GetClientKey', ClientKeyId: 'c' }],
  ])('%s is never retried', async (_name, params) => {
    upstream.reply(kmsError(503, 'ServiceUnavailableTemporary', 'upstream-503'));
    const error = await rejection(clientFor({ random: noWait })(invocation({ params })));
    expect([error.status, error.requestId]).toEqual([503, 'upstream-503']);
    expect(upstream.received).toHaveLength(1);
  });

  it('a read failing every time is tried KMS_MAX_ATTEMPTS times; the last answer is the error', async () => {
    upstream.reply(
      kmsError(503, 'ServiceUnavailableTemporary', 'first'),
      kmsError(500, 'InternalFailure', 'second'),
      kmsError(503, 'ServiceUnavailableTemporary', 'third'),
    );
    const inv = invocation({ params: { Action: 'DescribeRegions' } });
    const error = await rejection(clientFor({ random: noWait })(inv));
    expect([error.status, error.requestId]).toEqual([503, 'third']);
    expect(upstream.received).toHaveLength(3);
    expect(new Set(upstream.received.map((r) => r.params.SignatureNonce)).size).toBe(3);
    expect(inv.trace).toMatchObject({ attempts: 3, status: 503 });

    upstream.reset();
    upstream.otherwise(kmsError(503, 'ServiceUnavailableTemporary'));
    await rejection(
      clientFor({ random: noWait, env: { KMS_MAX_ATTEMPTS: '5' } })(
        invocation({ params: { Action: 'DescribeRegions' } }),
      ),
    );
    expect(upstream.received).toHaveLength(5);
  });

  it('credentials that cannot be had are a 500 of the function, never retried or sent', async () => {
    let lookups = 0;
    const missing: CredentialProvider = async () => {
      lookups += 1;
      throw new CredentialsUnavailable('the credentials secret is not JSON');
    };
    const error = await rejection(
      clientFor({ random: noWait, credentials: missing })(
        invocation({ params: { Action: 'ListKeys' } }),
      ),
    );
    expect(error).toMatchObject({
      status: 500,
      code: 'InternalFailure',
      origin: 'internal',
      reason: 'the credentials secret is not JSON',
    });
    expect([lookups, upstream.received.length]).toEqual([1, 0]);

    const broken: CredentialProvider = async () => {
      throw new TypeError('secret text that must not be logged');
    };
    const other = await rejection(
      clientFor({ credentials: broken })(invocation({ params: { Action: 'ListKeys' } })),
    );
    expect(other.reason).toBe('credentials lookup failed');
  });

  it('credentials that expired and could not be renewed are a 503, never retried or sent', async () => {
    let lookups = 0;
    const expired: CredentialProvider = async () => {
      lookups += 1;
      throw new CredentialsExpired('the role credentials expired and were not renewed');
    };
    const error = await rejection(
      clientFor({ random: noWait, credentials: expired })(
        invocation({ params: { Action: 'ListKeys' } }),
      ),
    );
    expect(error).toMatchObject({
      status: 503,
      code: 'SerivceUnavailableTemporary',
      origin: 'internal',
      reason: 'the role credentials expired and were not renewed',
    });
    expect([lookups, upstream.received.length]).toEqual([1, 0]);
  });
});

describe('backoff: full jitter, exponential, capped, inside the deadline', () => {
  /** `random` returning these values in turn (then the last), counting its calls. */
  function randoms(...values: number[]) {
    let calls = 0;
    const random = () => values[Math.min(calls++, values.length - 1)] as number;
    return { random, calls: () => calls };
  }
  const gaps = () =>
    upstream.received.slice(1).map((r, i) => r.at - (upstream.received[i] as { at: number }).at);

  it('waits random() × 100 ms × 2^(n−1) before attempt n+1', async () => {
    upstream.otherwise(kmsError(503, 'ServiceUnavailableTemporary'));
    const jitter = randoms(0.5, 0.5, 0.5);
    await rejection(
      clientFor({ random: jitter.random, env: { KMS_MAX_ATTEMPTS: '4' } })(
        invocation({ params: { Action: 'ListKeys' } }),
      ),
    );
    expect(upstream.received).toHaveLength(4);
    expect(jitter.calls()).toBe(3);
    // 50, 100 and 200 ms: timers never fire early, by more than a millisecond of rounding.
    const [a = 0, b = 0, c = 0] = gaps();
    expect(a).toBeGreaterThanOrEqual(49);
    expect(b).toBeGreaterThanOrEqual(99);
    expect(c).toBeGreaterThanOrEqual(199);
  });

  it('no retry is started that cannot get 200 ms before the deadline', async () => {
    upstream.otherwise(kmsError(503, 'ServiceUnavailableTemporary'));
    // random() = 1: waits of 100 then 200 ms. With 450 ms in all, the second retry would
    // start at ~300 ms with ~150 ms left: it is not started.
    const inv = invocation({ params: { Action: 'ListKeys' } }, 450);
    const error = await rejection(
      clientFor({ random: () => 1, env: { KMS_MAX_ATTEMPTS: '5' } })(inv),
    );
    expect(error.status).toBe(503);
    expect(upstream.received).toHaveLength(2);
  });

  it('a wait that would leave less than 200 ms is not waited: the error is answered at once', async () => {
    upstream.otherwise(kmsError(503, 'ServiceUnavailableTemporary'));
    // random() = 1: the first wait is 100 ms; with 250 ms in all, 100 + 200 does not fit.
    await rejection(
      clientFor({ random: () => 1 })(invocation({ params: { Action: 'ListKeys' } }, 250)),
    );
    expect(upstream.received).toHaveLength(1);
  });

  it('the wait is capped at 2 s (× random) however many attempts came before', async () => {
    upstream.otherwise(kmsError(503, 'ServiceUnavailableTemporary'));
    // Five immediate retries, then random() = 0.25 before the seventh attempt: 0.25 × 2000 =
    // 500 ms with the cap, 0.25 × 3200 = 800 ms without. With ~900 ms left, only the capped
    // wait (500 + 200) fits.
    const jitter = randoms(0, 0, 0, 0, 0, 0.25);
    const inv = invocation({ params: { Action: 'ListKeys' } }, 900);
    await rejection(clientFor({ random: jitter.random, env: { KMS_MAX_ATTEMPTS: '7' } })(inv));
    expect(upstream.received).toHaveLength(7);
    expect(gaps().at(-1)).toBeGreaterThanOrEqual(499);
  });
});

describe('transport failures', () => {
  it('an upstream that never answers: 503 "did not answer in time", tried once with no time left', async () => {
    upstream.otherwise({ silent: true });
    const inv = invocation({ params: { Action: 'ListKeys' } }, 300);
    const error = await rejection(clientFor({ random: () => 0 })(inv));
    expect(error).toMatchObject({
      status: 503,
      code: 'SerivceUnavailableTemporary',
      message: 'Service Unavailable Temporary. The upstream KMS did not answer in time.',
      origin: 'upstream-call',
      hostId: upstream.host,
    });
    expect(upstream.received).toHaveLength(1);
    expect(inv.trace.latencyMs).toBeGreaterThanOrEqual(250);
  });

  it('a dropped connection: 503 "closed the connection", naming the host', async () => {
    upstream.otherwise({ drop: true });
    const error = await rejection(clientFor()(invocation({ params: { Action: 'CreateKey' } })));
    expect(error).toMatchObject({
      status: 503,
      message: 'Service Unavailable Temporary. The upstream KMS closed the connection.',
      hostId: upstream.host,
    });
  });

  it('a refused connection: 503 "could not be reached", naming the configured host', async () => {
    const gone = await startUpstream();
    await gone.close();
    const loaded = loadConfig({
      KMS_ENDPOINT: gone.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.secret,
      KMS_CALLER_AUTH: 'none',
    });
    if (!loaded.ok) throw new Error('config');
    const invoke = createKmsClient({
      config: loaded.config,
      http: createHttpClient(loaded.config),
      credentials: createCredentialProvider(loaded.config.credentials),
    });
    const inv = invocation({ params: { Action: 'CreateKey' } });
    const error = await rejection(invoke(inv));
    expect(error).toMatchObject({
      status: 503,
      message: 'Service Unavailable Temporary. The upstream KMS could not be reached.',
      reason: 'ECONNREFUSED',
      hostId: gone.host,
    });
    expect(inv.trace.attempts).toBe(1);
  });

  it('the trace records the status and Content-Type of the last answer', async () => {
    upstream.reply({
      status: 404,
      headers: { 'content-type': 'application/xml;charset=utf-8' },
      body: '<Error><Code>Forbidden.KeyNotFound</Code><RequestId>x</RequestId></Error>',
    });
    const inv = invocation({ params: { Action: 'DescribeKey', KeyId: 'k' } });
    await rejection(clientFor()(inv));
    expect(inv.trace).toMatchObject({
      attempts: 1,
      status: 404,
      contentType: 'application/xml;charset=utf-8',
    });
  });
});

describe('credentials from Secrets Manager', () => {
  let secretsManager: LocalSecretsManager;
  beforeAll(async () => {
    secretsManager = await startSecretsManager(
      JSON.stringify({ AccessKeyId: 'LTAI5tFromSecret0001', AccessKeySecret: 'secret-from-sm' }),
    );
  });
  afterAll(async () => {
    await secretsManager.close();
    vi.unstubAllEnvs();
  });

  it('signs with the pair read from the secret, within the call’s deadline', async () => {
    for (const [name, value] of Object.entries(sdkEnv(secretsManager))) vi.stubEnv(name, value);
    const invoke = clientFor({
      credentials: createCredentialProvider({ kind: 'secrets-manager', secretArn: 'arn:kms' }),
    });
    await invoke(invocation({ params: { Action: 'ListKeys' } }));
    const params = upstream.received[0]?.params ?? {};
    expect(params.AccessKeyId).toBe('LTAI5tFromSecret0001');
    expect(params.Signature).toBe(signatureV1('POST', unsigned(params), 'secret-from-sm'));
  });
});
