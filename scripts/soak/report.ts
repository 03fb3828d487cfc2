/** What a soak run found, and how it is printed. */
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

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

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
