/**
 * Environment → one validated Config, read once at cold start. A bad setting does not crash the
 * import (that would surface as a bare API Gateway 502): it is reported as `problems`, and every
 * request then answers 500 InternalFailure with the problems in the log.
 */

import type { CallerSource } from './callers/caller-store.js';
import { ACTIONS, REGION_ENDPOINTS } from './kms/actions.generated.js';
import type { CodeSpelling } from './kms/errors.js';
import type { Credentials } from './protocol/credentials.js';
import type { Format } from './protocol/rpc.js';

export type Mode = 'sign' | 'passthrough';

/** Who may call: callers that sign with a caller key, IAM principals, or anyone (explicit only). */
export type CallerAuth = 'signature' | 'iam' | 'none';

/** Where an AccessKey comes from: the environment, or a Secrets Manager secret. */
export type KeySource =
  | { readonly kind: 'static'; readonly credentials: Credentials }
  | { readonly kind: 'secrets-manager'; readonly secretArn: string };

/** A RAM role assumed through STS AssumeRole, signed with the credentials of a KeySource. */
export interface RoleSource {
  readonly kind: 'role';
  /** `acs:ram::<accountId>:role/<name>` */
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  /** scheme://host[:port] of STS (`https://sts.aliyuncs.com`, a VPC endpoint, the emulator) */
  readonly stsEndpoint: URL;
  /** what signs AssumeRole */
  readonly base: KeySource;
}

export type CredentialSource = KeySource | RoleSource | { readonly kind: 'none' };

export interface Config {
  readonly mode: Mode;
  /** scheme://host[:port], never changed by anything the caller sends */
  readonly endpoint: URL;
  readonly signatureVersion: 'v1' | 'v3';
  readonly upstreamFormat: Format;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxAttempts: number;
  /** time kept back from the Lambda deadline to render and return the answer */
  readonly deadlineMarginMs: number;
  readonly allowedActions: ReadonlySet<string> | undefined;
  readonly codeSpelling: CodeSpelling;
  readonly accessLog: boolean;
  readonly credentials: CredentialSource;
  readonly callerAuth: CallerAuth;
  /** the callers directory: caller keys (signature) or principal policies (iam, optional) */
  readonly callers: CallerSource | undefined;
  /** how old the callers directory may get before a request waits for a re-read */
  readonly callersRefreshMs: number;
  /** a DynamoDB table shared by every instance for replay protection; else per instance */
  readonly nonceTable: string | undefined;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly string[] };

type Env = Readonly<Record<string, string | undefined>>;

const ROLE_ARN = /^acs:ram::\d+:role\/[A-Za-z0-9._-]{1,64}$/;
/** STS's own rule for RoleSessionName. */
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const DEFAULT_SESSION_NAME = 'kms-normalizer';
export const DEFAULT_STS_ENDPOINT = 'https://sts.aliyuncs.com';

