/**
 * Free text as an echo of a secret is looked for in it: with percent-encoding (either hex case,
 * UTF-8), JSON string escapes (`\/`, `\"`, `\uXXXX`, …) and HTML character references (`&#43;`,
 * `&#x2B;`, `&amp;`, …) undone, round after round (an echo may be encoded twice), and `+` and
 * space made one (form encoding). Each unit of a decoded view is mapped to the span of the
 * original text it came from, so what matched there can be replaced here.
 */

export interface Mapped {
  readonly text: string;
  /** start (inclusive) in the original text of each unit; undefined: unit i is character i */
  readonly from: readonly number[] | undefined;
  /** end (exclusive) in the original text of each unit */
  readonly to: readonly number[] | undefined;
}

export const startOf = (m: Mapped, unit: number) => (m.from ? (m.from[unit] as number) : unit);
export const endOf = (m: Mapped, unit: number) => (m.to ? (m.to[unit] as number) : unit + 1);

const HEX2 = /^[0-9A-Fa-f]{2}$/;
const byteAt = (s: string, i: number): number | undefined => {
  if (s.charCodeAt(i) !== 0x25) return undefined;
  const hex = s.slice(i + 1, i + 3);
  return HEX2.test(hex) ? Number.parseInt(hex, 16) : undefined;
};

/** A percent-encoded UTF-8 character at `i`: [the character, units consumed]. */
function percentAt(s: string, i: number): [string, number] | undefined {
  const lead = byteAt(s, i);
  if (lead === undefined) return undefined;
  if (lead < 0x80) return [String.fromCharCode(lead), 3];
  const length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length === 0 || lead > 0xf4) return undefined;
  let point = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = byteAt(s, i + 3 * k);
    if (next === undefined || next < 0x80 || next > 0xbf) return undefined;
    // Overlong forms, surrogates and points beyond U+10FFFF are not UTF-8.
    if (k === 1) {
      if (lead === 0xe0 && next < 0xa0) return undefined;
      if (lead === 0xed && next > 0x9f) return undefined;
      if (lead === 0xf0 && next < 0x90) return undefined;
      if (lead === 0xf4 && next > 0x8f) return undefined;
    }
    point = (point << 6) | (next & 0x3f);
  }
  return [String.fromCodePoint(point), 3 * length];
}

const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '/': '/',
  '"': '"',
  '\\': '\\',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const UNICODE_ESCAPE = /^u[0-9A-Fa-f]{4}$/;

function jsonEscapeAt(s: string, i: number): [string, number] | undefined {
  const next = s[i + 1];
  if (next === undefined) return undefined;
  const simple = JSON_ESCAPES[next];
  if (simple !== undefined) return [simple, 2];
  const unicode = s.slice(i + 1, i + 6);
  if (UNICODE_ESCAPE.test(unicode)) {
    return [String.fromCharCode(Number.parseInt(unicode.slice(1), 16)), 6];
  }
  return undefined;
}

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(amp|lt|gt|quot|apos));/y;
const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function entityAt(s: string, i: number): [string, number] | undefined {
  ENTITY.lastIndex = i;
  const match = ENTITY.exec(s);
  if (!match) return undefined;
  const [whole, decimal, hex, name] = match;
  if (name !== undefined) return [NAMED[name] as string, whole.length];
  const point = decimal !== undefined ? Number(decimal) : Number.parseInt(hex as string, 16);
  return point <= 0x10ffff ? [String.fromCodePoint(point), whole.length] : undefined;
}

type Decoder = (s: string, i: number) => [string, number] | undefined;

/** The decoder of each escape's first character. */
const DECODERS: Readonly<Record<number, Decoder>> = {
  37: percentAt,
  92: jsonEscapeAt,
  38: entityAt,
};

/**
 * One round of decoding, by the decoders given (one scheme, or all at once); undefined when there
 * was nothing to decode.
 */
function decodeOnce(m: Mapped, decoders: Readonly<Record<number, Decoder>>): Mapped | undefined {
  const s = m.text;
  const units: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let changed = false;
  let i = 0;
  while (i < s.length) {
    const decoded = decoders[s.charCodeAt(i)]?.(s, i);
    if (decoded) {
      const [value, used] = decoded;
      const start = startOf(m, i);
      const end = endOf(m, i + used - 1);
      for (let k = 0; k < value.length; k++) {
        units.push(value[k] as string);
        from.push(start);
        to.push(end);
      }
      i += used;
      changed = true;
    } else {
      units.push(s[i] as string);
      from.push(startOf(m, i));
      to.push(endOf(m, i));
      i += 1;
    }
  }
  return changed ? { text: units.join(''), from, to } : undefined;
}

const ENCODED = /[%\\&]/;
/** Decoding rounds: an echo encoded twice of a secret that itself looks encoded, and more. */
const MAX_ROUNDS = 6;
/** Views of one text at most; text with one kind of escape has one per round. */
const MAX_VIEWS = 32;
/** Each scheme alone, and all at once: a secret holding `%41` echoed as `&#37;41` needs one alone. */
const ROUNDS: readonly Readonly<Record<number, Decoder>>[] = [
  DECODERS,
  ...Object.entries(DECODERS).map(([c, decoder]) => ({ [Number(c)]: decoder })),
];

const folded = (m: Mapped): Mapped => ({ ...m, text: m.text.replaceAll('+', ' ') });

/**
 * The text as received, and as decoded by every sequence of rounds (all schemes at once, or one
 * scheme alone) up to MAX_ROUNDS deep, distinct texts only, `+` and space made one in each. Most
 * text has nothing to decode and is its only view. Every view is kept, not only the last, because
 * a secret may itself hold what looks like an escape (`%1A`, `\\`): its echo matches the secret at
 * some depth and order of decoding, not necessarily at the end.
 */
export function views(text: string): Mapped[] {
  const start: Mapped = { text, from: undefined, to: undefined };
  const seen = new Set([text]);
  const all = [start];
  let layer = [start];
  for (let round = 0; round < MAX_ROUNDS && layer.length > 0; round++) {
    const next: Mapped[] = [];
    for (const m of layer) {
      if (!ENCODED.test(m.text)) continue;
      for (const decoders of ROUNDS) {
        const decoded = decodeOnce(m, decoders);
        if (!decoded || seen.has(decoded.text) || all.length >= MAX_VIEWS) continue;
        seen.add(decoded.text);
        all.push(decoded);
        next.push(decoded);
      }
    }
    layer = next;
  }
  return all.map(folded);
}
