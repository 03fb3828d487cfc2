/** What both XML readers hand out, and how they refuse. */

/** The upstream XML is not a readable document; the message is safe to show (never body text). */
export class UnreadableXml extends Error {
  override readonly name = 'UnreadableXml';
}

export interface XmlDocument {
  readonly root: string;
  readonly content: unknown;
}
