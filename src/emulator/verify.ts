/**
 * Authentication as the API gateway does it, in the gateway's order: method, required common
 * parameters, Version, timestamp window, AccessKey (known, enabled, STS token), signature, nonce
 * replay, Action. Signatures are recomputed with the project's own signers and compared in
 * constant time. Authorization (an AccessKey's `allowedActions`) is a separate, later step, as
 * RAM's is: the server throttles in between.
 */
import { timingSafeEqual } from 'node:crypto';
import { alibabaTimestamp, signatureV1 } from '../upstream/sign-v1.js';
import {
  canonicalRequestV3,
  parseAuthorizationV3,
  sha256Hex,
  signatureV3,
} from '../upstream/sign-v3.js';
import { EmulatorError, failure } from './errors.js';
import { type Format, formatOf } from './respond.js';

export const API_VERSION = '2016-01-20';
/** Both the timestamp window and how long a nonce stays used. */
export const WINDOW_MS = 15 * 60 * 1000;

export interface AccessKeyConfig {
  id: string;
  secret: string;
  /** default true */
  enabled?: boolean;
  /** if set, requests must carry it */
  securityToken?: string;
  /** if set, the only actions this key may call; any other answers 403 Forbidden.NoPermission */
  allowedActions?: string[];
  /** if set, this key's own rate limit (a token bucket holding one second's worth, at least 1) */
  requestsPerSecond?: number;
}

/** What a RAM denial carries beside the error, as the live service words it. */
export interface AccessDeniedDetail {
  AuthAction: string;
  AuthPrincipalType: 'SubUser';
  NoPermissionType: 'ImplicitDeny';
  PolicyType: 'AccountLevelIdentityBasedPolicy';
}

/** 403 Forbidden.NoPermission, with the detail the gateway-shaped body carries. */
export class AccessDenied extends EmulatorError {
  readonly detail: AccessDeniedDetail;

  constructor(action: string) {
    const error = failure('Forbidden.NoPermission');
    super(error.code, error.status, error.message);
    this.detail = {
      AuthAction: `kms:${action}`,
      AuthPrincipalType: 'SubUser',
      NoPermissionType: 'ImplicitDeny',
      PolicyType: 'AccountLevelIdentityBasedPolicy',
    };
  }
}

export type SignatureVersion = 'v1' | 'v3';

/** A request as received, before any check. */
export interface Incoming {
  readonly method: string;
  readonly path: string;
  /** decoded query parameters */
  readonly query: Readonly<Record<string, string>>;
  /** query plus form-body parameters (the body wins a clash) */
  readonly params: Readonly<Record<string, string>>;
  /** lower-case names, repeated headers joined with `,` */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
}

/** What a request says about itself, unverified: enough to scope faults and log it. */
export interface Claim {
  readonly signatureVersion: SignatureVersion | undefined;
  readonly accessKeyId: string | undefined;
  readonly action: string | undefined;
  readonly format: Format;
}

export interface Verified {
  readonly signatureVersion: SignatureVersion;
  readonly accessKeyId: string;
  readonly action: string;
  /** every parameter; actions read the business ones */
  readonly params: Readonly<Record<string, string>>;
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

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

const signatureVersionOf = (incoming: Incoming): SignatureVersion | undefined => {
  if (incoming.params.Signature !== undefined) return 'v1';
  if (incoming.headers.authorization !== undefined) return 'v3';
  return undefined;
};

export function claimOf(incoming: Incoming): Claim {
  const signatureVersion = signatureVersionOf(incoming);
  const format = formatOf(incoming.params.Format);
  if (signatureVersion === 'v3') {
    const auth = parseAuthorizationV3(incoming.headers.authorization ?? '');
    return {
      signatureVersion,
      accessKeyId: auth?.credential,
      action: incoming.headers['x-acs-action'],
      format,
    };
  }
  return {
    signatureVersion,
    accessKeyId: incoming.params.AccessKeyId,
    action: incoming.params.Action,
    format,
  };
}

function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Nonces per AccessKey; each Map is in insertion order, which is time order, so pruning stops early. */
class NonceCache {
  readonly #byKey = new Map<string, Map<string, number>>();

  /** True when the nonce is fresh, and remembers it; false when it was used within the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    let seen = this.#byKey.get(accessKeyId);
    if (!seen) {
      seen = new Map();
      this.#byKey.set(accessKeyId, seen);
    }
    for (const [old, at] of seen) {
      if (now - at < WINDOW_MS) break;
      seen.delete(old);
    }
    const at = seen.get(nonce);
    if (at !== undefined && Math.abs(now - at) < WINDOW_MS) return false;
    seen.delete(nonce);
    seen.set(nonce, now);
    return true;
  }
}

export interface VerifierOptions {
  readonly accessKeys: readonly AccessKeyConfig[];
  readonly now: () => number;
  readonly isAction: (action: string) => boolean;
}

export class Verifier {
  readonly #keys: ReadonlyMap<string, AccessKeyConfig>;
  /** the allowed actions of the keys that limit them */
  readonly #allowed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #now: () => number;
  readonly #isAction: (action: string) => boolean;
  readonly #nonces = new NonceCache();

