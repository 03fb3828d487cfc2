/**
 * The edge's caps and strict decoding (issue 7 items 1, 7, 11): exactly at each cap a request is
 * read, one past it is refused with 400 ParseRequestParameterException, and text the gateway could
 * not forward or sign as sent is refused rather than changed.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  MAX_PARAMETERS,
  MAX_QUERY_CHARS,
} from '../../src/http/limits.js';
import { decodeParams, queryParams } from '../../src/http/params.js';
import { type HttpRequest, toHttpRequest } from '../../src/http/request.js';
import { KmsError } from '../../src/kms/envelope.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

function v2(init: { query?: string; body?: string; base64?: boolean; headers?: object }) {
  return toHttpRequest(
    {
      version: '2.0',
      rawQueryString: init.query ?? '',
      headers: init.headers ?? FORM,
      body: init.body,
      isBase64Encoded: init.base64 === true,
      requestContext: { requestId: 'r', domainName: 'd', http: { method: 'POST' } },
    } as unknown as APIGatewayProxyEventV2,
    'lambda',
  );
}

function rest(query: Record<string, unknown[]>): HttpRequest {
  return toHttpRequest(
    {
      httpMethod: 'GET',
      headers: {},
      multiValueQueryStringParameters: query,
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'r', domainName: 'd' },
    } as unknown as APIGatewayProxyEvent,
    'lambda',
  );
}

function refusal(request: HttpRequest): [number, string, string | undefined] {
  try {
    decodeParams(request);
  } catch (error) {
    if (error instanceof KmsError) return [error.status, error.code, error.reason];
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A form body of exactly `bytes` bytes and `count` parameters. */
function formOf(bytes: number, count: number): string {
  const head = `${Array.from({ length: count - 1 }, (_, i) => `p${i}=x`).join('&')}&Pad=`;
  return head + 'y'.repeat(bytes - head.length);
}

