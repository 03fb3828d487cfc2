/**
 * Reads untrusted upstream XML into a plain tree: an element with children is an object, a
 * repeated element an array, text a string (verbatim: no trimming, no number guessing).
 * Schema typing happens afterwards (typed.ts); this only refuses what is unsafe or malformed.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export class UnreadableXml extends Error {
  override readonly name = 'UnreadableXml';
}

// The parser does not validate, and expands DOCTYPE entities by default: refuse DOCTYPE outright
// (a KMS response never has one) and validate before parsing.
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // Decodes numeric character references (&#13;) as well as the five XML entities.
  htmlEntities: true,
  maxNestedTags: 64,
  strictReservedNames: true,
});

export interface XmlDocument {
  readonly root: string;
  readonly content: unknown;
}

// Characters XML 1.0 forbids (C0 controls but TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates).
const FORBIDDEN_RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CHAR_REF = /&#(?:x([0-9A-Fa-f]+)|([0-9]+));/g;

/** XML 1.0 `Char`: what a character reference may name. */
export const isXmlChar = (c: number): boolean =>
  c >= 0x20
    ? c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
    : c === 0x9 || c === 0xa || c === 0xd;

/** True when the text holds, raw or by reference, a character XML 1.0 cannot carry. */
function holdsForbidden(text: string): boolean {
  if (FORBIDDEN_RAW.test(text)) return true;
  if (!text.includes('&#')) return false;
  for (const [, hex, decimal] of text.matchAll(CHAR_REF)) {
    if (!isXmlChar(hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal))) return true;
  }
  return false;
}

export function readXml(text: string): XmlDocument {
  if (DOCTYPE.test(text)) throw new UnreadableXml('XML with a DOCTYPE');
  // The parser drops some of them (`&#0;` vanishes) and keeps others: refuse, never corrupt.
  if (holdsForbidden(text)) throw new UnreadableXml('XML with a character XML 1.0 forbids');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new UnreadableXml(`malformed XML (${valid.err.code})`);
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch {
    throw new UnreadableXml('XML the parser refused');
  }
  const roots = Object.keys(tree as object).filter((k) => k !== '#text');
  if (roots.length !== 1) throw new UnreadableXml('XML without a single root element');
  const root = roots[0] as string;
  return { root, content: (tree as Record<string, unknown>)[root] };
}
