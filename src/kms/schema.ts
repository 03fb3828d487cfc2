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
