/**
 * CloudWatch embedded metric format (EMF), as its specification states it ("Specification:
 * Embedded metric format", CloudWatch user guide): what a log line must hold for CloudWatch Logs
 * to extract metrics from it. Written from the specification, not from what Powertools emits,
 * so a test can tell whether Powertools' output (and this project's use of it) is valid.
 */

/** The units a MetricDefinition may name. */
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

const MAX_DIMENSIONS = 30;
const MAX_METRICS = 100;
const MAX_VALUES = 100;
const MAX_NAME = 1024;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown, max: number) =>
  typeof value === 'string' && value.length >= 1 && value.length <= max;

/** Extra members where the specification allows none. */
function extra(object: Record<string, unknown>, allowed: readonly string[], where: string) {
  return Object.keys(object)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${where} has a member the specification does not define: ${key}`);
}

/**
 * What is wrong with `line` as an EMF document: an empty list when it is a valid one. The line
 * must be one JSON object and nothing else; its `_aws` metadata holds a Timestamp and
 * MetricDirectives; every dimension and metric a directive names is a top-level member of the
 * right type (a dimension value a string, a metric value a number or up to 100 numbers).
 */
export function emfProblems(line: string): string[] {
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return ['not a JSON text'];
  }
  if (!isObject(root)) return ['the root is not an object'];
  const aws = root._aws;
  if (!isObject(aws)) return ['no _aws metadata object'];
  const problems: string[] = [];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 0) {
    problems.push('_aws.Timestamp is not a number of milliseconds since the epoch');
  }
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [...problems, '_aws.CloudWatchMetrics is not an array'];
  directives.forEach((directive: unknown, d) => {
    const where = `CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) {
      problems.push(`${where} is not an object`);
      return;
    }
    problems.push(...extra(directive, ['Namespace', 'Dimensions', 'Metrics'], where));
    if (!text(directive.Namespace, MAX_NAME)) problems.push(`${where}.Namespace is not a name`);
    if (!Array.isArray(directive.Dimensions)) {
      problems.push(`${where}.Dimensions is not an array`);
    } else {
      directive.Dimensions.forEach((set: unknown, s) => {
        if (!Array.isArray(set)) {
          problems.push(`${where}.Dimensions[${s}] is not an array`);
          return;
        }
        if (set.length > MAX_DIMENSIONS) {
          problems.push(`${where}.Dimensions[${s}] has more than ${MAX_DIMENSIONS} dimensions`);
        }
        for (const name of set) {
          if (!text(name, MAX_NAME)) {
            problems.push(`${where}.Dimensions[${s}] holds a name that is not one`);
          } else if (!text(root[name], MAX_NAME)) {
            problems.push(`dimension ${name} is not a top-level string member`);
          }
        }
      });
    }
    if (!Array.isArray(directive.Metrics) || directive.Metrics.length > MAX_METRICS) {
      problems.push(`${where}.Metrics is not an array of at most ${MAX_METRICS}`);
      return;
    }
    directive.Metrics.forEach((metric: unknown, m) => {
      const at = `${where}.Metrics[${m}]`;
      if (!isObject(metric)) {
        problems.push(`${at} is not an object`);
        return;
      }
      problems.push(...extra(metric, ['Name', 'Unit', 'StorageResolution'], at));
      const name = metric.Name;
      if (typeof name !== 'string' || !text(name, MAX_NAME)) {
        problems.push(`${at}.Name is not a name`);
        return;
      }
      if (metric.Unit !== undefined && !UNITS.has(metric.Unit as string)) {
        problems.push(`${at}.Unit ${String(metric.Unit)} is not a CloudWatch unit`);
      }
      if (
        metric.StorageResolution !== undefined &&
        ![1, 60].includes(metric.StorageResolution as number)
      ) {
        problems.push(`${at}.StorageResolution is neither 1 nor 60`);
      }
      const value = root[name];
      const numbers = Array.isArray(value) ? value : [value];
      if (
        numbers.length === 0 ||
        numbers.length > MAX_VALUES ||
        !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))
      ) {
        problems.push(`metric ${name} is not a top-level number (or up to 100 numbers)`);
      }
    });
  });
  return problems;
}

/** An EMF document's one directive, flattened: namespace, dimension sets, metrics, values. */
export interface Emitted {
  readonly namespace: string;
  readonly dimensions: readonly (readonly string[])[];
  /** metric name → unit */
  readonly units: Readonly<Record<string, string | undefined>>;
  /** the whole document, for its top-level members */
  readonly document: Readonly<Record<string, unknown>>;
}

/** The EMF documents among output lines (those with an `_aws` member), one per directive. */
export function emitted(lines: readonly string[]): Emitted[] {
  const out: Emitted[] = [];
  for (const line of lines.flatMap((chunk) => chunk.split('\n'))) {
    if (!line.startsWith('{') || !line.includes('"_aws"')) continue;
    const document = JSON.parse(line) as Record<string, unknown> & {
      _aws: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit?: string }[];
        }[];
      };
    };
    for (const directive of document._aws.CloudWatchMetrics) {
      out.push({
        namespace: directive.Namespace,
        dimensions: directive.Dimensions,
        units: Object.fromEntries(directive.Metrics.map((m) => [m.Name, m.Unit])),
        document,
      });
    }
  }
  return out;
}

/** The EMF document lines among output lines. */
export const emfLines = (lines: readonly string[]): string[] =>
  lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'));
