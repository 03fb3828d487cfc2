/**
 * Removes secrets from free text we did not write (an upstream's message, code or ids), however
 * they are encoded there. Text and secrets are both read in every view `canonical-text.ts` gives
 * (as received, and decoded round after round). A secret is echoed wherever a view of the text
 * holds PARTIAL_ECHO or more consecutive characters of a view of the secret, or a whole view of
 * the secret when that is shorter; views shorter than MIN_SECRET are not looked for (they cannot
 * be told from ordinary text). The characters of the original text that produced an echo are
 * replaced, by `[REDACTED]`, or for an AccessKeyId by its last four characters.
 *
 * Windows are found by a rolling hash and confirmed character by character, so the work is
 * linear in the lengths of the texts and the secrets.
 */
import { endOf, type Mapped, startOf, views } from './canonical-text.js';
import { bounded, lastFour, MIN_SECRET, PARTIAL_ECHO, REDACTED } from './redact.js';

export interface SecretSet {
  /** values replaced by `[REDACTED]` */
  readonly secrets: Iterable<string>;
  /** AccessKeyIds, replaced by their last four characters */
  readonly accessKeyIds?: Iterable<string> | undefined;
}

export interface Scrubber {
  (text: string): string;
  /** the texts of one log line at once: each secret is read once for the lot */
  scrubAll(texts: readonly string[]): string[];
}

const B1 = 65_599;
/** B1 to the power PARTIAL_ECHO − 1, modulo 2^32: what leaves the window with its first unit */
const P1 = Array.from({ length: PARTIAL_ECHO - 1 }).reduce<number>((p) => Math.imul(p, B1), 1);

/** Hashes are kept to 30 bits: small integers, which Maps hash fastest. */
const HASH_MASK = 0x3fffffff;

/** Calls `visit(start, hash)` for every window of PARTIAL_ECHO units of `s` (a rolling hash). */
function eachWindow(s: string, visit: (start: number, hash: number) => void): void {
  let hash = 0;
  for (let i = 0; i < s.length; i++) {
    if (i >= PARTIAL_ECHO) hash = (hash - Math.imul(s.charCodeAt(i - PARTIAL_ECHO), P1)) | 0;
    hash = (Math.imul(hash, B1) + s.charCodeAt(i)) | 0;
    if (i >= PARTIAL_ECHO - 1) visit(i - PARTIAL_ECHO + 1, hash & HASH_MASK);
  }
}

interface Mark {
  start: number;
  end: number;
  /** `[REDACTED]`, or an AccessKeyId's last four */
  replacement: string;
}

/** Up to this many windows, a scrubber indexes the secrets' windows once, when it is built. */
const INDEX_SECRETS_UP_TO = 4096;

function push<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface Known {
  /** one view of a secret */
  readonly text: string;
  readonly replacement: string;
}

/** Builds a scrubber for a set of secrets: build it once, use it on every field of a line. */
export function createScrubber(set: SecretSet): Scrubber {
  // Secrets first: where a secret and an id match the same characters, the secret wins.
  const known: Known[] = [];
  const add = (value: string, replacement: string) => {
    for (const text of new Set(views(value).map((view) => view.text))) {
      known.push({ text, replacement });
    }
  };
  for (const secret of set.secrets) add(secret, REDACTED);
  for (const id of set.accessKeyIds ?? []) add(id, lastFour(id));
  const long = known.filter((k) => k.text.length >= PARTIAL_ECHO);
  // Longer first, so a short secret inside a longer one does not split its replacement.
  const short = known
    .filter((k) => k.text.length >= MIN_SECRET && k.text.length < PARTIAL_ECHO)
    .sort((a, b) => b.text.length - a.text.length);

  // Few secret windows (the function's own key, ordinary parameters): index them once. Many
  // (a large Plaintext or SecretData): index each batch of texts instead, and read the secrets.
  // Either way a window is indexed once per distinct content, and a text position is marked at
  // most once, so a repetitive secret echoed at length ("AAAA…") costs no more than any other.
  const windowCount = long.reduce((n, k) => n + k.text.length - PARTIAL_ECHO + 1, 0);
  const secretWindows =
    windowCount <= INDEX_SECRETS_UP_TO ? new Map<number, [Known, number][]>() : undefined;
  for (const secret of secretWindows ? long : []) {
    eachWindow(secret.text, (offset, hash) => {
      const list = secretWindows?.get(hash);
      if (!list) secretWindows?.set(hash, [[secret, offset]]);
      else if (!list.some(([k, o]) => sameWindow(k.text, o, secret.text, offset))) {
        list.push([secret, offset]);
      }
    });
  }

  function scrubAll(texts: readonly string[]): string[] {
    const inputs = texts.map((text) =>
      text.replace(/(string\s*to\s*sign\s*(is)?\s*:?).*/gis, `$1 ${REDACTED}`),
    );
    if (long.length === 0 && short.length === 0) return inputs;
    // Every view of every text, each knowing its text.
    const mapped: Mapped[] = [];
    const textOf: number[] = [];
    inputs.forEach((input, t) => {
      for (const view of views(input)) {
        mapped.push(view);
        textOf.push(t);
      }
    });
    const marks: Mark[][] = inputs.map(() => []);
    const mark = (v: number, at: number, length: number, replacement: string) => {
      const m = mapped[v] as Mapped;
      (marks[textOf[v] as number] as Mark[]).push({
        start: startOf(m, at),
        end: endOf(m, at + length - 1),
        replacement,
      });
    };
    if (secretWindows) {
      mapped.forEach((m, t) => {
        eachWindow(m.text, (at, hash) => {
          // A hash only proposes a match: the characters confirm it. Secrets come first.
          const found = secretWindows
            .get(hash)
            ?.find(([secret, offset]) => sameWindow(m.text, at, secret.text, offset));
          if (found) mark(t, at, PARTIAL_ECHO, found[0].replacement);
        });
      });
    } else {
      readSecrets(mapped, long, (t, at, secret) => {
        mark(t, at, PARTIAL_ECHO, secret.replacement);
      });
    }
    mapped.forEach((m, t) => {
      for (const secret of short) {
        for (
          let at = m.text.indexOf(secret.text);
          at !== -1;
          at = m.text.indexOf(secret.text, at + secret.text.length)
        ) {
          mark(t, at, secret.text.length, secret.replacement);
        }
      }
    });
    return inputs.map((text, t) => {
      const found = marks[t] as Mark[];
      return found.length === 0 ? text : replaceMarks(text, found);
    });
  }

  const scrub = (text: string) => scrubAll([text])[0] as string;
  return Object.assign(scrub, { scrubAll });
}

