/**
 * Schema-typed conversion: a parsed upstream body (from JSON, or from XML read with
 * single-element-as-value) becomes one typed value. The schema alone decides types: integers
 * become numbers, booleans booleans, arrays are arrays at 0, 1 or n items, and strings stay
 * verbatim. Fields the schema does not know are kept, with every leaf as a string.
 */
import {
  type ArraySchema,
  isArraySchema,
  isObjectSchema,
  type ObjectSchema,
  type Schema,
} from '../kms/schema.js';

export type Typed = string | number | boolean | null | readonly Typed[] | TypedObject;
export interface TypedObject {
  [field: string]: Typed;
}

/** Thrown when a body is well-formed but is not something a KMS response can be. */
export class UnexpectedShape extends Error {
  override readonly name = 'UnexpectedShape';
}

/** fast-xml-parser's key for text beside child elements (the whitespace of pretty-printed XML). */
const TEXT_KEY = '#text';

/** A plain object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields of a schema whose subtree holds an array, cached: these are materialized when absent. */
const listHolders = new WeakMap<ObjectSchema, readonly string[]>();
function fieldsHoldingLists(schema: ObjectSchema): readonly string[] {
  let fields = listHolders.get(schema);
  if (!fields) {
    fields = Object.keys(schema).filter((name) => holdsList(schema[name] as Schema));
    listHolders.set(schema, fields);
  }
  return fields;
}
const holdsList = (schema: Schema): boolean =>
  isArraySchema(schema) || (isObjectSchema(schema) && fieldsHoldingLists(schema).length > 0);

/**
 * Assigning `__proto__` would set the object's prototype (JSON.parse keeps it as an own key, so
 * an upstream can send it): define it as the ordinary field it is instead.
 */
export function setOwn(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Deeper than any KMS answer (about 5): a bound, so recursion can never exhaust the stack. */
const MAX_DEPTH = 64;

/**
 * The tree readUpstreamBody handed out last, not yet typed. Nobody else holds it (it was just
 * parsed), so typing it may reuse its objects and arrays instead of copying them: copying is
 * most of the cost of typing a JSON answer. One slot rather than a WeakSet, whose bookkeeping
 * costs more than typing a small answer; it holds at most one body, until the next one.
 */
let adopted: object | undefined;
export function adopt<T extends object>(tree: T): T {
  adopted = tree;
  return tree;
}

/**
 * `raw` typed by `schema`. The tree readUpstreamBody just returned is typed in place (and
 * returned); anything else is copied, and left as it was.
 */
export function typeObject(raw: unknown, schema: ObjectSchema): TypedObject {
  const inPlace = raw === adopted && isRecord(raw);
  if (inPlace) adopted = undefined;
  return typeRecord(raw, schema, inPlace, 0);
}

function typeRecord(
  raw: unknown,
  schema: ObjectSchema,
  inPlace: boolean,
  depth: number,
): TypedObject {
  if (depth > MAX_DEPTH) throw new UnexpectedShape('nested too deep');
  const out: TypedObject = inPlace ? (raw as TypedObject) : {};
  if (isRecord(raw)) {
    // for-in, not Object.keys: no array per object (JSON and these trees have no inherited keys).
    for (const name in raw) {
      const value = raw[name];
      if (name === TEXT_KEY) {
        if (typeof value === 'string' && value.trim() === '') {
          if (inPlace) delete out[name];
          continue;
        }
        throw new UnexpectedShape('mixed text and elements');
      }
      const fieldSchema = Object.hasOwn(schema, name) ? schema[name] : undefined;
      const typed =
        fieldSchema === undefined
          ? anyValue(value, inPlace, depth)
          : typeField(value, fieldSchema, inPlace, depth);
      // (-0 === 0, but -0 is typed as 0: such a field is written.)
      if (inPlace && typed === value && typed !== 0) continue;
      if (name === '__proto__') setOwn(out, name, typed);
      else out[name] = typed;
    }
  }
  // Lists are always lists: an absent wrapper (or <Keys/>) still yields {"Keys":{"Key":[]}}.
  for (const name of fieldsHoldingLists(schema)) {
    if (!Object.hasOwn(out, name))
      out[name] = typeField(undefined, schema[name] as Schema, false, depth);
  }
  return out;
}

function typeField(value: unknown, schema: Schema, inPlace: boolean, depth: number): Typed {
  if (isArraySchema(schema)) return typeList(value, schema, inPlace, depth);
  if (isObjectSchema(schema)) {
    // A non-empty scalar where the schema expects an object: the API drifted; keep it verbatim.
    if (value !== undefined && value !== null && value !== '' && !isRecord(value)) {
      return anyValue(value, inPlace, depth);
    }
    return typeRecord(value, schema, inPlace && isRecord(value), depth + 1);
  }
  switch (schema) {
    case 'integer':
      return toInteger(value, inPlace, depth);
    case 'boolean':
      return toBoolean(value, inPlace, depth);
    default:
      return typeof value === 'string' ? value : anyValue(value, inPlace, depth);
  }
}

function typeList(value: unknown, schema: ArraySchema, inPlace: boolean, depth: number): Typed[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [typeField(value, schema[0], inPlace, depth + 1)];
  const items: Typed[] = inPlace ? value : new Array(value.length);
  for (let i = 0; i < value.length; i++)
    items[i] = typeField(value[i], schema[0], inPlace, depth + 1);
  return items;
}

const INTEGER = /^[+-]?\d+$/;
/**
 * Text that is an integer becomes a number; anything else (empty, unsafe, "abc") stays verbatim.
 * `-0` becomes `0`: JSON writes it as `0` anyway, and a typed value must survive its own round trip.
 */
function toInteger(value: unknown, inPlace: boolean, depth: number): Typed {
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (typeof value === 'string' && INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  }
  return anyValue(value, inPlace, depth);
}

function toBoolean(value: unknown, inPlace: boolean, depth: number): Typed {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return anyValue(value, inPlace, depth);
}

/** A value the schema does not describe: structure kept, leaves as strings. */
export function untyped(value: unknown): Typed {
  return anyValue(value, false, 0);
}

function anyValue(value: unknown, inPlace: boolean, depth: number): Typed {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (depth > MAX_DEPTH) throw new UnexpectedShape('nested too deep');
    const items: Typed[] = inPlace ? value : new Array(value.length);
    for (let i = 0; i < value.length; i++) items[i] = anyValue(value[i], inPlace, depth + 1);
    return items;
  }
  if (isRecord(value)) return typeRecord(value, {}, inPlace, depth + 1);
  return String(value);
}
