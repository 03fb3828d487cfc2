/**
 * The logger (Powertools, JSON lines) and the last line of defence of what it writes. Log lines
 * are built from chosen, bounded, scrubbed fields (`http/error-answer.ts`), never from bodies;
 * whatever is logged still passes the replacer below, which hides secret fields by name, shortens
 * AccessKeyIds, scrubs every string of the secrets the process holds and of the current request's
 * secrets, and bounds every string and list. Whole events are never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { isRecord } from './codec/typed.js';
import { lastFour, SECRET_FIELDS } from './kms/redact.js';
import { createScrubber, loggable, type Scrubber, type SecretSet } from './kms/scrub.js';
import { heldSecrets, heldVersion } from './protocol/held-secrets.js';

export { lastFour, SECRET_FIELDS } from './kms/redact.js';
export { scrubText } from './kms/scrub.js';

/** No logged string is longer (characters), no logged list longer (items). */
export const LOG_STRING_MAX = 2048;
export const LOG_LIST_MAX = 64;

const REDACTED = '[REDACTED]';

/** Secret fields by name, AccessKeyIds by their last four: applied to every key of every line. */
export function redactingReplacer(key: string, value: unknown): unknown {
  const lower = key.toLowerCase();
  if (SECRET_FIELDS.has(lower)) return REDACTED;
  if ((lower === 'accesskeyid' || lower === 'x-acs-accesskey-id') && typeof value === 'string') {
    return lastFour(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** What one logger's lines are scrubbed of: the held secrets, and the current request's. */
class LineGuard {
  #held: { version: number; scrub: Scrubber } | undefined;
  #request: SecretSet | undefined;
  #requestScrub: Scrubber | undefined;

  /** The secrets of the request being handled; replaces the previous request's. */
  setRequest(secrets: SecretSet | undefined): void {
    this.#request = secrets;
    this.#requestScrub = undefined;
  }

  readonly replacer = (key: string, value: unknown): unknown => {
    const named = redactingReplacer(key, value);
    if (typeof named === 'string') return this.#clean(named);
    if (Array.isArray(named) && named.length > LOG_LIST_MAX) {
      return [...named.slice(0, LOG_LIST_MAX), `…[cut, ${named.length} items]`];
    }
    return named;
  };

  #clean(text: string): string {
    if (this.#held?.version !== heldVersion()) {
      this.#held = { version: heldVersion(), scrub: createScrubber(heldSecrets()) };
    }
    const clean = loggable(text, LOG_STRING_MAX, this.#held.scrub);
    if (!this.#request) return clean;
    // Built on the first line that needs it: most requests log nothing.
    this.#requestScrub ??= createScrubber(this.#request);
    return this.#requestScrub(clean);
  }
}

const guards = new WeakMap<Logger, LineGuard>();

/**
 * Tells a logger made by `createLogger` the secrets of the request being handled, so that no line
 * it writes until the next request holds them.
 */
export function maskRequestSecrets(logger: Logger, secrets: SecretSet | undefined): void {
  guards.get(logger)?.setRequest(secrets);
}

/**
 * Powertools' Logger, except that it never logs the invocation event: an event holds Plaintext,
 * signatures and tokens in its query and body, beyond any scrubbing. POWERTOOLS_LOGGER_LOG_EVENT
 * (and `logEvent: true`) are therefore ignored, and said so at cold start.
 */
class EventlessLogger extends Logger {
  override shouldLogEvent(): boolean {
    return false;
  }
}

/**
 * Reads a dotted path (`requestContext.requestId`) as JMESPath would: a field of an object, else
 * null. That is all injectLambdaContext's correlationIdPath asks of its search function, and a
 * JMESPath engine (a fifth of the bundle) is not needed to read one fixed field of the event.
 */
export function readDottedPath(path: string, data: unknown): unknown {
  let value = data;
  for (const key of path.split('.')) {
    value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : null;
  }
  return value;
}

export function createLogger(): Logger {
  const guard = new LineGuard();
  const logger = new EventlessLogger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'kms-normalizer',
    jsonReplacerFn: guard.replacer,
    correlationIdSearchFn: readDottedPath,
  });
  guards.set(logger, guard);
  if (logger.getLogEvent()) {
    logger.warn(
      'POWERTOOLS_LOGGER_LOG_EVENT is ignored: events hold Plaintext, signatures and tokens',
    );
  }
  return logger;
}
