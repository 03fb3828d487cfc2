/**
 * Typed values for every action's response schema, shared by the property tests: any text XML
 * 1.0 can carry (markup characters, entity-looking text, whitespace, CR, emoji), integers,
 * booleans, lists at 0 to 3 items, any subset of fields.
 */
import fc from 'fast-check';
import { type Typed, type TypedObject, typeObject } from '../../src/codec/typed.js';
import { xmlSafe } from '../../src/codec/xml-write.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import {
  isArraySchema,
  isObjectSchema,
  type ObjectSchema,
  type Schema,
} from '../../src/kms/schema.js';

export const text = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(
        '&',
        '<',
        '>',
        '"',
        "'",
        ';',
        '#',
        ' ',
        '\r',
        '\n',
        '\t',
        'a',
        '0',
        '&amp;',
        '&nbsp;',
        '&#65;',
        ']]>',
        '😀',
      ),
      fc.string({ unit: 'binary', maxLength: 1 }),
    ),
    maxLength: 12,
  })
  .filter((s) => xmlSafe(s) === s);

function arbitraryFor(schema: Schema, depth: number): fc.Arbitrary<Typed> {
  if (isArraySchema(schema)) {
    return fc.array(arbitraryFor(schema[0], depth + 1), { maxLength: depth > 2 ? 1 : 3 });
  }
  if (isObjectSchema(schema)) return objectOf(schema, depth + 1);
  if (schema === 'integer') return fc.maxSafeInteger().chain((n) => fc.constantFrom(n, -n, 0, 7));
  if (schema === 'boolean') return fc.boolean();
  return text;
}

export function objectOf(schema: ObjectSchema, depth = 0): fc.Arbitrary<TypedObject> {
  const fields: Record<string, fc.Arbitrary<Typed>> = {};
  for (const [name, child] of Object.entries(schema)) fields[name] = arbitraryFor(child, depth);
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<TypedObject>;
}

const actionNames = Object.keys(ACTIONS);

/** An action, its response schema, and a typed value of it (absent lists materialized). */
export const anAction = fc.constantFrom(...actionNames).chain((action) => {
  const schema = (ACTIONS[action] as { response: ObjectSchema }).response;
  return objectOf(schema).map((raw) => ({ action, schema, value: typeObject(raw, schema) }));
});
