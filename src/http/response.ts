/** The HTTP answer API Gateway returns to the caller, with the headers every answer carries. */
import type { MediaType } from './negotiate.js';

export interface GatewayResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export function gatewayResult(
  status: number,
  body: string,
  mediaType: MediaType,
  requestId: string,
): GatewayResult {
  return {
    statusCode: status,
    headers: {
      'content-type': `${mediaType}; charset=utf-8`,
      // The format can follow Accept, so shared caches must key on it.
      vary: 'Accept',
      // KMS answers hold key material and plaintext.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-acs-request-id': requestId,
    },
    body,
    isBase64Encoded: false,
  };
}
