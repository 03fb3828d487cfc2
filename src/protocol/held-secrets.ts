/**
 * The secrets this process holds (its own AccessKeySecret and SecurityToken, wherever they were
 * read from, and any other key material it is handed), so that no output can carry them. Whoever
 * obtains a secret registers it here the moment it has it; the log scrubs every line against what
 * is held. Like GitHub Actions' `add-mask`, but for a Lambda container.
 */
import type { Credentials } from './credentials.js';

/** Enough for every rotation a warm container sees; the oldest is forgotten first. */
const MAX_HELD = 64;

const secrets = new Set<string>();
const accessKeyIds = new Set<string>();
let version = 0;

function remember(set: Set<string>, value: string | undefined): void {
  if (!value || set.has(value)) return;
  set.add(value);
  if (set.size > MAX_HELD) set.delete(set.values().next().value as string);
  version += 1;
}

/** Holds a secret value: from now on it is scrubbed from every log line. */
export function holdSecret(value: string | undefined): void {
  remember(secrets, value);
}

/** Holds a credential set: the secret and token as secrets, the AccessKeyId as an id. */
export function holdCredentials(credentials: Credentials): void {
  remember(secrets, credentials.accessKeySecret);
  remember(secrets, credentials.securityToken);
  remember(accessKeyIds, credentials.accessKeyId);
}

export interface HeldSecrets {
  readonly secrets: readonly string[];
  readonly accessKeyIds: readonly string[];
  /** changes whenever something new is held: a cache key for compiled scrubbers */
  readonly version: number;
}

/** Cheap to call on every log line: compare it with the version a scrubber was built for. */
export const heldVersion = (): number => version;

export function heldSecrets(): HeldSecrets {
  return { secrets: [...secrets], accessKeyIds: [...accessKeyIds], version };
}
