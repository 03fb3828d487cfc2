import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSuccess } from '../../src/codec/render.js';
import { type TypedObject, typeObject } from '../../src/codec/typed.js';
import { readUpstreamBody } from '../../src/codec/upstream-body.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { ObjectSchema } from '../../src/kms/schema.js';
import { runs } from '../support/runs.js';
import { anAction } from './arbitraries.js';

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
