/**
 * Chooses the response format: the `Format` parameter, else the `Accept` header (RFC 9110:
 * q-values, most specific range wins, parameters such as charset ignored), else JSON.
 */

import type { Format } from '../protocol/rpc.js';

export type MediaType = 'application/json' | 'application/xml' | 'text/xml';
export type FormatSource = 'Format' | 'Accept' | 'default';

export interface Negotiated {
  readonly format: Format;
  readonly mediaType: MediaType;
  readonly source: FormatSource;
}

export type Negotiation =
  | ({ readonly ok: true } & Negotiated)
  | {
      readonly ok: false;
      /** `InvalidParameter` for a bad Format, `Unsupported.Format` when Accept excludes all */
      readonly code: 'InvalidParameter' | 'Unsupported.Format';
      /** how to render that error */
      readonly renderAs: Negotiated;
    };

/** In the server's order of preference, which breaks ties between equally acceptable types. */
const OFFERED: readonly MediaType[] = ['application/json', 'application/xml', 'text/xml'];
const FORMAT_OF: Record<MediaType, Format> = {
  'application/json': 'JSON',
  'application/xml': 'XML',
  'text/xml': 'XML',
};

export const DEFAULT_JSON: Negotiated = {
  format: 'JSON',
  mediaType: 'application/json',
  source: 'default',
};

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  /** position in the header: the earlier of equally good matches wins */
  readonly order: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Case folding of ASCII letters only: Unicode folding maps `ſ` (U+017F) to `s` and `K` (U+212A)
 * to `k`, so `jſon` would pass for `json`.
 */
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
const asciiUpper = (text: string) => text.replace(/[a-z]+/g, (run) => run.toUpperCase());
const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

/**
 * Parses an Accept header into media ranges. Malformed entries (bad token, q outside the RFC
 * grammar such as `q=2` or `q=abc`) are skipped rather than failing the request.
 */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((entry, order) => {
    const [range = '', ...params] = entry.split(';');
    const [type, subtype, extra] = asciiLower(range.trim()).split('/');
    if (!type || !subtype || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) {
      return;
    }
    if (type === '*' && subtype !== '*') return;
    let q = 1;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=');
      if (asciiLower(name.trim()) !== 'q') continue; // charset and the like do not matter
      if (!QVALUE.test(value.trim())) return;
      q = Number(value.trim());
    }
    ranges.push({ type, subtype, q, order });
  });
  return ranges;
}

function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 3;
  if (range.type === type && range.subtype === '*') return 2;
  if (range.type === '*' && range.subtype === '*') return 1;
  return 0;
}

/**
 * The best offered type for an Accept header: `undefined` when the header is absent, empty or
 * holds no valid entry (treated as absent), `null` when it excludes every offered type.
 */
export function negotiateAccept(accept: string | undefined): MediaType | null | undefined {
  if (accept === undefined || accept.trim() === '') return undefined;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return undefined;
  let best: { type: MediaType; q: number; order: number } | undefined;
  for (const offered of OFFERED) {
    const [type, subtype] = offered.split('/') as [string, string];
    // The most specific range that matches decides this type's quality (RFC 9110 §12.5.1).
    let match: MediaRange | undefined;
    let matchSpecificity = 0;
    for (const range of ranges) {
      const s = specificity(range, type, subtype);
      if (s > matchSpecificity || (s === matchSpecificity && s > 0 && match && range.q > match.q)) {
        match = range;
        matchSpecificity = s;
      }
    }
    if (!match || match.q === 0) continue;
    if (!best || match.q > best.q || (match.q === best.q && match.order < best.order)) {
      best = { type: offered, q: match.q, order: match.order };
    }
  }
  return best ? best.type : null;
}

function fromAccept(accept: string | undefined): Negotiated | null {
  const mediaType = negotiateAccept(accept);
  if (mediaType === undefined) return DEFAULT_JSON;
  if (mediaType === null) return null;
  return { format: FORMAT_OF[mediaType], mediaType, source: 'Accept' };
}

export function negotiate(format: string | undefined, accept: string | undefined): Negotiation {
  if (format !== undefined) {
    const upper = asciiUpper(format);
    if (upper === 'JSON') return { ok: true, ...DEFAULT_JSON, source: 'Format' };
    if (upper === 'XML') {
      return { ok: true, format: 'XML', mediaType: 'application/xml', source: 'Format' };
    }
    return { ok: false, code: 'InvalidParameter', renderAs: fromAccept(accept) ?? DEFAULT_JSON };
  }
  const chosen = fromAccept(accept);
  if (chosen) return { ok: true, ...chosen };
  return { ok: false, code: 'Unsupported.Format', renderAs: DEFAULT_JSON };
}
