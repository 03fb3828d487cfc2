/**
 * The edge and the parameters at their corners: events with parts missing, bodies that are not
 * what they claim, each refusal with the reason the log line gives, and names that only look
 * like required parameters.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeParams, queryParams } from '../../src/http/params.js';
import { type HttpRequest, toHttpRequest } from '../../src/http/request.js';
import { checkCall } from '../../src/kms/call.js';
import { KmsError } from '../../src/kms/envelope.js';

const request = (over: Partial<HttpRequest>): HttpRequest => ({
  method: 'POST',
  headers: {},
  rawQuery: '',
  body: undefined,
  requestId: 'req',
  domainName: 'gw.example.com',
  path: '/',
  iamPrincipal: undefined,
  ...over,
});

function thrown(fn: () => unknown): KmsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

const post = (contentType: string | undefined, body: string | Buffer | undefined) =>
  request({
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : Buffer.from(body),
    rawQuery: 'Action=ListKeys',
  });

describe('bodies refused, with the reason the log gives', () => {
  it.each([
    ['application/json', '{"Action":', 'malformed JSON body'],
    ['application/json', '[1,2]', 'JSON body that is not an object'],
    ['application/json', 'null', 'JSON body that is not an object'],
    ['application/json', '"ListKeys"', 'JSON body that is not an object'],
    ['application/json', '5', 'JSON body that is not an object'],
    ['application/json', '{"KeyId":null}', 'JSON body with a null value'],
    ['text/plain', 'Action=ListKeys', 'body content type is neither form nor JSON'],
    ['application/xml', '<a/>', 'body content type is neither form nor JSON'],
  ])('%s %j → ParseRequestParameterException (%s)', (type, body, reason) => {
    const error = thrown(() => decodeParams(post(type, body)));
    expect([error.status, error.code, error.reason]).toEqual([
      400,
      'ParseRequestParameterException',
      reason,
    ]);
  });

  it('bytes that are not UTF-8 say so', () => {
    const error = thrown(() => decodeParams(post(undefined, Buffer.from([0xff, 0xfe]))));
    expect(error.reason).toBe('body is not UTF-8');
  });
});

describe('bodies read', () => {
  it('JSON numbers and booleans become their text; objects their JSON', () => {
    expect({
      ...decodeParams(post('application/json', '{"PageSize":5,"Flag":true,"Ctx":{"a":"b"}}')),
    }).toEqual({ Action: 'ListKeys', PageSize: '5', Flag: 'true', Ctx: '{"a":"b"}' });
  });

  it('the media type is read case-insensitively, parameters and spaces around it ignored', () => {
    expect(
      decodeParams(post(' Application/JSON ; charset=utf-8', '{"PageSize":"5"}')).PageSize,
    ).toBe('5');
    expect(
      decodeParams(post('application/x-www-form-urlencoded;charset=UTF-8', 'PageSize=7')).PageSize,
    ).toBe('7');
  });

  it('a POST without a body has the query alone, whatever its Content-Type', () => {
    expect({ ...decodeParams(post('application/json', undefined)) }).toEqual({
      Action: 'ListKeys',
    });
  });

  it('the query alone, for an error answer: the first of repeated names, no prototype', () => {
    const params = queryParams(request({ rawQuery: 'Format=XML&Format=JSON&__proto__=x' }));
    expect(params.Format).toBe('XML');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.entries(params)).toContainEqual(['__proto__', 'x']);
    expect({ ...queryParams(request({ rawQuery: '' })) }).toEqual({});
  });
});

describe('events with parts missing', () => {
  const rest = (over: Partial<APIGatewayProxyEvent>) =>
    ({
      httpMethod: 'get',
      path: '/',
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      ...over,
    }) as unknown as APIGatewayProxyEvent;

  it('REST: only queryStringParameters, a lower-case method, no requestContext', () => {
    const http = toHttpRequest(
      rest({
        queryStringParameters: { Action: 'ListKeys', 'Key Id': 'a/b', Skipped: undefined } as never,
        headers: { Host: 'api.example.com' },
      }),
      'lambda-1',
    );
    expect(http).toMatchObject({
      method: 'GET',
      rawQuery: 'Action=ListKeys&Key%20Id=a%2Fb',
      requestId: 'lambda-1',
      domainName: 'api.example.com',
      body: undefined,
    });
  });

  it('REST: no host anywhere is localhost; multi-value entries may be null', () => {
    const http = toHttpRequest(
      rest({
        multiValueQueryStringParameters: { Action: ['ListKeys'], Empty: null } as never,
        multiValueHeaders: { Accept: null, 'X-Two': ['a', 'b'] } as never,
        headers: { Accept: 'text/xml', 'X-Two': 'b' },
      }),
      'lambda-1',
    );
    expect(http.domainName).toBe('localhost');
    expect(http.rawQuery).toBe('Action=ListKeys');
    expect(http.headers).toEqual({ accept: 'text/xml', 'x-two': 'a, b' });
  });

  it('HTTP API: an empty body is no body, an undefined header is no header, no query is ""', () => {
    const http = toHttpRequest(
      {
        version: '2.0',
        headers: { accept: undefined, 'Content-Type': 'text/plain' },
        body: '',
        isBase64Encoded: false,
        requestContext: { requestId: '', domainName: '', http: { method: 'post' } },
      } as unknown as APIGatewayProxyEventV2,
      'lambda-2',
    );
    expect(Object.keys(http.headers)).toEqual(['content-type']);
    expect(http).toEqual({
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      rawQuery: '',
      body: undefined,
      requestId: 'lambda-2',
      domainName: 'localhost',
      path: '/',
      iamPrincipal: undefined,
    });
  });

  it('HTTP API: no body at all is no body', () => {
    const http = toHttpRequest(
      {
        version: '2.0',
        headers: {},
        isBase64Encoded: false,
        requestContext: { requestId: 'r', domainName: 'd', http: { method: 'GET' } },
      } as unknown as APIGatewayProxyEventV2,
      'l',
    );
    expect(http.body).toBeUndefined();
  });

  it('HTTP API: a plain body is its UTF-8 bytes', () => {
    const http = toHttpRequest(
      {
        version: '2.0',
        headers: {},
        body: 'Plaintext=é',
        isBase64Encoded: false,
        requestContext: { requestId: 'r', domainName: 'd', http: { method: 'POST' } },
      } as unknown as APIGatewayProxyEventV2,
      'l',
    );
    expect(http.body?.toString('hex')).toBe(Buffer.from('Plaintext=é', 'utf8').toString('hex'));
  });
});

describe('validation corners', () => {
  it('an empty Action is a missing one', () => {
    const error = thrown(() => checkCall('POST', { Action: '' }, undefined));
    expect([error.code, error.message]).toEqual([
      'MissingParameter',
      'The parameter "Action" is needed but not provided.',
    ]);
  });

  it('KeyId.1 is not KeyId: only repeated lists travel as Name.n', () => {
    const error = thrown(() =>
      checkCall('POST', { Action: 'Encrypt', 'KeyId.1': 'k', Plaintext: 'p' }, undefined),
    );
    expect(error.message).toBe('The parameter "KeyId" is needed but not provided.');
  });

  it('a JSON parameter that parses is accepted', () => {
    expect(
      checkCall(
        'POST',
        { Action: 'Encrypt', KeyId: 'k', Plaintext: 'p', EncryptionContext: '{"a":"b"}' },
        undefined,
      ).action,
    ).toBe('Encrypt');
  });

  it('a list given under its plain name is taken as it is', () => {
    expect(
      checkCall(
        'POST',
        { Action: 'TagResources', RegionId: 'r', ResourceType: 'key', ResourceId: 'k', Tag: 't' },
        undefined,
      ).action,
    ).toBe('TagResources');
  });
});
