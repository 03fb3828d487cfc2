/**
 * What one caller may do: the actions it may call and, optionally, the keys, aliases and secrets
 * it may name. One model for both identity sources (caller keys and IAM principals).
 *
 * Resources are written as `alias/<name>`, `key/<id>` (or a bare key id), `secret/<name>`, or
 * the ARN of any of these (`acs:kms:<region>:<account>:key/<id>`); a trailing `*` makes a prefix
 * (`alias/app-*`). ARNs are compared by resource type and name: the function reaches one region
 * and one account (its endpoint and its AccessKey), so those parts add nothing.
 */

export type ResourceKind = 'key' | 'alias' | 'secret';

export interface ResourcePattern {
  readonly kind: ResourceKind;
  /** the name (key id, alias name with its `alias/`, secret name), without a trailing `*` */
  readonly name: string;
  readonly prefix: boolean;
}

export interface CallerPolicy {
  /** undefined: every action (still bounded by KMS_ALLOWED_ACTIONS) */
  readonly actions: ReadonlySet<string> | undefined;
  /** undefined: every resource */
  readonly resources: readonly ResourcePattern[] | undefined;
}

/** A resource a request names or an answer reveals, reduced to its kind and name. */
export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly name: string;
}

const ARN = /^acs:kms:[^:]*:[^:]*:(key|alias|secret)\/(.+)$/;

/** A resource as a request names it in a key parameter (`KeyId`): an id, an alias, or an ARN. */
export function keyRef(value: string): ResourceRef {
  const arn = ARN.exec(value);
  if (arn) {
    const [, type, name] = arn as unknown as [string, ResourceKind, string];
    return type === 'alias' ? { kind: 'alias', name: `alias/${name}` } : { kind: type, name };
  }
  if (value.startsWith('alias/')) return { kind: 'alias', name: value };
  return { kind: 'key', name: value };
}

/** A secret as a request names it (`SecretName`): a name or an ARN. */
export function secretRef(value: string): ResourceRef {
  const arn = ARN.exec(value);
  if (arn && arn[1] === 'secret') return { kind: 'secret', name: arn[2] as string };
  return { kind: 'secret', name: value };
}

/** An alias as a request names it (`AliasName`): always `alias/…`. */
export const aliasRef = (value: string): ResourceRef => ({ kind: 'alias', name: value });

/**
 * Reads one pattern of a caller's `Resources`.
 * @throws TypeError naming what is wrong
 */
export function parseResourcePattern(text: string): ResourcePattern {
  if (text.length === 0 || text.length > 512)
    throw new TypeError('a resource must be 1 to 512 characters');
  const prefix = text.endsWith('*');
  const body = prefix ? text.slice(0, -1) : text;
  if (body.includes('*')) throw new TypeError(`${JSON.stringify(text)}: "*" only at the end`);
  let ref: ResourceRef;
  if (body.startsWith('secret/')) ref = { kind: 'secret', name: body.slice('secret/'.length) };
  else if (body.startsWith('key/')) ref = { kind: 'key', name: body.slice('key/'.length) };
  else if (ARN.test(body) || body.startsWith('alias/')) ref = keyRef(body);
  else if (body.startsWith('acs:')) {
    // A prefix pattern may stop inside the ARN's type/name part; a whole one must parse.
    throw new TypeError(`${JSON.stringify(text)} is not a KMS key, alias or secret ARN`);
  } else ref = { kind: 'key', name: body };
  if (ref.name === '' && !prefix) throw new TypeError(`${JSON.stringify(text)} names nothing`);
  return { ...ref, prefix };
}

function matches(pattern: ResourcePattern, ref: ResourceRef): boolean {
  if (pattern.kind !== ref.kind) return false;
  return pattern.prefix ? ref.name.startsWith(pattern.name) : ref.name === pattern.name;
}

/** True when the policy names this resource (or names none, allowing every resource). */
export function allowsResource(policy: CallerPolicy, ref: ResourceRef): boolean {
  return policy.resources === undefined || policy.resources.some((p) => matches(p, ref));
}

/** True when some pattern of the policy is of this kind: only then is resolving worth a call. */
export const namesKind = (policy: CallerPolicy, kind: ResourceKind): boolean =>
  policy.resources?.some((p) => p.kind === kind) ?? false;

export const allowsAction = (policy: CallerPolicy, action: string): boolean =>
  policy.actions === undefined || policy.actions.has(action);

/** A policy that allows everything: callers with no entry in a directory that has none. */
export const UNRESTRICTED: CallerPolicy = { actions: undefined, resources: undefined };
