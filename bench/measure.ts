/**
 * A small timing harness for one table of ratios. Time is this process's CPU time (user +
 * system), not wall time, so the other work on a shared machine does not count; contenders of
 * one row are sampled in turns (round robin), so what does remain (caches, clock) hits them
 * alike; each contender's figure is the median of its samples.
 */

export type Operation = () => unknown;
export type AsyncOperation = () => Promise<unknown>;

export interface Timing {
  /** median time of one operation, in microseconds */
  readonly us: number;
  readonly samples: number;
}

export interface Budget {
  /** ms spent running each contender before measuring (JIT, caches, connections) */
  readonly warmupMs: number;
  /** ms of measurement for the whole row, shared by its contenders */
  readonly rowMs: number;
  /** target length of one sample, ms */
  readonly sampleMs: number;
  /**
   * `cpu`: this process's CPU time, for work done here; `wall`: elapsed time, for calls that
   * wait on another process (then run when the machine is quiet).
   */
  readonly clock: 'cpu' | 'wall';
}

export const MICRO: Budget = { warmupMs: 300, rowMs: 2_400, sampleMs: 8, clock: 'cpu' };
export const CALLS: Budget = { warmupMs: 500, rowMs: 6_000, sampleMs: 40, clock: 'wall' };

/** CPU ms of this process so far. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const wallNow = () => performance.now();
let now = cpuNow;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Iterations that fill about `ms`, found by doubling. */
async function calibrate(
  op: Operation | AsyncOperation,
  ms: number,
  isAsync: boolean,
): Promise<number> {
  let n = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < n; i++) isAsync ? await op() : op();
    const took = now() - start;
    if (took >= ms / 2 || n >= 1 << 20)
      return Math.max(1, Math.round((n * ms) / Math.max(took, 0.001)));
    n *= 2;
  }
}

/** Times every contender of one row, in turns; returns their median µs per operation. */
export async function timeRow(
  contenders: Readonly<Record<string, Operation | AsyncOperation>>,
  budget: Budget,
  isAsync = false,
): Promise<Record<string, Timing>> {
  now = budget.clock === 'cpu' ? cpuNow : wallNow;
  const names = Object.keys(contenders);
  const batch: Record<string, number> = {};
  for (const name of names) {
    const op = contenders[name] as Operation;
    const end = now() + budget.warmupMs;
    while (now() < end) isAsync ? await op() : op();
    batch[name] = await calibrate(op, budget.sampleMs, isAsync);
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const end = now() + budget.rowMs;
  while (now() < end) {
    for (const name of names) {
      const op = contenders[name] as Operation;
      const n = batch[name] as number;
      const start = now();
      if (isAsync) for (let i = 0; i < n; i++) await op();
      else for (let i = 0; i < n; i++) op();
      (samples[name] as number[]).push(((now() - start) * 1000) / n);
    }
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      { us: median(samples[n] as number[]), samples: (samples[n] as number[]).length },
    ]),
  );
}
