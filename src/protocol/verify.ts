/**
 * Verifies an Alibaba-signed RPC request, as Alibaba's API gateway does and in its order:
 * required common parameters, Version, timestamp window, AccessKey (known, enabled, STS token),
 * signature (recomputed with the project's own signers, compared in constant time). The nonce is
 * the caller's to check next, against whatever store it keeps (one process, or shared).
 *
 * One implementation for both sides: the gateway verifies its callers with it and the local KMS
 * emulator verifies the gateway with it.
 */
import { timingSafeEqual } from 'node:crypto';
import { API_VERSION, type Params } from './rpc.js';
import { signatureV1 } from './sign-v1.js';
import { canonicalRequestV3, parseAuthorizationV3, sha256Hex, signatureV3 } from './sign-v3.js';
import { parseAlibabaTimestamp, SIGNATURE_WINDOW_MS } from './timestamp.js';

export type SignatureVersion = 'v1' | 'v3';

/** A request as received, before any check. */
export interface SignedRequest {
  /** upper case */
  readonly method: string;
  /** decoded query parameters: what a V3 signature covers */
  readonly query: Params;
  /** query plus form-body parameters: what a V1 signature covers */
  readonly params: Params;
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>;
  /** the body bytes, whose SHA-256 a V3 signature covers */
  readonly body: Uint8Array;
}

/** A key a request may be signed with. */
export interface SigningKey {
  readonly id: string;
  readonly secret: string;
  /** default true */
  readonly enabled?: boolean | undefined;
  /** if set, requests signed with this key must carry it */
  readonly securityToken?: string | undefined;
}

/** The Alibaba code a verification failure is answered with, and the parameter it names. */
export type RejectionCode =
  | 'MissingParameter'
  | 'InvalidVersion'
  | 'IllegalTimestamp'
  | 'InvalidAccessKeyId.NotFound'
  | 'Forbidden.AccessKey'
  | 'InvalidSecurityToken.MismatchWithAccessKey'
  | 'IncompleteSignature'
  | 'SignatureNonceUsed';

export class SignatureRejected extends Error {
  override readonly name = 'SignatureRejected';
  constructor(
    readonly code: RejectionCode,
    /** the missing parameter (MissingParameter), or what failed, for logs (never a secret) */
    readonly parameter?: string,
  ) {
    super(parameter === undefined ? code : `${code} (${parameter})`);
  }
}

/** A request whose signature holds; its nonce is still to be checked. */
export interface Verified {
  readonly signatureVersion: SignatureVersion;
  readonly key: SigningKey;
  readonly action: string;
  readonly nonce: string;
  /** epoch ms of the signed timestamp */
  readonly signedAt: number;
}

export interface VerifyOptions {
  /** the key of an AccessKeyId, or undefined when there is none */
  readonly keyOf: (accessKeyId: string) => SigningKey | undefined;
  /** epoch ms */
  readonly now: number;
  /** the API version requests must name; default API_VERSION (KMS) */
  readonly version?: string | undefined;
}

const V1_REQUIRED = [
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureNonce',
  'Timestamp',
  'Version',
  'Action',
] as const;

const V3_REQUIRED = [
  'x-acs-signature-nonce',
  'x-acs-date',
  'x-acs-version',
  'x-acs-action',
  'x-acs-content-sha256',
] as const;

/** The V3 doc: every common header present, Authorization aside, must be signed. */
const V3_MUST_SIGN = [
  'host',
  ...V3_REQUIRED,
  'x-acs-security-token',
  'x-acs-accesskey-id',
] as const;

/** Which signature a request carries: V1 in its parameters, V3 in `Authorization`. */
export function signatureVersionOf(request: {
  readonly params: Params;
  readonly headers: Readonly<Record<string, string>>;
}): SignatureVersion | undefined {
  if (request.params.Signature !== undefined) return 'v1';
  if (request.headers.authorization !== undefined) return 'v3';
  return undefined;
}

