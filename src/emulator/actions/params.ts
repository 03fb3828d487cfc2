/**
 * Reading business parameters the way the service does: empty text counts as absent, integers
 * are checked against their range, and every failure names the parameter.
 */
import type { TypedObject } from '../../codec/typed.js';
import { isRecord } from '../../codec/typed.js';
import type { Params } from '../../protocol/rpc.js';
import { decodeBase64, type EncryptionContext, parseEncryptionContext } from '../crypto.js';
import { failure } from '../errors.js';

export type { Params };
export { isRecord };

export const INT32_MAX = 2_147_483_647;
const INTEGER = /^[+-]?\d{1,10}$/;

/**
 * @throws EmulatorError MissingParameter `name` when absent or empty
 */
export function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw failure('MissingParameter', name);
  return value;
}

/** An optional parameter; empty text counts as absent. */
export function optional(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === '' ? undefined : value;
}

export interface IntegerRule {
  readonly fallback?: number;
  readonly min: number;
  readonly max: number;
}

/**
 * @throws EmulatorError MissingParameter `name` (no fallback), InvalidParameter out of range
 */
export function integer(params: Params, name: string, rule: IntegerRule): number {
  const text = optional(params, name);
  if (text === undefined) {
    if (rule.fallback === undefined) throw failure('MissingParameter', name);
    return rule.fallback;
  }
  const value = Number(text);
  if (!INTEGER.test(text) || value < rule.min || value > rule.max) {
    throw failure('InvalidParameter', name);
  }
  return value;
}

/**
 * The `EncryptionContext` parameter (or another of that shape, by name): a JSON object string,
 * or, as the legacy Tea SDKs send maps, flattened into `EncryptionContext.<key>=<value>`.
 * @throws EmulatorError InvalidParameter `name`
 */
export function encryptionContext(
  params: Params,
  name = 'EncryptionContext',
): EncryptionContext | undefined {
  const prefix = `${name}.`;
  const flattened = Object.keys(params).filter((key) => key.startsWith(prefix));
  if (params[name] === undefined && flattened.length > 0) {
    return Object.fromEntries(
      flattened.map((key) => [key.slice(prefix.length), params[key] ?? '']),
    );
  }
  try {
    return parseEncryptionContext(params[name]);
  } catch (error) {
    throw failure('InvalidParameter', name, error);
  }
}

/** One page of `items` by PageNumber/PageSize, with the counts list answers carry. */
export function page<T>(items: readonly T[], params: Params): { items: T[]; counts: TypedObject } {
  const pageNumber = integer(params, 'PageNumber', { fallback: 1, min: 1, max: INT32_MAX });
  const pageSize = integer(params, 'PageSize', { fallback: 10, min: 1, max: 100 });
  const start = (pageNumber - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    counts: { TotalCount: items.length, PageNumber: pageNumber, PageSize: pageSize },
  };
}

/**
 * `true`/`false` in any case; undefined when absent. Anything else is InvalidParameter.
 * @throws EmulatorError InvalidParameter `name`
 */
export function boolean(params: Params, name: string): boolean | undefined {
  const text = optional(params, name);
  if (text === undefined) return undefined;
  const lower = text.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw failure('InvalidParameter', name);
  return lower === 'true';
}

/**
 * A `true`/`false` parameter; absent or empty text means `fallback`.
 * @throws EmulatorError InvalidParameter `name`
 */
export const flag = (params: Params, name: string, fallback: boolean): boolean =>
  boolean(params, name) ?? fallback;

/**
 * A required parameter holding strict base64 (a blob, a digest, a signature).
 * @throws EmulatorError InvalidParameter `name` when not strict base64 or empty
 */
export function base64(params: Params, name: string): Buffer {
  const bytes = decodeBase64(required(params, name));
  if (!bytes || bytes.length === 0) throw failure('InvalidParameter', name);
  return bytes;
}

/**
 * A parameter holding JSON text, parsed; undefined when absent. Bad JSON is InvalidParameter.
 * @throws EmulatorError InvalidParameter `name`, caused by the parse error
 */
export function jsonValue(params: Params, name: string): unknown {
  const text = optional(params, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw failure('InvalidParameter', name, error);
  }
}
