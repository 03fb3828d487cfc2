/**
 * The one table `npm run bench` prints: each line sets a kms-normalizer figure beside one
 * anchor measured in the same run, with their ratio and the goal of issue 9 when there is one.
 */

export interface Line {
  readonly what: string;
  readonly payload: string;
  readonly ours: number;
  readonly anchor: string;
  readonly theirs: number;
  readonly unit: 'µs' | 'kB' | 'ms';
  /** the goal on ours ÷ theirs, when there is one */
  readonly atMost?: number;
  /** a goal on ours alone, in its unit */
  readonly limit?: number;
}

const figure = (value: number, unit: Line['unit']) =>
  unit === 'µs' && value >= 1000
    ? `${(value / 1000).toFixed(2)} ms`
    : `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;

export function ratio(line: Line): number {
  return line.ours / line.theirs;
}

function goal(line: Line): string {
  if (line.limit !== undefined) {
    return `≤ ${line.limit} ${line.unit}: ${line.ours <= line.limit ? 'met' : 'missed'}`;
  }
  if (line.atMost === undefined) return '';
  const met = ratio(line) <= line.atMost ? 'met' : `missed (${ratio(line).toFixed(3)}×)`;
  return line.atMost < 1
    ? `≥ ${(1 / line.atMost).toFixed(0)}× faster: ${met}`
    : `≤ ${line.atMost}×: ${met}`;
}

/** A Markdown table, so one run can be pasted into docs/benchmarks.md as it is. */
export function render(lines: readonly Line[]): string {
  const head = ['what', 'payload', 'kms-normalizer', 'anchor', 'anchor figure', 'ratio', 'goal'];
  const rows = lines.map((l) => [
    l.what,
    l.payload,
    figure(l.ours, l.unit),
    l.anchor,
    figure(l.theirs, l.unit),
    `${ratio(l).toFixed(2)}×`,
    goal(l),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
