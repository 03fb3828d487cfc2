/**
 * The access log on its own: one INFO line per request, answered or failed, holding only the
 * chosen fields (never a parameter value or a body).
 */
import type { Request } from '@middy/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayEvent } from '../../src/http/request.js';
import { type ApiGatewayResult, apiGatewayResult } from '../../src/http/response.js';
import { createLogger } from '../../src/log.js';
import { accessLog } from '../../src/middleware/access-log.js';
import type { KmsContext, RequestState } from '../../src/request-state.js';
import { type CapturedLogs, captureLogs } from '../support/logs.js';

type MiddyRequest = Request<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>;

/** Fields every Powertools line has; the rest is what the access log chose to write. */
const STANDARD = ['level', 'message', 'timestamp', 'service', 'sampling_rate'];

let logs: CapturedLogs;
beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  logs = captureLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function request(kms: RequestState | undefined, response: ApiGatewayResult | undefined) {
  return {
    event: {},
    context: { awsRequestId: 'lambda-1', ...(kms ? { kms } : {}) },
    response,
    error: undefined,
    internal: {},
  } as unknown as MiddyRequest;
}

const answered = (status: number, requestId: string) =>
  apiGatewayResult(status, '{"Plaintext":"c2VjcmV0"}', 'application/json', requestId);

describe('access log', () => {
  it('after a success: one INFO line with the action, status, format, timing and attempts', async () => {
    const kms: RequestState = {
      startedAt: Date.now() - 25,
      http: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        rawQuery: 'Plaintext=c2VjcmV0',
        body: Buffer.from('Action=Encrypt&KeyId=k&Plaintext=c2VjcmV0'),
        requestId: 'apigw-1',
        domainName: 'gw.example',
        path: '/',
        iamPrincipal: undefined,
      },
      params: { Action: 'Encrypt', KeyId: 'k', Plaintext: 'c2VjcmV0' },
      negotiated: { format: 'XML', mediaType: 'text/xml', source: 'Accept' },
      call: { action: 'Encrypt', spec: {} as never, params: {} },
      upstream: { host: 'kms.test', attempts: 2, latencyMs: 11 },
    };
    await accessLog(createLogger()).after?.(request(kms, answered(200, 'UP-REQ-7')));
    const lines = logs.lines();
    expect(lines).toHaveLength(1);
    const [line = {}] = lines;
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'kms request',
      action: 'Encrypt',
      method: 'POST',
      status: 200,
      request_id: 'UP-REQ-7',
      format: 'XML',
      format_source: 'Accept',
      upstream_attempts: 2,
      upstream_latency_ms: 11,
    });
    expect(line.latency_ms).toBeGreaterThanOrEqual(25);
    expect(line.latency_ms).toBeLessThan(60_000);
    expect(
      Object.keys(line)
        .filter((k) => !STANDARD.includes(k))
        .sort(),
    ).toEqual(
      [
        'action',
        'method',
        'status',
        'request_id',
        'format',
        'format_source',
        'latency_ms',
        'upstream_attempts',
        'upstream_latency_ms',
      ].sort(),
    );
    expect(logs.raw.join('')).not.toContain('c2VjcmV0');
  });

  it('after an error: the same line, the action read from the parameters when validation failed', async () => {
    const kms: RequestState = {
      startedAt: Date.now(),
      params: { Action: 'NoSuchAction' },
    };
    await accessLog(createLogger()).onError?.(request(kms, answered(400, 'apigw-2')));
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'kms request',
        action: 'NoSuchAction',
        status: 400,
        request_id: 'apigw-2',
      }),
    ]);
    expect(logs.lines()[0]).not.toHaveProperty('upstream_attempts');
  });

  it('with nothing known about the request, still one line and no crash', async () => {
    await accessLog(createLogger()).onError?.(request(undefined, undefined));
    expect(logs.lines()).toHaveLength(1);
    expect(Object.keys(logs.lines()[0] ?? {}).filter((k) => !STANDARD.includes(k))).toEqual([]);
  });

  it('is INFO: silenced when the log level is WARN', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    await accessLog(createLogger()).after?.(request(undefined, answered(200, 'r')));
    expect(logs.lines()).toHaveLength(0);
  });
});
