/**
 * The callers document an operator writes (a Secrets Manager secret or, locally, a file): who
 * may call and what each may do. A JSON array of entries, each either a caller key or an IAM
 * principal pattern:
 *
 * ```json
 * [{"AccessKeyId":"app1-…","AccessKeySecret":"…","Enabled":true,"SecurityToken":"…",
 *   "Actions":["Encrypt","Decrypt"],"Resources":["alias/app1-*"]},
 *  {"Principal":"arn:aws:sts::123456789012:assumed-role/app2/*","Actions":["*"]}]
 * ```
 *
 * Read strictly: an unknown field, a wrong type, an unknown action or a repeated AccessKeyId
 * refuses the whole document (a typo must not widen or silently narrow anyone's rights).
 */
import { isRecord } from '../codec/typed.js';
import { ACTIONS } from '../kms/actions.generated.js';
import type { SigningKey } from '../protocol/verify.js';
import { type CallerPolicy, parseResourcePattern } from './policy.js';

export interface CallerKey extends SigningKey {
  readonly policy: CallerPolicy;
}

export interface PrincipalEntry {
  /** an IAM principal ARN, or a prefix of one when the pattern ended in `*` */
  readonly principal: string;
  readonly prefix: boolean;
  readonly policy: CallerPolicy;
}

export interface CallerDirectory {
  readonly keys: ReadonlyMap<string, CallerKey>;
  /** in document order: the first match decides */
  readonly principals: readonly PrincipalEntry[];
}

export class InvalidCallerDocument extends Error {
  override readonly name = 'InvalidCallerDocument';
}

const KEY_FIELDS = new Set([
  'AccessKeyId',
  'AccessKeySecret',
  'Enabled',
  'SecurityToken',
  'Actions',
  'Resources',
  'Description',
]);
const PRINCIPAL_FIELDS = new Set(['Principal', 'Actions', 'Resources', 'Description']);

function text(entry: Record<string, unknown>, field: string, where: string, required: boolean) {
  const value = entry[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 1024) {
    throw new InvalidCallerDocument(`${where}.${field} must be a non-empty string`);
  }
  return value;
}

/** The actions an entry allows: undefined for `"*"` (every action). */
function actionsOf(entry: Record<string, unknown>, where: string): ReadonlySet<string> | undefined {
  const actions = entry.Actions;
  if (!Array.isArray(actions) || actions.length === 0) {
    throw new InvalidCallerDocument(`${where}.Actions must list actions (or "*")`);
  }
  for (const action of actions) {
    if (action !== '*' && !(typeof action === 'string' && Object.hasOwn(ACTIONS, action))) {
      throw new InvalidCallerDocument(
        `${where}.Actions: ${JSON.stringify(action)} is not a KMS action`,
      );
    }
  }
  return actions.includes('*') ? undefined : new Set(actions as string[]);
}

/** The resources an entry may name: undefined when absent or `"*"` (every resource). */
function resourcesOf(entry: Record<string, unknown>, where: string): CallerPolicy['resources'] {
  const resources = entry.Resources;
  if (resources === undefined) return undefined;
  if (!Array.isArray(resources) || resources.length === 0) {
    throw new InvalidCallerDocument(`${where}.Resources must be a non-empty list when given`);
  }
  const patterns = resources.map((resource) => {
    if (typeof resource !== 'string') {
      throw new InvalidCallerDocument(`${where}.Resources must hold strings`);
    }
    try {
      return parseResourcePattern(resource);
    } catch (error) {
      throw new InvalidCallerDocument(`${where}.Resources: ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
  return resources.includes('*') ? undefined : patterns;
}

const policyOf = (entry: Record<string, unknown>, where: string): CallerPolicy => ({
  actions: actionsOf(entry, where),
  resources: resourcesOf(entry, where),
});

function checkFields(entry: Record<string, unknown>, allowed: ReadonlySet<string>, where: string) {
  for (const field of Object.keys(entry)) {
    if (!allowed.has(field))
      throw new InvalidCallerDocument(`${where}: unknown field ${JSON.stringify(field)}`);
  }
}

/**
 * The directory a callers document describes.
 * @throws InvalidCallerDocument saying where the document is wrong
 */
export function readCallerDocument(json: string): CallerDirectory {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new InvalidCallerDocument('the callers document is not JSON', { cause: error });
  }
  if (!Array.isArray(document))
    throw new InvalidCallerDocument('the callers document must be a JSON array');
  const keys = new Map<string, CallerKey>();
  const principals: PrincipalEntry[] = [];
  document.forEach((entry: unknown, index) => {
    const where = `[${index}]`;
    if (!isRecord(entry)) throw new InvalidCallerDocument(`${where} must be an object`);
    if (entry.Principal !== undefined) {
      checkFields(entry, PRINCIPAL_FIELDS, where);
      const pattern = text(entry, 'Principal', where, true) as string;
      const prefix = pattern.endsWith('*');
      principals.push({
        principal: prefix ? pattern.slice(0, -1) : pattern,
        prefix,
        policy: policyOf(entry, where),
      });
      return;
    }
    checkFields(entry, KEY_FIELDS, where);
    const id = text(entry, 'AccessKeyId', where, true) as string;
    if (keys.has(id))
      throw new InvalidCallerDocument(`${where}.AccessKeyId repeats an earlier entry`);
    const enabled = entry.Enabled;
    if (enabled !== undefined && typeof enabled !== 'boolean') {
      throw new InvalidCallerDocument(`${where}.Enabled must be true or false`);
    }
    keys.set(id, {
      id,
      secret: text(entry, 'AccessKeySecret', where, true) as string,
      enabled: enabled !== false,
      securityToken: text(entry, 'SecurityToken', where, false),
      policy: policyOf(entry, where),
    });
  });
  return { keys, principals };
}

/** The policy of the first entry whose pattern matches the principal, if any. */
export function policyOfPrincipal(
  directory: CallerDirectory,
  principal: string,
): CallerPolicy | undefined {
  for (const entry of directory.principals) {
    const hit = entry.prefix
      ? principal.startsWith(entry.principal)
      : principal === entry.principal;
    if (hit) return entry.policy;
  }
  return undefined;
}
