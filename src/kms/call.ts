/**
 * Checks a call before anything goes upstream: the method, the Action (known, allowed), the
 * API version, required parameters present and integer/boolean/JSON parameters well-formed.
 */
import { API_VERSION, type Params, V1_SIGNING_PARAMS } from '../protocol/rpc.js';
import { ACTIONS } from './actions.generated.js';
import { gatewayError } from './envelope.js';
import type { ActionSpec, ParamSpec } from './schema.js';

export interface RpcCall {
  readonly action: string;
  readonly spec: ActionSpec;
  readonly params: Params;
}

const INTEGER = /^[+-]?\d+$/;
const BOOLEAN = /^(true|false)$/i;

function isPresent(params: Params, param: ParamSpec): boolean {
  const value = params[param.name];
  if (value !== undefined && value !== '') return true;
  // A repeated list travels as Name.1, Name.1.Key, …
  if (param.kind === 'list') {
    const prefix = `${param.name}.`;
    return Object.keys(params).some((name) => name.startsWith(prefix));
  }
  return false;
}

function isWellFormed(value: string, param: ParamSpec): boolean {
  switch (param.kind) {
    case 'integer':
      return INTEGER.test(value);
    case 'boolean':
      return BOOLEAN.test(value);
    case 'json':
      try {
        JSON.parse(value);
        return true;
      } catch {
        return false;
      }
    default:
      return true;
  }
}

/**
 * The route of an RPC call: `GET` or `POST` on `/`, as `kms.<region>.aliyuncs.com` answers.
 * @throws KmsError UnsupportedHTTPMethod (403), InvalidAction.NotFound (404)
 */
export function checkRoute(method: string, path: string): void {
  if (method !== 'GET' && method !== 'POST') throw gatewayError('UnsupportedHTTPMethod');
  if (path !== '/' && path !== '') throw gatewayError('InvalidAction.NotFound');
}

/** Common parameters of every call, by their lower-case name. */
const COMMON_NAMES = new Map(
  ['Action', 'Version', 'Format', 'RegionId', ...V1_SIGNING_PARAMS].map((n) => [
    n.toLowerCase(),
    n,
  ]),
);
/** Alibaba's bearer-token authentication: never accepted here, in any spelling. */
const REFUSED_NAMES = new Set(['signaturetype', 'bearertoken']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001F\u007F]/;
const SHOWN_NAME_MAX = 128;

/** A parameter name as an error message may quote it: bounded, control characters replaced. */
function shown(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
  const printable = name.replace(/[\u0000-\u001F\u007F]/g, '\uFFFD');
  return printable.length > SHOWN_NAME_MAX ? `${printable.slice(0, SHOWN_NAME_MAX)}…` : printable;
}

/**
 * Names KMS might read differently than this gateway does are refused, so that the name the
 * checks and the policy read is the name KMS acts on: control characters (a URL parser drops a
 * TAB, turning `Act%09ion` into `Action`), a known name in another case (`keyid` beside
 * `KeyId`, `action`), and bearer-token authentication.
 * @throws KmsError InvalidParameter naming the parameter
 */
function checkNames(params: Params, known: ReadonlyMap<string, string>): void {
  for (const name of Object.keys(params)) {
    const lower = name.toLowerCase();
    const canonical = known.get(lower) ?? COMMON_NAMES.get(lower);
    if (
      CONTROL.test(name) ||
      REFUSED_NAMES.has(lower) ||
      (canonical !== undefined && canonical !== name)
    ) {
      throw gatewayError('InvalidParameter', { parameter: shown(name), reason: 'parameter name' });
    }
  }
}

const namesOf = new WeakMap<ActionSpec, ReadonlyMap<string, string>>();
function knownNames(spec: ActionSpec): ReadonlyMap<string, string> {
  let names = namesOf.get(spec);
  if (!names) {
    names = new Map(spec.params.map((p) => [p.name.toLowerCase(), p.name]));
    namesOf.set(spec, names);
  }
  return names;
}

/**
 * @throws KmsError UnsupportedHTTPMethod, MissingParameter or InvalidParameter (Action, Version),
 *   Forbidden.NoPermission for an action outside `allowedActions`
 */
export function checkCall(
  method: string,
  params: Params,
  allowedActions: ReadonlySet<string> | undefined,
): RpcCall {
  if (method !== 'GET' && method !== 'POST') throw gatewayError('UnsupportedHTTPMethod');
  checkNames(params, new Map());
  const action = params.Action;
  if (action === undefined || action === '') {
    throw gatewayError('MissingParameter', { parameter: 'Action' });
  }
  const spec = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!spec) throw gatewayError('InvalidParameter', { parameter: 'Action' });
  if (allowedActions && !allowedActions.has(action)) throw gatewayError('Forbidden.NoPermission');
  checkNames(params, knownNames(spec));
  if (params.Version !== undefined && params.Version !== API_VERSION) {
    throw gatewayError('InvalidParameter', { parameter: 'Version' });
  }
  checkParams(spec, params);
  return { action, spec, params };
}

/** The action's required parameters are present, and typed ones well-formed. */
function checkParams(spec: ActionSpec, params: Params): void {
  for (const param of spec.params) {
    if (param.required && !isPresent(params, param)) {
      throw gatewayError('MissingParameter', { parameter: param.name });
    }
  }
  for (const param of spec.params) {
    const value = params[param.name];
    if (value !== undefined && !isWellFormed(value, param)) {
      throw gatewayError('InvalidParameter', { parameter: param.name });
    }
  }
}
