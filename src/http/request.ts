/**
 * The edge: API Gateway REST (payload 1.0), HTTP API (payload 2.0) and Function URL events are
 * translated here, once, into one HttpRequest. Nothing past this file knows the event version.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { percentEncode } from '../protocol/percent-encode.js';

export type GatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export interface HttpRequest {
  /** upper case */
  readonly method: string;
  /** header names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** the query string as the caller sent it (re-encoded for REST events, which only give it parsed) */
  readonly rawQuery: string;
  /** the body bytes, base64 already undone; undefined when there is none */
  readonly body: Buffer | undefined;
  /** API Gateway's request id (the Lambda request id when the event has none) */
  readonly requestId: string;
  /** the domain the caller called: HostId of errors raised before any upstream call */
  readonly domainName: string;
  /** the path called; KMS answers on `/` only */
  readonly path: string;
  /** the IAM principal API Gateway authenticated (`aws_iam` authorizer), if any */
  readonly iamPrincipal: string | undefined;
}

interface IamIdentity {
  readonly userArn?: string | null;
}

/** HTTP API and Function URLs put the IAM caller under authorizer.iam, REST under identity. */
function iamPrincipalOf(requestContext: unknown): string | undefined {
  const context = requestContext as
    | { authorizer?: { iam?: IamIdentity } | null; identity?: IamIdentity | null }
    | undefined;
  const arn = context?.authorizer?.iam?.userArn ?? context?.identity?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : undefined;
}

const isV2 = (event: GatewayEvent): event is APIGatewayProxyEventV2 =>
  (event as APIGatewayProxyEventV2).version === '2.0';

function lowerCaseHeaders(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/** REST events give the query only parsed; rebuild it so every parameter is kept, repeats too. */
function queryFromV1(event: APIGatewayProxyEvent): string {
  const multi = event.multiValueQueryStringParameters;
  const pairs: string[] = [];
  if (multi) {
    for (const [name, values] of Object.entries(multi)) {
      for (const value of values ?? [])
        pairs.push(`${percentEncode(name)}=${percentEncode(value)}`);
    }
  } else {
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined) pairs.push(`${percentEncode(name)}=${percentEncode(value)}`);
    }
  }
  return pairs.join('&');
}

function bodyOf(body: string | null | undefined, isBase64Encoded: boolean): Buffer | undefined {
  if (body === null || body === undefined || body === '') return undefined;
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function toHttpRequest(event: GatewayEvent, lambdaRequestId: string): HttpRequest {
  if (isV2(event)) {
    const headers = lowerCaseHeaders(event.headers);
    // Payload 2.0 folds cookies out of the headers; KMS has no use for them.
    return {
      method: event.requestContext.http.method.toUpperCase(),
      headers,
      rawQuery: event.rawQueryString ?? '',
      body: bodyOf(event.body, event.isBase64Encoded),
      requestId: event.requestContext.requestId || lambdaRequestId,
      domainName: event.requestContext.domainName || headers.host || 'localhost',
      path: event.rawPath ?? '/',
      iamPrincipal: iamPrincipalOf(event.requestContext),
    };
  }
  // REST events keep only the last of repeated headers in `headers`; the full list is here.
  const headers = lowerCaseHeaders(event.headers);
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 1) headers[name.toLowerCase()] = values.join(', ');
  }
  return {
    method: event.httpMethod.toUpperCase(),
    headers,
    rawQuery: queryFromV1(event),
    body: bodyOf(event.body, event.isBase64Encoded),
    requestId: event.requestContext?.requestId || lambdaRequestId,
    domainName: event.requestContext?.domainName || headers.host || 'localhost',
    path: event.path ?? '/',
    iamPrincipal: iamPrincipalOf(event.requestContext),
  };
}
