import { describe, expect, it } from 'vitest';
import { negotiate, negotiateAccept } from '../../src/http/negotiate.js';

describe('Accept negotiation (RFC 9110), offered application/json, application/xml, text/xml', () => {
  // The cases of ../shared/notes/conversion-anchors.md §2.1, with where we differ from
  // negotiator (charset, empty header, malformed q) on purpose.
  it.each([
    ['absent', undefined, undefined],
    ['empty counts as absent', '', undefined],
    ['blank counts as absent', '   ', undefined],
    [
      'q-values order the types',
      'application/xml;q=0.9, application/json;q=0.8',
      'application/xml',
    ],
    ['q=0 excludes, */* then offers XML first', 'application/json;q=0, */*', 'application/xml'],
    ['a type wildcard', 'text/*', 'text/xml'],
    ['the more specific range wins', 'application/*;q=0.5, application/xml', 'application/xml'],
    ['charset is ignored', 'application/json;charset=utf-8', 'application/json'],
    [
      'a malformed q drops the entry; nothing valid left = absent',
      'application/xml;q=abc',
      undefined,
    ],
    [
      'q above 1 is malformed and dropped',
      'application/xml;q=2, application/json',
      'application/json',
    ],
    ['case-insensitive', 'APPLICATION/JSON', 'application/json'],
    ['case-insensitive XML', 'Application/XML', 'application/xml'],
    ['equal q: the earlier entry wins', 'text/xml, application/json', 'text/xml'],
    [
      'equal q: the earlier entry wins (reversed)',
      'application/json, text/xml',
      'application/json',
    ],
    ['*/* alone means JSON', '*/*', 'application/json'],
    ['application/* alone means JSON', 'application/*', 'application/json'],
    [
      'a browser list falls back through */*',
      'text/html,application/xhtml+xml,*/*;q=0.8',
      'application/json',
    ],
    [
      'specific exclusion beats the wildcard',
      'application/xml;q=0, application/*',
      'application/json',
    ],
    ['text/xml asked for', 'text/xml', 'text/xml'],
    [
      'charset and q together',
      'application/xml; charset=UTF-8; q=0.7, application/json;q=0.6',
      'application/xml',
    ],
  ])('%s: %j', (_name, accept, expected) => {
    expect(negotiateAccept(accept)).toBe(expected);
  });

  it.each([
    ['only unoffered types', 'image/png'],
    ['everything excluded', 'application/json;q=0, application/xml;q=0, text/xml;q=0'],
    ['wildcard excluded', '*/*;q=0'],
    ['html only', 'text/html'],
  ])('%s excludes every offered type: %j', (_name, accept) => {
    expect(negotiateAccept(accept)).toBeNull();
  });
});

describe('Format > Accept > JSON', () => {
  it('Format beats Accept, case-insensitively', () => {
    expect(negotiate('xml', 'application/json')).toMatchObject({
      ok: true,
      format: 'XML',
      mediaType: 'application/xml',
      source: 'Format',
    });
    expect(negotiate('JSON', 'application/xml')).toMatchObject({
      ok: true,
      format: 'JSON',
      source: 'Format',
    });
  });

  it('Format wins even when Accept excludes it (no 406)', () => {
    expect(negotiate('XML', 'image/png')).toMatchObject({ ok: true, format: 'XML' });
  });

  it('Accept decides without Format, and says so', () => {
    expect(negotiate(undefined, 'text/xml')).toMatchObject({
      ok: true,
      format: 'XML',
      mediaType: 'text/xml',
      source: 'Accept',
    });
  });

  it('defaults to JSON', () => {
    expect(negotiate(undefined, undefined)).toMatchObject({
      ok: true,
      format: 'JSON',
      mediaType: 'application/json',
      source: 'default',
    });
  });

  it('a bad Format is InvalidParameter, rendered by Accept', () => {
    expect(negotiate('yaml', 'application/xml')).toEqual({
      ok: false,
      code: 'InvalidParameter',
      renderAs: { format: 'XML', mediaType: 'application/xml', source: 'Accept' },
    });
    expect(negotiate('', undefined)).toMatchObject({
      ok: false,
      code: 'InvalidParameter',
      renderAs: { format: 'JSON' },
    });
  });

  it('a bad Format with an Accept that excludes everything renders JSON', () => {
    expect(negotiate('yaml', 'image/png')).toMatchObject({
      ok: false,
      code: 'InvalidParameter',
      renderAs: { format: 'JSON' },
    });
  });

  it('Accept excluding everything is 406 Unsupported.Format rendered as JSON', () => {
    expect(negotiate(undefined, 'image/png')).toEqual({
      ok: false,
      code: 'Unsupported.Format',
      renderAs: { format: 'JSON', mediaType: 'application/json', source: 'default' },
    });
  });
});

describe('case folding is ASCII only (issue 7 item 11)', () => {
  // U+017F LATIN SMALL LETTER LONG S upper-cases to S: the one letter that made a format.
  it.each(['jſon', 'JſON', 'ȷſon'])('Format=%s is not a format', (format) => {
    expect(negotiate(format, undefined)).toMatchObject({ ok: false, code: 'InvalidParameter' });
  });

  it('an Accept media type with a non-ASCII letter is no entry', () => {
    // U+212A KELVIN SIGN lower-cases to k in Unicode.
    expect(negotiateAccept('application/\u212Aml, text/xml;q=0.1')).toBe('text/xml');
    expect(negotiateAccept('applıcation/json')).toBeUndefined();
  });
});
