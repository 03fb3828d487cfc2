/**
 * normalize-error on its own: whatever reaches Middy's onError becomes the five-field envelope in
 * the negotiated format with the status it states, and one log line (WARN for 4xx, ERROR for
 * 5xx) with no secret in it. Driven with Middy's request object and the project's real logger.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayEvent } from '../../src/http/request.js';
import type { ApiGatewayResult } from '../../src/http/response.js';
import { gatewayError, KmsError } from '../../src/kms/envelope.js';
import { createLogger } from '../../src/log.js';
import { normalizeError } from '../../src/middleware/normalize-error.js';
import type { KmsContext, RequestState } from '../../src/request-state.js';
import { type CapturedLogs, captureLogs } from '../support/logs.js';

type MiddyRequest = Request<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>;

const UPSTREAM_HOST = 'kms.cn-hangzhou.aliyuncs.com';
const GATEWAY_DOMAIN = 'abc.execute-api.eu-west-1.amazonaws.com';
const CONFIG_SECRET = 'config-access-key-secret-0001';

function state(overrides: Partial<RequestState> = {}): RequestState {
  return {
    startedAt: Date.now(),
    http: {
      method: 'POST',
      headers: {},
      rawQuery: '',
      body: undefined,
      requestId: 'apigw-request-1',
      domainName: GATEWAY_DOMAIN,
      path: '/',
      iamPrincipal: undefined,
    },
    params: { Action: 'Encrypt' },
    ...overrides,
  };
}

const XML_BY_FORMAT = { format: 'XML', mediaType: 'application/xml', source: 'Format' } as const;
const JSON_BY_DEFAULT = {
  format: 'JSON',
  mediaType: 'application/json',
  source: 'default',
} as const;

let logs: CapturedLogs;
beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  logs = captureLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function middleware(
  options: { spelling?: 'documented' | 'corrected'; logger?: unknown } = {},
): MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext> {
  return normalizeError({
    logger: (options.logger ?? createLogger()) as never,
    mode: 'sign',
    spelling: options.spelling ?? 'documented',
    configSecrets: [CONFIG_SECRET],
  });
}

/** Runs onError for `error` with `kms` as the request state; returns the response. */
async function answer(
  error: unknown,
  kms: RequestState | undefined,
  options: Parameters<typeof middleware>[0] = {},
): Promise<ApiGatewayResult> {
  const request = {
    event: {},
    context: { awsRequestId: 'lambda-request-1', ...(kms ? { kms } : {}) },
    response: undefined,
    error,
    internal: {},
  } as unknown as MiddyRequest;
  await middleware(options).onError?.(request);
  if (!request.response) throw new Error('no response');
  return request.response;
}

const errorLines = () => logs.lines().filter((l) => l.message === 'kms error normalized');

const upstreamError = (status: number, code: string, message = 'upstream said so') =>
  new KmsError({
    status,
    code,
    message,
    origin: 'upstream-answer',
    requestId: 'UPSTREAM-REQ-1',
    hostId: UPSTREAM_HOST,
    upstream: {
      status,
      code,
      message,
      recommend: 'https://next.api.aliyun.com/troubleshoot',
      accessDeniedDetail: '{"AuthAction":"kms:Encrypt"}',
      contentType: 'application/json;charset=utf-8',
    },
  });

