/**
 * `npm run soak`: many requests at once through the local stack (the emulator and the function
 * behind serverless-offline, as the end-to-end tests start them), mixing actions, formats and
 * error cases, with a share of the upstream requests hit by injected faults of every kind. Every
 * answer is checked: a success in the format asked for, or the five-field envelope with
 * HttpStatus = status in that format; and every error answer has its one log line.
 *
 *   npm run soak -- --requests 20000 --concurrency 50 --fault-rate 0.01 --max-seconds 900
 *
 * Requests go through `caller()` of test/e2e/stack.ts, so they are made (and signed, where
 * callers sign) as the end-to-end tests make them. Exit code 0 only when nothing was malformed,
 * nothing was outside the envelope, the log lines match the error answers and the run finished
 * inside --max-seconds.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { XMLValidator } from 'fast-xml-parser';
import type { Fault } from '../src/emulator/index.js';
import { caller, freePort, type Stack, startStack } from '../test/e2e/stack.js';

export interface SoakOptions {
  readonly requests: number;
  readonly concurrency: number;
  /** the share of requests before which one fault is injected (used up by the next upstream call) */
  readonly faultRate: number;
  /** hard stop: the run is cut here, whatever is left */
  readonly maxSeconds: number;
  readonly mode: 'sign' | 'passthrough';
  readonly seed: number;
  /** measure the heap of the function's instances (a probe loaded into serverless-offline) */
  readonly heap: boolean;
  readonly log?: (line: string) => void;
}

export const DEFAULTS: SoakOptions = {
  requests: 20_000,
  concurrency: 50,
  faultRate: 0.01,
  maxSeconds: 900,
  mode: 'sign',
  seed: 1,
  heap: true,
};

/** Used heap after a full GC, per instance of the function (one worker thread each). */
export interface HeapSample {
  readonly afterRequests: number;
  readonly instances: number;
  readonly totalBytes: number;
  readonly meanBytes: number;
  readonly maxBytes: number;
  /** serverless-offline's own thread, for comparison */
  readonly gatewayMainBytes: number;
  readonly rssBytes: number;
}

export interface SoakReport {
  readonly options: SoakOptions;
  readonly sent: number;
  readonly answered: number;
  /** requests that got no HTTP answer at all (connection failed) */
  readonly unanswered: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly faultsInjected: Readonly<Record<string, number>>;
  /** not parseable as the content type it claims, or not the content type asked for */
  readonly malformed: number;
  /** a non-200 answer that is not the five-field envelope with HttpStatus = status */
  readonly nonEnvelope: number;
  /** requests the gateway decides alone (no upstream call) answered with another status or code */
  readonly wrongAnswers: number;
  readonly errorAnswers: number;
  readonly errorLogLines: number;
  /** "unexpected error" log lines: bugs */
  readonly bugLines: number;
  readonly stoppedEarly: boolean;
  /** the first few problems, for a human */
  readonly examples: readonly string[];
  readonly heap: { first?: HeapSample; last?: HeapSample; unreachable?: string };
}

// ---------------------------------------------------------------- what is sent

type Media = 'application/json' | 'application/xml' | 'text/xml';

/** How a caller asks for a format, and what the answer must then be. */
interface FormatChoice {
  readonly format?: string;
  readonly accept?: string;
  readonly media: Media;
}

const FORMATS: readonly FormatChoice[] = [
  { media: 'application/json' },
  { format: 'JSON', media: 'application/json' },
  { format: 'XML', media: 'application/xml' },
  { format: 'xml', accept: 'application/json', media: 'application/xml' },
  { accept: 'application/xml', media: 'application/xml' },
  { accept: 'text/xml', media: 'text/xml' },
  { accept: 'application/json;q=0.5, text/xml', media: 'text/xml' },
  { accept: '*/*', media: 'application/json' },
];

