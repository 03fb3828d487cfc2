/**
 * Error normalization on its own (http/error-answer.ts): no Middy, no logger, just what is thrown
 * and what was known of the request, in; the answer and the log lines, out.
 */
import { describe, expect, it } from 'vitest';
import {
  type FailureState,
  fallbackAnswer,
  LOG_LIMITS,
  type NormalizeOptions,
  normalizeFailure,
} from '../../src/http/error-answer.js';
import type { HttpRequest } from '../../src/http/request.js';
import { gatewayError, KmsError } from '../../src/kms/envelope.js';
import { leakIn } from '../support/leaks.js';

const http = (over: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  headers: {},
  rawQuery: '',
  body: undefined,
  requestId: 'gw-req',
  domainName: 'gw.example.com',
  path: '/',
  iamPrincipal: undefined,
  ...over,
});

const OPTIONS: NormalizeOptions = {
  mode: 'sign',
  spelling: 'documented',
  secrets: { secrets: ['function-secret-0123456789'], accessKeyIds: ['LTAI5tFunctionKeyId0001'] },
  lambdaRequestId: 'lambda-req',
};

const upstreamError = (over: Partial<ConstructorParameters<typeof KmsError>[0]> = {}) =>
  new KmsError({
    status: 404,
    code: 'Forbidden.KeyNotFound',
    message: 'The specified Key is not found.',
    origin: 'upstream-answer',
    requestId: 'up-req',
    hostId: 'kms.cn-hangzhou.aliyuncs.com',
    upstream: { status: 404, code: 'Forbidden.KeyNotFound', message: 'm' },
    ...over,
  });

const UPSTREAM = { host: 'kms.cn-hangzhou.aliyuncs.com', attempts: 1, latencyMs: 9 };

describe('the answer', () => {
  it('a KmsError becomes its envelope with its status, and one WARN line', () => {
    const { response, lines } = normalizeFailure(
      upstreamError(),
      { http: http(), params: { Action: 'DescribeKey' }, upstream: UPSTREAM },
      OPTIONS,
    );
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      HttpStatus: 404,
      Code: 'Forbidden.KeyNotFound',
      Message: 'The specified Key is not found.',
      RequestId: 'up-req',
      HostId: 'kms.cn-hangzhou.aliyuncs.com',
    });
    expect(response.headers['x-acs-request-id']).toBe('up-req');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      message: 'kms error normalized',
      fields: {
        action: 'DescribeKey',
        mode: 'sign',
        format: 'JSON',
        format_source: 'default',
        origin: 'upstream-answer',
        envelope: { HttpStatus: 404, Code: 'Forbidden.KeyNotFound', RequestId: 'up-req' },
        upstream: { status: 404, code: 'Forbidden.KeyNotFound', latency_ms: 9, attempts: 1 },
      },
    });
  });

  it('a 5xx is an ERROR line', () => {
    const { lines } = normalizeFailure(
      gatewayError('SerivceUnavailableTemporary', { origin: 'upstream-call' }),
      { http: http() },
      OPTIONS,
    );
    expect(lines.map((l) => l.level)).toEqual(['ERROR']);
  });

  it('a bug is a 500 with no stack in the body; its frames, not its message, go to a line before', () => {
    const bug = new TypeError('cannot read x of {"Plaintext":"secret-value-in-message"}');
    const { response, lines } = normalizeFailure(bug, { http: http() }, OPTIONS);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
    });
    expect(response.body).not.toMatch(/\bat /);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['ERROR', 'unexpected error'],
      ['ERROR', 'kms error normalized'],
    ]);
    expect(lines[0]?.fields.error_name).toBe('TypeError');
    expect((lines[0]?.fields.frames as string[] | undefined)?.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('secret-value-in-message');
  });

  it("Middy's early timeout is a 503", () => {
    const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
    const { response } = normalizeFailure(timeout, { http: http(), upstream: UPSTREAM }, OPTIONS);
    expect(JSON.parse(response.body)).toMatchObject({
      HttpStatus: 503,
      Code: 'SerivceUnavailableTemporary',
      HostId: UPSTREAM.host,
    });
  });

  it('an unreadable body is answered in the format its query asked for', () => {
    const { response } = normalizeFailure(
      gatewayError('ParseRequestParameterException'),
      { http: http({ headers: { accept: 'application/json' } }), params: { Format: 'xml' } },
      OPTIONS,
    );
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(response.body).toMatch(/^<\?xml .*<KMS><HttpStatus>400<\/HttpStatus>/);
  });

  it('with nothing known of the request, the Lambda request id and JSON', () => {
    const { response } = normalizeFailure(new Error('x'), undefined, OPTIONS);
    expect(JSON.parse(response.body)).toMatchObject({
      RequestId: 'lambda-req',
      HostId: 'localhost',
    });
  });

  it('the fallback answer is a fixed 500 envelope', () => {
    const answer = fallbackAnswer();
    expect([answer.statusCode, JSON.parse(answer.body).Code]).toEqual([500, 'InternalFailure']);
    expect(answer.headers['x-acs-request-id']).toBeUndefined();
  });
});