describe('the envelope', () => {
  it('an upstream error keeps its status, code, message and ids, in the negotiated XML', async () => {
    const response = await answer(
      upstreamError(404, 'Forbidden.KeyNotFound', 'The specified Key is not found.'),
      state({ negotiated: XML_BY_FORMAT }),
    );
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(response.headers['x-acs-request-id']).toBe('UPSTREAM-REQ-1');
    expect(response.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><KMS><HttpStatus>404</HttpStatus><Code>Forbidden.KeyNotFound</Code><Message>The specified Key is not found.</Message><RequestId>UPSTREAM-REQ-1</RequestId><HostId>kms.cn-hangzhou.aliyuncs.com</HostId></KMS>',
    );
  });

  it("an error of the gateway's own carries the API Gateway request id and domain", async () => {
    const response = await answer(
      gatewayError('MissingParameter', { parameter: 'KeyId' }),
      state({ negotiated: JSON_BY_DEFAULT }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toBe(
      JSON.stringify({
        HttpStatus: 400,
        Code: 'MissingParameter',
        Message: 'The parameter "KeyId" is needed but not provided.',
        RequestId: 'apigw-request-1',
        HostId: GATEWAY_DOMAIN,
      }),
    );
  });

  it('without a request (the event was unreadable): the Lambda request id and localhost', async () => {
    const response = await answer(gatewayError('InternalFailure'), undefined);
    expect(JSON.parse(response.body)).toEqual({
      HttpStatus: 500,
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
      RequestId: 'lambda-request-1',
      HostId: 'localhost',
    });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('KMS_CODE_SPELLING=corrected respells the code, in the body and the log', async () => {
    const error = upstreamError(503, 'SerivceUnavailableTemporary');
    const kms = state({ negotiated: JSON_BY_DEFAULT });
    expect(JSON.parse((await answer(error, kms)).body).Code).toBe('SerivceUnavailableTemporary');
    const corrected = await answer(error, kms, { spelling: 'corrected' });
    expect(JSON.parse(corrected.body).Code).toBe('ServiceUnavailableTemporary');
    expect(errorLines().map((l) => (l.envelope as { Code: string }).Code)).toEqual([
      'SerivceUnavailableTemporary',
      'ServiceUnavailableTemporary',
    ]);
  });
});

describe('the format of an error, when negotiation did not run', () => {
  // read-request failed (an unreadable body) before negotiate-format: the query decides.
  it.each([
    ['Format=XML in the query', { Format: 'XML' }, undefined, 'application/xml'],
    ['Format=xml, any case', { Format: 'xml' }, 'application/json', 'application/xml'],
    ['Accept: text/xml', {}, 'text/xml', 'text/xml'],
    ['a bad Format, rendered by Accept', { Format: 'yaml' }, 'application/xml', 'application/xml'],
    ['an Accept that excludes everything', {}, 'image/png', 'application/json'],
    ['nothing asked', {}, undefined, 'application/json'],
  ])('%s → %s', async (_name, params, accept, mediaType) => {
    const kms = state({ params });
    if (accept !== undefined) Object.assign(kms, { http: { ...kms.http, headers: { accept } } });
    const response = await answer(
      gatewayError('ParseRequestParameterException', { reason: 'body is not UTF-8' }),
      kms,
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe(`${mediaType}; charset=utf-8`);
    const body = response.body;
    expect(body.startsWith(mediaType === 'application/json' ? '{"HttpStatus":400' : '<?xml')).toBe(
      true,
    );
  });
});

describe('what is not a KmsError', () => {
  it("Middy's early timeout is 503 SerivceUnavailableTemporary naming the upstream host", async () => {
    const timeout = Object.assign(new Error('[AbortError]: The operation was aborted.'), {
      name: 'TimeoutError',
    });
    const kms = state({
      negotiated: JSON_BY_DEFAULT,
      upstream: { host: UPSTREAM_HOST, attempts: 1, latencyMs: 900 },
    });
    const response = await answer(timeout, kms);
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      HttpStatus: 503,
      Code: 'SerivceUnavailableTemporary',
      Message:
        'Service Unavailable Temporary. The request did not complete before the function deadline.',
      RequestId: 'apigw-request-1',
      HostId: UPSTREAM_HOST,
    });
    expect(errorLines()[0]).toMatchObject({
      level: 'ERROR',
      origin: 'upstream-call',
      reason: 'Lambda deadline reached',
      upstream: { attempts: 1, latency_ms: 900 },
    });
  });

  it('an early timeout before any upstream call names the gateway', async () => {
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    const response = await answer(timeout, state({ negotiated: JSON_BY_DEFAULT }));
    expect(JSON.parse(response.body).HostId).toBe(GATEWAY_DOMAIN);
    expect(errorLines()[0]).toMatchObject({ origin: 'internal' });
    expect(errorLines()[0]).not.toHaveProperty('upstream');
  });

  it('a bug is 500 "Internal Failure." with no stack or message; its frames go to the log', async () => {
    const bug = new TypeError('Cannot read properties of undefined (reading "Plaintext=s3cr3t")');
    const response = await answer(
      bug,
      state({
        negotiated: JSON_BY_DEFAULT,
        upstream: { host: UPSTREAM_HOST, attempts: 0, latencyMs: 0 },
      }),
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
      HostId: UPSTREAM_HOST,
    });
    expect(response.body).not.toMatch(/ at |TypeError|s3cr3t/);
    const unexpected = logs.lines().find((l) => l.message === 'unexpected error');
    expect(unexpected).toMatchObject({ level: 'ERROR', error_name: 'TypeError' });
    const frames = unexpected?.frames as string[];
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) expect(frame).toMatch(/^at /);
    expect(logs.raw.join('')).not.toContain('s3cr3t');
    expect(errorLines()[0]).toMatchObject({
      level: 'ERROR',
      origin: 'internal',
      reason: 'TypeError',
    });
  });

  it('a thrown non-error is a 500 too', async () => {
    const response = await answer('a string', state({ negotiated: JSON_BY_DEFAULT }));
    expect(response.statusCode).toBe(500);
    expect(errorLines()[0]).toMatchObject({ reason: 'unknown' });
  });

  it('if answering itself fails, a fixed InternalFailure envelope is still answered', async () => {
    const broken = {
      warn: () => {
        throw new Error('log sink down');
      },
      error: () => {
        throw new Error('log sink down');
      },
    };
    const response = await answer(
      gatewayError('MissingParameter', { parameter: 'KeyId' }),
      state({ negotiated: XML_BY_FORMAT }),
      { logger: broken },
    );
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(response.body)).toEqual({
      HttpStatus: 500,
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
      RequestId: '',
      HostId: '',
    });
  });
});

