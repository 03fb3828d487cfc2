/**
 * Reads untrusted upstream XML into a plain tree: an element with children is an object, a
 * repeated element an array, text a string (verbatim: no trimming, no number guessing).
 * Schema typing happens afterwards (typed.ts); this only refuses what is unsafe or malformed.
 *
 * KMS answers take the fast path (xml-fast.ts, one pass, no validation pass); anything else takes
 * the general path (xml-general.ts, fast-xml-parser). Both refuse characters XML 1.0 forbids.
 */
import { holdsForbidden } from './xml-chars.js';
import { readKmsXml } from './xml-fast.js';
import { readGeneralXml, UnreadableXml, type XmlDocument } from './xml-general.js';

export { UnreadableXml, type XmlDocument };

export function readXml(text: string): XmlDocument {
  // Raw ones here for both paths; references are checked where they are decoded.
  if (holdsForbidden(text)) throw new UnreadableXml('XML with a character XML 1.0 forbids');
  return readKmsXml(text) ?? readGeneralXml(text);
}
