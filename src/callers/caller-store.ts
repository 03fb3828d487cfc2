/**
 * The callers directory, read lazily and kept fresh. A directory younger than half the refresh
 * interval is served as is; older, it is re-read in the background while requests go on; at the
 * full interval, a request waits for the re-read, so a rotated, disabled or removed key takes
 * effect within the interval on every instance. A failed re-read keeps the last good directory
 * (each failure reported once) for up to MAX_STALE_MS, then requests are refused.
 */
import { type CallerDirectory, readCallerDocument } from './directory.js';

export type CallerSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'secrets-manager'; readonly secretArn: string };

/** No directory can be had: the request is refused. `reason` is safe to log. */
export class CallersUnavailable extends Error {
  override readonly name = 'CallersUnavailable';
}

/** After a failed re-read, the next is not tried before this. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** A directory this old is not served, whatever the re-reads say. */
export const MAX_STALE_MS = 60 * 60_000;

export interface CallerStoreOptions {
  readonly source: CallerSource;
  readonly refreshMs: number;
  /** told once per failed read; the reason never holds secret text */
  readonly onFailure?: (reason: string) => void;
  readonly now?: () => number;
  /**
   * how the document's text is read: required for a Secrets Manager source (the AWS adapter,
   * `aws/secrets-manager.ts`, is handed in by the handler); a file is read directly
   */
  readonly read?: (signal: AbortSignal) => Promise<string>;
}

export interface CallerStore {
  /** @throws CallersUnavailable when no directory is fresh enough to serve */
  get(signal: AbortSignal): Promise<CallerDirectory>;
}

function readerOf(source: CallerSource): (signal: AbortSignal) => Promise<string> {
  // Loaded here, not at cold start: deployed functions read a secret, not a file.
  if (source.kind === 'file') {
    return async (signal) => {
      const { readFile } = await import('node:fs/promises');
      return readFile(source.path, { encoding: 'utf8', signal });
    };
  }
  throw new TypeError('a Secrets Manager callers source needs its reader');
}

export function createCallerStore(options: CallerStoreOptions): CallerStore {
  const now = options.now ?? Date.now;
  const read = options.read ?? readerOf(options.source);
  let current: { directory: CallerDirectory; readAt: number } | undefined;
  let reading: Promise<void> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  function reread(signal: AbortSignal): Promise<void> {
    reading ??= (async () => {
      try {
        const directory = readCallerDocument(await read(signal));
        current = { directory, readAt: now() };
      } catch (error) {
        failedAt = now();
        options.onFailure?.(reasonOf(error));
        if (!current) throw new CallersUnavailable(reasonOf(error), { cause: error });
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  return {
    async get(signal) {
      const age = current ? now() - current.readAt : Number.POSITIVE_INFINITY;
      const mayRetry = now() - failedAt >= RETRY_AFTER_FAILURE_MS;
      if (!current || (age >= options.refreshMs && mayRetry)) {
        await reread(signal);
      } else if (age >= options.refreshMs / 2 && mayRetry) {
        // Background: a failure is reported and retried later; this request goes on.
        reread(AbortSignal.timeout(10_000)).catch(() => {});
      }
      if (!current) throw new CallersUnavailable('no callers directory');
      if (now() - current.readAt > MAX_STALE_MS) {
        throw new CallersUnavailable('the callers directory could not be re-read for an hour');
      }
      return current.directory;
    },
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && 'reason' in error && typeof error.reason === 'string') {
    return error.reason;
  }
  if (error instanceof Error && error.name === 'InvalidCallerDocument') return error.message;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string'
    ? `read failed (${code})`
    : `read failed (${(error as Error)?.name})`;
}