export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = read(name);
    if (value === undefined) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (!match) problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return match ?? fallback;
  }
  function integer(name: string, fallback: number, min: number, max: number): number {
    const value = read(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  const mode = oneOf<Mode>('KMS_MODE', ['sign', 'passthrough'], 'sign');
  const endpoint = readEndpoint(read('KMS_ENDPOINT'), read('KMS_REGION'), problems);

  const credentials = readCredentials(read, integer, mode, problems);

  const callerAuth = oneOf<CallerAuth>(
    'KMS_CALLER_AUTH',
    ['signature', 'iam', 'none'],
    mode === 'sign' ? 'signature' : 'none',
  );
  if (mode === 'passthrough' && callerAuth === 'signature') {
    problems.push(
      'KMS_CALLER_AUTH=signature needs KMS_MODE=sign: in passthrough the caller signs for KMS, and that signature must reach KMS untouched',
    );
  }
  const callersFile = read('KMS_CALLER_KEYS_FILE');
  const callersSecret = read('KMS_CALLER_KEYS_SECRET_ARN');
  if (callersFile && callersSecret) {
    problems.push('set KMS_CALLER_KEYS_SECRET_ARN or KMS_CALLER_KEYS_FILE, not both');
  }
  const callers: CallerSource | undefined = callersSecret
    ? { kind: 'secrets-manager', secretArn: callersSecret }
    : callersFile
      ? { kind: 'file', path: callersFile }
      : undefined;
  if (callerAuth === 'signature' && !callers) {
    problems.push(
      'KMS_CALLER_AUTH=signature needs the caller keys: KMS_CALLER_KEYS_SECRET_ARN (or KMS_CALLER_KEYS_FILE locally)',
    );
  }

  const allowed = read('KMS_ALLOWED_ACTIONS');
  // A misspelt action would silently never be allowed: refuse it instead.
  for (const action of allowed?.split(',') ?? []) {
    const name = action.trim();
    if (name && !Object.hasOwn(ACTIONS, name)) {
      problems.push(`KMS_ALLOWED_ACTIONS names ${JSON.stringify(name)}, which is not a KMS action`);
    }
  }
  const config: Config = {
    mode,
    endpoint: endpoint ?? new URL('https://invalid.invalid'),
    signatureVersion: oneOf('KMS_SIGNATURE_VERSION', ['v1', 'v3'], 'v1'),
    upstreamFormat: oneOf('KMS_UPSTREAM_FORMAT', ['JSON', 'XML'], 'JSON'),
    timeoutMs: integer('KMS_TIMEOUT_MS', 5000, 100, 900_000),
    maxBodyBytes: integer('KMS_MAX_BODY_BYTES', 1_048_576, 1024, 6 * 1_048_576),
    maxAttempts: integer('KMS_MAX_ATTEMPTS', 3, 1, 10),
    deadlineMarginMs: integer('KMS_DEADLINE_MARGIN_MS', 500, 50, 10_000),
    allowedActions: allowed
      ? new Set(
          allowed
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
        )
      : undefined,
    codeSpelling: oneOf<CodeSpelling>(
      'KMS_CODE_SPELLING',
      ['documented', 'corrected'],
      'documented',
    ),
    accessLog: oneOf('KMS_ACCESS_LOG', ['true', 'false'], 'false') === 'true',
    credentials,
    callerAuth,
    callers,
    callersRefreshMs: integer('KMS_CALLER_KEYS_REFRESH_S', 60, 1, 300) * 1000,
    nonceTable: read('KMS_NONCE_TABLE'),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

type Read = (name: string) => string | undefined;
type ReadInteger = (name: string, fallback: number, min: number, max: number) => number;

/** Where sign mode's credentials come from: a key pair or a secret, and maybe a role they assume. */
function readCredentials(
  read: Read,
  integer: ReadInteger,
  mode: Mode,
  problems: string[],
): CredentialSource {
  const keys = readKeys(read, mode, problems);
  const roleArn = read('KMS_ROLE_ARN');
  if (roleArn === undefined) return keys ?? { kind: 'none' };
  const role = readRole(roleArn, read, integer, problems);
  if (keys) return { ...role, base: keys };
  problems.push(
    'KMS_ROLE_ARN needs the credentials that assume it: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or KMS_CREDENTIALS_SECRET_ARN',
  );
  return { kind: 'none' };
}

function readKeys(read: Read, mode: Mode, problems: string[]): KeySource | undefined {
  const accessKeyId = read('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = read('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const secretArn = read('KMS_CREDENTIALS_SECRET_ARN');
  if (accessKeyId && accessKeySecret) {
    return {
      kind: 'static',
      credentials: {
        accessKeyId,
        accessKeySecret,
        securityToken: read('ALIBABA_CLOUD_SECURITY_TOKEN'),
      },
    };
  }
  if (secretArn) return { kind: 'secrets-manager', secretArn };
  if (mode === 'sign') {
    problems.push(
      'sign mode needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or KMS_CREDENTIALS_SECRET_ARN',
    );
  }
  return undefined;
}

function readRole(
  roleArn: string,
  read: Read,
  integer: ReadInteger,
  problems: string[],
): Omit<RoleSource, 'base'> {
  if (!ROLE_ARN.test(roleArn)) {
    problems.push('KMS_ROLE_ARN must be acs:ram::<accountId>:role/<name>');
  }
  const sessionName = read('KMS_ROLE_SESSION_NAME') ?? DEFAULT_SESSION_NAME;
  if (!SESSION_NAME.test(sessionName)) {
    problems.push('KMS_ROLE_SESSION_NAME must be 2 to 64 characters: letters, digits and . @ - _');
  }
  const stsEndpoint = readOrigin(
    'KMS_STS_ENDPOINT',
    read('KMS_STS_ENDPOINT') ?? DEFAULT_STS_ENDPOINT,
    problems,
  );
  return {
    kind: 'role',
    roleArn,
    sessionName,
    // Alibaba's bounds; the role's MaxSessionDuration may be lower (STS then refuses).
    durationSeconds: integer('KMS_ROLE_DURATION_S', 3600, 900, 43_200),
    stsEndpoint: stsEndpoint ?? new URL(DEFAULT_STS_ENDPOINT),
  };
}

/** `text` as scheme://host[:port], or undefined with the problem named after `name`. */
function readOrigin(name: string, text: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${name} must be an absolute URL`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`${name} must be http:// or https://`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    problems.push(`${name} must be scheme://host[:port] with no path, query or user`);
  }
  return new URL(url.origin);
}

function readEndpoint(
  endpoint: string | undefined,
  region: string | undefined,
  problems: string[],
): URL | undefined {
  if (endpoint) return readOrigin('KMS_ENDPOINT', endpoint, problems);
  if (region) {
    const host = Object.hasOwn(REGION_ENDPOINTS, region) ? REGION_ENDPOINTS[region] : undefined;
    if (!host) {
      problems.push(`KMS_REGION ${JSON.stringify(region)} is not a KMS region`);
      return undefined;
    }
    return new URL(`https://${host}`);
  }
  problems.push('set KMS_ENDPOINT or KMS_REGION');
  return undefined;
}
