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
import type { Fault } from '../src/emulator/index.js';
import { caller, freePort, type Stack, startStack } from '../test/e2e/stack.js';
import { judge } from './soak/judge.js';
import {
  FAULTS,
  type Fixture,
  FORMATS,
  type FormatChoice,
  type Planned,
  pick,
  SCENARIOS,
  seeded,
} from './soak/plan.js';
import {
  DEFAULTS,
  formatReport,
  type HeapSample,
  passed,
  percentile,
  type SoakOptions,
  type SoakReport,
} from './soak/report.js';

export { formatReport, passed, type SoakOptions, type SoakReport };

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
