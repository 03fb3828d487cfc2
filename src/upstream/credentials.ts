/**
 * Alibaba credentials for sign mode, from one of three sources:
 *
 * - the environment: used as given, forever (an STS token there cannot be renewed: it fails
 *   with InvalidSecurityToken.Expired once it expires);
 * - an AWS Secrets Manager secret (JSON `{"AccessKeyId","AccessKeySecret","SecurityToken"?,
 *   "Expiration"?}`), read on first use and re-read every five minutes, so a rotated secret is
 *   picked up without a redeploy;
 * - a RAM role assumed through STS AssumeRole (`sts.ts`), signed with either of the above and
 *   renewed before it expires (RENEW_LEAD_MAX_MS).
 *
 * A source that can renew serves its last good credentials while renewing fails, until they
 * expire, and reports each failed renewal once; past their expiry a request is refused with
 * CredentialsExpired (503: it may pass), and a renewal is tried again at most every few seconds.
 */
import { type SecretReader, SecretUnavailable, secretReader } from '../aws/secrets-manager.js';
import { isRecord } from '../codec/typed.js';
import type { CredentialSource, KeySource, RoleSource } from '../config.js';
import type { Credentials } from '../protocol/credentials.js';
import { holdCredentials } from '../protocol/held-secrets.js';
import { parseAlibabaTimestamp } from '../protocol/timestamp.js';
import type { HttpClient } from './http-client.js';
import { AssumeRoleFailed, assumeRole, stsHttpClient } from './sts.js';

/** How long a secret read from Secrets Manager is used before it is read again. */
export const SECRET_CACHE_MS = 5 * 60_000;
/**
 * Renewal starts when this much of a credential's life is left (or a quarter of it, when that is
 * less): long enough for a request signed just before to finish (a request lasts at most 30 s)
 * and for some thirty tries, while STS fails, before anyone is refused; short enough that a
 * token serves most of its life. A 3600 s token is renewed after 55 minutes.
 */
export const RENEW_LEAD_MAX_MS = 5 * 60_000;
/** After a failed renewal, the next is tried no sooner than this (or a fifth of the lead). */
export const RETRY_MAX_MS = 10_000;
/** How long a request that still has good credentials waits for their renewal. */
export const RENEW_WAIT_MS = 1_000;
/** How long one renewal may take, whoever waits for it. */
export const RENEW_TIMEOUT_MS = 5_000;

/**
 * The credentials to sign with now. Every set it returns is held (`protocol/held-secrets.ts`)
 * first, so no log line can carry it, wherever it came from.
 *
 * @throws CredentialsUnavailable when none are configured, or none could be had
 * @throws CredentialsExpired when the last good ones expired and could not be renewed
 */
export type CredentialProvider = (signal: AbortSignal) => Promise<Credentials>;

export class CredentialsUnavailable extends Error {
  override readonly name: string = 'CredentialsUnavailable';
}

/** The credentials expired and renewing them failed: a temporary failure. */
export class CredentialsExpired extends CredentialsUnavailable {
  override readonly name: string = 'CredentialsExpired';
}

/** One failed renewal, as it is reported (once). Every field is safe to log. */
interface RenewalFailure {
  readonly source: 'secrets-manager' | 'role';
  /** what failed: an error kind, a code, a status; never a secret */
  readonly reason: string;
  /** until when the credentials in use stay good (epoch ms); undefined once they expired */
  readonly servingUntil: number | undefined;
}

