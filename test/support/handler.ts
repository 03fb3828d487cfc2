/**
 * The Lambda handler in this process: a fresh import for each configuration (the configuration is
 * read once, at import), a Lambda context with a deadline, and HTTP API (payload 2.0) events.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { GatewayResult } from '../../src/http/response.js';

export type Handler = (event: unknown, context: Context) => Promise<GatewayResult>;

/**
 * Imports a fresh handler with `env` added to the environment (restore it with
 * `vi.unstubAllEnvs()`). Logs are silent unless `env` sets POWERTOOLS_LOG_LEVEL; sign mode runs
 * without caller authentication unless `env` sets KMS_CALLER_AUTH.
 */
export async function freshHandler(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  const all = { POWERTOOLS_LOG_LEVEL: 'SILENT', KMS_CALLER_AUTH: 'none', ...env };
  for (const [name, value] of Object.entries(all)) vi.stubEnv(name, value);
  const module = await import('../../src/handler.js');
  return module.handler as unknown as Handler;
}

/** A Lambda context whose deadline is `remainingMs` from now. */
export function lambdaContext(remainingMs = 10_000): Context {
  const until = Date.now() + remainingMs;
  return {
    awsRequestId: 'lambda-request-1',
    functionName: 'kms',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:kms',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => until - Date.now(),
  } as unknown as Context;
}

export interface EventOptions {
  readonly method?: string;
  readonly query?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** An HTTP API (payload 2.0) event, as API Gateway hands it over (bodies base64-encoded). */
export function httpApiEvent(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: options.query ?? '',
    headers: options.headers ?? {},
    ...(options.body === undefined
      ? { isBase64Encoded: false }
      : { body: Buffer.from(options.body).toString('base64'), isBase64Encoded: true }),
    requestContext: {
      requestId: 'apigw-request-1',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
  } as unknown as APIGatewayProxyEventV2;
}
