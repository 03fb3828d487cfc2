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

export function typeObject(raw: unknown, schema: ObjectSchema): TypedObject {
  const out: TypedObject = {};
  if (isRecord(raw)) {
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      if (name === TEXT_KEY) {
        if (typeof value === 'string' && value.trim() === '') continue;
        throw new UnexpectedShape('mixed text and elements');
      }
      const fieldSchema = Object.hasOwn(schema, name) ? schema[name] : undefined;
      const typed = fieldSchema === undefined ? untyped(value) : typeField(value, fieldSchema);
      if (name === '__proto__') setOwn(out, name, typed);
      else out[name] = typed;
    }
  }
  // Lists are always lists: an absent wrapper (or <Keys/>) still yields {"Keys":{"Key":[]}}.
  for (const name of fieldsHoldingLists(schema)) {
    if (!Object.hasOwn(out, name)) out[name] = typeField(undefined, schema[name] as Schema);
  }
  return out;
}

function typeField(value: unknown, schema: Schema): Typed {
  if (isArraySchema(schema)) return typeList(value, schema);
  if (isObjectSchema(schema)) {
    // A non-empty scalar where the schema expects an object: the API drifted; keep it verbatim.
    if (value !== undefined && value !== null && value !== '' && !isRecord(value)) {
      return untyped(value);
    }
    return typeObject(value, schema);
  }
  switch (schema) {
    case 'integer':
      return toInteger(value);
    case 'boolean':
      return toBoolean(value);
    default:
      return typeof value === 'string' ? value : untyped(value);
  }
}

function typeList(value: unknown, schema: ArraySchema): Typed[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => typeField(item, schema[0]));
}

const INTEGER = /^[+-]?\d+$/;
/**
 * Text that is an integer becomes a number; anything else (empty, unsafe, "abc") stays verbatim.
 * `-0` becomes `0`: JSON writes it as `0` anyway, and a typed value must survive its own round trip.
 */
function toInteger(value: unknown): Typed {
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (typeof value === 'string' && INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  }
  return untyped(value);
}

function toBoolean(value: unknown): Typed {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return untyped(value);
}

/** A value the schema does not describe: structure kept, leaves as strings. */
export function untyped(value: unknown): Typed {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(untyped);
  if (isRecord(value)) return typeObject(value, {});
  return String(value);
}
