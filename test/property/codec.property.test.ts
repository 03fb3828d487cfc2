import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSuccess } from '../../src/codec/render.js';
import { type Typed, type TypedObject, typeObject } from '../../src/codec/typed.js';
import { readUpstreamBody } from '../../src/codec/upstream-body.js';
import { xmlSafe } from '../../src/codec/xml-write.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import {
  isArraySchema,
  isObjectSchema,
  type ObjectSchema,
  type Schema,
} from '../../src/kms/schema.js';
import { runs } from '../support/runs.js';

// Any text XML 1.0 can carry: markup characters, entities-looking text, whitespace, CR, emoji.
const text = fc
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

function objectOf(schema: ObjectSchema, depth = 0): fc.Arbitrary<TypedObject> {
  const fields: Record<string, fc.Arbitrary<Typed>> = {};
  for (const [name, child] of Object.entries(schema)) fields[name] = arbitraryFor(child, depth);
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<TypedObject>;
}

const actionNames = Object.keys(ACTIONS);
const anAction = fc.constantFrom(...actionNames).chain((action) => {
  const schema = (ACTIONS[action] as { response: ObjectSchema }).response;
  // Upstream values are normalized once (absent lists materialized): the fixed point to compare.
  return objectOf(schema).map((raw) => ({ action, schema, value: typeObject(raw, schema) }));
});

const parse = (body: string, schema: ObjectSchema) =>
  typeObject(readUpstreamBody(new TextEncoder().encode(body)).content, schema);

describe('round trips, for every action schema', () => {
  it('JSON → XML → JSON gives back the same value', () => {
    fc.assert(
      fc.property(anAction, ({ action, schema, value }) => {
        const viaJson = parse(renderSuccess(action, value, 'JSON'), schema);
        expect(viaJson).toEqual(value);
        const viaXml = parse(renderSuccess(action, viaJson, 'XML'), schema);
        expect(viaXml).toEqual(value);
      }),
      { numRuns: runs(2000, 20_000) },
    );
  });

  it('XML → JSON → XML gives back the same document', () => {
    fc.assert(
      fc.property(anAction, ({ action, schema, value }) => {
        const xml = renderSuccess(action, value, 'XML');
        const json = renderSuccess(action, parse(xml, schema), 'JSON');
        expect(renderSuccess(action, parse(json, schema), 'XML')).toBe(xml);
      }),
      { numRuns: runs(2000, 20_000) },
    );
  });

  it('whatever the upstream sends where a list belongs, the caller gets a list', () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(anyJson, (keys) => {
        const value = typeObject(
          { Keys: { Key: keys }, RequestId: 'r' },
          ACTIONS.ListKeys?.response as ObjectSchema,
        );
        expect(Array.isArray((value.Keys as TypedObject).Key)).toBe(true);
      }),
      { numRuns: runs(1000) },
    );
  });
});
