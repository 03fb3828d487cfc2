/**
 * The fast path for the XML dialect KMS speaks: an optional declaration, elements without
 * attributes, text with the five predefined entities and numeric character references. It reads
 * such a document in one pass into the same tree the general path (fast-xml-parser, xml-read.ts)
 * builds, and answers `undefined` for anything else — attributes, comments, CDATA, processing
 * instructions, DOCTYPE, other entities, non-ASCII names, mixed content, deep nesting, malformed
 * or forbidden input — so the general path reads it, or refuses it, exactly as before.
 *
 * `test/property/xml-differential.property.test.ts` holds the two paths to the same result.
 */

import { isXmlChar } from './xml-chars.js';

/**
 * Names the fast path leaves to the general one: those fast-xml-parser renames or refuses
 * (`toString` becomes `__toString`, `__proto__` is refused), and every name an object inherits,
 * so a lookup in the objects built here only ever finds what this scanner put there.
 */
const RESERVED: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** Below fast-xml-parser's maxNestedTags (64), so deep documents are its to refuse. */
const MAX_DEPTH = 48;

const DECLARATION =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const PREDEFINED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Thrown inside the scanner to leave the fast path; never escapes this module. */
const NOT_OURS = Symbol('not the KMS dialect');

// [A-Za-z_] start, then [A-Za-z0-9_.-]: the ASCII names KMS uses.
const isNameStart = (c: number): boolean =>
  ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x5f;
const isNameChar = (c: number): boolean =>
  isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

export type XmlTree = string | XmlObject;
export interface XmlObject {
  [name: string]: XmlTree | XmlTree[];
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(): never {
    throw NOT_OURS;
  }

  /** An element name at `pos`, which is left on the character after it. */
  name(): string {
    const { text } = this;
    const start = this.pos;
    if (!isNameStart(text.charCodeAt(start))) this.fail();
    let end = start + 1;
    while (isNameChar(text.charCodeAt(end))) end++;
    this.pos = end;
    return text.slice(start, end);
  }

  /** Raw text between markup: line ends normalized, entities and references decoded. */
  chars(start: number, end: number): string {
    let raw = this.text.slice(start, end);
    if (raw.includes('\r')) raw = raw.replace(/\r\n?/g, '\n');
    if (!raw.includes('&')) return raw;
    let out = '';
    let from = 0;
    for (let at = raw.indexOf('&'); at !== -1; at = raw.indexOf('&', from)) {
      ENTITY.lastIndex = at;
      const match = ENTITY.exec(raw);
      if (!match) this.fail();
      const [all, name, decimal, hex] = match;
      let decoded: string;
      if (name !== undefined) decoded = PREDEFINED[name] as string;
      else {
        const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex as string, 16);
        if (!isXmlChar(code)) this.fail();
        decoded = String.fromCodePoint(code);
      }
      out += raw.slice(from, at) + decoded;
      from = at + all.length;
    }
    return out + raw.slice(from);
  }

  /** The element named `name`, `pos` just after its name; `pos` is left after its end tag. */
  element(name: string, depth: number): XmlTree {
    const { text } = this;
    let c = text.charCodeAt(this.pos);
    if (c === 0x2f /* / */) {
      if (text.charCodeAt(this.pos + 1) !== 0x3e) this.fail();
      this.pos += 2;
      return '';
    }
    if (c !== 0x3e /* > */) this.fail();
    this.pos++;
    let children: XmlObject | undefined;
    for (;;) {
      const start = this.pos;
      const lt = text.indexOf('<', start);
      if (lt === -1) this.fail();
      c = text.charCodeAt(lt + 1);
      if (c === 0x2f /* / */) {
        // The end tag: exactly `</name>`.
        const close = lt + 2 + name.length;
        if (!text.startsWith(name, lt + 2) || text.charCodeAt(close) !== 0x3e) this.fail();
        this.pos = close + 1;
        if (children === undefined) return this.chars(start, lt);
        this.spaceOnly(start, lt);
        return children;
      }
      if (depth >= MAX_DEPTH) this.fail();
      // A child: text before it may only be the indentation of pretty-printed XML.
      this.spaceOnly(start, lt);
      children ??= {};
      this.pos = lt + 1;
      const childName = this.name();
      if (RESERVED.has(childName)) this.fail();
      const child = this.element(childName, depth + 1);
      const existing = children[childName];
      if (existing === undefined) children[childName] = child;
      else if (Array.isArray(existing)) existing.push(child);
      else children[childName] = [existing, child];
    }
  }

  spaceOnly(start: number, end: number): void {
    for (let i = start; i < end; i++) if (!isSpace(this.text.charCodeAt(i))) this.fail();
  }

  document(): { root: string; content: XmlTree } {
    const { text } = this;
    if (text.startsWith('<?xml')) {
      DECLARATION.lastIndex = 0;
      if (!DECLARATION.test(text)) this.fail();
      this.pos = DECLARATION.lastIndex;
    }
    while (isSpace(text.charCodeAt(this.pos))) this.pos++;
    if (text.charCodeAt(this.pos) !== 0x3c /* < */) this.fail();
    this.pos++;
    const root = this.name();
    if (RESERVED.has(root)) this.fail();
    const content = this.element(root, 0);
    this.spaceOnly(this.pos, text.length);
    return { root, content };
  }
}

/**
 * The document read by the fast path, or undefined when it is not in the KMS dialect (the
 * general path then decides). The caller has already refused raw forbidden characters.
 */
export function readKmsXml(text: string): { root: string; content: XmlTree } | undefined {
  try {
    return new Scanner(text).document();
  } catch (error) {
    if (error === NOT_OURS) return undefined;
    throw error;
  }
}
