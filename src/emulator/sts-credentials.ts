/**
 * The temporary credentials the emulated STS has issued: an `STS.` AccessKeyId, its secret and
 * SecurityToken, good until they expire. Requests signed with them are then refused with
 * InvalidSecurityToken.Expired, as the real gateway refuses an expired token.
 */
import { randomBytes } from 'node:crypto';
import { alibabaTimestamp } from '../protocol/timestamp.js';
import { failure } from './errors.js';
import type { AccessKeyConfig } from './verify.js';

/** Credentials as AssumeRole answers them. */
export interface IssuedCredentials {
  readonly AccessKeyId: string;
  readonly AccessKeySecret: string;
  readonly SecurityToken: string;
  /** Alibaba's timestamp format, UTC to the second */
  readonly Expiration: string;
}

interface Issued {
  readonly key: AccessKeyConfig;
  /** epoch ms */
  readonly expiresAt: number;
}

/** Issued credentials kept (the oldest are forgotten past it, then answer NotFound). */
const MAX_ISSUED = 10_000;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits (the modulo bias is irrelevant for test credentials). */
const randomText = (length: number): string =>
  Array.from(randomBytes(length), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');

export class TemporaryCredentials {
  readonly #issued = new Map<string, Issued>();

  /** New credentials, valid from `now` for `durationSeconds`. */
  issue(now: number, durationSeconds: number): IssuedCredentials {
    const key: AccessKeyConfig = {
      id: `STS.${randomText(25)}`,
      secret: randomText(44),
      // Real tokens are long base64 text; `+`, `/` and `=` test the callers' encoding too.
      securityToken: randomBytes(240).toString('base64'),
    };
    const expiresAt = now + durationSeconds * 1000;
    this.#issued.set(key.id, { key, expiresAt });
    if (this.#issued.size > MAX_ISSUED) {
      const oldest = this.#issued.keys().next().value as string;
      this.#issued.delete(oldest);
    }
    return {
      AccessKeyId: key.id,
      AccessKeySecret: key.secret,
      SecurityToken: key.securityToken as string,
      // To the second, rounded down: a caller that trusts it never uses a key past its expiry.
      Expiration: alibabaTimestamp(expiresAt),
    };
  }

  /**
   * The signing key of an issued AccessKeyId, or undefined when none was issued; throws
   * InvalidSecurityToken.Expired once it has expired.
   */
  keyOf(accessKeyId: string, now: number): AccessKeyConfig | undefined {
    const issued = this.#issued.get(accessKeyId);
    if (!issued) return undefined;
    if (now >= issued.expiresAt) throw failure('InvalidSecurityToken.Expired');
    return issued.key;
  }
}
