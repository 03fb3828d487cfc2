/**
 * Does a secret show in some text, whole or in part, as sent or in an encoding an upstream may
 * echo it in? Written independently of the product's scrubber, so a test that uses it can see the
 * scrubber fail.
 */

/** The shortest run of a secret's characters that counts as a leak (README, Security). */
export const LEAK_WINDOW = 12;

const upperHex = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const lowerHex = (s: string) => upperHex(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const form = (s: string) => new URLSearchParams({ x: s }).toString().slice(2);
const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/');
const htmlEntities = (s: string) => s.replace(/[+/=&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const htmlHexEntities = (s: string) =>
  s.replace(/[+/=&<>"]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);

/** A secret as an upstream might echo it: as is, and in every encoding the README lists. */
export function echoesOf(secret: string): Record<string, string> {
  return {
    raw: secret,
    percent: upperHex(secret),
    'lower-case percent': lowerHex(secret),
    'double percent': upperHex(upperHex(secret)),
    form: form(secret),
    'JSON-escaped': jsonEscaped(secret),
    '&#43;': htmlEntities(secret),
    '&#x2b;': htmlHexEntities(secret),
  };
}

/** Where `secret` leaks in `text` (encoding and the run found), or undefined when it does not. */
export function leakIn(text: string, secret: string): string | undefined {
  for (const [encoding, echo] of Object.entries(echoesOf(secret))) {
    const width = Math.min(LEAK_WINDOW, echo.length);
    for (let at = 0; at + width <= echo.length; at++) {
      const run = echo.slice(at, at + width);
      if (text.includes(run)) return `${encoding}: ${run}`;
    }
  }
  return undefined;
}
