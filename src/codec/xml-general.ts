/**
 * The general path for upstream XML: fast-xml-parser, for whatever the fast path (xml-fast.ts)
 * leaves to it — comments, CDATA, attributes, namespaces, other entities — and to refuse what is
 * unsafe or malformed. Its tree: an element with children is an object (text beside them under
 * `#text`), a repeated element an array, text a string (verbatim: no trimming, no number guessing).
 *
 * Loaded only when first needed (xml-read.ts): it is fast-xml-parser and its dependencies, a third
 * of the bundle, and KMS's own answers never need it.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isXmlChar } from './xml-chars.js';
import type { XmlDocument } from './xml-document.js';

/**
 * Why a document was refused (safe to show: never body text). A value, not a thrown error: this
 * module is loaded apart (xml-read.ts), and the reader turns a refusal into its own UnreadableXml.
 */
export interface Refusal {
  readonly refused: string;
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

/** The document, or why it is refused (unsafe or malformed). */
export function readGeneralXml(text: string): XmlDocument | Refusal {
  if (DOCTYPE.test(text)) return { refused: 'XML with a DOCTYPE' };
  // `&#0;` would vanish and `&#x110000;` stay literal: refuse, never corrupt.
  if (refersToForbidden(text)) return { refused: 'XML with a character XML 1.0 forbids' };
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { refused: `malformed XML (${valid.err.code})` };
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch {
    return { refused: 'XML the parser refused' };
  }
  const roots = Object.keys(tree as object).filter((k) => k !== '#text');
  if (roots.length !== 1) return { refused: 'XML without a single root element' };
  const root = roots[0] as string;
  return { root, content: (tree as Record<string, unknown>)[root] };
}
