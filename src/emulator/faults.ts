/**
 * Injected faults: the ways a real endpoint (or what stands in front of it) misbehaves, for
 * testing how the proxy copes. A fault is checked before a request is handled; the first one
 * whose scope matches applies, and each application uses up one of its `times`.
 */
import { isRecord } from '../codec/typed.js';

export type Fault =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: 500 | 503 }
  | { kind: 'drop' }
  | { kind: 'truncate' }
  | { kind: 'html'; status?: number }
  | { kind: 'content-type'; value: string }
  | { kind: 'doctype' }
  | { kind: 'oversize'; bytes: number }
  | { kind: 'garbage' };

export interface FaultScope {
  /** only requests signed by this key (as the request claims, before verification) */
  accessKeyId?: string;
  /** default: until cleared */
  times?: number;
}

const MAX_LATENCY_MS = 10 * 60 * 1000;
const MAX_OVERSIZE_BYTES = 64 * 1024 * 1024;

const isInteger = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * A checked copy of `value` as a Fault; throws TypeError saying what is wrong.
 * @throws TypeError saying what is wrong
 */
export function parseFault(value: unknown): Fault {
  if (!isRecord(value)) throw new TypeError('fault must be an object');
  switch (value.kind) {
    case 'latency':
      if (!isInteger(value.ms, 0, MAX_LATENCY_MS)) {
        throw new TypeError(`latency.ms must be an integer from 0 to ${MAX_LATENCY_MS}`);
      }
      return { kind: 'latency', ms: value.ms };
    case 'status':
      if (value.status !== 500 && value.status !== 503) {
        throw new TypeError('status.status must be 500 or 503');
      }
      return { kind: 'status', status: value.status };
    case 'html':
      if (value.status === undefined) return { kind: 'html' };
      if (!isInteger(value.status, 200, 599)) {
        throw new TypeError('html.status must be an integer from 200 to 599');
      }
      return { kind: 'html', status: value.status };
    case 'content-type':
      if (typeof value.value !== 'string' || !/^[\t\x20-\x7E]+$/.test(value.value)) {
        throw new TypeError('content-type.value must be a non-empty header value');
      }
      return { kind: 'content-type', value: value.value };
    case 'oversize':
      if (!isInteger(value.bytes, 0, MAX_OVERSIZE_BYTES)) {
        throw new TypeError(`oversize.bytes must be an integer from 0 to ${MAX_OVERSIZE_BYTES}`);
      }
      return { kind: 'oversize', bytes: value.bytes };
    case 'drop':
    case 'truncate':
    case 'doctype':
    case 'garbage':
      return { kind: value.kind };
    default:
      throw new TypeError(`unknown fault kind ${JSON.stringify(value.kind)}`);
  }
}

/**
 * @throws TypeError saying what is wrong
 */
export function parseScope(value: { accessKeyId?: unknown; times?: unknown }): FaultScope {
  const scope: FaultScope = {};
  if (value.accessKeyId !== undefined) {
    if (typeof value.accessKeyId !== 'string') throw new TypeError('accessKeyId must be a string');
    scope.accessKeyId = value.accessKeyId;
  }
  if (value.times !== undefined) {
    if (!isInteger(value.times, 1, Number.MAX_SAFE_INTEGER)) {
      throw new TypeError('times must be a positive integer');
    }
    scope.times = value.times;
  }
  return scope;
}

interface Entry {
  readonly fault: Fault;
  readonly accessKeyId: string | undefined;
  remaining: number;
}

export class FaultBook {
  #entries: Entry[] = [];

  inject(fault: Fault, scope: FaultScope = {}): void {
    const checked = parseScope(scope);
    this.#entries.push({
      fault: parseFault(fault),
      accessKeyId: checked.accessKeyId,
      remaining: checked.times ?? Number.POSITIVE_INFINITY,
    });
  }

  clear(): void {
    this.#entries = [];
  }

  /** The fault for a request claiming `accessKeyId`, using up one application of it. */
  take(accessKeyId: string | undefined): Fault | undefined {
    const entry = this.#entries.find(
      (e) => e.accessKeyId === undefined || e.accessKeyId === accessKeyId,
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries = this.#entries.filter((e) => e !== entry);
    return entry.fault;
  }
}

/** What an Alibaba load balancer (Tengine) serves when the backend is gone. */
export function htmlPage(status: number): string {
  const title = `${status} ${status === 502 ? 'Bad Gateway' : 'Error'}`;
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>Tengine</center></body></html>`;
}

/** Starts with neither `{` nor `<` and holds control bytes: no parser should accept it. */
export const GARBAGE_BODY = '\u0001\u0002garbage::%%not-json,not-xml;;\u0003';

/**
 * An XML document with a DOCTYPE whose internal entity stands for the RequestId text, so a
 * parser that expands entities reads the right value and one that refuses DTDs fails.
 */
export function withDoctype(xml: string, requestId: string): string {
  const declaration = /^<\?xml[^>]*\?>/.exec(xml)?.[0] ?? '';
  const rest = xml.slice(declaration.length);
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1] ?? 'Error';
  const body = rest.replace(`<RequestId>${requestId}</RequestId>`, '<RequestId>&rid;</RequestId>');
  return `${declaration}<!DOCTYPE ${root} [<!ENTITY rid "${requestId}">]>${body}`;
}

/** The JSON object `json` with a `Padding` field making it longer than `bytes` bytes. */
export function padJson(json: string, bytes: number): string {
  const value = JSON.parse(json) as Record<string, unknown>;
  const bare = Buffer.byteLength(JSON.stringify({ ...value, Padding: '' }), 'utf8');
  return JSON.stringify({ ...value, Padding: 'x'.repeat(Math.max(0, bytes - bare + 1)) });
}
