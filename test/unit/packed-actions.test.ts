/**
 * The generated table is stored packed (kms/schema.ts, PackedAction) and spelled out at load:
 * what it spells out is what the metadata says, and a code the reader does not know is refused
 * rather than guessed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { unpackActions } from '../../src/kms/schema.js';

const metadata = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../kms-api/kms-2016-01-20.json'), 'utf8'),
) as {
  apis: Record<
    string,
    { methods: string[]; parameters: { name: string; schema: { required?: boolean } }[] }
  >;
};

describe('the packed actions table', () => {
  it('spells out every action with the metadata’s parameters, methods and required flags', () => {
    expect(Object.keys(ACTIONS).sort()).toEqual(Object.keys(metadata.apis).sort());
    for (const [name, api] of Object.entries(metadata.apis)) {
      const spec = ACTIONS[name];
      expect(spec?.methods).toEqual(api.methods.map((m) => m.toUpperCase()).sort());
      expect(spec?.params.map((p) => [p.name, p.required])).toEqual(
        api.parameters.map((p) => [p.name, p.schema.required === true]),
      );
    }
  });

  it('reads each part as documented', () => {
    expect(
      unpackActions({
        A: [
          'rw',
          'POST',
          'KeyId!:s,Limit:i,Tags:l,Context:j,On:b',
          { N: 'i', L: [{ K: 's' }], B: 'b' },
        ],
        B: ['', '', '', {}],
      }),
    ).toEqual({
      A: {
        operationType: 'readAndWrite',
        methods: ['POST'],
        params: [
          { name: 'KeyId', kind: 'string', required: true },
          { name: 'Limit', kind: 'integer', required: false },
          { name: 'Tags', kind: 'list', required: false },
          { name: 'Context', kind: 'json', required: false },
          { name: 'On', kind: 'boolean', required: false },
        ],
        response: { N: 'integer', L: [{ K: 'string' }], B: 'boolean' },
      },
      B: { operationType: null, methods: ['GET', 'POST'], params: [], response: {} },
    });
  });

  it.each([
    ['an operation type', ['x', '', '', {}]],
    ['a parameter kind', ['r', '', 'KeyId:z', {}]],
    ['a scalar', ['r', '', '', { KeyId: 'string' }]],
    ['an inherited name', ['toString', '', '', {}]],
  ] as const)('refuses an unknown code: %s', (_, packed) => {
    expect(() => unpackActions({ A: packed })).toThrow(TypeError);
  });
});
