/**
 * The scrubber on its own: every encoding an upstream may echo a secret in, partial echoes,
 * AccessKeyIds as their last four, and what it leaves alone. The checks use `leakIn`, written
 * apart from the scrubber, so they can see it fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bounded, lastFour, MIN_SECRET, PARTIAL_ECHO, REDACTED } from '../../src/kms/redact.js';
import { createScrubber, loggable, scrubText } from '../../src/kms/scrub.js';
import { echoesOf, leakIn } from '../support/leaks.js';
import { runs } from '../support/runs.js';

const SECRET = 'k9+Zt/Qw=Rr&x"Lm\\Vb7 Np0%Yc';

describe('an echoed secret is removed, whatever the encoding', () => {
  it.each(Object.entries(echoesOf(SECRET)))('%s', (_encoding, echo) => {
    const out = scrubText(`before ${echo} after`, [SECRET]);
    expect(out).toBe(`before ${REDACTED} after`);
    expect(leakIn(out, SECRET)).toBeUndefined();
  });

  it('twice encoded, and JSON-escaped inside a percent-encoded echo', () => {
    const json = JSON.stringify(SECRET).slice(1, -1).replace(/\//g, '\\/');
    for (const echo of [
      encodeURIComponent(encodeURIComponent(encodeURIComponent(SECRET))),
      encodeURIComponent(json),
      echoesOf(SECRET)['&#43;']?.replace(/&/g, '&amp;') as string,
    ]) {
      expect(scrubText(`[${echo}]`, [SECRET])).toBe(`[${REDACTED}]`);
    }
  });

  it(`a partial echo: any ${PARTIAL_ECHO} consecutive characters, in any encoding`, () => {
    const part = SECRET.slice(5, 5 + PARTIAL_ECHO);
    for (const echo of Object.values(echoesOf(part))) {
      const out = scrubText(`x ${echo} y`, [SECRET]);
      expect(out, echo).toBe(`x ${REDACTED} y`);
    }
    // One character fewer is not an echo: that is where the line is drawn (README, Security).
    const shorter = SECRET.slice(5, 5 + PARTIAL_ECHO - 1);
    expect(scrubText(`x ${shorter} y`, [SECRET])).toBe(`x ${shorter} y`);
  });

  it('secrets shorter than the window are matched whole; under four characters, not at all', () => {
    expect(scrubText('a pass=hunter2 b', ['hunter2'])).toBe(`a pass=${REDACTED} b`);
    expect(scrubText('a hunter b', ['hunter2'])).toBe('a hunter b');
    expect(scrubText('abc abc', ['abc'])).toBe('abc abc');
  });

  it('an AccessKeyId becomes its last four characters; a secret overlapping it wins', () => {
    const id = 'LTAI5tAbCdEfGhIjKlMn1234';
    expect(scrubText(`key ${id} and ${encodeURIComponent(`${id}x`)}.`, [], [id])).toBe(
      `key ${lastFour(id)} and ${lastFour(id)}x.`,
    );
    expect(scrubText(`${id}${SECRET}`, [`${id.slice(-6)}${SECRET}`], [id])).toBe(REDACTED);
  });

  it('cuts a string to sign the upstream echoes, wherever it starts', () => {
    expect(scrubText('Signature mismatch. string to sign is:POST&%2F&A%3D1', [])).toBe(
      `Signature mismatch. string to sign is: ${REDACTED}`,
    );
  });

  it('leaves text that holds no secret exactly as it was', () => {
    const text = 'The specified Key is not found. %41 &amp; \\u0041 + spaces';
    expect(scrubText(text, [SECRET, 'another-secret-value'], ['LTAI5tAbCdEfGhIjKlMn1234'])).toBe(
      text,
    );
  });

  it('scrubAll gives what scrubbing each text gives, with a secret too large to index', () => {
    const large = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(65 + ((i * 7) % 26)))
      .join('')
      .concat(SECRET);
    const scrubber = createScrubber({ secrets: [large] });
    const texts = [
      'nothing',
      `echo ${encodeURIComponent(large.slice(-40))}!`,
      large.slice(100, 400),
    ];
    const all = scrubber.scrubAll(texts);
    expect(all).toEqual(texts.map((t) => scrubber(t)));
    expect(all).toEqual(['nothing', `echo ${REDACTED}!`, REDACTED]);
  });
});

describe('bounds', () => {
  it('bounded cuts at the limit, never inside a surrogate pair, and says so', () => {
    expect(bounded('short', 10)).toBe('short');
    expect(bounded('x'.repeat(20), 10)).toBe(`${'x'.repeat(10)}…[cut, 20 characters]`);
    expect(bounded(`${'x'.repeat(9)}😀`, 10)).toBe(`${'x'.repeat(9)}…[cut, 11 characters]`);
  });

  it('loggable scrubs only what it keeps, so a 5 MB text costs what its head costs', () => {
    const text = `${SECRET} ${'A'.repeat(5 * 1024 * 1024)}`;
    const out = loggable(text, 100, createScrubber({ secrets: [SECRET] }));
    expect(out.startsWith(`${REDACTED} AAA`)).toBe(true);
    expect(out.length).toBeLessThan(140);
  });
});

describe('properties', () => {
  // Secrets from one alphabet, the text around them from another: any run of a secret's
  // characters in the output is an echo the scrubber missed.
  const plainChars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="<> 中é'.split(''), '😀'];
  /** Characters that start an escape: a secret holding them is matched in its decoded form. */
  const escapeChars = ['%', '&', '\\', '%41', '\\u0041', '&#65;', '&amp;'];
  const plainSecret = fc.string({
    unit: fc.constantFrom(...plainChars),
    minLength: PARTIAL_ECHO,
    maxLength: 60,
  });
  const anySecret = fc.string({
    unit: fc.constantFrom(...plainChars, ...escapeChars),
    minLength: MIN_SECRET,
    maxLength: 60,
  });
  const around = fc.string({
    unit: fc.constantFrom(...'ghijklmopqsvwxyz.,:;-'.split('')),
    maxLength: 40,
  });
  const encode = fc.constantFrom<(s: string) => string>(
    (s) => s,
    encodeURIComponent,
    (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    (s) => new URLSearchParams({ x: s }).toString().slice(2),
    (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'),
    (s) => s.replace(/[+/=&<>"]/g, (c) => `&#${c.charCodeAt(0)};`),
  );
  const encodings = fc.array(encode, { minLength: 1, maxLength: 2 });

  it('no run of PARTIAL_ECHO characters of a secret survives, in any encoding or two', () => {
    fc.assert(
      fc.property(
        plainSecret,
        fc.nat(),
        fc.nat(),
        encodings,
        around,
        around,
        (s, a, b, chain, left, right) => {
          // A window of the secret, on whole characters, at least PARTIAL_ECHO units long.
          const start = a % (s.length - PARTIAL_ECHO + 1);
          const end = Math.min(s.length, start + PARTIAL_ECHO + (b % s.length));
          fc.pre(!/[\uD800-\uDFFF]/.test(s.slice(start, end).at(0) ?? ''));
          fc.pre(!/[\uD800-\uDBFF]/.test(s.slice(start, end).at(-1) ?? ''));
          const echo = chain.reduce((text, f) => f(text), s.slice(start, end));
          const out = scrubText(`${left}${echo}${right}`, [s]);
          expect(leakIn(out, s)).toBeUndefined();
          expect(out.startsWith(left.slice(0, -1))).toBe(true);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('a whole secret, even one that looks encoded itself, is found in any encoding or two', () => {
    fc.assert(
      fc.property(anySecret, encodings, around, around, (s, chain, left, right) => {
        const echo = chain.reduce((text, f) => f(text), s);
        const out = scrubText(`${left}${echo}${right}`, [s]);
        expect(leakIn(out, s)).toBeUndefined();
        expect(out).toContain(REDACTED);
      }),
      { numRuns: runs(300) },
    );
  });

  it('text without any secret character comes back unchanged', () => {
    fc.assert(
      fc.property(fc.array(anySecret, { maxLength: 3 }), around, (secrets, text) => {
        expect(scrubText(text, secrets)).toBe(text);
      }),
      { numRuns: runs(300) },
    );
  });
});
