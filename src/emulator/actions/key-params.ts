/**
 * The JSON-in-a-string lists of the key actions (Tags, TagKeys, Filters). Every failure names
 * the parameter.
 */
import { failure } from '../errors.js';
import type { Tag } from '../records.js';
import { isRecord, jsonValue, type Params } from './params.js';

/**
 * `[{"TagKey":"k","TagValue":"v"}, …]`; undefined when absent. Values are checked by the state.
 * @throws EmulatorError InvalidParameter `name`
 */
export function tagList(params: Params, name: string): Tag[] | undefined {
  const value = jsonValue(params, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw failure('InvalidParameter', name);
  return value.map((item: unknown) => {
    if (!isRecord(item) || typeof item.TagKey !== 'string' || typeof item.TagValue !== 'string') {
      throw failure('InvalidParameter', name);
    }
    return { TagKey: item.TagKey, TagValue: item.TagValue };
  });
}

/**
 * `["a","b"]`, at least one non-empty string; undefined when absent.
 * @throws EmulatorError InvalidParameter `name`
 */
export function stringList(params: Params, name: string): string[] | undefined {
  const value = jsonValue(params, name);
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((item): item is string => typeof item === 'string' && item !== '')
  ) {
    throw failure('InvalidParameter', name);
  }
  return value;
}

export interface Filter {
  readonly key: string;
  readonly values: readonly string[];
}

/**
 * `[{"Key":"KeyState","Values":["Enabled"]}, …]` with keys from `allowed`; [] when absent.
 * @throws EmulatorError InvalidParameter `name`
 */
export function filterList(params: Params, name: string, allowed: ReadonlySet<string>): Filter[] {
  const value = jsonValue(params, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw failure('InvalidParameter', name);
  return value.map((item: unknown) => {
    if (
      !isRecord(item) ||
      typeof item.Key !== 'string' ||
      !allowed.has(item.Key) ||
      !Array.isArray(item.Values) ||
      item.Values.length === 0 ||
      !item.Values.every((v) => typeof v === 'string')
    ) {
      throw failure('InvalidParameter', name);
    }
    return { key: item.Key, values: item.Values as string[] };
  });
}
