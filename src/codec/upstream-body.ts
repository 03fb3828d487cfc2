/**
 * Turns the bytes of an upstream answer into a parsed tree, whichever format it is in: JSON or
 * XML (any root, with or without a declaration), found by sniffing the first character rather
 * than trusting Content-Type (gateways in front of KMS send HTML and wrong types).
 */
import type { Format } from '../protocol/rpc.js';
import { adopt, isRecord } from './typed.js';
import { readXml, UnreadableXml } from './xml-read.js';

export interface UpstreamBody {
  readonly format: Format;
  /** the XML root element name; undefined for JSON */
  readonly root: string | undefined;
  /**
   * The parsed tree, handed over: typeObject types it in place, so read what you need from it
   * before typing it.
   */
  readonly content: Record<string, unknown>;
}

/** The upstream body is not a readable KMS answer; `reason` is safe to show (never body text). */
export class UnreadableBody extends Error {
  override readonly name = 'UnreadableBody';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * @throws UnreadableBody when the bytes are not UTF-8, or neither a JSON object nor well-formed XML
 */
export function readUpstreamBody(bytes: Uint8Array): UpstreamBody {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new UnreadableBody('not UTF-8 text', { cause: error });
  }
  // Most answers start with their first character; the regex is for leading whitespace.
  const head = text.charAt(0);
  const first = head === '{' || head === '<' ? head : /\S/.exec(text)?.[0];
  if (first === '{') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UnreadableBody('malformed JSON', { cause: error });
    }
    if (!isRecord(value)) throw new UnreadableBody('JSON that is not an object');
    return { format: 'JSON', root: undefined, content: adopt(value) };
  }
  if (first === '<') {
    try {
      const { root, content } = readXml(text);
      // An empty root (<KMS/>) parses as "": treat it as an empty object.
      return { format: 'XML', root, content: adopt(isRecord(content) ? content : {}) };
    } catch (error) {
      if (error instanceof UnreadableXml) throw new UnreadableBody(error.message, { cause: error });
      throw error;
    }
  }
  throw new UnreadableBody(first === undefined ? 'empty body' : 'neither XML nor JSON');
}
