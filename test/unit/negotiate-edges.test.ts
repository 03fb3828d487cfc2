/**
 * Accept at its corners: entries that are not media ranges are skipped, `*​/xml` is not a range,
 * q-values with spaces around them, a type wildcard of another type, and the first of equal
 * matches.
 */
import { describe, expect, it } from 'vitest';
import { negotiate, negotiateAccept, parseAccept } from '../../src/http/negotiate.js';

describe('entries that are not media ranges', () => {
  it.each([
    'application',
    '/xml',
    'application/',
    'application/xml/extra',
    'appl@cation/xml',
    'application/x ml',
    '*/xml',
    '',
  ])('%j is skipped', (entry) => {
    expect(parseAccept(entry)).toEqual([]);
    // Beside a valid entry, the valid one decides.
    expect(negotiateAccept(`${entry}, text/xml;q=0.5`)).toBe('text/xml');
  });

  it('a header with only such entries counts as absent (JSON), not as excluding everything', () => {
    expect(negotiateAccept('/xml, application/')).toBeUndefined();
    expect(negotiate(undefined, ' ')).toMatchObject({
      ok: true,
      format: 'JSON',
      source: 'default',
    });
  });
});

describe('ranges', () => {
  it('a wildcard of another type matches nothing offered', () => {
    expect(negotiateAccept('image/*')).toBeNull();
    expect(negotiateAccept('text/*')).toBe('text/xml');
    expect(negotiateAccept('text/html, application/xml;q=0.5')).toBe('application/xml');
  });

  it('q-values may have spaces around them', () => {
    expect(negotiateAccept('application/xml;q=0.5 , application/json;q=0.4')).toBe(
      'application/xml',
    );
    expect(negotiateAccept('application/xml ; Q = 0.9, application/json;q=0.4')).toBe(
      'application/xml',
    );
  });

  it('of two ranges as specific, the higher q decides the type’s quality', () => {
    expect(negotiateAccept('text/*;q=0.1, text/*;q=0.9, application/json;q=0.5')).toBe('text/xml');
    expect(negotiateAccept('text/*;q=0.9, text/*;q=0.1, application/json;q=0.5')).toBe('text/xml');
    // Of two equal ranges, the first one's place in the header counts.
    expect(negotiateAccept('text/*, application/json, text/*')).toBe('text/xml');
  });

  it('the most specific range decides, whatever its q', () => {
    expect(negotiateAccept('application/*;q=1, application/json;q=0.1, text/xml;q=0.5')).toBe(
      'application/xml',
    );
    expect(negotiateAccept('*/*;q=0.1, application/xml;q=0')).toBe('application/json');
  });

  it('equal q: the earlier entry wins; equal entry: the server’s order', () => {
    expect(negotiateAccept('text/xml, application/json')).toBe('text/xml');
    expect(negotiateAccept('text/xml;q=0.5, application/json;q=0.9')).toBe('application/json');
    expect(negotiateAccept('*/*')).toBe('application/json');
    expect(negotiateAccept('application/*')).toBe('application/json');
  });
});