describe('caps', () => {
  it('a body of exactly the cap is read, one byte more is refused', () => {
    expect(Object.keys(decodeParams(v2({ body: formOf(MAX_BODY_BYTES, 3) })))).toHaveLength(3);
    expect(refusal(v2({ body: formOf(MAX_BODY_BYTES + 1, 3) }))).toEqual([
      400,
      'ParseRequestParameterException',
      `body larger than ${MAX_BODY_BYTES} bytes`,
    ]);
  });

  it('base64 is judged by its length before decoding, and by its bytes after', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    expect(v2({ body: encode(formOf(MAX_BODY_BYTES, 2)), base64: true }).tooLarge).toBeUndefined();
    const over = v2({ body: encode(formOf(MAX_BODY_BYTES + 1, 2)), base64: true });
    expect([over.tooLarge, over.body]).toEqual(['body', undefined]);
    // 10 MB of text is not decoded at all.
    expect(v2({ body: 'QUFB'.repeat(2_500_000), base64: true }).tooLarge).toBe('body');
  });

  it('the parameter count covers query and body together', () => {
    const half = MAX_PARAMETERS / 2;
    const query = Array.from({ length: half }, (_, i) => `q${i}=1`).join('&');
    const body = Array.from({ length: half }, (_, i) => `b${i}=1`).join('&');
    expect(Object.keys(decodeParams(v2({ query, body })))).toHaveLength(MAX_PARAMETERS);
    expect(refusal(v2({ query: `${query}&one=more`, body }))).toEqual([
      400,
      'ParseRequestParameterException',
      `more than ${MAX_PARAMETERS} parameters`,
    ]);
    const json = JSON.stringify(
      Object.fromEntries(Array.from({ length: half + 1 }, (_, i) => [`j${i}`, 'v'])),
    );
    expect(refusal(v2({ query, body: json, headers: JSON_TYPE }))[1]).toBe(
      'ParseRequestParameterException',
    );
  });

  it('a query string over the cap, or a REST query over the count, is flagged and refused', () => {
    const long = v2({ query: `a=${'x'.repeat(MAX_QUERY_CHARS)}` });
    expect(refusal(long)[1]).toBe('ParseRequestParameterException');
    const many = rest(
      Object.fromEntries(Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => [`p${i}`, ['x']])),
    );
    expect([many.tooLarge, many.rawQuery]).toEqual(['query', '']);
    expect(refusal(many)[1]).toBe('ParseRequestParameterException');
  });

  it(`JSON nested ${MAX_JSON_DEPTH} deep is refused, shallower is read`, () => {
    const nested = (depth: number) =>
      `{"Action":"Encrypt","EncryptionContext":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const ok = decodeParams(v2({ body: nested(MAX_JSON_DEPTH - 1), headers: JSON_TYPE }));
    expect(ok.EncryptionContext).toBe(
      '['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1),
    );
    expect(refusal(v2({ body: nested(MAX_JSON_DEPTH), headers: JSON_TYPE }))[2]).toBe(
      `JSON body nested deeper than ${MAX_JSON_DEPTH}`,
    );
    expect(refusal(v2({ body: nested(100_000), headers: JSON_TYPE }))[1]).toBe(
      'ParseRequestParameterException',
    );
  });
});

describe('strict decoding', () => {
  it('form decoding as URLSearchParams does it, where the bytes are UTF-8', () => {
    expect(decodeParams(v2({ query: 'a=x+y%2B%7e&b=%zz&c&=d&&e=%E4%B8%AD' }))).toEqual({
      a: 'x y+~',
      b: '%zz',
      c: '',
      '': 'd',
      e: '中',
    });
  });

  it.each([
    ['a byte that is not UTF-8', 'x=%FF'],
    ['an encoded surrogate', 'x=%ED%A0%80'],
    ['an overlong form', 'x=%C0%AF'],
    ['a raw lone surrogate', 'x=\uD800'],
  ])('%s in the query is refused', (_name, query) => {
    expect(refusal(v2({ query }))).toEqual([
      400,
      'ParseRequestParameterException',
      expect.any(String),
    ]);
  });

  it('a lone surrogate in a JSON body, name or value, is refused', () => {
    for (const body of ['{"Plaintext":"\\udc00"}', '{"\\ud800x":"v"}']) {
      expect(refusal(v2({ body, headers: JSON_TYPE }))[2]).toBe(
        'a parameter that is not well-formed Unicode',
      );
    }
  });

  it('a REST query with a lone surrogate is carried to decoding, and refused there', () => {
    const request = rest({ Action: ['Encrypt'], KeyId: ['k\uD800'] });
    expect(request.rawQuery).toBe('Action=Encrypt&KeyId=k%ED%A0%80');
    expect(refusal(request)[1]).toBe('ParseRequestParameterException');
  });

  it('a Content-Type that is not a valid header value is refused; one that is, is read', () => {
    const body = 'Action=ListKeys';
    for (const contentType of ['application/x-www-form-urlencoded; charset=€', 'a\r\nb: c']) {
      expect(refusal(v2({ body, headers: { 'content-type': contentType } }))[2]).toBe(
        'a Content-Type that is not a valid header value',
      );
    }
    const ok = v2({
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded;\tcharset="utf-8"' },
    });
    expect(decodeParams(ok)).toEqual({ Action: 'ListKeys' });
  });
});

describe('events that are not quite what API Gateway sends', () => {
  it('header values that are not strings are left out', () => {
    const request = v2({ headers: { accept: 5, 'content-type': ['a'], host: 'h', x: null } });
    expect(request.headers).toEqual({ host: 'h' });
    const restRequest = toHttpRequest(
      {
        httpMethod: 'GET',
        headers: { Accept: 'text/xml' },
        multiValueHeaders: { Accept: [1, 2], Foo: 'bar' },
        body: null,
        requestContext: {},
      } as unknown as APIGatewayProxyEvent,
      'lambda',
    );
    expect(restRequest.headers).toEqual({ accept: 'text/xml' });
  });

  it('queryParams, for rendering an error, never throws and keeps within the caps', () => {
    expect(queryParams(v2({ query: 'Format=XML&x=%FF&Format=JSON' }))).toEqual({ Format: 'XML' });
    const many = Array.from({ length: 1000 }, (_, i) => `p${i}=x`).join('&');
    expect(Object.keys(queryParams(v2({ query: many })))).toHaveLength(MAX_PARAMETERS);
    expect(queryParams(v2({ query: `Format=XML&a=${'x'.repeat(MAX_QUERY_CHARS)}` }))).toEqual({});
  });
});
