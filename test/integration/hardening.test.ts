/**
 * Hostile callers, hostile upstreams, leaky logs (issue 7): the handler built in this process,
 * against a real local HTTP server standing in for KMS (and one for Secrets Manager), each case
 * a defect that was seen and is now closed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  answer,
  captureLogs,
  handlerWith,
  httpApiEvent,
  type LocalServer,
  lambdaContext,
  parsedLines,
  restEvent,
  startLocalServer,
  VALID_HEADER_VALUE,
} from '../support/in-process.js';
import { leakIn } from '../support/leaks.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const FUNCTION_KEY = {
  id: 'LTAI5tHardenFunctionKey8',
  secret: 'fn+Secret/Value=Harden0123456789abcdef',
  token: 'STS.tok+en/Harden=abcdefghijklmnopqrstuvwxyz',
};

let upstream: LocalServer;
let secretsManager: LocalSecretsManager;
let secretString = '';
beforeAll(async () => {
  upstream = await startLocalServer(answer(200, '{"RequestId":"r"}'));
  secretsManager = await startSecretsManager(() => secretString);
});
afterAll(async () => {
  await upstream.close();
  await secretsManager.close();
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

const staticKey = () => ({
  KMS_ENDPOINT: upstream.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: FUNCTION_KEY.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: FUNCTION_KEY.secret,
  ALIBABA_CLOUD_SECURITY_TOKEN: FUNCTION_KEY.token,
});
const secretsManagerKey = () => {
  secretString = JSON.stringify({
    AccessKeyId: FUNCTION_KEY.id,
    AccessKeySecret: FUNCTION_KEY.secret,
    SecurityToken: FUNCTION_KEY.token,
  });
  return {
    KMS_ENDPOINT: upstream.url,
    KMS_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:kms',
    ...sdkEnv(secretsManager),
  };
};

const envelopeOf = (body: string) => JSON.parse(body) as Record<string, unknown>;
const errorLines = (logs: string[]) =>
  parsedLines(logs).filter((line) => line.message === 'kms error normalized');

describe('item 1: caps keep decoding, copying and signing inside the deadline', async () => {
  const { MAX_BODY_BYTES, MAX_PARAMETERS } = await import('../../src/http/limits.js');

  it('a 1.9 MB body of 200 000 parameters with 1 000 ms left is refused (400) before the deadline', async () => {
    const handler = await handlerWith(staticKey());
    const body = `Action=ListKeys&${Array.from({ length: 200_000 }, (_, i) => `p${i}=x`).join('&')}`;
    const started = Date.now();
    const result = await handler(
      httpApiEvent({ body, headers: FORM, base64: true }),
      lambdaContext(1000),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result.body)).toMatchObject({
      HttpStatus: 400,
      Code: 'ParseRequestParameterException',
      RequestId: 'gw-req-1',
    });
  });

  it.each([
    ['a body one byte over the cap', () => `Action=ListKeys&Pad=${'x'.repeat(MAX_BODY_BYTES)}`],
    [
      'one parameter over the count',
      () =>
        `Action=ListKeys&${Array.from({ length: MAX_PARAMETERS }, (_, i) => `p${i}=x`).join('&')}`,
    ],
  ])('%s is ParseRequestParameterException', async (_name, body) => {
    const handler = await handlerWith(staticKey());
    const result = await handler(httpApiEvent({ body: body(), headers: FORM }), lambdaContext());
    expect([result.statusCode, envelopeOf(result.body).Code]).toEqual([
      400,
      'ParseRequestParameterException',
    ]);
  });

  it('a query string over the cap, or over the count in a REST event, is refused too', async () => {
    const handler = await handlerWith(staticKey());
    const long = await handler(
      httpApiEvent({ query: `Action=ListKeys&Pad=${'x'.repeat(MAX_BODY_BYTES)}` }),
      lambdaContext(),
    );
    expect(envelopeOf(long.body).Code).toBe('ParseRequestParameterException');
    const many = Object.fromEntries(
      Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => [`p${i}`, ['x']]),
    );
    const rest = await handler(restEvent({ Action: ['ListKeys'], ...many }), lambdaContext());
    expect(envelopeOf(rest.body).Code).toBe('ParseRequestParameterException');
  });

  it('a request at both caps still reaches KMS', async () => {
    upstream.route = answer(200, '{"Keys":{"Key":[]},"RequestId":"at-caps"}');
    const handler = await handlerWith(staticKey());
    // Action, Pad and the rest: exactly MAX_PARAMETERS parameters in exactly MAX_BODY_BYTES.
    const names = Array.from({ length: MAX_PARAMETERS - 2 }, (_, i) => `p${i}=x`).join('&');
    const head = `Action=ListKeys&${names}&Pad=`;
    const body = head + 'x'.repeat(MAX_BODY_BYTES - head.length);
    const result = await handler(httpApiEvent({ body, headers: FORM }), lambdaContext());
    expect([result.statusCode, envelopeOf(result.body).RequestId]).toEqual([200, 'at-caps']);
  });

  it('a request at the caps with the deadline near still answers an envelope before it', async () => {
    upstream.route = (_request, _body, response) => {
      setTimeout(() => response.end('{"RequestId":"late"}'), 2000).unref();
    };
    const handler = await handlerWith(staticKey());
    const head = `Action=ListKeys&Pad=`;
    const body = head + 'x'.repeat(MAX_BODY_BYTES - head.length);
    for (const remaining of [300, 700]) {
      const started = Date.now();
      const result = await handler(httpApiEvent({ body, headers: FORM }), lambdaContext(remaining));
      expect(Date.now() - started).toBeLessThan(remaining);
      expect(result.statusCode).toBe(503);
      expect(envelopeOf(result.body).Code).toBe('SerivceUnavailableTemporary');
    }
  });
});

describe('item 4: no secret reaches a log line, whatever its source, field or encoding', () => {
  const PLAINTEXT = 'PlAiNtExT+/planted=Secret0123456789abcdef';
  const PARTIAL = (s: string) => s.slice(3, 3 + 16);
  /** Every secret in every encoding the README lists, and a 16-character window of each. */
  const ECHO = [FUNCTION_KEY.secret, FUNCTION_KEY.token, PLAINTEXT]
    .flatMap((s) => [
      s,
      encodeURIComponent(s),
      encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURIComponent(encodeURIComponent(s)),
      new URLSearchParams({ v: s }).toString().slice(2),
      JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'),
      s.replace(/\+/g, '&#43;').replace(/\//g, '&#x2F;'),
      PARTIAL(s),
    ])
    .join(' | ');
  const echoed = `key ${FUNCTION_KEY.id} | ${ECHO} | string to sign is: POST&%2F&x`;

  const sources = [
    ['the environment', staticKey],
    ['Secrets Manager', secretsManagerKey],
  ] as const;
  const fields = ['Message', 'Recommend', 'Code', 'RequestId', 'HostId', 'AccessDeniedDetail'];

  describe.each(sources)('credentials from %s', (_source, credentials) => {
    it.each(fields)('echoed in the upstream %s', async (field) => {
      const body: Record<string, unknown> = {
        Code: 'Forbidden.NoPermission',
        Message: 'denied',
        RequestId: 'up-req',
        HostId: 'kms.example',
      };
      body[field] = field === 'AccessDeniedDetail' ? { PolicyType: echoed } : echoed;
      upstream.route = answer(403, JSON.stringify(body));
      const logs = captureLogs();
      const handler = await handlerWith({ ...credentials(), POWERTOOLS_LOG_LEVEL: 'INFO' });
      const result = await handler(
        httpApiEvent({
          body: `Action=Encrypt&KeyId=k&Plaintext=${encodeURIComponent(PLAINTEXT)}`,
          headers: FORM,
        }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(403);
      // The caller's body keeps what the upstream said exactly.
      if (field !== 'AccessDeniedDetail' && field !== 'Recommend') {
        expect(envelopeOf(result.body)[field]).toBe(echoed);
      }
      const output = logs.join('');
      expect(errorLines(logs)).toHaveLength(1);
      for (const secret of [FUNCTION_KEY.secret, FUNCTION_KEY.token, PLAINTEXT, FUNCTION_KEY.id]) {
        expect(leakIn(output, secret), `${secret} leaked`).toBeUndefined();
      }
      // An AccessKeyId appears as its last four characters only.
      expect(output).toContain(`****${FUNCTION_KEY.id.slice(-4)}`);
    });
  });

  it('POWERTOOLS_LOGGER_LOG_EVENT=true cannot log an event: it is ignored, with a warning', async () => {
    upstream.route = answer(200, '{"KeyId":"k","CiphertextBlob":"c","RequestId":"r"}');
    const logs = captureLogs();
    const handler = await handlerWith({
      ...staticKey(),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_LOGGER_LOG_EVENT: 'true',
      KMS_ACCESS_LOG: 'true',
    });
    const result = await handler(
      httpApiEvent({
        query: `Action=Encrypt&KeyId=k&Plaintext=${encodeURIComponent(PLAINTEXT)}`,
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
    expect(leakIn(logs.join(''), PLAINTEXT)).toBeUndefined();
    const lines = parsedLines(logs);
    expect(lines.map((l) => l.message)).not.toContain('Lambda invocation event');
    expect(
      lines.find((l) => String(l.message).includes('POWERTOOLS_LOGGER_LOG_EVENT')),
    ).toMatchObject({ level: 'WARN' });
  });
});

describe('item 5: every logged field has a bound', () => {
  it('a 5 MB Action gives a short WARN line', async () => {
    const logs = captureLogs();
    const handler = await handlerWith({ ...staticKey(), POWERTOOLS_LOG_LEVEL: 'INFO' });
    const action = 'A'.repeat(5 * 1024 * 1024);
    for (const event of [
      httpApiEvent({ query: `Action=${action}` }),
      httpApiEvent({ body: `Action=${action}`, headers: FORM }),
      httpApiEvent({ query: `Action=${action.slice(0, 60_000)}` }),
    ]) {
      logs.length = 0;
      const result = await handler(event, lambdaContext());
      expect(result.statusCode).toBe(400);
      expect(errorLines(logs)).toHaveLength(1);
      expect(logs.join('').length).toBeLessThan(4096);
    }
  });

  it.each([
    ['Code', { Code: 'C'.repeat(1_000_000), Message: 'm', RequestId: 'r' }],
    [
      'every field',
      {
        Code: 'C'.repeat(150_000),
        Message: 'M'.repeat(150_000),
        Recommend: 'R'.repeat(150_000),
        RequestId: 'I'.repeat(150_000),
        HostId: 'H'.repeat(150_000),
        AccessDeniedDetail: { D: 'D'.repeat(150_000) },
      },
    ],
  ])('a 1 MB upstream %s gives a short ERROR line; the body keeps it', async (_name, body) => {
    upstream.route = answer(500, JSON.stringify(body), {
      'content-type': `application/json;${'x'.repeat(4000)}`,
    });
    const logs = captureLogs();
    const handler = await handlerWith({
      ...staticKey(),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      KMS_MAX_ATTEMPTS: '1',
    });
    const result = await handler(httpApiEvent({ query: 'Action=ListKeys' }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(envelopeOf(result.body).Code).toBe(body.Code);
    expect(errorLines(logs)).toHaveLength(1);
    expect(logs.join('').length).toBeLessThan(8192);
  });
});

describe('item 6: what the upstream says cannot break the answer’s headers', () => {
  const HOSTILE_IDS = [
    'abc\r\nSet-Cookie: stolen=1',
    'nul\u0000byte',
    '请求标识',
    `long-${'x'.repeat(300)}`,
    ' padded ',
  ];

  it.each(HOSTILE_IDS)(
    'an upstream RequestId %j stays in the body, not in a header',
    async (id) => {
      const handler = await handlerWith({ ...staticKey(), KMS_MAX_ATTEMPTS: '1' });
      for (const [status, body] of [
        [404, { Code: 'Forbidden.KeyNotFound', Message: 'm', RequestId: id }],
        [200, { Keys: { Key: [] }, RequestId: id }],
      ] as const) {
        upstream.route = answer(status, JSON.stringify(body));
        const result = await handler(httpApiEvent({ query: 'Action=ListKeys' }), lambdaContext());
        expect(result.statusCode).toBe(status);
        expect(envelopeOf(result.body).RequestId).toBe(id);
        for (const [name, value] of Object.entries(result.headers)) {
          expect(value, name).toMatch(VALID_HEADER_VALUE);
        }
        expect(result.headers['x-acs-request-id']).toBeUndefined();
      }
    },
  );

  it('an upstream status outside 100–599 is an unreadable answer', async () => {
    upstream.route = answer(700, '{"Code":"Weird","Message":"m","RequestId":"r"}', {
      'x-acs-request-id': 'up-700',
    });
    const handler = await handlerWith({ ...staticKey(), KMS_MAX_ATTEMPTS: '1' });
    const result = await handler(httpApiEvent({ query: 'Action=ListKeys' }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(envelopeOf(result.body)).toMatchObject({
      HttpStatus: 500,
      Code: 'InternalFailure',
      Message: 'Internal Failure. The upstream response was unreadable: HTTP status 700.',
      RequestId: 'up-700',
    });
  });
});

describe('item 7: caller mistakes are 400s, not bugs', () => {
  it.each([
    [
      'a JSON body nested 5 000 deep',
      httpApiEvent({
        body: `{"Action":"Encrypt","KeyId":"k","Plaintext":"p","EncryptionContext":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        headers: { 'content-type': 'application/json' },
      }),
    ],
    [
      'a lone surrogate in a JSON body',
      httpApiEvent({
        body: '{"Action":"Encrypt","KeyId":"k","Plaintext":"\\ud800"}',
        headers: { 'content-type': 'application/json' },
      }),
    ],
    ['a lone surrogate in a REST query', restEvent({ Action: ['Encrypt'], KeyId: ['k\ud800'] })],
    ['a percent-encoded byte that is not UTF-8', httpApiEvent({ query: 'Action=ListKeys&x=%FF' })],
  ])('%s is ParseRequestParameterException with a WARN line', async (_name, event) => {
    const logs = captureLogs();
    const handler = await handlerWith({ ...staticKey(), POWERTOOLS_LOG_LEVEL: 'INFO' });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result.body).Code).toBe('ParseRequestParameterException');
    // The cold start's warning that caller authentication is off is not about this request,
    // and the metrics (EMF documents, with `_aws`) are no log lines.
    const lines = parsedLines(logs).filter(
      (l) => l.message !== 'caller authentication is off' && !('_aws' in l),
    );
    expect(lines.map((l) => [l.level, l.message])).toEqual([['WARN', 'kms error normalized']]);
  });
});

describe('item 11: smaller holes', () => {
  it('Format=jſon (U+017F) is not JSON: case folding is ASCII only', async () => {
    upstream.route = answer(200, '{"Keys":{"Key":[]},"RequestId":"r"}');
    const handler = await handlerWith(staticKey());
    const result = await handler(
      httpApiEvent({ query: 'Action=ListKeys&Format=j%C5%BFon' }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result.body)).toMatchObject({
      Code: 'InvalidParameter',
      Message: 'The specified parameter "Format" is not valid.',
    });
  });

  it('a header value that is not a string is no header: the answer and its log line as usual', async () => {
    const logs = captureLogs();
    const handler = await handlerWith({ ...staticKey(), POWERTOOLS_LOG_LEVEL: 'INFO' });
    const result = await handler(
      httpApiEvent({ query: 'Action=Bogus', headers: { accept: 5, 'content-type': ['a'] } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(envelopeOf(result.body)).toMatchObject({
      Code: 'InvalidParameter',
      RequestId: 'gw-req-1',
    });
    expect(errorLines(logs)).toHaveLength(1);
  });

  it('passthrough: a Content-Type that is not a valid header value is the caller’s mistake', async () => {
    const handler = await handlerWith({ KMS_MODE: 'passthrough', KMS_ENDPOINT: upstream.url });
    const result = await handler(
      httpApiEvent({
        body: 'Action=ListKeys',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=€' },
      }),
      lambdaContext(),
    );
    expect([result.statusCode, envelopeOf(result.body).Code]).toEqual([
      400,
      'ParseRequestParameterException',
    ]);
  });
});

describe('item 12: an unreadable upstream answer keeps the upstream RequestId', () => {
  it.each([
    ['an empty body', 500, ''],
    ['an HTML page', 502, '<html><body>Bad Gateway</body></html>'],
    ['a JSON error without a Code', 400, '{"Message":"m"}'],
  ])('%s with x-acs-request-id', async (_name, status, body) => {
    upstream.route = answer(status, body, { 'x-acs-request-id': 'UP-REQ-12' });
    const handler = await handlerWith({ ...staticKey(), KMS_MAX_ATTEMPTS: '1' });
    const result = await handler(httpApiEvent({ query: 'Action=ListKeys' }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(envelopeOf(result.body)).toMatchObject({
      Code: 'InternalFailure',
      RequestId: 'UP-REQ-12',
    });
    expect(result.headers['x-acs-request-id']).toBe('UP-REQ-12');
  });

  it('a body over the size cap with x-acs-request-id', async () => {
    upstream.route = answer(200, `{"RequestId":"r","Pad":"${'x'.repeat(2048)}"}`, {
      'x-acs-request-id': 'UP-REQ-BIG',
    });
    const handler = await handlerWith({
      ...staticKey(),
      KMS_MAX_ATTEMPTS: '1',
      KMS_MAX_BODY_BYTES: '1024',
    });
    const result = await handler(httpApiEvent({ query: 'Action=ListKeys' }), lambdaContext());
    expect(envelopeOf(result.body)).toMatchObject({
      Code: 'InternalFailure',
      RequestId: 'UP-REQ-BIG',
    });
  });
});
