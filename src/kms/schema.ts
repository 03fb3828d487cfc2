/**
 * The shape of the generated actions table (`actions.generated.ts`).
 *
 * A response schema mirrors the value it describes: `"string" | "integer" | "boolean"` for a
 * scalar, an object literal for an object, and a one-element tuple `[item]` for an array. So the
 * ListKeys schema reads like its JSON: `{ TotalCount: "integer", Keys: { Key: [{ KeyId: "string" }] } }`.
 */
export type ScalarSchema = 'string' | 'integer' | 'boolean';
export interface ObjectSchema {
  readonly [field: string]: Schema;
}
export type ArraySchema = readonly [Schema];
export type Schema = ScalarSchema | ObjectSchema | ArraySchema;

/** How a request parameter travels on the wire and how it is checked before any upstream call. */
export type ParamKind =
  | 'string'
  | 'integer'
  | 'boolean'
  /** a JSON document in one string, e.g. `EncryptionContext={"a":"b"}` */
  | 'json'
  /** a repeated list, e.g. `ResourceId.1=…&Tag.1.Key=…` */
  | 'list';

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly required: boolean;
}

/** `read` actions may be retried; the metadata leaves two actions without a type (treated as writes). */
export type OperationType = 'read' | 'write' | 'readAndWrite' | null;

export interface ActionSpec {
  readonly operationType: OperationType;
  readonly methods: readonly ('GET' | 'POST')[];
  readonly params: readonly ParamSpec[];
  readonly response: ObjectSchema;
}

export const isArraySchema = (schema: Schema): schema is ArraySchema => Array.isArray(schema);
export const isObjectSchema = (schema: Schema): schema is ObjectSchema =>
  typeof schema === 'object' && !Array.isArray(schema);

/**
 * An action as the generated table stores it: a third of the size of the spelled-out ActionSpec
 * (the bundle carries the table, and a cold start parses it), spelled out once at load by
 * `unpackActions`. `[operationType, methods, params, response]`:
 *
 * - operationType: `r` read, `w` write, `rw` readAndWrite, `` none;
 * - methods: `` for GET and POST, else the only one;
 * - params: `Name:k` joined by `,`, with `!` after a required name; k is the kind's initial
 *   (`s`tring, `i`nteger, `b`oolean, `j`son, `l`ist);
 * - response: the schema with each scalar as its initial (`s`, `i`, `b`).
 */
export type PackedAction = readonly [string, string, string, PackedSchema];
export type PackedSchema =
  | string
  | readonly [PackedSchema]
  | { readonly [field: string]: PackedSchema };

const OPERATION_TYPES: Readonly<Record<string, OperationType>> = {
  r: 'read',
  w: 'write',
  rw: 'readAndWrite',
  '': null,
};
const PARAM_KINDS: Readonly<Record<string, ParamKind>> = {
  s: 'string',
  i: 'integer',
  b: 'boolean',
  j: 'json',
  l: 'list',
};
const SCALARS: Readonly<Record<string, ScalarSchema>> = { s: 'string', i: 'integer', b: 'boolean' };

/** The packed code of each value, for the generator. */
export const PACKED = {
  operationType: (type: OperationType): string =>
    Object.keys(OPERATION_TYPES).find((code) => OPERATION_TYPES[code] === type) as string,
  paramKind: (kind: ParamKind): string => kind.charAt(0),
  scalar: (scalar: ScalarSchema): string => scalar.charAt(0),
} as const;

function known<T>(table: Readonly<Record<string, T>>, code: string, what: string): T {
  if (!Object.hasOwn(table, code)) throw new TypeError(`packed actions: unknown ${what} "${code}"`);
  return table[code] as T;
}

function unpackSchema(packed: PackedSchema): Schema {
  if (typeof packed === 'string') return known(SCALARS, packed, 'scalar');
  if (Array.isArray(packed)) return [unpackSchema(packed[0] as PackedSchema)];
  const out: Record<string, Schema> = {};
  for (const [field, value] of Object.entries(packed)) out[field] = unpackSchema(value);
  return out;
}

function unpackParam(text: string): ParamSpec {
  const [name = '', kind = ''] = text.split(':');
  const required = name.endsWith('!');
  return {
    name: required ? name.slice(0, -1) : name,
    kind: known(PARAM_KINDS, kind, 'parameter kind'),
    required,
  };
}

/**
 * The generated table, spelled out.
 *
 * @throws TypeError when a code is unknown (the generator and this reader disagree)
 */
export function unpackActions(
  packed: Readonly<Record<string, PackedAction>>,
): Readonly<Record<string, ActionSpec>> {
  const out: Record<string, ActionSpec> = {};
  for (const [name, [type, methods, params, response]] of Object.entries(packed)) {
    out[name] = {
      operationType: known(OPERATION_TYPES, type, 'operation type'),
      methods: methods === '' ? ['GET', 'POST'] : [methods as 'GET' | 'POST'],
      params: params === '' ? [] : params.split(',').map(unpackParam),
      response: unpackSchema(response) as ObjectSchema,
    };
  }
  return out;
}
