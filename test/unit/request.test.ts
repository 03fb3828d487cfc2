import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeParams } from '../../src/http/params.js';
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

describe('the edge: events into one request', () => {
  it('HTTP API (2.0) and Function URL events', () => {
    const event = {
      version: '2.0',
      rawQueryString: 'Action=Encrypt&KeyId=alias%2Fdemo',
      headers: { Accept: 'text/xml', 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('Plaintext=aGk%3D').toString('base64'),
      isBase64Encoded: true,
      requestContext: {
        requestId: 'apigw-1',
        domainName: 'abc.lambda-url.eu-west-1.on.aws',
        http: { method: 'post' },
      },
    } as unknown as APIGatewayProxyEventV2;
    const http = toHttpRequest(event, 'lambda-1');
    expect(http).toMatchObject({
      method: 'POST',
      rawQuery: 'Action=Encrypt&KeyId=alias%2Fdemo',
      requestId: 'apigw-1',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
    });
    expect(http.headers.accept).toBe('text/xml');
    expect(decodeParams(http)).toEqual({
      Action: 'Encrypt',
      KeyId: 'alias/demo',
      Plaintext: 'aGk=',
    });
  });

  it('REST (1.0) events: repeated query values and headers survive', () => {
    const event = {
      httpMethod: 'GET',
      headers: { Accept: 'application/json' },
      multiValueHeaders: { Accept: ['application/json;q=0.1', 'text/xml'] },
      queryStringParameters: { Action: 'ListKeys' },
      multiValueQueryStringParameters: { Action: ['ListKeys'], EncryptionContext: ['{"a":"b c"}'] },
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'rest-1', domainName: 'x.execute-api.eu-west-1.amazonaws.com' },
    } as unknown as APIGatewayProxyEvent;
    const http = toHttpRequest(event, 'lambda-1');
    expect(http.rawQuery).toBe('Action=ListKeys&EncryptionContext=%7B%22a%22%3A%22b%20c%22%7D');
    expect(http.headers.accept).toBe('application/json;q=0.1, text/xml');
    expect(decodeParams(http)).toEqual({ Action: 'ListKeys', EncryptionContext: '{"a":"b c"}' });
    expect(http.requestId).toBe('rest-1');
  });
});

describe('parameters', () => {
  it('merges query and form body, decoding + and %20 as space', () => {
    expect(
      decodeParams(
        request({ rawQuery: 'Action=Encrypt', body: Buffer.from('KeyId=a+b&Plaintext=c%20d') }),
      ),
    ).toEqual({ Action: 'Encrypt', KeyId: 'a b', Plaintext: 'c d' });
  });

  it('accepts a flat JSON body, JSON-typed values given as objects', () => {
    const params = decodeParams(
      request({
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: Buffer.from('{"Action":"Encrypt","PageSize":10,"EncryptionContext":{"a":"b"}}'),
      }),
    );
    expect(params).toEqual({ Action: 'Encrypt', PageSize: '10', EncryptionContext: '{"a":"b"}' });
  });

  it('a name in both query and body is InvalidParameter naming it', () => {
    const error = thrown(() =>
      decodeParams(request({ rawQuery: 'KeyId=a', body: Buffer.from('KeyId=b') })),
    );
    expect([error.status, error.code, error.message]).toEqual([
      400,
      'InvalidParameter',
      'The specified parameter "KeyId" is not valid.',
    ]);
  });

  it.each([
    ['malformed JSON', 'application/json', '{"Action":'],
    ['a JSON array', 'application/json', '[1]'],
    ['a JSON null value', 'application/json', '{"KeyId":null}'],
    ['an unsupported content type', 'text/plain', 'Action=Encrypt'],
  ])('%s is ParseRequestParameterException', (_name, contentType, body) => {
    const error = thrown(() =>
      decodeParams(request({ headers: { 'content-type': contentType }, body: Buffer.from(body) })),
    );
    expect([error.status, error.code]).toEqual([400, 'ParseRequestParameterException']);
    expect(error.message).toBe(
      'Server parse parameters exception. Please check your input params.',
    );
  });

  it('a body that is not UTF-8 is ParseRequestParameterException', () => {
    const error = thrown(() => decodeParams(request({ body: Buffer.from([0x41, 0xff, 0xfe]) })));
    expect(error.code).toBe('ParseRequestParameterException');
  });

  it('a GET body is ignored, and __proto__ is only a parameter name', () => {
    const params = decodeParams(
      request({ method: 'GET', rawQuery: '__proto__=x&Action=ListKeys', body: Buffer.from('{') }),
    );
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe('x');
    expect(Object.keys(params)).toEqual(['__proto__', 'Action']);
  });
});

