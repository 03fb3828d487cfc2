/**
 * What of KMS traffic may be logged: the fields whose values are secret, how an AccessKeyId is
 * shown, what counts as an echo of a secret (`scrub.ts` removes them), and how any logged text
 * is bounded.
 */
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

export const REDACTED = '[REDACTED]';

/** The shortest run of a secret's characters that counts as an echo of it. */
export const PARTIAL_ECHO = 12;

/** Secrets shorter than this are not looked for in free text. */
export const MIN_SECRET = 4;

/** An AccessKeyId is logged as its last four characters only. */
export const lastFour = (accessKeyId: string) => `****${accessKeyId.slice(-4)}`;

/**
 * `text`, cut to at most `max` characters (never inside a surrogate pair), saying it was cut and
 * how long it was (`length`, when `text` is already a cut of something longer).
 */
export function bounded(text: string, max: number, length: number = text.length): string {
  if (text.length <= max && length === text.length) return text;
  let cut = Math.min(max, text.length);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…[cut, ${length} characters]`;
}
