/**
 * Reads untrusted upstream XML into a plain tree: an element with children is an object, a
 * repeated element an array, text a string (verbatim: no trimming, no number guessing).
 * Schema typing happens afterwards (typed.ts); this only refuses what is unsafe or malformed.
 *
 * KMS answers take the fast path (xml-fast.ts, one pass, no validation pass); anything else takes
 * the general path (xml-general.ts, fast-xml-parser). Both refuse characters XML 1.0 forbids.
 *
 * The general path is loaded on first need, not at cold start: it is a third of the bundle and
 * most functions never meet an answer outside KMS's dialect. Reading stays synchronous (the
 * codec's hot path pays no promise): a read that needs the general path before it is loaded
 * throws GeneralXmlNotLoaded, and `withGeneralXml` loads it and reads again.
 */
import { holdsForbidden } from './xml-chars.js';
import { UnreadableXml, type XmlDocument } from './xml-document.js';
import { readKmsXml } from './xml-fast.js';
import type { readGeneralXml } from './xml-general.js';

export { UnreadableXml, type XmlDocument };

/** The document needs the general reader, which is not loaded yet: `await loadGeneralXml()`. */
export class GeneralXmlNotLoaded extends Error {
  override readonly name = 'GeneralXmlNotLoaded';
  constructor() {
    super('the general XML reader is not loaded (await loadGeneralXml())');
  }
}

let general: typeof readGeneralXml | undefined;

/** Loads the general reader; at once when it is loaded already. */
export async function loadGeneralXml(): Promise<void> {
  general ??= (await import('./xml-general.js')).readGeneralXml;
}

/**
 * @throws UnreadableXml when the document is unsafe or malformed
 * @throws GeneralXmlNotLoaded when it is outside KMS's dialect and the general reader is not loaded
 */
export function readXml(text: string): XmlDocument {
  // Raw ones here for both paths; references are checked where they are decoded.
  if (holdsForbidden(text)) throw new UnreadableXml('XML with a character XML 1.0 forbids');
  const fast = readKmsXml(text);
  if (fast) return fast;
  if (!general) throw new GeneralXmlNotLoaded();
  const read = general(text);
  if ('refused' in read) throw new UnreadableXml(read.refused);
  return read;
}

/**
 * `read()`, which reads XML; when it needed the general reader, loads it and reads again.
 * @throws what `read` throws, but for the general reader not being loaded yet
 */
export async function withGeneralXml<T>(read: () => T): Promise<T> {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof GeneralXmlNotLoaded)) throw error;
    await loadGeneralXml();
    return read();
  }
}
