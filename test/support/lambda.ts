/**
 * The handler in this process, as Lambda runs it: a fresh module per configuration (the
 * configuration is read once, at import), HTTP API (payload 2.0) events built from the request
 * a client would send, and a Lambda context with a deadline.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { GatewayResult } from '../../src/http/response.js';

export type Handler = (event: unknown, context: Context) => Promise<GatewayResult>;

/**
 * A fresh handler module with `env` added to the process environment. Each call is a new
 * instance of the function: its own caches, nonce window and clients.
 */
export async function handlerWith(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  // Quiet unless a test captures the log lines (they then ask for INFO).
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT' }, env);
  const module = await import('../../src/handler.js');
  return module.handler as unknown as Handler;
}

export function lambdaContext(remainingMs = 10_000): Context {
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

export const GATEWAY_HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';

/**
 * The HTTP API event of a request a client sends to `url` (its host is the gateway's), with
 * `requestContext` additions such as an IAM authorizer's identity.
 */
export function httpApiEvent(
  url: string,
  init: RequestInit = {},
  requestContext: Record<string, unknown> = {},
): APIGatewayProxyEventV2 {
  const parsed = new URL(url);
  const headers: Record<string, string> = { host: parsed.host };
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  const body = typeof init.body === 'string' ? init.body : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'gw-req-1',
      domainName: parsed.hostname,
      http: {
        method: init.method ?? 'GET',
        path: parsed.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'test',
      },
      ...requestContext,
    },
  } as unknown as APIGatewayProxyEventV2;
}