/** Equal strings in time that does not depend on where they differ. */
export function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkTime(timestamp: string, now: number): number {
  const at = parseAlibabaTimestamp(timestamp);
  if (at === undefined || Math.abs(at - now) > SIGNATURE_WINDOW_MS) {
    throw new SignatureRejected('IllegalTimestamp');
  }
  return at;
}

function keyFor(
  accessKeyId: string,
  securityToken: string | undefined,
  options: VerifyOptions,
): SigningKey {
  const key = options.keyOf(accessKeyId);
  if (!key) throw new SignatureRejected('InvalidAccessKeyId.NotFound');
  if (key.enabled === false) throw new SignatureRejected('Forbidden.AccessKey');
  if (key.securityToken !== undefined && !safeEqual(key.securityToken, securityToken ?? '')) {
    throw new SignatureRejected('InvalidSecurityToken.MismatchWithAccessKey');
  }
  return key;
}

function verifyV1(request: SignedRequest, options: VerifyOptions): Verified {
  const params = request.params;
  for (const name of V1_REQUIRED) {
    if (!params[name]) throw new SignatureRejected('MissingParameter', name);
  }
  if (params.Version !== (options.version ?? API_VERSION)) {
    throw new SignatureRejected('InvalidVersion');
  }
  const signedAt = checkTime(params.Timestamp as string, options.now);
  const key = keyFor(params.AccessKeyId as string, params.SecurityToken, options);
  if (params.SignatureMethod !== 'HMAC-SHA1') {
    throw new SignatureRejected('IncompleteSignature', 'SignatureMethod');
  }
  const expected = signatureV1(request.method, params, key.secret);
  if (!safeEqual(expected, params.Signature as string)) {
    throw new SignatureRejected('IncompleteSignature', 'Signature');
  }
  return {
    signatureVersion: 'v1',
    key,
    action: params.Action as string,
    nonce: params.SignatureNonce as string,
    signedAt,
  };
}

function verifyV3(request: SignedRequest, options: VerifyOptions): Verified {
  const headers = request.headers;
  const auth = parseAuthorizationV3(headers.authorization ?? '');
  if (!auth) throw new SignatureRejected('IncompleteSignature', 'Authorization');
  for (const name of V3_REQUIRED) {
    if (!headers[name]) throw new SignatureRejected('MissingParameter', name);
  }
  if (headers['x-acs-version'] !== (options.version ?? API_VERSION)) {
    throw new SignatureRejected('InvalidVersion');
  }
  const signedAt = checkTime(headers['x-acs-date'] as string, options.now);
  const key = keyFor(auth.credential, headers['x-acs-security-token'], options);
  const claimedId = headers['x-acs-accesskey-id'];
  if (claimedId !== undefined && claimedId !== auth.credential) {
    throw new SignatureRejected('IncompleteSignature', 'x-acs-accesskey-id');
  }
  for (const name of V3_MUST_SIGN) {
    if (headers[name] !== undefined && !auth.signedHeaders.includes(name)) {
      throw new SignatureRejected('IncompleteSignature', `unsigned ${name}`);
    }
  }
  if (!safeEqual(sha256Hex(request.body), headers['x-acs-content-sha256'] as string)) {
    throw new SignatureRejected('IncompleteSignature', 'x-acs-content-sha256');
  }
  const canonical = canonicalRequestV3(
    { method: request.method, query: request.query, headers },
    auth.signedHeaders,
  );
  if (!safeEqual(signatureV3(canonical, key.secret), auth.signature)) {
    throw new SignatureRejected('IncompleteSignature', 'Signature');
  }
  return {
    signatureVersion: 'v3',
    key,
    action: headers['x-acs-action'] as string,
    nonce: headers['x-acs-signature-nonce'] as string,
    signedAt,
  };
}

/**
 * The verified request, or throws SignatureRejected with the code Alibaba answers. A request
 * with neither a V1 `Signature` nor an `Authorization` header is read as V1, so it is refused
 * for the first signing parameter it lacks.
 * @throws SignatureRejected with the code Alibaba answers
 */
export function verifySignature(request: SignedRequest, options: VerifyOptions): Verified {
  return signatureVersionOf(request) === 'v3'
    ? verifyV3(request, options)
    : verifyV1(request, options);
}
