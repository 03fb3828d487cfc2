/**
 * The edge: API Gateway REST (payload 1.0), HTTP API (payload 2.0) and Function URL events are
 * translated here, once, into one HttpRequest. Nothing past this file knows the event version.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { percentEncode } from '../protocol/percent-encode.js';
import { MAX_BODY_BYTES, MAX_PARAMETERS, MAX_QUERY_CHARS } from './limits.js';

export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export interface HttpRequest {
  /** upper case */
  readonly method: string;
  /** header names in lower case */
  readonly headers: Readonly<Record<string, string>>;
  /** the query string as the caller sent it (re-encoded for REST events, which only give it parsed) */
  readonly rawQuery: string;
  /** the body bytes, base64 already undone; undefined when there is none, or it is too large */
  readonly body: Buffer | undefined;
  /**
   * Set when the body or the query is over its cap (`limits.ts`): it was not decoded or copied,
   * and decoding the parameters refuses the request.
   */
  readonly tooLarge?: 'body' | 'query' | undefined;
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

const isV2 = (event: ApiGatewayEvent): event is APIGatewayProxyEventV2 =>
  (event as APIGatewayProxyEventV2).version === '2.0';

/** A header whose value is not a string is no header API Gateway sends: it is left out. */
function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * percentEncode, except that a lone surrogate (which UTF-8 cannot carry, and encodeURIComponent
 * throws on) is written as the bytes of its code point, which decoding then refuses as not UTF-8:
 * the caller's mistake is answered 400 there, not thrown here.
 */
function encodeLoosely(text: string): string {
  if (!text.match(LONE_SURROGATE)) return percentEncode(text);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(LONE_SURROGATE)) {
    const unit = match[0].charCodeAt(0);
    const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
    out += percentEncode(text.slice(last, match.index));
    out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    last = match.index + 1;
  }
  return out + percentEncode(text.slice(last));
}

/**
 * REST events give the query only parsed; rebuild it so every parameter is kept, repeats too,
 * stopping (and saying so) past the caps rather than copying an unbounded list.
 */
function queryFromV1(event: APIGatewayProxyEvent): { rawQuery: string; tooLarge: boolean } {
  const multi = event.multiValueQueryStringParameters;
  const pairs: string[] = [];
  let length = 0;
  const add = (name: string, value: unknown) => {
    if (typeof value !== 'string') return true;
    const pair = `${encodeLoosely(name)}=${encodeLoosely(value)}`;
    pairs.push(pair);
    length += pair.length + 1;
    return pairs.length <= MAX_PARAMETERS && length <= MAX_QUERY_CHARS;
  };
  const entries = Object.entries(multi ?? event.queryStringParameters ?? {});
  for (const [name, values] of entries) {
    for (const value of multi ? (Array.isArray(values) ? values : []) : [values]) {
      if (!add(name, value)) return { rawQuery: '', tooLarge: true };
    }
  }
  return { rawQuery: pairs.join('&'), tooLarge: false };
}

/** The most base64 text whose bytes can be within MAX_BODY_BYTES. */
const MAX_BASE64_CHARS = 4 * Math.ceil(MAX_BODY_BYTES / 3);

/**
 * The body bytes, or `tooLarge` when they would be over the cap: known from the text's length
 * before anything is decoded (a UTF-8 byte per character at least, 3 bytes per 4 of base64).
 */
function bodyOf(
  body: unknown,
  isBase64Encoded: unknown,
): { body: Buffer | undefined; tooLarge: boolean } {
  if (body === null || body === undefined || body === '')
    return { body: undefined, tooLarge: false };
  if (typeof body !== 'string') throw new TypeError('the event body is not a string');
  const base64 = isBase64Encoded === true;
  if (body.length > (base64 ? MAX_BASE64_CHARS : MAX_BODY_BYTES)) {
    return { body: undefined, tooLarge: true };
  }
  const bytes = Buffer.from(body, base64 ? 'base64' : 'utf8');
  return bytes.length > MAX_BODY_BYTES
    ? { body: undefined, tooLarge: true }
    : { body: bytes, tooLarge: false };
}

function tooLarge(body: { tooLarge: boolean }, query: boolean): HttpRequest['tooLarge'] {
  return body.tooLarge ? 'body' : query ? 'query' : undefined;
}

/**
 * The one request an event amounts to. Oversized bodies and queries are flagged, not refused:
 * the refusal is an answer, given with the request's id once the request is known.
 *
 * @throws TypeError when the event is not one API Gateway sends (no method, a body that is not
 *   text): a 500, as for any event nothing can read
 */
export function toHttpRequest(event: ApiGatewayEvent, lambdaRequestId: string): HttpRequest {
  if (isV2(event)) {
    const headers = lowerCaseHeaders(event.headers);
    const body = bodyOf(event.body, event.isBase64Encoded);
    const rawQuery = typeof event.rawQueryString === 'string' ? event.rawQueryString : '';
    // Payload 2.0 folds cookies out of the headers; KMS has no use for them.
    return {
      method: event.requestContext.http.method.toUpperCase(),
      headers,
      rawQuery,
      body: body.body,
      tooLarge: tooLarge(body, rawQuery.length > MAX_QUERY_CHARS),
      requestId: event.requestContext.requestId || lambdaRequestId,
      domainName: event.requestContext.domainName || headers.host || 'localhost',
      path: event.rawPath ?? '/',
      iamPrincipal: iamPrincipalOf(event.requestContext),
    };
  }
  // REST events keep only the last of repeated headers in `headers`; the full list is here.
  const headers = lowerCaseHeaders(event.headers);
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (Array.isArray(values) && values.length > 1 && values.every((v) => typeof v === 'string')) {
      headers[name.toLowerCase()] = values.join(', ');
    }
  }
  const body = bodyOf(event.body, event.isBase64Encoded);
  const query = queryFromV1(event);
  return {
    method: event.httpMethod.toUpperCase(),
    headers,
    rawQuery: query.rawQuery,
    body: body.body,
    tooLarge: tooLarge(body, query.tooLarge),
    requestId: event.requestContext?.requestId || lambdaRequestId,
    domainName: event.requestContext?.domainName || headers.host || 'localhost',
    path: event.path ?? '/',
    iamPrincipal: iamPrincipalOf(event.requestContext),
  };
}
