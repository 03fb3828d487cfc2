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

export function readXml(text: string): XmlDocument {
  if (DOCTYPE.test(text)) throw new UnreadableXml('XML with a DOCTYPE');
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
