/**
 * Checks a call before anything goes upstream: the method, the Action (known, allowed), the
 * API version, required parameters present and integer/boolean/JSON parameters well-formed.
 */
import { API_VERSION, type Params } from '../protocol/rpc.js';
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

export function checkCall(
  method: string,
  params: Params,
  allowedActions: ReadonlySet<string> | undefined,
): RpcCall {
  if (method !== 'GET' && method !== 'POST') throw gatewayError('UnsupportedHTTPMethod');
  const action = params.Action;
  if (action === undefined || action === '') {
    throw gatewayError('MissingParameter', { parameter: 'Action' });
  }
  const spec = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!spec) throw gatewayError('InvalidParameter', { parameter: 'Action' });
  if (allowedActions && !allowedActions.has(action)) throw gatewayError('Forbidden.NoPermission');
  if (params.Version !== undefined && params.Version !== API_VERSION) {
    throw gatewayError('InvalidParameter', { parameter: 'Version' });
  }
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
  return { action, spec, params };
}
