/**
 * The function's log lines, captured where the logger writes them (INFO to stdout, WARN and ERROR
 * to stderr, as in Lambda) for as long as the test runs; `vi.restoreAllMocks()` ends it.
 */
import { vi } from 'vitest';

export interface CapturedLogs {
  /** every line written, as written */
  readonly raw: string[];
  /** the JSON lines, parsed */
  lines(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      raw.push(String(chunk));
      return true;
    });
  }
  return {
    raw,
    lines: () =>
      raw
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
