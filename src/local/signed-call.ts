/**
 * A call signed as Alibaba's clients sign it, for `npm start`'s banner and `npm run call`:
 * V1 as a pre-signed URL or a form body, or V3 with Action and Version in headers.
 */
import { randomUUID } from 'node:crypto';
import type { Credentials } from '../protocol/credentials.js';
import { canonicalQuery } from '../protocol/percent-encode.js';
import { API_VERSION, type Params } from '../protocol/rpc.js';
import { signV1 } from '../protocol/sign-v1.js';
import { signV3 } from '../protocol/sign-v3.js';
import { alibabaTimestamp } from '../protocol/timestamp.js';

/** What a signature is made of besides the key: fresh unless a test fixes them. */
export interface SigningOptions {
  readonly nonce?: string;
  readonly date?: Date;
  readonly accept?: string;
}

function signedQuery(
  method: 'GET' | 'POST',
  params: Params,
  credentials: Credentials,
  options: SigningOptions = {},
): string {
  const signed = signV1({ Version: API_VERSION, ...params }, credentials, {
    method,
    nonce: options.nonce ?? randomUUID(),
    timestamp: alibabaTimestamp(options.date ?? new Date()),
  });
  return canonicalQuery(signed);
}

/** A GET URL carrying a fresh V1 signature: usable once (its nonce), for 15 minutes. */
export function presignedUrl(
  base: string,
  params: Params,
  credentials: Credentials,
  options: SigningOptions = {},
): string {
  return `${new URL(base).href}?${signedQuery('GET', params, credentials, options)}`;
}

export interface SignedCall {
  readonly url: string;
  readonly init: RequestInit;
}

/** A POST as pop-core sends it (V1, everything in a form body) or as Tea sends it (V3). */
export function signedPost(
  base: string,
  params: Params,
  credentials: Credentials,
  version: 'v1' | 'v3',
  options: SigningOptions = {},
): SignedCall {
  const url = new URL(base);
  const extra: Record<string, string> = options.accept ? { accept: options.accept } : {};
  if (version === 'v1') {
    return {
      url: url.href,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...extra },
        body: signedQuery('POST', params, credentials, options),
      },
    };
  }
  const { Action: action = '', ...query } = params;
  const { host: _host, ...headers } = signV3(query, credentials, {
    method: 'POST',
    host: url.host,
    action,
    version: API_VERSION,
    nonce: options.nonce ?? randomUUID(),
    date: alibabaTimestamp(options.date ?? new Date()),
  });
  const qs = canonicalQuery(query);
  return {
    url: `${url.href}${qs ? `?${qs}` : ''}`,
    init: { method: 'POST', headers: { ...headers, ...extra } },
  };
}
