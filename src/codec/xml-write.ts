/**
 * Writes a typed value as XML: an array under a name becomes repeated elements of that name
 * (so `{Keys:{Key:[a,b]}}` is `<Keys><Key>…</Key><Key>…</Key></Keys>` and a flat array repeats
 * its own element), booleans are `true`/`false`, text is escaped.
 *
 * Hand-written rather than fast-xml-parser's XMLBuilder because the builder emits invalid element
 * names verbatim (an upstream JSON key like `a><b` would inject markup) and cannot refuse
 * characters XML 1.0 cannot carry; both must fail loudly here instead.
 */
import type { Typed } from './typed.js';
import { FORBIDDEN, holdsForbidden } from './xml-chars.js';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Thrown when a value cannot be written as XML 1.0 (bad element name, forbidden character). */
export class NotRepresentableAsXml extends Error {
  override readonly name = 'NotRepresentableAsXml';
}

// XML 1.0 (5th edition) NameStartChar and NameChar, without the colon: a name is an NCName, or
// two joined by one colon (a prefixed name), so the output is namespace-well-formed too.
const START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const REST = `${START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
const NCNAME = `[${START}][${REST}]*`;
const NAME = new RegExp(`^${NCNAME}(?::${NCNAME})?$`, 'u');
const checkedNames = new Set<string>();
function checkName(name: string): string {
  if (checkedNames.has(name)) return name;
  if (!NAME.test(name)) throw new NotRepresentableAsXml('element name is not a valid XML name');
  if (checkedNames.size < 10_000) checkedNames.add(name);
  return name;
}

const SPECIAL = /[&<>\r]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };

/** The text with every character XML 1.0 cannot carry replaced by U+FFFD. */
export function xmlSafe(text: string): string {
  return holdsForbidden(text) ? text.replace(new RegExp(FORBIDDEN.source, 'g'), '\uFFFD') : text;
}

/**
 * @throws NotRepresentableAsXml when the text holds a character XML 1.0 cannot carry
 */
export function escapeText(text: string): string {
  if (holdsForbidden(text)) {
    throw new NotRepresentableAsXml('text holds a character XML 1.0 cannot carry');
  }
  return text.replace(SPECIAL, (c) => ESCAPES[c] as string);
}

export function element(name: string, value: Typed): string {
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value as readonly Typed[]) out += element(name, item);
    return out;
  }
  checkName(name);
  if (value === null) return `<${name}/>`;
  if (typeof value === 'object') {
    let inner = '';
    for (const [child, childValue] of Object.entries(value)) inner += element(child, childValue);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeText(String(value))}</${name}>`;
}

/** A whole document: the declaration, then `value` under the root element `root`. */
export function toXmlDocument(root: string, value: Typed): string {
  return XML_DECLARATION + element(root, value);
}
