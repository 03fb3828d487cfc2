/**
 * The Lambda handler in this process, fed the event shapes API Gateway REST (1.0) and Lambda
 * Function URLs produce (HTTP API 2.0 is covered end to end through serverless-offline), against
 * the real emulator over HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { GatewayResult } from '../../src/http/response.js';

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

type Handler = (event: unknown, context: Context) => Promise<GatewayResult>;

/** Imports a fresh handler: the configuration is read once, at import. */
async function handlerWith(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  // Quiet unless a test captures the log lines (they then ask for INFO).
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' }, env);
  const module = await import('../../src/handler.js');
  return module.handler as unknown as Handler;
}

const signing = () => ({
  // These tests are about event shapes and the function's own failures, not callers.
  KMS_CALLER_AUTH: 'none',
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret,
});

function context(remainingMs = 10_000): Context {
  const until = Date.now() + remainingMs;
  return {
    awsRequestId: 'lambda-req-1',
    functionName: 'kms',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:kms',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => until - Date.now(),
  } as unknown as Context;
}

function restEvent(query: Record<string, string[]>, accept?: string): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/',
    headers: accept ? { Accept: accept } : {},
    multiValueHeaders: {},
    queryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[0]])),
    multiValueQueryStringParameters: query,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'rest-req-1',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
    },
  } as unknown as APIGatewayProxyEvent;
}

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

/** The logger writes INFO to stdout and WARN/ERROR to stderr, as in Lambda. */
function captureLogs(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
  return lines;
}

describe('event shapes', () => {
  it('REST API (payload 1.0): a GET with repeated query values reaches KMS', async () => {
    emulator.state.reset();
    emulator.state.createKey();
    const handler = await handlerWith(signing());
    const result = await handler(
      restEvent({ Action: ['ListKeys'], PageSize: ['5'] }, 'text/xml'),
      context(),
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
    const missing = await handler(functionUrlEvent('Action=Encrypt&Plaintext=aGk%3D'), context());
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
      context(),
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
    const result = await handler(restEvent({ Action: ['ListKeys'] }), context());
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
      const result = await handler(restEvent(query), context());
      expect(result.statusCode).toBe(500);
      expect(result.body).toContain('InternalFailure');
    }
    const asXml = await handler(restEvent({ Action: ['ListKeys'], Format: ['XML'] }), context());
    expect(asXml.headers['content-type']).toBe('application/xml; charset=utf-8');
    const put = await handler({ ...restEvent({}), httpMethod: 'PUT' }, context());
    expect(put.statusCode).toBe(500);
    expect(emulator.requests.length).toBe(upstreamBefore);
  });

  it('an event nothing can read is a 500 envelope, with no stack trace in the body', async () => {
    const logs = captureLogs();
    const handler = await handlerWith({ ...signing(), POWERTOOLS_LOG_LEVEL: 'INFO' });
    const result = await handler({ version: '2.0', rawQueryString: 'Action=ListKeys' }, context());
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
    const result = await handler(restEvent({ Action: ['CreateKey'] }), context(800));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).Code).toBe('SerivceUnavailableTemporary');
    expect(Date.now() - started).toBeLessThan(800);
    emulator.clearFaults();
  });
});

describe('credentials from AWS Secrets Manager', () => {
  let secretsManager: Server;
  let secret: string;
  const targets: string[] = [];

  beforeAll(async () => {
    // A Secrets Manager endpoint speaking the service's JSON protocol, so the real AWS SDK runs.
    secretsManager = createServer((req, res) => {
      targets.push(String(req.headers['x-amz-target']));
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({
            ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:kms',
            Name: 'kms',
            SecretString: secret,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => secretsManager.close(resolve));
  });

  const withSecret = () => {
    const address = secretsManager.address() as { port: number };
    return handlerWith({
      KMS_ENDPOINT: emulator.url,
      KMS_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:kms',
      KMS_CALLER_AUTH: 'none',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${address.port}`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  };

  it('signs with the secret’s AccessKey, fetched once and cached', async () => {
    secret = JSON.stringify({ AccessKeyId: ACCESS_KEY.id, AccessKeySecret: ACCESS_KEY.secret });
    targets.length = 0;
    const handler = await withSecret();
    for (let i = 0; i < 2; i++) {
      const result = await handler(restEvent({ Action: ['ListKeys'] }), context());
      expect(result.statusCode).toBe(200);
    }
    expect(targets).toEqual(['secretsmanager.GetSecretValue']);
    expect(emulator.requests.at(-1)).toMatchObject({ accessKeyId: ACCESS_KEY.id, status: 200 });
  });

  it('a secret without the AccessKey fields is a 500 InternalFailure, not a crash', async () => {
    secret = JSON.stringify({ user: 'x' });
    const logs = captureLogs();
    const handler = await withSecret();
    const result = await handler(restEvent({ Action: ['ListKeys'] }), context());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).Code).toBe('InternalFailure');
    expect(logs.join('')).toContain('the credentials secret lacks AccessKeyId or AccessKeySecret');
  });
});