  constructor(options: VerifierOptions) {
    this.#keys = new Map(options.accessKeys.map((key) => [key.id, { ...key }]));
    this.#allowed = new Map(
      options.accessKeys.flatMap((key): [string, ReadonlySet<string>][] =>
        key.allowedActions === undefined ? [] : [[key.id, new Set(key.allowedActions)]],
      ),
    );
    this.#now = options.now;
    this.#isAction = options.isAction;
  }

  /** The authenticated request, or throws the gateway's EmulatorError. */
  verify(incoming: Incoming): Verified {
    if (incoming.method !== 'GET' && incoming.method !== 'POST') {
      throw failure('UnsupportedHTTPMethod');
    }
    if (incoming.path !== '/') throw failure('InvalidAction.NotFound');
    return signatureVersionOf(incoming) === 'v3'
      ? this.#verifyV3(incoming)
      : this.#verifyV1(incoming);
  }

  /** Throws AccessDenied unless the request's AccessKey may call its action. */
  authorize(verified: Verified): void {
    const allowed = this.#allowed.get(verified.accessKeyId);
    if (allowed !== undefined && !allowed.has(verified.action)) {
      throw new AccessDenied(verified.action);
    }
  }

  #verifyV1(incoming: Incoming): Verified {
    const params = incoming.params;
    for (const name of V1_REQUIRED) {
      if (!params[name]) throw failure('MissingParameter', name);
    }
    const accessKeyId = params.AccessKeyId as string;
    const action = params.Action as string;
    this.#checkVersion(params.Version);
    this.#checkTime(params.Timestamp as string);
    const key = this.#accessKey(accessKeyId, params.SecurityToken);
    if (params.SignatureMethod !== 'HMAC-SHA1') throw failure('IncompleteSignature');
    const expected = signatureV1(incoming.method, params, key.secret);
    if (!safeEqual(expected, params.Signature as string)) throw failure('IncompleteSignature');
    this.#checkNonce(accessKeyId, params.SignatureNonce as string);
    this.#checkAction(action);
    return { signatureVersion: 'v1', accessKeyId, action, params };
  }

  #verifyV3(incoming: Incoming): Verified {
    const headers = incoming.headers;
    const auth = parseAuthorizationV3(headers.authorization ?? '');
    if (!auth) throw failure('IncompleteSignature');
    for (const name of V3_REQUIRED) {
      if (!headers[name]) throw failure('MissingParameter', name);
    }
    const accessKeyId = auth.credential;
    const action = headers['x-acs-action'] as string;
    this.#checkVersion(headers['x-acs-version']);
    this.#checkTime(headers['x-acs-date'] as string);
    const key = this.#accessKey(accessKeyId, headers['x-acs-security-token']);

    const claimedId = headers['x-acs-accesskey-id'];
    if (claimedId !== undefined && claimedId !== accessKeyId) throw failure('IncompleteSignature');
    for (const name of V3_MUST_SIGN) {
      if (headers[name] !== undefined && !auth.signedHeaders.includes(name)) {
        throw failure('IncompleteSignature');
      }
    }
    if (!safeEqual(sha256Hex(incoming.rawBody), headers['x-acs-content-sha256'] as string)) {
      throw failure('IncompleteSignature');
    }
    const canonical = canonicalRequestV3(
      { method: incoming.method, query: incoming.query, headers },
      auth.signedHeaders,
    );
    if (!safeEqual(signatureV3(canonical, key.secret), auth.signature)) {
      throw failure('IncompleteSignature');
    }
    this.#checkNonce(accessKeyId, headers['x-acs-signature-nonce'] as string);
    this.#checkAction(action);
    return { signatureVersion: 'v3', accessKeyId, action, params: incoming.params };
  }

  #checkVersion(version: string | undefined): void {
    if (version !== API_VERSION) throw failure('InvalidVersion');
  }

  #checkTime(timestamp: string): void {
    const match = TIMESTAMP.exec(timestamp);
    if (!match) throw failure('IllegalTimestamp');
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    // Date.UTC rolls 2024-02-31 over into March; a round trip rejects such dates.
    if (Number.isNaN(ms) || alibabaTimestamp(ms) !== timestamp) {
      throw failure('IllegalTimestamp');
    }
    if (Math.abs(ms - this.#now()) > WINDOW_MS) throw failure('IllegalTimestamp');
  }

  #accessKey(accessKeyId: string, securityToken: string | undefined): AccessKeyConfig {
    const key = this.#keys.get(accessKeyId);
    if (!key) throw failure('InvalidAccessKeyId.NotFound');
    if (key.enabled === false) throw failure('Forbidden.AccessKey');
    if (key.securityToken !== undefined && !safeEqual(key.securityToken, securityToken ?? '')) {
      throw failure('InvalidSecurityToken.MismatchWithAccessKey');
    }
    return key;
  }

  #checkNonce(accessKeyId: string, nonce: string): void {
    if (!this.#nonces.use(accessKeyId, nonce, this.#now())) throw failure('SignatureNonceUsed');
  }

  #checkAction(action: string): void {
    if (!this.#isAction(action)) throw failure('InvalidAction.NotFound');
  }
}
