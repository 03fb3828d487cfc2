/**
 * Whatever key an upstream JSON answer holds, the XML the gateway writes is well-formed: the key
 * is written as an element name exactly when the XML 1.0 Name production allows it (NCName, or
 * two joined by one colon), else the answer is not representable. The oracle below reads the
 * production's ranges code point by code point, independently of the writer's regular expression.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSuccess } from '../../src/codec/render.js';
import { readGeneralXml } from '../../src/codec/xml-general.js';
import { NotRepresentableAsXml } from '../../src/codec/xml-write.js';
import { runs } from '../support/runs.js';

// XML 1.0 fifth edition, productions [4] and [4a], without ':'.
const START: [number, number][] = [
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
  [0xc0, 0xd6],
  [0xd8, 0xf6],
  [0xf8, 0x2ff],
  [0x370, 0x37d],
  [0x37f, 0x1fff],
  [0x200c, 0x200d],
  [0x2070, 0x218f],
  [0x2c00, 0x2fef],
  [0x3001, 0xd7ff],
  [0xf900, 0xfdcf],
  [0xfdf0, 0xfffd],
  [0x10000, 0xeffff],
];
const MORE: [number, number][] = [
  [0x2d, 0x2e],
  [0x30, 0x39],
  [0xb7, 0xb7],
  [0x300, 0x36f],
  [0x203f, 0x2040],
];
const within = (c: number, ranges: [number, number][]) =>
  ranges.some(([lo, hi]) => c >= lo && c <= hi);

function isNcName(name: string): boolean {
  const points = [...name].map((ch) => ch.codePointAt(0) as number);
  // A lone surrogate is its own "code point" here, and is in no range.
  if (points.length === 0 || !within(points[0] as number, START)) return false;
  return points.slice(1).every((c) => within(c, START) || within(c, MORE));
}
const isQName = (name: string) => {
  const parts = name.split(':');
  return parts.length <= 2 && parts.every(isNcName);
};

const aKey = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      'a',
      'Z',
      '_',
      '-',
      '.',
      '1',
      ':',
      '×',
      '÷',
      '·',
      '\u0300',
      'é',
      'キ',
      '\u037E',
    ),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 6,
});

describe('element names from upstream keys', () => {
  it('are written exactly when XML 1.0 allows them, and read back', () => {
    fc.assert(
      fc.property(aKey, (key) => {
        let xml: string;
        try {
          xml = renderSuccess('Encrypt', { [key]: 'v' }, 'XML');
        } catch (error) {
          expect(error).toBeInstanceOf(NotRepresentableAsXml);
          expect(isQName(key)).toBe(false);
          return;
        }
        expect(isQName(key)).toBe(true);
        // fast-xml-parser knows no name character beyond U+FFFF: the rest must read back.
        if ([...key].every((ch) => (ch.codePointAt(0) as number) <= 0xffff)) {
          expect(readGeneralXml(xml)).toMatchObject({ content: { [key]: 'v' } });
        }
      }),
      { numRuns: runs(1000) },
    );
  });
});
