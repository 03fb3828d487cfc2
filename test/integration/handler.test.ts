/**
 * The Lambda handler in this process, fed the event shapes API Gateway REST (1.0) and Lambda
 * Function URLs produce (HTTP API 2.0 is covered end to end through serverless-offline), against
 * the real emulator over HTTP.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { captureLogs, handlerWith, lambdaContext, restEvent } from '../support/in-process.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

const ACCESS_KEY = { id: 'LTAI5tInProcessKey01', secret: 'in-process-secret-0123456789' };

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: [ACCESS_KEY] });
});
afterAll(async () => {
  await emulator.close();
});

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

const signing = () => ({
  // These tests are about event shapes and the function's own failures, not callers.
  KMS_CALLER_AUTH: 'none',
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret,
});

function functionUrlEvent(form: string, accept?: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
    body: Buffer.from(form).toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      requestId: 'url-req-1',
      domainName: 'xyz.lambda-url.eu-west-1.on.aws',
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
    },
  } as unknown as APIGatewayProxyEventV2;
}

describe('event shapes', () => {
  it('REST API (payload 1.0): a GET with repeated query values reaches KMS', async () => {
    emulator.state.reset();
    emulator.state.createKey();
    const handler = await handlerWith(signing());
    const result = await handler(
      restEvent({ Action: ['ListKeys'], PageSize: ['5'] }, { Accept: 'text/xml' }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(result.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><ListKeysResponse><Keys><Key>/,
    );
    expect(result.body).toContain('<PageSize>5</PageSize>');
  });

  it('Function URL: a base64 form body, errors carry its request id and domain before any upstream call', async () => {
    const handler = await handlerWith(signing());
    const missing = await handler(
      functionUrlEvent('Action=Encrypt&Plaintext=aGk%3D'),
      lambdaContext(),
    );
    expect(JSON.parse(missing.body)).toEqual({
      HttpStatus: 400,
      Code: 'MissingParameter',
      Message: 'The parameter "KeyId" is needed but not provided.',
      RequestId: 'url-req-1',
      HostId: 'xyz.lambda-url.eu-west-1.on.aws',
    });
    const key = emulator.state.createKey();
    const sealed = await handler(
      functionUrlEvent(`Action=Encrypt&Plaintext=aGk%3D&KeyId=${key.KeyId}`),
      lambdaContext(),
    );
    expect(sealed.statusCode).toBe(200);
    expect(JSON.parse(sealed.body)).toMatchObject({ KeyId: key.KeyId });
  });
});

describe('failures that are the function’s own', () => {
  it('an invalid configuration answers 500 InternalFailure to every request and logs why', async () => {
    const logs = captureLogs();
    const handler = await handlerWith({
      KMS_ENDPOINT: '',
      KMS_REGION: '',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const result = await handler(restEvent({ Action: ['ListKeys'] }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({
      HttpStatus: 500,
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
    });
    expect(logs.join('')).toContain('set KMS_ENDPOINT or KMS_REGION');
  });

  it('an invalid configuration answers 500 even to requests that are wrong themselves', async () => {
    // Before the error-only stack, an invalid KMS_MODE still validated requests: ?Action=Bogus
    // answered 400, as if the proxy were working.
    const handler = await handlerWith({ ...signing(), KMS_MODE: 'proxy' });
    const upstreamBefore = emulator.requests.length;
    for (const query of <Record<string, string[]>[]>[
      { Action: ['Bogus'] },
      { Action: ['ListKeys'], Format: ['yaml'] },
      { Action: ['ListKeys'], Format: ['XML'] },
    ]) {
      const result = await handler(restEvent(query), lambdaContext());
      expect(result.statusCode).toBe(500);
      expect(result.body).toContain('InternalFailure');
    }
    const asXml = await handler(
      restEvent({ Action: ['ListKeys'], Format: ['XML'] }),
      lambdaContext(),
    );
    expect(asXml.headers['content-type']).toBe('application/xml; charset=utf-8');
    const put = await handler({ ...restEvent({}), httpMethod: 'PUT' }, lambdaContext());
    expect(put.statusCode).toBe(500);
    expect(emulator.requests.length).toBe(upstreamBefore);
  });

  it('an event nothing can read is a 500 envelope, with no stack trace in the body', async () => {
    const logs = captureLogs();
    const handler = await handlerWith({ ...signing(), POWERTOOLS_LOG_LEVEL: 'INFO' });
    const result = await handler(
      { version: '2.0', rawQueryString: 'Action=ListKeys' },
      lambdaContext(),
    );
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({
      Code: 'InternalFailure',
      Message: 'Internal Failure.',
    });
    expect(result.body).not.toContain(' at ');
    const unexpected = logs.map((l) => JSON.parse(l)).find((l) => l.message === 'unexpected error');
    expect(unexpected).toMatchObject({ level: 'ERROR', error_name: 'TypeError' });
    expect(unexpected.frames.length).toBeGreaterThan(0);
  });

  it('with almost no time left, the call is cut short and answered 503 before the deadline', async () => {
    emulator.injectFault({ kind: 'latency', ms: 5000 }, { times: 1 });
    const handler = await handlerWith(signing());
    const started = Date.now();
    const result = await handler(restEvent({ Action: ['CreateKey'] }), lambdaContext(800));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).Code).toBe('SerivceUnavailableTemporary');
    expect(Date.now() - started).toBeLessThan(800);
    emulator.clearFaults();
  });
});

describe('credentials from AWS Secrets Manager', () => {
  let secretsManager: LocalSecretsManager;
  let secret: string;

  beforeAll(async () => {
    // A Secrets Manager endpoint speaking the service's JSON protocol, so the real AWS SDK runs.
    secretsManager = await startSecretsManager(() => secret);
  });
  afterAll(async () => {
    await secretsManager.close();
  });

  const withSecret = () =>
    handlerWith({
      KMS_ENDPOINT: emulator.url,
      KMS_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:kms',
      KMS_CALLER_AUTH: 'none',
      ...sdkEnv(secretsManager),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });

  it('signs with the secret’s AccessKey, fetched once and cached', async () => {
    secret = JSON.stringify({ AccessKeyId: ACCESS_KEY.id, AccessKeySecret: ACCESS_KEY.secret });
    secretsManager.calls.length = 0;
    const handler = await withSecret();
    for (let i = 0; i < 2; i++) {
      const result = await handler(restEvent({ Action: ['ListKeys'] }), lambdaContext());
      expect(result.statusCode).toBe(200);
    }
    expect(secretsManager.calls.map((c) => c.target)).toEqual(['secretsmanager.GetSecretValue']);
    expect(emulator.requests.at(-1)).toMatchObject({ accessKeyId: ACCESS_KEY.id, status: 200 });
  });

  it('a secret without the AccessKey fields is a 500 InternalFailure, not a crash', async () => {
    secret = JSON.stringify({ user: 'x' });
    const logs = captureLogs();
    const handler = await withSecret();
    const result = await handler(restEvent({ Action: ['ListKeys'] }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).Code).toBe('InternalFailure');
    expect(logs.join('')).toContain('the credentials secret lacks AccessKeyId or AccessKeySecret');
  });
});
