/**
 * The log line's `correlation_id` is API Gateway's `requestContext.requestId`, set at the start
 * of every invocation when the event has a truthy one (even if nothing else in the event can be
 * read), absent otherwise, and never carried over from a previous invocation.
 */
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiGatewayResult } from '../../src/http/response.js';

type Handler = (event: unknown, context: Context) => Promise<ApiGatewayResult>;
let handler: Handler;

const saved = { ...process.env };
beforeAll(async () => {
  vi.resetModules();
  Object.assign(process.env, {
    // Every event below is refused before any upstream call: nothing listens there.
    KMS_ENDPOINT: 'http://127.0.0.1:9',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tCorrelation001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'correlation-secret',
    KMS_CALLER_AUTH: 'none',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  handler = (await import('../../src/handler.js')).handler as unknown as Handler;
  process.env = { ...saved };
});
afterEach(() => vi.restoreAllMocks());

const context = {
  awsRequestId: 'lambda-req-7',
  functionName: 'kms',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

/** The JSON log lines one invocation writes (INFO to stdout, WARN/ERROR to stderr). */
async function linesOf(event: unknown): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
  await handler(event, context);
  vi.restoreAllMocks();
  // EMF documents (the metrics, with their `_aws` member) are not log lines.
  return lines.map((line) => JSON.parse(line)).filter((line) => !('_aws' in line));
}

const httpApi = (requestContext: Record<string, unknown>) => ({
  version: '2.0',
  rawQueryString: 'Action=Encrypt',
  headers: {},
  isBase64Encoded: false,
  requestContext: { domainName: 'api.example', http: { method: 'GET' }, ...requestContext },
});
const rest = (requestContext: Record<string, unknown> | undefined) => ({
  httpMethod: 'GET',
  headers: {},
  queryStringParameters: { Action: 'Encrypt' },
  body: null,
  isBase64Encoded: false,
  requestContext,
});

describe('correlation_id in the error log line', () => {
  it.each([
    ['an HTTP API event', httpApi({ requestId: 'http-api-id' }), 'http-api-id'],
    ['a REST event', rest({ requestId: 'rest-id' }), 'rest-id'],
    ['a non-string id, as given', rest({ requestId: 42 }), 42],
  ])('%s: the request id of requestContext', async (_name, event, expected) => {
    const lines = await linesOf(event);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      message: 'kms error normalized',
      correlation_id: expected,
      function_request_id: 'lambda-req-7',
    });
  });

  it.each([
    ['no requestContext', rest(undefined)],
    ['no requestId', rest({})],
    ['an empty requestId', rest({ requestId: '' })],
  ])('%s: no correlation_id, and none left from the invocation before', async (_name, event) => {
    await linesOf(httpApi({ requestId: 'the-one-before' }));
    const lines = await linesOf(event);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: 'kms error normalized' });
    expect(lines[0]).not.toHaveProperty('correlation_id');
  });

  it('an event nothing else can be read from still carries its request id', async () => {
    const lines = await linesOf({ version: '2.0', requestContext: { requestId: 'broken-id' } });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ correlation_id: 'broken-id' });
  });
});
