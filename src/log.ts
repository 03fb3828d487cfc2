/**
 * The logger (Powertools, JSON lines on stdout) and the redaction rules. Log lines are built from
 * chosen fields, never from bodies; the replacer below is the second line of defence, and
 * `scrubText` cleans the one free text we log that we did not write (the upstream's message).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { percentEncode } from './protocol/percent-encode.js';

/** Parameter and field names whose values are never logged (compared in lower case). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(
  [
    'Plaintext',
    'CiphertextBlob',
    'SecretData',
    'Signature',
    'SecurityToken',
    'AccessKeySecret',
    'PrivateKeyData',
    'PrivateKey',
    'Password',
    'ImportToken',
    'EncryptedKeyMaterial',
    'KeyMaterial',
    'ExportedDataKey',
    'RandomPassword',
    'Authorization',
    'x-acs-security-token',
  ].map((name) => name.toLowerCase()),
);

const REDACTED = '[REDACTED]';

/** An AccessKeyId is logged as its last four characters only. */
export const lastFour = (accessKeyId: string) => `****${accessKeyId.slice(-4)}`;

export function redactingReplacer(key: string, value: unknown): unknown {
  const lower = key.toLowerCase();
  if (SECRET_FIELDS.has(lower)) return REDACTED;
  if ((lower === 'accesskeyid' || lower === 'x-acs-accesskey-id') && typeof value === 'string') {
    return lastFour(value);
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * `text` with every secret value removed, as sent and as percent-encoded once or twice (an
 * upstream "string to sign" echo carries them double-encoded), and with any string-to-sign cut.
 */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(string\s*to\s*sign\s*(is)?\s*:?).*/gis, `$1 ${REDACTED}`);
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const once = percentEncode(secret);
    for (const form of new Set([secret, once, percentEncode(once)])) {
      out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/**
 * Reads a dotted path (`requestContext.requestId`) as JMESPath would: a field of an object, else
 * null. That is all injectLambdaContext's correlationIdPath asks of its search function, and a
 * JMESPath engine (a fifth of the bundle) is not needed to read one fixed field of the event.
 */
export function readDottedPath(path: string, data: unknown): unknown {
  let value = data;
  for (const key of path.split('.')) {
    value =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.hasOwn(value, key)
        ? (value as Record<string, unknown>)[key]
        : null;
  }
  return value;
}

export function createLogger(): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'kms-normalizer',
    jsonReplacerFn: redactingReplacer,
    correlationIdSearchFn: readDottedPath,
  });
}
