/**
 * Signature V3 (`ACS3-HMAC-SHA256`), as openapi-util's getAuthorization computes it:
 *
 *   CanonicalRequest = METHOD \n / \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n sha256(body)
 *   Signature        = hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest))))
 *
 * where the signed headers are `host`, `content-type` and every `x-acs-*` header.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { canonicalQuery } from './percent-encode.js';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

export const sha256Hex = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

const isSignedHeader = (name: string) =>
  name === 'host' || name === 'content-type' || name.startsWith('x-acs-');

export interface V3Parts {
  readonly method: string;
  readonly query: Readonly<Record<string, string>>;
  /** header names in any case; only host, content-type and x-acs-* are signed */
  readonly headers: Readonly<Record<string, string>>;
}

export function signedHeaderNames(headers: Readonly<Record<string, string>>): string[] {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter(isSignedHeader)
    .sort();
}

export function canonicalRequestV3(parts: V3Parts, signedHeaders: readonly string[]): string {
  const lower = new Map(Object.entries(parts.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(lower.get(name) ?? '').trim()}\n`)
    .join('');
  return [
    parts.method.toUpperCase(),
    '/',
    canonicalQuery(parts.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    lower.get('x-acs-content-sha256') ?? '',
  ].join('\n');
}

export function signatureV3(canonicalRequest: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret)
    .update(`${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`)
    .digest('hex');
}

export interface V3Options {
  readonly method: 'GET' | 'POST';
  readonly host: string;
  readonly action: string;
  readonly version: string;
  readonly nonce: string;
  /** `YYYY-MM-DDTHH:mm:ssZ` */
  readonly date: string;
  readonly body?: string;
  readonly contentType?: string;
}

/** The headers of a V3-signed RPC call whose parameters travel in `query`, `Authorization` included. */
export function signV3(
  query: Readonly<Record<string, string>>,
  credentials: Credentials,
  options: V3Options,
): Record<string, string> {
  const headers: Record<string, string> = {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version,
    'x-acs-date': options.date,
    'x-acs-signature-nonce': options.nonce,
    'x-acs-content-sha256': sha256Hex(options.body ?? ''),
  };
  if (options.contentType) headers['content-type'] = options.contentType;
  if (credentials.securityToken) {
    headers['x-acs-accesskey-id'] = credentials.accessKeyId;
    headers['x-acs-security-token'] = credentials.securityToken;
  }
  const names = signedHeaderNames(headers);
  const signature = signatureV3(
    canonicalRequestV3({ method: options.method, query, headers }, names),
    credentials.accessKeySecret,
  );
  headers.authorization = `${V3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return headers;
}

/** The parts of an `Authorization: ACS3-HMAC-SHA256 …` header, or undefined if it is not one. */
export function parseAuthorizationV3(
  header: string,
): { credential: string; signedHeaders: string[]; signature: string } | undefined {
  const match =
    /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(
      header.trim(),
    );
  if (!match) return undefined;
  return {
    credential: match[1] as string,
    signedHeaders: (match[2] as string).split(';'),
    signature: match[3] as string,
  };
}
