/**
 * What the soak sends: a weighted mix of scenarios (successes, upstream errors, the gateway's own
 * refusals), each asking for its answer's format one of the ways a caller can, and the upstream
 * faults injected along the way. Seeded, so a run can be repeated.
 */
import type { Fault } from '../../src/emulator/index.js';

export type Media = 'application/json' | 'application/xml' | 'text/xml';

/** How a caller asks for a format, and what the answer must then be. */
export interface FormatChoice {
  readonly format?: string;
  readonly accept?: string;
  readonly media: Media;
}

export const FORMATS: readonly FormatChoice[] = [
  { media: 'application/json' },
  { format: 'JSON', media: 'application/json' },
  { format: 'XML', media: 'application/xml' },
  { format: 'xml', accept: 'application/json', media: 'application/xml' },
  { accept: 'application/xml', media: 'application/xml' },
  { accept: 'text/xml', media: 'text/xml' },
  { accept: 'application/json;q=0.5, text/xml', media: 'text/xml' },
  { accept: '*/*', media: 'application/json' },
];

export interface Planned {
  readonly scenario: string;
  readonly params: Record<string, string>;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly accept?: string | undefined;
  /** a body the caller helper would not send: posted as is, parameters in the query */
  readonly rawBody?: { readonly contentType: string; readonly text: string };
  readonly media: Media;
  /** what the gateway answers on its own, before any upstream call */
  readonly expect?: { readonly status: number; readonly code: string };
}

export interface Fixture {
  readonly keyId: string;
  readonly ciphertext: string;
}

export type Scenario = (fixture: Fixture, choice: FormatChoice, random: () => number) => Planned;

const withFormat = (params: Record<string, string>, choice: FormatChoice) =>
  choice.format === undefined ? params : { ...params, Format: choice.format };

function plain(
  scenario: string,
  params: (f: Fixture) => Record<string, string>,
  expect?: Planned['expect'],
): Scenario {
  return (fixture, choice, random) => ({
    scenario,
    params: withFormat(params(fixture), choice),
    method: random() < 0.3 ? 'GET' : 'POST',
    accept: choice.accept,
    media: choice.media,
    ...(expect ? { expect } : {}),
  });
}

/** Scenarios with their weights: successes, upstream errors and the gateway's own refusals. */
export const SCENARIOS: readonly [number, Scenario][] = [
  [20, plain('Encrypt', (f) => ({ Action: 'Encrypt', KeyId: f.keyId, Plaintext: 'aGVsbG8=' }))],
  [15, plain('Decrypt', (f) => ({ Action: 'Decrypt', CiphertextBlob: f.ciphertext }))],
  [10, plain('GenerateDataKey', (f) => ({ Action: 'GenerateDataKey', KeyId: f.keyId }))],
  [10, plain('ListKeys', () => ({ Action: 'ListKeys', PageSize: '5' }))],
  [5, plain('DescribeKey', (f) => ({ Action: 'DescribeKey', KeyId: f.keyId }))],
  [5, plain('DescribeRegions', () => ({ Action: 'DescribeRegions' }))],
  [5, plain('GetRandomPassword', () => ({ Action: 'GetRandomPassword', PasswordLength: '16' }))],
  // A write: never retried, so a fault it meets reaches the caller.
  [
    5,
    plain('UpdateKeyDescription', (f) => ({
      Action: 'UpdateKeyDescription',
      KeyId: f.keyId,
      Description: 'soak',
    })),
  ],
  [5, plain('key not found', () => ({ Action: 'DescribeKey', KeyId: 'alias/missing' }))],
  [1, plain('bad ciphertext', () => ({ Action: 'Decrypt', CiphertextBlob: 'bm90LWEtYmxvYg==' }))],
  [
    4,
    plain('missing parameter', () => ({ Action: 'Encrypt', Plaintext: 'aGk=' }), {
      status: 400,
      code: 'MissingParameter',
    }),
  ],
  [
    3,
    plain('unknown action', () => ({ Action: 'DropTables' }), {
      status: 400,
      code: 'InvalidParameter',
    }),
  ],
  [
    2,
    plain('bad integer', () => ({ Action: 'ListKeys', PageSize: 'ten' }), {
      status: 400,
      code: 'InvalidParameter',
    }),
  ],
  [
    3,
    (_f, choice) => ({
      scenario: 'bad Format',
      params: { Action: 'ListKeys', Format: 'yaml' },
      method: 'POST',
      // A bad Format is answered in the format Accept asks for, else JSON.
      accept: choice.format === undefined ? choice.accept : undefined,
      media: choice.format === undefined ? choice.media : 'application/json',
      expect: { status: 400, code: 'InvalidParameter' },
    }),
  ],
  [
    3,
    () => ({
      scenario: 'Accept excludes every format',
      params: { Action: 'ListKeys' },
      method: 'POST',
      accept: 'image/png',
      media: 'application/json',
      expect: { status: 406, code: 'Unsupported.Format' },
    }),
  ],
  [
    2,
    (_f, choice) => ({
      scenario: 'method PUT',
      params: withFormat({ Action: 'ListKeys' }, choice),
      method: 'PUT',
      accept: choice.accept,
      media: choice.media,
      expect: { status: 403, code: 'UnsupportedHTTPMethod' },
    }),
  ],
  [
    2,
    (_f, choice) => ({
      scenario: 'malformed body',
      params: withFormat({}, choice),
      method: 'POST',
      accept: choice.accept,
      rawBody: { contentType: 'application/json', text: '{"Action":' },
      media: choice.media,
      expect: { status: 400, code: 'ParseRequestParameterException' },
    }),
  ],
];

export const FAULTS: readonly Fault[] = [
  // Beyond KMS_TIMEOUT_MS below: the call times out.
  { kind: 'latency', ms: 2500 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'drop' },
  { kind: 'truncate' },
  { kind: 'html', status: 502 },
  { kind: 'content-type', value: 'text/html' },
  { kind: 'doctype' },
  // Beyond KMS_MAX_BODY_BYTES below.
  { kind: 'oversize', bytes: 100_000 },
  { kind: 'garbage' },
];

/** A small seeded generator (mulberry32): a run can be repeated with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(weighted: readonly [number, T][], random: () => number): T {
  const total = weighted.reduce((sum, [w]) => sum + w, 0);
  let at = random() * total;
  for (const [weight, item] of weighted) {
    at -= weight;
    if (at < 0) return item;
  }
  return (weighted.at(-1) as [number, T])[1];
}