interface Planned {
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

interface Fixture {
  readonly keyId: string;
  readonly ciphertext: string;
}

type Scenario = (fixture: Fixture, choice: FormatChoice, random: () => number) => Planned;

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
const SCENARIOS: readonly [number, Scenario][] = [
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

const FAULTS: readonly Fault[] = [
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
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(weighted: readonly [number, T][], random: () => number): T {
  const total = weighted.reduce((sum, [w]) => sum + w, 0);
  let at = random() * total;
  for (const [weight, item] of weighted) {
    at -= weight;
    if (at < 0) return item;
  }
  return (weighted.at(-1) as [number, T])[1];
}

// ---------------------------------------------------------------- what comes back

const ENVELOPE_FIELDS = ['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId'];
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const XML_ENVELOPE =
  /^<KMS><HttpStatus>(\d+)<\/HttpStatus><Code>([^<]*)<\/Code><Message>[^<]*<\/Message><RequestId>[^<]*<\/RequestId><HostId>[^<]*<\/HostId><\/KMS>$/;

interface Verdict {
  readonly malformed?: string;
  readonly nonEnvelope?: string;
  readonly code?: string;
}

/** Checks one answer against what was asked; never trusts the product's own readers. */
function judge(planned: Planned, status: number, type: string | null, body: string): Verdict {
  if (type !== `${planned.media}; charset=utf-8`) {
    return { malformed: `Content-Type ${type} where ${planned.media} was asked for` };
  }
  if (planned.media === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return { malformed: 'JSON that does not parse' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { malformed: 'JSON that is not an object' };
    }
    const record = value as Record<string, unknown>;
    if (status === 200) {
      return typeof record.RequestId === 'string'
        ? {}
        : { malformed: 'a success without RequestId' };
    }
    const keys = Object.keys(record);
    const ok =
      keys.join() === ENVELOPE_FIELDS.join() &&
      record.HttpStatus === status &&
      ENVELOPE_FIELDS.slice(1).every((k) => typeof record[k] === 'string');
    return ok
      ? { code: record.Code as string }
      : { nonEnvelope: `JSON ${status} that is not the envelope: ${body.slice(0, 200)}` };
  }
  if (!body.startsWith(XML_DECLARATION) || XMLValidator.validate(body) !== true) {
    return { malformed: `XML that does not validate: ${body.slice(0, 120)}` };
  }
  const document = body.slice(XML_DECLARATION.length);
  if (status === 200) {
    const root = `<${planned.params.Action}Response>`;
    return document.startsWith(root) && document.includes('<RequestId>')
      ? {}
      : { malformed: `a success without ${root} or RequestId` };
  }
  const match = XML_ENVELOPE.exec(document);
  return match && Number(match[1]) === status
    ? { code: match[2] as string }
    : { nonEnvelope: `XML ${status} that is not the envelope: ${body.slice(0, 200)}` };
}

// ---------------------------------------------------------------- the run

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

async function heapOf(port: number, afterRequests: number): Promise<HeapSample> {
  const response = await fetch(`http://127.0.0.1:${port}/heap`, {
    signal: AbortSignal.timeout(15_000),
  });
  const { main, workers, rss } = (await response.json()) as {
    main: number;
    workers: number[];
    rss: number;
  };
  const total = workers.reduce((sum, n) => sum + n, 0);
  return {
    afterRequests,
    instances: workers.length,
    totalBytes: total,
    meanBytes: workers.length ? Math.round(total / workers.length) : 0,
    maxBytes: Math.max(0, ...workers),
    gatewayMainBytes: main,
    rssBytes: rss,
  };
}

export async function runSoak(overrides: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const options: SoakOptions = { ...DEFAULTS, ...overrides };
  const log = options.log ?? (() => {});
  const random = seeded(options.seed);
  const heapPort = await freePort();
  const probe = new URL('./soak-heap-probe.mjs', import.meta.url).href;

  log(`starting the stack (${options.mode} mode)…`);
  const stack: Stack = await startStack({
    env: {
      KMS_MODE: options.mode,
      KMS_CALLER_AUTH: 'none',
      KMS_TIMEOUT_MS: '1500',
      KMS_MAX_BODY_BYTES: '65536',
      ...(options.heap
        ? { NODE_OPTIONS: `--expose-gc --import ${probe}`, KMS_SOAK_HEAP_PORT: String(heapPort) }
        : {}),
    },
  });
  const kms = caller(() => stack, options.mode === 'passthrough');

  const byStatus: Record<string, number> = {};
  const errorsByCode: Record<string, number> = {};
  const faultsInjected: Record<string, number> = {};
  const examples: string[] = [];
  const latencies: number[] = [];
  const heap: { first?: HeapSample; last?: HeapSample; unreachable?: string } = {};
  let malformed = 0;
  let nonEnvelope = 0;
  let wrongAnswers = 0;
  let errorAnswers = 0;
  let unanswered = 0;
  let sent = 0;
  let answered = 0;
  let faultTurn = 0;
  const note = (problem: string) => {
    if (examples.length < 10) examples.push(problem);
  };
  const measure = async (afterRequests: number) => {
    if (!options.heap) return undefined;
    try {
      return await heapOf(heapPort, afterRequests);
    } catch (error) {
      heap.unreachable = `the heap probe did not answer (${(error as Error).name})`;
      return undefined;
    }
  };

  try {
    // The fixture, before any fault: a key, its alias, one ciphertext.
    const key = stack.emulator.state.createKey();
    stack.emulator.state.createAlias('alias/soak', key.KeyId);
    const sealed = await kms.call({
      Action: 'Encrypt',
      KeyId: 'alias/soak',
      Plaintext: randomBytes(16).toString('base64'),
    });
    const fixture: Fixture = {
      keyId: key.KeyId,
      ciphertext: ((await sealed.json()) as { CiphertextBlob: string }).CiphertextBlob,
    };

    const started = performance.now();
    const deadline = Date.now() + options.maxSeconds * 1000;
    const quarter = Math.max(1, Math.floor(options.requests / 4));
    let firstHeap: Promise<HeapSample | undefined> | undefined;
    let stoppedEarly = false;

    const one = async (planned: Planned) => {
      const begun = performance.now();
      let response: Response;
      let body: string;
      try {
        if (planned.rawBody) {
          const query = new URLSearchParams(planned.params).toString();
          response = await fetch(`${stack.gateway.url}${query ? `?${query}` : ''}`, {
            method: 'POST',
            headers: {
              'content-type': planned.rawBody.contentType,
              ...(planned.accept === undefined ? {} : { accept: planned.accept }),
            },
            body: planned.rawBody.text,
          });
        } else {
          response = await kms.call(planned.params, {
            method: planned.method,
            ...(planned.accept === undefined ? {} : { accept: planned.accept }),
          });
        }
        body = await response.text();
      } catch (error) {
        unanswered += 1;
        note(`${planned.scenario}: no answer (${(error as Error).message})`);
        return;
      }
      latencies.push(performance.now() - begun);
      answered += 1;
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      const verdict = judge(planned, response.status, response.headers.get('content-type'), body);
      if (verdict.malformed) {
        malformed += 1;
        note(`${planned.scenario}: malformed: ${verdict.malformed}`);
      }
      if (verdict.nonEnvelope) {
        nonEnvelope += 1;
        note(`${planned.scenario}: ${verdict.nonEnvelope}`);
      }
      if (response.status !== 200) {
        errorAnswers += 1;
        const code = verdict.code ?? '(unreadable)';
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      }
      if (
        planned.expect &&
        (planned.expect.status !== response.status || planned.expect.code !== verdict.code)
      ) {
        wrongAnswers += 1;
        note(
          `${planned.scenario}: ${response.status} ${verdict.code} where ${planned.expect.code}`,
        );
      }
      if (answered === quarter) firstHeap = measure(answered);
    };

    const lane = async () => {
      while (sent < options.requests) {
        if (Date.now() > deadline) {
          stoppedEarly = true;
          return;
        }
        sent += 1;
        if (random() < options.faultRate) {
          const fault = FAULTS[faultTurn++ % FAULTS.length] as Fault;
          stack.emulator.injectFault(fault, { times: 1 });
          faultsInjected[fault.kind] = (faultsInjected[fault.kind] ?? 0) + 1;
        }
        const scenario = pick(SCENARIOS, random);
        const choice = FORMATS[Math.floor(random() * FORMATS.length)] as FormatChoice;
        await one(scenario(fixture, choice, random));
      }
    };

    const progress = setInterval(() => {
      log(`  ${answered} answered, ${malformed} malformed, ${nonEnvelope} outside the envelope`);
    }, 10_000);
    // The hard stop: whatever is still in flight at the deadline is abandoned.
    let hardStop: NodeJS.Timeout | undefined;
    const stopped = new Promise<'stopped'>((resolve) => {
      hardStop = setTimeout(() => resolve('stopped'), options.maxSeconds * 1000 + 5000);
    });
    try {
      const lanes = Promise.all(Array.from({ length: options.concurrency }, lane));
      if ((await Promise.race([lanes, stopped])) === 'stopped') stoppedEarly = true;
    } finally {
      clearInterval(progress);
      clearTimeout(hardStop);
    }
    const seconds = (performance.now() - started) / 1000;
    stack.emulator.clearFaults();

    heap.first = await firstHeap;
    heap.last = await measure(answered);

    // Log lines trail their answers: wait until they are all written (or clearly missing).
    const errorLines = () =>
      stack.logLines().filter((l) => l.message === 'kms error normalized').length;
    for (let waited = 0; errorLines() < errorAnswers && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      options,
      sent,
      answered,
      unanswered,
      seconds,
      throughput: answered / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      byStatus,
      errorsByCode,
      faultsInjected,
      malformed,
      nonEnvelope,
      wrongAnswers,
      errorAnswers,
      errorLogLines: errorLines(),
      bugLines: stack.logLines().filter((l) => l.message === 'unexpected error').length,
      stoppedEarly,
      examples,
      heap,
    };
  } finally {
    await stack.stop();
  }
}

/** True when the run shows nothing wrong. */
export const passed = (report: SoakReport): boolean =>
  report.malformed === 0 &&
  report.nonEnvelope === 0 &&
  report.wrongAnswers === 0 &&
  report.unanswered === 0 &&
  report.bugLines === 0 &&
  report.errorLogLines === report.errorAnswers &&
  !report.stoppedEarly;

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ') || 'none';

function heapLine(sample: HeapSample | undefined): string {
  if (!sample) return 'not measured';
  return `after ${sample.afterRequests} answers: ${sample.instances} instances, ${mb(sample.meanBytes)} each on average (max ${mb(sample.maxBytes)}, ${mb(sample.totalBytes)} in all); serverless-offline's main thread ${mb(sample.gatewayMainBytes)}, process RSS ${mb(sample.rssBytes)}`;
}

export function formatReport(report: SoakReport): string {
  const o = report.options;
  return [
    `soak: ${o.requests} requests, ${o.concurrency} concurrent, ${o.faultRate * 100} % faults, ${o.mode} mode, seed ${o.seed}`,
    `requests        ${report.sent} sent, ${report.answered} answered, ${report.unanswered} unanswered in ${report.seconds.toFixed(1)} s${report.stoppedEarly ? ' (HARD STOP reached)' : ''}`,
    `throughput      ${report.throughput.toFixed(1)} requests/s`,
    `latency         p50 ${report.p50Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms`,
    `statuses        ${counts(report.byStatus)}`,
    `errors by code  ${counts(report.errorsByCode)}`,
    `faults injected ${counts(report.faultsInjected)}`,
    `malformed       ${report.malformed}`,
    `non-envelope    ${report.nonEnvelope}`,
    `wrong answers   ${report.wrongAnswers} (refusals the gateway decides alone)`,
    `log lines       ${report.errorLogLines} for ${report.errorAnswers} error answers; ${report.bugLines} "unexpected error"`,
    `heap after GC   (each function instance is a worker thread of serverless-offline)`,
    `  first quarter ${heapLine(report.heap.first)}`,
    `  last quarter  ${heapLine(report.heap.last)}`,
    ...(report.heap.unreachable ? [`  ${report.heap.unreachable}`] : []),
    ...report.examples.map((e) => `  e.g. ${e}`),
    passed(report) ? 'PASS' : 'FAIL',
  ].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      'fault-rate': { type: 'string' },
      'max-seconds': { type: 'string' },
      mode: { type: 'string' },
      seed: { type: 'string' },
      'no-heap': { type: 'boolean' },
    },
  });
  const number = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${text}`);
    return n;
  };
  const mode = values.mode ?? DEFAULTS.mode;
  if (mode !== 'sign' && mode !== 'passthrough') throw new Error('--mode is sign or passthrough');
  const options: SoakOptions = {
    requests: number(values.requests, DEFAULTS.requests),
    concurrency: Math.max(1, number(values.concurrency, DEFAULTS.concurrency)),
    faultRate: number(values['fault-rate'], DEFAULTS.faultRate),
    maxSeconds: number(values['max-seconds'], DEFAULTS.maxSeconds),
    mode,
    seed: number(values.seed, Date.now() % 1_000_000),
    heap: !values['no-heap'],
    log: (line) => console.log(line),
  };
  // Beyond the run's own hard stop, the process never outlives it by much.
  setTimeout(
    () => {
      console.error('soak: hard stop, the process is ended');
      process.exit(2);
    },
    (options.maxSeconds + 120) * 1000,
  ).unref();
  const report = await runSoak(options);
  console.log(formatReport(report));
  process.exitCode = passed(report) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