describe('validation before any upstream call', () => {
  const ok = (params: Record<string, string>) => checkCall('POST', params, undefined);

  it.each([
    [
      'PUT',
      { Action: 'ListKeys' },
      403,
      'UnsupportedHTTPMethod',
      'This http method is not supported.',
    ],
    ['POST', {}, 400, 'MissingParameter', 'The parameter "Action" is needed but not provided.'],
    [
      'POST',
      { Action: 'DropTables' },
      400,
      'InvalidParameter',
      'The specified parameter "Action" is not valid.',
    ],
    [
      'POST',
      { Action: 'Encrypt', Plaintext: 'x' },
      400,
      'MissingParameter',
      'The parameter "KeyId" is needed but not provided.',
    ],
    [
      'POST',
      { Action: 'Encrypt', KeyId: '', Plaintext: 'x' },
      400,
      'MissingParameter',
      'The parameter "KeyId" is needed but not provided.',
    ],
    [
      'POST',
      { Action: 'ListKeys', PageSize: 'ten' },
      400,
      'InvalidParameter',
      'The specified parameter "PageSize" is not valid.',
    ],
    [
      'POST',
      { Action: 'UpdateRotationPolicy', KeyId: 'k', EnableAutomaticRotation: 'yes' },
      400,
      'InvalidParameter',
      'The specified parameter "EnableAutomaticRotation" is not valid.',
    ],
    [
      'POST',
      { Action: 'Encrypt', KeyId: 'k', Plaintext: 'x', EncryptionContext: '{a' },
      400,
      'InvalidParameter',
      'The specified parameter "EncryptionContext" is not valid.',
    ],
    [
      'POST',
      { Action: 'ListKeys', Version: '2014-05-26' },
      400,
      'InvalidParameter',
      'The specified parameter "Version" is not valid.',
    ],
    [
      'POST',
      { Action: 'TagResources', RegionId: 'cn-hangzhou', ResourceType: 'key' },
      400,
      'MissingParameter',
      'The parameter "ResourceId" is needed but not provided.',
    ],
  ])('%s %j → %i %s', (method, params, status, code, message) => {
    const error = thrown(() => checkCall(method, params, undefined));
    expect([error.status, error.code, error.message]).toEqual([status, code, message]);
  });

  it('names the first missing parameter in the metadata order', () => {
    expect(thrown(() => ok({ Action: 'AsymmetricSign' })).message).toContain('"KeyId"');
  });

  it('repeated lists count as present; typed values that parse pass', () => {
    expect(
      ok({
        Action: 'TagResources',
        RegionId: 'r',
        ResourceType: 'key',
        'ResourceId.1': 'k',
        'Tag.1.Key': 'a',
      }).action,
    ).toBe('TagResources');
    expect(ok({ Action: 'ListKeys', PageSize: '10', PageNumber: '+1' }).action).toBe('ListKeys');
    expect(
      ok({ Action: 'UpdateRotationPolicy', KeyId: 'k', EnableAutomaticRotation: 'TRUE' }).spec
        .operationType,
    ).toBe('write');
  });

  it('the allow-list answers Forbidden.NoPermission', () => {
    const error = thrown(() =>
      checkCall('GET', { Action: 'ScheduleKeyDeletion' }, new Set(['Encrypt'])),
    );
    expect([error.status, error.code]).toEqual([403, 'Forbidden.NoPermission']);
    expect(
      checkCall('GET', { Action: 'Encrypt', KeyId: 'k', Plaintext: 'p' }, new Set(['Encrypt']))
        .action,
    ).toBe('Encrypt');
  });
});
