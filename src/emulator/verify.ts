/**
 * Authentication as the API gateway does it, in the gateway's order: method, route, then the
 * shared verifier (`protocol/verify.ts`: required common parameters, Version, timestamp window,
 * AccessKey, signature), nonce replay, Action. Authorization (an AccessKey's `allowedActions`) is
 * a separate, later step, as RAM's is: the server throttles in between.
 */
import { NonceWindow } from '../protocol/nonces.js';
import type { Format } from '../protocol/rpc.js';
import { parseAuthorizationV3 } from '../protocol/sign-v3.js';
import {
  SignatureRejected,
  type SignatureVersion,
  type SignedRequest,
  signatureVersionOf,
  verifySignature,
} from '../protocol/verify.js';
import { EmulatorError, failure } from './errors.js';
import { formatOf } from './respond.js';

export type { SignatureVersion } from '../protocol/verify.js';

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

export interface VerifierOptions {
  readonly accessKeys: readonly AccessKeyConfig[];
  readonly now: () => number;
  readonly isAction: (action: string) => boolean;
  /** the API version requests must name; default KMS's */
  readonly version?: string;
  /**
   * The key of a temporary (STS) AccessKeyId, or undefined when there is none; throws the
   * gateway's EmulatorError (InvalidSecurityToken.Expired) for one past its expiry.
   */
  readonly temporaryKey?: (accessKeyId: string, now: number) => AccessKeyConfig | undefined;
  /** the code a signature that does not match answers; default IncompleteSignature (KMS's) */
  readonly mismatch?: 'IncompleteSignature' | 'SignatureDoesNotMatch';
}

export class Verifier {
  readonly #keys: ReadonlyMap<string, AccessKeyConfig>;
  /** the allowed actions of the keys that limit them */
  readonly #allowed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #now: () => number;
  readonly #isAction: (action: string) => boolean;
  readonly #version: string | undefined;
  readonly #temporaryKey: VerifierOptions['temporaryKey'];
  readonly #mismatch: NonNullable<VerifierOptions['mismatch']>;
  readonly #nonces = new NonceWindow();

  constructor(options: VerifierOptions) {
    this.#keys = new Map(options.accessKeys.map((key) => [key.id, { ...key }]));
    this.#allowed = new Map(
      options.accessKeys.flatMap((key): [string, ReadonlySet<string>][] =>
        key.allowedActions === undefined ? [] : [[key.id, new Set(key.allowedActions)]],
      ),
    );
    this.#now = options.now;
    this.#isAction = options.isAction;
    this.#version = options.version;
    this.#temporaryKey = options.temporaryKey;
    this.#mismatch = options.mismatch ?? 'IncompleteSignature';
  }

  /** The authenticated request, or throws the gateway's EmulatorError. */
  verify(incoming: Incoming): Verified {
    if (incoming.method !== 'GET' && incoming.method !== 'POST') {
      throw failure('UnsupportedHTTPMethod');
    }
    if (incoming.path !== '/') throw failure('InvalidAction.NotFound');
    const now = this.#now();
    let signed: ReturnType<typeof verifySignature>;
    try {
      signed = verifySignature(toSigned(incoming), {
        keyOf: (id) => this.#keys.get(id) ?? this.#temporaryKey?.(id, now),
        now,
        version: this.#version,
      });
    } catch (error) {
      if (!(error instanceof SignatureRejected)) throw error;
      if (error.code === 'MissingParameter') {
        throw failure('MissingParameter', error.parameter, error);
      }
      const mismatch = error.code === 'IncompleteSignature' && error.parameter === 'Signature';
      throw failure(mismatch ? this.#mismatch : error.code, undefined, error);
    }
    const accessKeyId = signed.key.id;
    if (!this.#nonces.use(accessKeyId, signed.nonce, now)) throw failure('SignatureNonceUsed');
    if (!this.#isAction(signed.action)) throw failure('InvalidAction.NotFound');
    return {
      signatureVersion: signed.signatureVersion,
      accessKeyId,
      action: signed.action,
      params: incoming.params,
    };
  }

  /** Throws AccessDenied unless the request's AccessKey may call its action. */
  authorize(verified: Verified): void {
    const allowed = this.#allowed.get(verified.accessKeyId);
    if (allowed !== undefined && !allowed.has(verified.action)) {
      throw new AccessDenied(verified.action);
    }
  }
}

const toSigned = (incoming: Incoming): SignedRequest => ({
  method: incoming.method,
  query: incoming.query,
  params: incoming.params,
  headers: incoming.headers,
  body: incoming.rawBody,
});
