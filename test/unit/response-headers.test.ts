/** The headers every answer carries, success or error, whatever the format. */
import { describe, expect, it } from 'vitest';
import { apiGatewayResult } from '../../src/http/response.js';

describe('response headers', () => {
  it.each([
    ['application/json', 200],
    ['application/xml', 404],
    ['text/xml', 503],
  ] as const)('%s, status %i', (mediaType, status) => {
    const result = apiGatewayResult(status, 'body text', mediaType, 'REQ-123');
    expect(result).toEqual({
      statusCode: status,
      headers: {
        'content-type': `${mediaType}; charset=utf-8`,
        vary: 'Accept',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-acs-request-id': 'REQ-123',
      },
      body: 'body text',
      isBase64Encoded: false,
    });
  });
});
