/**
 * How `npm start` shows the function's output: on a terminal, each normalized error as one
 * readable coloured line (and other log lines as plain ones, metrics left out); piped, or with
 * KMS_LOG_JSON=true, every JSON line raw, as Lambda writes it. Pure: the caller says whether
 * stdout is a terminal.
 */
import { isRecord } from '../codec/typed.js';

export type LogView = 'readable' | 'json';

export interface ViewOptions {
  readonly view: LogView;
  readonly colour: boolean;
}

/** Readable on a terminal, unless KMS_LOG_JSON=true; colours unless NO_COLOR (no-color.org). */
export function viewFor(
  env: Readonly<Record<string, string | undefined>>,
  isTerminal: boolean | undefined,
): ViewOptions {
  const json = /^(true|1)$/i.test(env.KMS_LOG_JSON?.trim() ?? '');
  return {
    view: isTerminal === true && !json ? 'readable' : 'json',
    colour: !env.NO_COLOR,
  };
}

const ANSI = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

// Log fields hold what callers and KMS sent: no control character (an ANSI escape among them)
// reaches the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
const printable = (value: unknown): string => String(value).replace(CONTROL, '\uFFFD');

/** The parts of Powertools' lines every line has: not worth a reader's eye. */
const STANDARD = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'correlation_id',
]);

/** HH:MM:SS of a log line's timestamp, in local time; the text as given when it is none. */
function timeOf(timestamp: unknown): string {
  const date = new Date(typeof timestamp === 'string' ? timestamp : Number.NaN);
  return Number.isNaN(date.getTime()) ? '--:--:--' : date.toTimeString().slice(0, 8);
}

function painter(colour: boolean) {
  return (code: number, text: string) => (colour ? `\u001B[${code}m${text}\u001B[0m` : text);
}

/** What a reader wants after the code: why, what KMS said and how long it took, who called. */
function details(entry: Record<string, unknown>): string[] {
  const parts: string[] = [];
  if (entry.reason !== undefined) parts.push(`(${printable(entry.reason)})`);
  const upstream = isRecord(entry.upstream) ? entry.upstream : undefined;
  if (upstream) {
    const said = upstream.message === undefined ? '' : ` "${printable(upstream.message)}"`;
    parts.push(
      `${printable(upstream.latency_ms ?? 0)} ms ×${printable(upstream.attempts ?? 0)}${said}`,
    );
  }
  const caller = isRecord(entry.caller) ? entry.caller : undefined;
  const who = caller?.access_key_id ?? caller?.principal;
  if (who !== undefined) parts.push(`caller ${printable(who)}`);
  return parts;
}

/** `12:04:31 WARN 404 Forbidden.AliasNotFound DescribeKey upstream-answer 9 ms ×1 req …`. */
function errorLine(entry: Record<string, unknown>, colour: boolean): string {
  const paint = painter(colour);
  const envelope = isRecord(entry.envelope) ? entry.envelope : {};
  const status = Number(envelope.HttpStatus);
  const tone = status >= 500 ? ANSI.red : ANSI.yellow;
  const answered = `${printable(envelope.HttpStatus ?? '?')} ${printable(envelope.Code ?? '?')}`;
  return [
    paint(ANSI.dim, timeOf(entry.timestamp)),
    paint(tone, printable(entry.level ?? (status >= 500 ? 'ERROR' : 'WARN')).padEnd(5)),
    paint(ANSI.bold, paint(tone, answered)),
    paint(ANSI.cyan, printable(entry.action ?? '-')),
    printable(entry.origin ?? '-'),
    ...details(entry),
    paint(ANSI.dim, `req ${printable(envelope.RequestId ?? '-')}`),
  ].join('  ');
}

/** Any other log line: time, level, message, and its own fields as compact JSON. */
function otherLine(entry: Record<string, unknown>, colour: boolean): string {
  const paint = painter(colour);
  const level = printable(entry.level ?? 'INFO');
  const tone = level === 'ERROR' ? ANSI.red : level === 'WARN' ? ANSI.yellow : ANSI.dim;
  const own = Object.fromEntries(Object.entries(entry).filter(([key]) => !STANDARD.has(key)));
  const rest = Object.keys(own).length > 0 ? `  ${printable(JSON.stringify(own))}` : '';
  return `${paint(ANSI.dim, timeOf(entry.timestamp))}  ${paint(tone, level.padEnd(5))}  ${printable(entry.message ?? '')}${rest}`;
}

/**
 * What `npm start` prints for one output line of serverless-offline: undefined for nothing.
 * Only the function's JSON lines are shown (the rest is serverless-offline's chatter).
 */
export function viewLine(line: string, options: ViewOptions): string | undefined {
  if (!line.startsWith('{')) return undefined;
  if (options.view === 'json') return line;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return printable(line);
  }
  if (!isRecord(entry)) return printable(line);
  // Metrics (EMF documents) are for CloudWatch, not for reading.
  if ('_aws' in entry) return undefined;
  return entry.message === 'kms error normalized'
    ? errorLine(entry, options.colour)
    : otherLine(entry, options.colour);
}
