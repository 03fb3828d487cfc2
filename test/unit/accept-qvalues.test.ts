/**
 * The q-value grammar of RFC 9110 §12.4.2: `0` to `1` with at most three decimals. An entry whose
 * q is outside it (`q=1.5`, `q=0.1234`, `q=-1`, `q=abc`) is skipped, never ranked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { negotiate, negotiateAccept, parseAccept } from '../../src/http/negotiate.js';
import { runs } from '../support/runs.js';

/** Valid q-values: 0, 0.5, 0.050, 1, 1.0, 1.000 … */
const validQ = fc.oneof(
  fc
    .integer({ min: 0, max: 999 })
    .chain((n) =>
      fc.constantFrom(
        n === 0 ? '0' : `0.${String(n).padStart(3, '0')}`,
        `0.${String(n).padStart(3, '0')}`,
        `0.${String(n).padStart(3, '0')}`.replace(/0+$/, '').replace(/\.$/, ''),
      ),
    ),
  fc.constantFrom('1', '1.', '1.0', '1.00', '1.000', '0.', '0.0'),
);

/** Invalid q-values: above 1, four decimals or more, signed, empty or not a number. */
const invalidQ = fc.oneof(
  fc.integer({ min: 1001, max: 99_999 }).map((n) => String(n / 1000)),
  fc.integer({ min: 2, max: 99 }).map(String),
  fc.integer({ min: 1, max: 9999 }).map((n) => `0.${String(n).padStart(4, '0')}`),
  fc.constantFrom(
    '1.5',
    '1.001',
    '1.0000',
    '-0.5',
    '+1',
    '',
    '.5',
    'abc',
    '1e0',
    '0x1',
    'Infinity',
  ),
);

describe('Accept q-values', () => {
  it('q=1.5 is not a q-value: that entry is skipped', () => {
    expect(negotiateAccept('application/xml;q=1.5, application/json;q=0.9')).toBe(
      'application/json',
    );
    expect(parseAccept('application/xml;q=1.5')).toEqual([]);
    // With no valid entry the header counts as absent: JSON, not a 406 and not XML.
    expect(negotiate(undefined, 'application/xml;q=1.5')).toMatchObject({
      ok: true,
      format: 'JSON',
      source: 'default',
    });
  });

  it('any invalid q skips its entry; the other entries decide', () => {
    fc.assert(
      fc.property(invalidQ, fc.constantFrom('application/xml', 'text/xml'), (q, xml) => {
        expect(negotiateAccept(`${xml};q=${q}, application/json;q=0.001`)).toBe('application/json');
        expect(parseAccept(`${xml};q=${q}`)).toEqual([]);
      }),
      { numRuns: runs(200) },
    );
  });

  it('any valid q is read as its number, and q=0 excludes', () => {
    fc.assert(
      fc.property(validQ, (q) => {
        const [range] = parseAccept(`application/xml ; q=${q}`);
        expect(range?.q).toBe(Number(q));
        expect(negotiateAccept(`application/xml;q=${q}`)).toBe(
          Number(q) === 0 ? null : 'application/xml',
        );
      }),
      { numRuns: runs(200) },
    );
  });

  it('the higher valid q wins, whatever the order', () => {
    fc.assert(
      fc.property(validQ, validQ, (a, b) => {
        fc.pre(Number(a) !== Number(b) && Number(a) > 0 && Number(b) > 0);
        const header = `application/json;q=${a}, application/xml;q=${b}`;
        expect(negotiateAccept(header)).toBe(
          Number(a) > Number(b) ? 'application/json' : 'application/xml',
        );
      }),
      { numRuns: runs(200) },
    );
  });
});
