/**
 * A request whose body cannot be read is answered in the format its query asked for: the body
 * never reached negotiation, the query did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handlerWith, httpApiEvent, lambdaContext } from '../support/in-process.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const handler = () =>
  handlerWith({
    KMS_ENDPOINT: 'http://127.0.0.1:9',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tUnreadable0001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'unreadable-test-secret',
  });

const NOT_UTF8 = Buffer.from([0x41, 0x63, 0x74, 0xff, 0xfe, 0x3d]);

describe('an unreadable body', () => {
  it.each([
    ['Format=XML', 'Format=XML', {}, 'application/xml'],
    ['Format=xml', 'Format=xml', { accept: 'application/json' }, 'application/xml'],
    ['Accept: text/xml', '', { accept: 'text/xml' }, 'text/xml'],
    ['nothing', '', {}, 'application/json'],
  ])(
    'with %s is answered 400 ParseRequestParameterException as %s',
    async (_n, query, headers, mediaType) => {
      const result = await (await handler())(
        httpApiEvent({
          method: 'POST',
          query,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: NOT_UTF8,
        }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(400);
      expect(result.headers['content-type']).toBe(`${mediaType}; charset=utf-8`);
      const code = 'ParseRequestParameterException';
      if (mediaType === 'application/json') {
        expect(JSON.parse(result.body)).toMatchObject({ HttpStatus: 400, Code: code });
      } else {
        expect(result.body).toMatch(
          new RegExp(`^<\\?xml[^>]*\\?><KMS><HttpStatus>400</HttpStatus><Code>${code}</Code>`),
        );
      }
    },
  );

  it('a malformed JSON body with Format=XML in the query: XML too', async () => {
    const result = await (await handler())(
      httpApiEvent({
        method: 'POST',
        query: 'Format=XML',
        headers: { 'content-type': 'application/json' },
        body: '{"Action":',
      }),
      lambdaContext(),
    );
    expect([result.statusCode, result.headers['content-type']]).toEqual([
      400,
      'application/xml; charset=utf-8',
    ]);
    expect(result.body).toContain('<Code>ParseRequestParameterException</Code>');
  });
});
