/**
 * Alibaba Cloud STS `AssumeRole` (API 2015-04-01): temporary credentials for a RAM role, asked
 * with this project's own V1 signer (`protocol/sign-v1.ts`) over the same kind of HTTP client as
 * KMS calls (no redirects, a size cap, a deadline). Nothing of the answer but its credentials is
 * kept, and no failure names more than a code and a status.
 */
import { randomUUID } from 'node:crypto';
import { isRecord } from '../codec/typed.js';
import type { Credentials } from '../protocol/credentials.js';
import { canonicalQuery } from '../protocol/percent-encode.js';
import { signV1 } from '../protocol/sign-v1.js';
import { alibabaTimestamp, parseAlibabaTimestamp } from '../protocol/timestamp.js';
import { createHttpClient, type HttpClient, TransportError } from './http-client.js';

export const STS_API_VERSION = '2015-04-01';

/** An AssumeRole answer is well under 4 KB; anything this large is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface AssumeRoleOptions {
  /** scheme://host[:port] of STS */
  readonly endpoint: URL;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

export interface TemporaryCredentials {
  readonly credentials: Credentials;
  /** epoch ms of the answer's Expiration */
  readonly expiresAt: number;
}

/** AssumeRole gave no credentials. `message` is safe to log: a failure kind, a code, a status. */
export class AssumeRoleFailed extends Error {
  override readonly name = 'AssumeRoleFailed';
}

/** A code as STS writes them (`NoPermission`, `InvalidParameter.RoleArn`), else a placeholder. */
const codeOf = (value: unknown): string =>
  typeof value === 'string' && /^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(value)
    ? value
    : 'no readable code';

const text = (value: unknown): value is string => typeof value === 'string' && value !== '';

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP client for STS alone: its answers are small. */
export const stsHttpClient = (): HttpClient => createHttpClient({ maxBodyBytes: MAX_ANSWER_BYTES });

/**
 * Assumes `options.roleArn` as `base`, by the deadline.
 * @throws AssumeRoleFailed when STS cannot be reached, refuses, or answers something else
 */
export async function assumeRole(
  http: HttpClient,
  base: Credentials,
  options: AssumeRoleOptions,
  deadline: number,
  signal?: AbortSignal,
): Promise<TemporaryCredentials> {
  const params = signV1(
    {
      Action: 'AssumeRole',
      Version: STS_API_VERSION,
      Format: 'JSON',
      RoleArn: options.roleArn,
      RoleSessionName: options.sessionName,
      DurationSeconds: String(options.durationSeconds),
    },
    base,
    { method: 'POST', nonce: randomUUID(), timestamp: alibabaTimestamp(new Date()) },
  );
  let answer: Awaited<ReturnType<HttpClient['send']>>;
  try {
    answer = await http.send({
      method: 'POST',
      url: new URL('/', options.endpoint),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: canonicalQuery(params),
      deadline,
      signal,
    });
  } catch (error) {
    const why = error instanceof TransportError ? `${error.failure}, ${error.reason}` : 'unknown';
    throw new AssumeRoleFailed(`STS AssumeRole failed (${why})`, { cause: error });
  }
  const body = parse(answer.body);
  if (answer.status !== 200) {
    throw new AssumeRoleFailed(
      `STS AssumeRole refused: ${codeOf(body?.Code)} (HTTP ${answer.status})`,
    );
  }
  const issued = body?.Credentials as Record<string, unknown> | undefined;
  const expiresAt = text(issued?.Expiration) ? parseAlibabaTimestamp(issued.Expiration) : undefined;
  if (
    !issued ||
    !text(issued.AccessKeyId) ||
    !text(issued.AccessKeySecret) ||
    !text(issued.SecurityToken) ||
    expiresAt === undefined
  ) {
    throw new AssumeRoleFailed('STS AssumeRole answer unreadable (no credentials in it)');
  }
  return {
    credentials: {
      accessKeyId: issued.AccessKeyId,
      accessKeySecret: issued.AccessKeySecret,
      securityToken: issued.SecurityToken,
    },
    expiresAt,
  };
}
