/**
 * RPC signature V1 (HMAC-SHA1), as Alibaba's SDKs compute it (pop-core, openapi-util):
 * every parameter but `Signature`, sorted and percent-encoded, signed as
 * `METHOD&%2F&encode(canonical)` with the key `secret&`.
 */
import { createHmac } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { canonicalQuery, percentEncode } from './percent-encode.js';

export function stringToSignV1(method: string, params: Readonly<Record<string, string>>): string {
  const { Signature: _ignored, ...signed } = params;
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(signed))}`;
}

export function signatureV1(
  method: string,
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return createHmac('sha1', `${accessKeySecret}&`)
    .update(stringToSignV1(method, params))
    .digest('base64');
}

export interface V1Options {
  readonly method: 'GET' | 'POST';
  readonly nonce: string;
  /** `YYYY-MM-DDTHH:mm:ssZ` */
  readonly timestamp: string;
}

/** The business parameters plus the common V1 parameters and their `Signature`. */
export function signV1(
  params: Readonly<Record<string, string>>,
  credentials: Credentials,
  options: V1Options,
): Record<string, string> {
  const signed: Record<string, string> = {
    ...params,
    AccessKeyId: credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: options.nonce,
    Timestamp: options.timestamp,
  };
  if (credentials.securityToken) signed.SecurityToken = credentials.securityToken;
  signed.Signature = signatureV1(options.method, signed, credentials.accessKeySecret);
  return signed;
}