describe('the log line holds no secret', () => {
  const PLAINTEXT = 'cGxhbnRlZC1wbGFpbnRleHQtdmFsdWU=';
  const SIGNATURE = 'Q2FsbGVyU2lnbmF0dXJlVmFsdWU9PQ==';

  it("of the request's parameters or headers, or the process, in any field the upstream echoes", () => {
    const echo = [
      PLAINTEXT,
      encodeURIComponent(SIGNATURE),
      'function-secret-0123456789',
      'LTAI5tCallerAccessKey999',
      'LTAI5tFunctionKeyId0001',
      'v3-token-value-0123456789',
    ].join(' ');
    const error = upstreamError({
      code: echo,
      requestId: echo,
      hostId: echo,
      reason: echo,
      upstream: {
        status: 400,
        code: echo,
        message: echo,
        recommend: echo,
        accessDeniedDetail: JSON.stringify({ detail: echo }),
        contentType: echo,
      },
    });
    const state: FailureState = {
      http: http({ headers: { 'x-acs-security-token': 'v3-token-value-0123456789' } }),
      params: {
        Action: 'Encrypt',
        Plaintext: PLAINTEXT,
        Signature: SIGNATURE,
        AccessKeyId: 'LTAI5tCallerAccessKey999',
      },
      upstream: UPSTREAM,
    };
    const { response, lines } = normalizeFailure(error, state, OPTIONS);
    const text = JSON.stringify(lines);
    for (const secret of [
      PLAINTEXT,
      SIGNATURE,
      'function-secret-0123456789',
      'v3-token-value-0123456789',
      'LTAI5tCallerAccessKey999',
      'LTAI5tFunctionKeyId0001',
    ]) {
      expect(leakIn(text, secret), secret).toBeUndefined();
    }
    expect(text).toContain('****y999');
    expect(text).toContain('****0001');
    expect(lines[0]?.fields.caller_access_key_id).toBe('****y999');
    // The caller's body keeps the upstream's values exactly: it is the caller's own data.
    expect(JSON.parse(response.body).RequestId).toBe(echo);
  });
});

describe('every logged field has a bound', () => {
  it('5 MB of anything in every field gives a line of a few kilobytes', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const error = upstreamError({
      code: huge,
      requestId: huge,
      hostId: huge,
      reason: huge,
      upstream: {
        status: 400,
        code: huge,
        message: huge,
        recommend: huge,
        accessDeniedDetail: huge,
        contentType: huge,
      },
    });
    const caller = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`${i}${huge.slice(0, 1000)}`, huge]),
    );
    const { lines } = normalizeFailure(
      error,
      { http: http(), params: { Action: huge }, upstream: UPSTREAM, caller },
      OPTIONS,
    );
    const fields = lines[0]?.fields as Record<string, Record<string, string>>;
    expect(fields.action?.length).toBeLessThan(LOG_LIMITS.short + 40);
    expect(fields.envelope?.RequestId?.length).toBeLessThan(LOG_LIMITS.id + 40);
    expect(fields.upstream?.message?.length).toBeLessThan(LOG_LIMITS.message + 40);
    expect(fields.upstream?.access_denied_detail?.length).toBeLessThan(LOG_LIMITS.detail + 40);
    expect(Object.keys(fields.caller ?? {})).toHaveLength(LOG_LIMITS.items);
    expect(JSON.stringify(lines).length).toBeLessThan(12 * 1024);
    expect(fields.action).toMatch(/…\[cut, 5242880 characters\]$/);
  });

  it('a caller object: text, numbers and booleans, AccessKeyIds as their last four', () => {
    const { lines } = normalizeFailure(
      gatewayError('Forbidden.NoPermission'),
      {
        http: http(),
        caller: { id: 'caller-1', accessKeyId: 'LTAI5tCallerKey12345678', verified: true, n: 3 },
      },
      OPTIONS,
    );
    expect(lines[0]?.fields.caller).toEqual({
      id: 'caller-1',
      accessKeyId: '****5678',
      verified: true,
      n: 3,
    });
  });
});
