/**
 * The Lambda handler built in this process (a fresh import, since the configuration is read
 * once at import), the event and context shapes API Gateway hands it, a real local HTTP server to
 * stand in for KMS or Secrets Manager, and the log lines it writes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { ApiGatewayResult } from '../../src/http/response.js';

export type Handler = (event: unknown, context: Context) => Promise<ApiGatewayResult>;

/**
 * Imports a fresh handler with `env` added to the environment. The caller restores
 * `process.env` (the configuration is read at import, so restoring it after is safe).
 */
export async function handlerWith(env: Record<string, string>): Promise<Handler> {
  vi.resetModules();
  Object.assign(
    process.env,
    // Quiet unless a test reads the log lines (it then asks for INFO); callers are not signed.
    { POWERTOOLS_LOG_LEVEL: 'SILENT', KMS_CALLER_AUTH: 'none' },
    env,
  );
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

export interface EventInit {
  readonly method?: string;
  readonly query?: string;
  readonly headers?: Record<string, unknown>;
  /** bytes are always sent base64-encoded, as API Gateway hands over a binary body */
  readonly body?: string | Buffer;
  readonly base64?: boolean;
  readonly requestId?: string;
  readonly domainName?: string;
}

/** An HTTP API (payload 2.0) event, the shape serverless-offline and Function URLs produce. */
export function httpApiEvent(init: EventInit = {}): APIGatewayProxyEventV2 {
  const base64 = init.base64 === true || Buffer.isBuffer(init.body);
  const body =
    init.body === undefined
      ? undefined
      : base64
        ? Buffer.from(init.body).toString('base64')
        : (init.body as string);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: init.query ?? '',
    headers: init.headers ?? {},
    body,
    isBase64Encoded: base64,
    requestContext: {
      requestId: init.requestId ?? 'gw-req-1',
      domainName: init.domainName ?? 'gw.example.com',
      http: {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
    },
  } as unknown as APIGatewayProxyEventV2;
}

export const GATEWAY_HOST = 'abc123.execute-api.eu-west-1.amazonaws.com';

/**
 * The HTTP API event of the request a client sends to `url` (whose host is the gateway's), as
 * a signing client builds it (`src/local/signed-call.ts`), with `requestContext` additions such
 * as an IAM authorizer's identity.
 */
export function clientEvent(
  url: string,
  init: RequestInit = {},
  requestContext: Record<string, unknown> = {},
): APIGatewayProxyEventV2 {
  const parsed = new URL(url);
  const headers: Record<string, string> = { host: parsed.host };
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers,
    body: typeof init.body === 'string' ? init.body : undefined,
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

/** A REST API (payload 1.0) event: the query only parsed, as API Gateway gives it. */
export function restEvent(
  query: Record<string, string[]>,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[0]])),
    multiValueQueryStringParameters: query,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'rest-req-1', domainName: 'rest.example.com' },
  } as unknown as APIGatewayProxyEvent;
}

/** Every line the logger writes (INFO to stdout, WARN/ERROR to stderr, as in Lambda). */
export function captureLogs(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
  return lines;
}

export type Route = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

export interface LocalServer {
  readonly url: string;
  /** how the next requests are answered; replace it at will */
  route: Route;
  /** the requests seen, newest last */
  readonly seen: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: Buffer;
  }[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that answers by `route`, reading each request body first. */
export async function startLocalServer(route: Route): Promise<LocalServer> {
  const seen: LocalServer['seen'] = [];
  const local = { route } as { route: Route };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      if (seen.length > 100) seen.shift();
      try {
        local.route(request, body, response);
      } catch {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(local, {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

/** Answers with a status, headers and body. */
export function answer(
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json;charset=utf-8' },
): Route {
  return (_request, _body, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };
}

/** Parsed log lines (each write is one JSON line; Node's own warnings are left out). */
export const parsedLines = (lines: readonly string[]) =>
  lines.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );

/** A header value as RFC 9110 allows it and API Gateway passes it: visible ASCII and spaces. */
export const VALID_HEADER_VALUE = /^(?:[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?)?$/;
