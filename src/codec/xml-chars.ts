/** The characters XML 1.0 can carry, shared by the readers and the writer. */

/** XML 1.0 `Char`: what a document, or a character reference, may hold. */
export const isXmlChar = (c: number): boolean =>
  c >= 0x20
    ? c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
    : c === 0x9 || c === 0xa || c === 0xd;

/** Characters XML 1.0 forbids: C0 controls but TAB, LF and CR; U+FFFE, U+FFFF; lone surrogates. */
export const FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// A cheaper first look: any control, noncharacter or surrogate at all (pairs included).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** True when the text holds a character XML 1.0 forbids (raw: references are the readers'). */
export const holdsForbidden = (text: string): boolean => SUSPECT.test(text) && FORBIDDEN.test(text);
