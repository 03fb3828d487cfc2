/** The HTTP answer API Gateway returns to the caller, with the headers every answer carries. */
import type { MediaType } from './negotiate.js';

export interface ApiGatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** The longest RequestId carried in `x-acs-request-id` (KMS's own are 36 characters). */
export const MAX_REQUEST_ID_HEADER = 256;

/**
 * Visible ASCII, inner spaces: a header value every proxy passes unchanged. CR, LF and NUL would
 * split or break the answer; other characters are not Latin-1, or not read alike by everyone.
 */
const HEADER_VALUE = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/;

/** Whether `value` can be sent as a header value as it is. */
export const isHeaderValue = (value: string, max: number): boolean =>
  value.length <= max && HEADER_VALUE.test(value);

/**
 * The answer, headers included. The RequestId is always in the body, exactly; the
 * `x-acs-request-id` header carries it only when it is a valid header value of bounded length
 * (an upstream's RequestId is whatever the upstream sent).
 */
export function apiGatewayResult(
  status: number,
  body: string,
  mediaType: MediaType,
  requestId: string,
): ApiGatewayResult {
  const headers: Record<string, string> = {
    'content-type': `${mediaType}; charset=utf-8`,
    // The format can follow Accept, so shared caches must key on it.
    vary: 'Accept',
    // KMS answers hold key material and plaintext.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (isHeaderValue(requestId, MAX_REQUEST_ID_HEADER)) headers['x-acs-request-id'] = requestId;
  return { statusCode: status, headers, body, isBase64Encoded: false };
}