/** Where failed renewals are told: the function's logger. */
export interface RenewalLog {
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export interface ProviderOptions {
  /** told once per failed renewal: WARN while good credentials are served, ERROR once none are */
  readonly log?: RenewalLog | undefined;
  /** the HTTP client for STS; one of its own by default */
  readonly stsHttp?: HttpClient | undefined;
}

/** The `credentials not renewed` line. */
function tell(log: RenewalLog | undefined, failure: RenewalFailure): void {
  const { source, reason, servingUntil } = failure;
  if (servingUntil === undefined) {
    log?.error('credentials not renewed', { source, reason, serving: 'none' });
  } else {
    log?.warn('credentials not renewed', {
      source,
      reason,
      serving_until: Number.isFinite(servingUntil)
        ? new Date(servingUntil).toISOString()
        : 'no expiry',
    });
  }
}

/** Credentials and when they stop being good (epoch ms; Infinity when they do not say). */
interface Lease {
  readonly credentials: Credentials;
  readonly expiresAt: number;
  /** when renewing them starts */
  readonly renewAt: number;
}

function leaseOf(credentials: Credentials, expiresAt: number, renewAt = Infinity): Lease {
  const now = Date.now();
  // Credentials that come already expired (a clock behind STS's) are renewed when next asked.
  const lead = Math.max(0, Math.min(RENEW_LEAD_MAX_MS, (expiresAt - now) / 4));
  return { credentials, expiresAt, renewAt: Math.min(renewAt, expiresAt - lead) };
}

/** The pause after a failed renewal: short beside the time left to renew in. */
const retryDelay = (lease: Lease | undefined) =>
  lease ? Math.min(RETRY_MAX_MS, (lease.expiresAt - lease.renewAt) / 5) : 0;

/** Settles when `promise` does, or after `ms`, or when `signal` aborts, whichever is first. */
function waitAtMost(promise: Promise<unknown>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}

/** `promise`, unless `signal` aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted)
    return Promise.reject(new CredentialsUnavailable('credentials lookup aborted'));
  return new Promise((resolve, reject) => {
    const abort = () => reject(new CredentialsUnavailable('credentials lookup aborted'));
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * Credentials over `obtain`: the lease while it is fresh; past its renewal time, a renewal (one
 * at a time, shared by whoever asks meanwhile), waited for briefly while the lease is still good.
 */
class Renewing {
  #lease: Lease | undefined;
  #pending: Promise<Lease> | undefined;
  #retryAt = 0;

  constructor(
    readonly source: RenewalFailure['source'],
    readonly obtain: (signal: AbortSignal) => Promise<Lease>,
    readonly log: RenewalLog | undefined,
  ) {}

  async get(signal: AbortSignal): Promise<Credentials> {
    const held = this.#lease;
    const now = Date.now();
    if (held && now < held.renewAt) return held.credentials;
    if (held && now < held.expiresAt) return this.#servedWhileRenewing(held, now, signal);
    return this.#renewed(held, now, signal);
  }

  /** Still good: renew, but serve these when renewing fails or takes long. */
  async #servedWhileRenewing(held: Lease, now: number, signal: AbortSignal) {
    const renewal = this.#pending ?? (now >= this.#retryAt ? this.#renew(signal) : undefined);
    if (renewal) await waitAtMost(renewal, RENEW_WAIT_MS, signal);
    return (this.#lease ?? held).credentials;
  }

  /** None yet, or expired: only a renewal can answer. */
  async #renewed(held: Lease | undefined, now: number, signal: AbortSignal) {
    if (held && !this.#pending && now < this.#retryAt) {
      throw new CredentialsExpired(`the ${this.source} credentials expired and were not renewed`);
    }
    try {
      // A request that only joins a renewal stops waiting at its own deadline.
      const next = await (this.#pending
        ? untilAborted(this.#pending, signal)
        : this.#renew(signal));
      return next.credentials;
    } catch (error) {
      if (held) {
        throw new CredentialsExpired(
          `the ${this.source} credentials expired and were not renewed: ${reasonOf(error)}`,
          { cause: error },
        );
      }
      throw error instanceof CredentialsUnavailable
        ? error
        : new CredentialsUnavailable(reasonOf(error), { cause: error });
    }
  }

  #renew(signal: AbortSignal): Promise<Lease> {
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(RENEW_TIMEOUT_MS)]);
    const renewal = this.obtain(bounded).then(
      (next) => {
        this.#lease = next;
        this.#retryAt = 0;
        return next;
      },
      (error: unknown) => {
        this.#failed(error);
        throw error;
      },
    );
    this.#pending = renewal;
    void renewal
      .finally(() => {
        if (this.#pending === renewal) this.#pending = undefined;
      })
      .catch(() => {});
    return renewal;
  }