describe('the log line', () => {
  it.each([
    [400, 'InvalidParameter', 'WARN'],
    [404, 'Forbidden.KeyNotFound', 'WARN'],
    [406, 'Unsupported.Format', 'WARN'],
    [409, 'Rejected.Disabled', 'WARN'],
    [499, 'Client.Closed', 'WARN'],
    [500, 'InternalFailure', 'ERROR'],
    [503, 'SerivceUnavailableTemporary', 'ERROR'],
  ])('one line per error: %i %s is %s', async (status, code, level) => {
    await answer(upstreamError(status, code), state({ negotiated: JSON_BY_DEFAULT }));
    const lines = logs.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level, message: 'kms error normalized' });
  });

  it('says what happened, with the upstream detail, in fields', async () => {
    const kms = state({
      negotiated: XML_BY_FORMAT,
      params: { Action: 'Encrypt', AccessKeyId: 'LTAI5tCallerKeyAbCd' },
      upstream: { host: UPSTREAM_HOST, attempts: 2, latencyMs: 42, status: 403 },
    });
    await answer(upstreamError(403, 'Forbidden.NoPermission', 'denied'), kms);
    expect(errorLines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        service: 'kms-normalizer',
        action: 'Encrypt',
        mode: 'sign',
        format: 'XML',
        format_source: 'Format',
        origin: 'upstream-answer',
        envelope: {
          HttpStatus: 403,
          Code: 'Forbidden.NoPermission',
          RequestId: 'UPSTREAM-REQ-1',
          HostId: UPSTREAM_HOST,
        },
        upstream: {
          status: 403,
          code: 'Forbidden.NoPermission',
          message: 'denied',
          recommend: 'https://next.api.aliyun.com/troubleshoot',
          access_denied_detail: '{"AuthAction":"kms:Encrypt"}',
          content_type: 'application/json;charset=utf-8',
          latency_ms: 42,
          attempts: 2,
        },
        caller_access_key_id: '****AbCd',
      }),
    ]);
    expect(logs.raw.join('')).not.toContain('LTAI5tCallerKeyAbCd');
  });

  it('a transport failure logs the trace: attempts, latency, last status', async () => {
    const error = gatewayError('SerivceUnavailableTemporary', {
      origin: 'upstream-call',
      hostId: UPSTREAM_HOST,
      reason: 'ECONNRESET',
    });
    const kms = state({
      negotiated: JSON_BY_DEFAULT,
      call: undefined,
      upstream: {
        host: UPSTREAM_HOST,
        attempts: 3,
        latencyMs: 120,
        status: 502,
        contentType: 'text/html',
      },
    });
    await answer(error, kms);
    expect(errorLines()[0]).toMatchObject({
      level: 'ERROR',
      reason: 'ECONNRESET',
      upstream: { status: 502, content_type: 'text/html', attempts: 3, latency_ms: 120 },
    });
    expect(errorLines()[0]?.upstream).not.toHaveProperty('message');
  });

  it('no secret of the request or the configuration in the upstream message or the reason', async () => {
    const secretData = 'Zm9vYmFyLXNlY3JldC1kYXRh';
    const plaintext = 'cGxhaW4gdGV4dCBzZWNyZXQ=';
    const echo = `bad ${secretData} / ${encodeURIComponent(plaintext)} / ${CONFIG_SECRET}`;
    const error = new KmsError({
      ...upstreamError(400, 'InvalidParameter', echo),
      status: 400,
      code: 'InvalidParameter',
      message: echo,
      origin: 'upstream-answer',
      reason: `reason quoting ${secretData}`,
      upstream: { status: 400, code: 'InvalidParameter', message: echo },
    });
    const kms = state({
      negotiated: JSON_BY_DEFAULT,
      params: { Action: 'CreateSecret', SecretData: secretData, plaintext },
      upstream: { host: UPSTREAM_HOST, attempts: 1, latencyMs: 1 },
    });
    await answer(error, kms);
    const line = errorLines()[0];
    expect(line?.reason).toBe('reason quoting [REDACTED]');
    expect(line?.upstream).toHaveProperty('message', 'bad [REDACTED] / [REDACTED] / [REDACTED]');
    const written = logs.raw.join('');
    for (const secret of [secretData, plaintext, encodeURIComponent(plaintext), CONFIG_SECRET]) {
      expect(written).not.toContain(secret);
    }
  });

  it('the upstream message is cut at 512 characters', async () => {
    const long = `${'m'.repeat(600)}`;
    await answer(
      upstreamError(400, 'InvalidParameter', long),
      state({
        negotiated: JSON_BY_DEFAULT,
        upstream: { host: UPSTREAM_HOST, attempts: 1, latencyMs: 1 },
      }),
    );
    const message = String(
      (errorLines()[0]?.upstream as { message?: unknown } | undefined)?.message,
    );
    // The first 512 characters, then a note of how much was cut.
    expect(message).toBe(`${'m'.repeat(512)}…[cut, 600 characters]`);
  });
});
