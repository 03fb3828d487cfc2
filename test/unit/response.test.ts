/** The answer's headers: valid and bounded whatever the RequestId holds (issue 7 item 6). */
import { describe, expect, it } from 'vitest';
import { apiGatewayResult, MAX_REQUEST_ID_HEADER } from '../../src/http/response.js';
import { VALID_HEADER_VALUE } from '../support/in-process.js';

describe('x-acs-request-id', () => {
  it('carries an ordinary RequestId', () => {
    const id = '5A2E0A3B-1C2D-4E5F-8A9B-0C1D2E3F4A5B';
    expect(apiGatewayResult(200, '{}', 'application/json', id).headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      vary: 'Accept',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-acs-request-id': id,
    });
    const longest = 'x'.repeat(MAX_REQUEST_ID_HEADER);
    expect(
      apiGatewayResult(200, '{}', 'application/json', longest).headers['x-acs-request-id'],
    ).toBe(longest);
  });

  it.each([
    ['CR LF', 'a\r\nSet-Cookie: x=1'],
    ['NUL', 'a\u0000b'],
    ['a tab', 'a\tb'],
    ['Latin-1', 'café'],
    ['not Latin-1', '请求'],
    ['leading space', ' a'],
    ['trailing space', 'a '],
    ['empty', ''],
    ['too long', 'x'.repeat(MAX_REQUEST_ID_HEADER + 1)],
  ])('is left out for %s; the other headers stay valid', (_name, id) => {
    const { headers } = apiGatewayResult(404, '{}', 'application/xml', id);
    expect(headers['x-acs-request-id']).toBeUndefined();
    for (const value of Object.values(headers)) expect(value).toMatch(VALID_HEADER_VALUE);
  });
});