  /** Next try later; a renewal that fails is told (a first read that fails is the request's). */
  #failed(error: unknown): void {
    const lease = this.#lease;
    this.#retryAt = Date.now() + retryDelay(lease);
    if (!lease) return;
    const servingUntil = lease.expiresAt > Date.now() ? lease.expiresAt : undefined;
    try {
      tell(this.log, { source: this.source, reason: reasonOf(error), servingUntil });
    } catch {
      // Telling is best effort; the failure itself is what the caller gets.
    }
  }
}

function renewing(
  source: RenewalFailure['source'],
  obtain: (signal: AbortSignal) => Promise<Lease>,
  options: ProviderOptions,
): CredentialProvider {
  const renewing = new Renewing(source, obtain, options.log);
  return (signal) => renewing.get(signal);
}

/** A failure's message, which every error raised on this path keeps free of secrets. */
const reasonOf = (error: unknown): string =>
  error instanceof CredentialsUnavailable || error instanceof AssumeRoleFailed
    ? error.message
    : error instanceof SecretUnavailable
      ? error.reason
      : 'credentials lookup failed';

function fromSecretString(secret: string): { credentials: Credentials; expiresAt: number } {
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch (error) {
    throw new CredentialsUnavailable('the credentials secret is not JSON', { cause: error });
  }
  if (!isRecord(value)) {
    throw new CredentialsUnavailable('the credentials secret is not a JSON object');
  }
  const fields = value;
  const pick = (...names: string[]) => {
    for (const name of names)
      if (typeof fields[name] === 'string' && fields[name]) return fields[name];
    return undefined;
  };
  const accessKeyId = pick('AccessKeyId', 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = pick('AccessKeySecret', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  if (!accessKeyId || !accessKeySecret) {
    throw new CredentialsUnavailable('the credentials secret lacks AccessKeyId or AccessKeySecret');
  }
  const credentials = {
    accessKeyId,
    accessKeySecret,
    securityToken: pick('SecurityToken', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
  };
  // Held before anything else can fail and log: the secret is read now.
  holdCredentials(credentials);
  const expiration = pick('Expiration');
  const expiresAt = expiration === undefined ? Infinity : parseAlibabaTimestamp(expiration);
  if (expiresAt === undefined) {
    throw new CredentialsUnavailable(
      'the credentials secret has an Expiration that is not yyyy-MM-ddTHH:mm:ssZ',
    );
  }
  return { credentials, expiresAt };
}

function fromSecretsManager(secretArn: string, options: ProviderOptions): CredentialProvider {
  const read: SecretReader = secretReader();
  return renewing(
    'secrets-manager',
    async (signal) => {
      let text: string;
      try {
        text = await read(secretArn, signal);
      } catch (error) {
        if (!(error instanceof SecretUnavailable)) throw error;
        // The reason names which secret it is about.
        throw new CredentialsUnavailable(
          error.reason.replace(/^the secret\b/, 'the credentials secret'),
          { cause: error },
        );
      }
      const { credentials, expiresAt } = fromSecretString(text);
      return leaseOf(credentials, expiresAt, Date.now() + SECRET_CACHE_MS);
    },
    options,
  );
}

function fromKeys(source: KeySource, options: ProviderOptions): CredentialProvider {
  if (source.kind === 'static') {
    holdCredentials(source.credentials);
    return async () => source.credentials;
  }
  return fromSecretsManager(source.secretArn, options);
}

function fromRole(source: RoleSource, options: ProviderOptions): CredentialProvider {
  const base = fromKeys(source.base, options);
  const http = options.stsHttp ?? stsHttpClient();
  return renewing(
    'role',
    async (signal) => {
      const signer = await base(signal);
      const issued = await assumeRole(
        http,
        signer,
        {
          endpoint: source.stsEndpoint,
          roleArn: source.roleArn,
          sessionName: source.sessionName,
          durationSeconds: source.durationSeconds,
        },
        Date.now() + RENEW_TIMEOUT_MS,
        signal,
      );
      holdCredentials(issued.credentials);
      return leaseOf(issued.credentials, issued.expiresAt);
    },
    options,
  );
}

export function createCredentialProvider(
  source: CredentialSource,
  options: ProviderOptions = {},
): CredentialProvider {
  switch (source.kind) {
    case 'none':
      return async () => {
        throw new CredentialsUnavailable('no credentials configured');
      };
    case 'role':
      return fromRole(source, options);
    default:
      return fromKeys(source, options);
  }
}
