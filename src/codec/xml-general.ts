/**
 * The general path for upstream XML: fast-xml-parser, for whatever the fast path (xml-fast.ts)
 * leaves to it — comments, CDATA, attributes, namespaces, other entities — and to refuse what is
 * unsafe or malformed. Its tree: an element with children is an object (text beside them under
 * `#text`), a repeated element an array, text a string (verbatim: no trimming, no number guessing).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isXmlChar } from './xml-chars.js';

/** The upstream XML is not a readable document; the message is safe to show (never body text). */
export class UnreadableXml extends Error {
  override readonly name = 'UnreadableXml';
}

export interface XmlDocument {
  readonly root: string;
  readonly content: unknown;
}

// The parser does not validate, and expands DOCTYPE entities by default: refuse DOCTYPE outright
// (a KMS response never has one) and validate before parsing.
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;
const CHAR_REF = /&#(?:x([0-9A-Fa-f]+)|([0-9]+));/g;

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

/** True when a character reference names a character XML 1.0 forbids (the parser drops them). */
function refersToForbidden(text: string): boolean {
  if (!text.includes('&#')) return false;
  for (const [, hex, decimal] of text.matchAll(CHAR_REF)) {
    if (!isXmlChar(hex !== undefined ? Number.parseInt(hex, 16) : Number(decimal))) return true;
  }
  return false;
}

export function readGeneralXml(text: string): XmlDocument {
  if (DOCTYPE.test(text)) throw new UnreadableXml('XML with a DOCTYPE');
  // `&#0;` would vanish and `&#x110000;` stay literal: refuse, never corrupt.
  if (refersToForbidden(text)) throw new UnreadableXml('XML with a character XML 1.0 forbids');
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