/** Whether `a` at `i` and `b` at `j` hold the same PARTIAL_ECHO units. */
function sameWindow(a: string, i: number, b: string, j: number): boolean {
  for (let k = 0; k < PARTIAL_ECHO; k++) {
    if (a.charCodeAt(i + k) !== b.charCodeAt(j + k)) return false;
  }
  return true;
}

/**
 * Indexes the windows of the (short) texts, then reads each (long) secret once, calling `found`
 * for each text position one of its windows matches. A position found is taken out of the index.
 */
function readSecrets(
  mapped: readonly Mapped[],
  secrets: readonly Known[],
  found: (t: number, at: number, secret: Known) => void,
): void {
  const textWindows = new Map<number, [number, number][]>();
  // A bitmap of the texts' hashes spares most Map lookups while reading a long secret.
  const seen = new Uint32Array(2048);
  mapped.forEach((m, t) => {
    eachWindow(m.text, (at, hash) => {
      push(textWindows, hash, [t, at]);
      seen[(hash >>> 5) & 2047] = (seen[(hash >>> 5) & 2047] as number) | (1 << (hash & 31));
    });
  });
  for (const secret of secrets) {
    const s = secret.text;
    let hash = 0;
    for (let i = 0; i < s.length && textWindows.size > 0; i++) {
      if (i >= PARTIAL_ECHO) hash = (hash - Math.imul(s.charCodeAt(i - PARTIAL_ECHO), P1)) | 0;
      hash = (Math.imul(hash, B1) + s.charCodeAt(i)) | 0;
      const key = hash & HASH_MASK;
      if (
        i < PARTIAL_ECHO - 1 ||
        ((seen[(key >>> 5) & 2047] as number) & (1 << (key & 31))) === 0
      ) {
        continue;
      }
      const candidates = textWindows.get(key);
      if (!candidates) continue;
      const offset = i - PARTIAL_ECHO + 1;
      const left = candidates.filter(([t, at]) => {
        if (!sameWindow((mapped[t] as Mapped).text, at, s, offset)) return true;
        found(t, at, secret);
        return false;
      });
      if (left.length === 0) textWindows.delete(key);
      else if (left.length < candidates.length) textWindows.set(key, left);
    }
  }
}

/** Replaces each run of overlapping marks once; `[REDACTED]` wins over an id's last four. */
function replaceMarks(text: string, marks: Mark[]): string {
  marks.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  let current: Mark | undefined;
  const flush = () => {
    if (!current) return;
    out += text.slice(at, current.start) + current.replacement;
    at = current.end;
  };
  for (const next of marks) {
    if (current && next.start < current.end) {
      current.end = Math.max(current.end, next.end);
      if (next.replacement === REDACTED) current.replacement = REDACTED;
      continue;
    }
    flush();
    current = { ...next };
  }
  flush();
  return out + text.slice(at);
}

/** `text` with every echo of `secrets` (and of `accessKeyIds`) removed. */
export function scrubText(
  text: string,
  secrets: Iterable<string>,
  accessKeyIds: Iterable<string> = [],
): string {
  return createScrubber({ secrets, accessKeyIds })(text);
}

/**
 * Free text made fit for a log line: scrubbed of secrets and bounded. Only a head of a long text
 * is scrubbed (what is cut is never logged), so the work is bounded too.
 */
export function loggable(text: string, max: number, scrub: Scrubber): string {
  const head = text.length > 4 * max ? text.slice(0, 4 * max) : text;
  return bounded(scrub(head), max, text.length === head.length ? undefined : text.length);
}
