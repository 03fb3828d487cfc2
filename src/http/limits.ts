/**
 * How much of a request the gateway reads. Decoding, copying and signing are synchronous, so
 * Middy's early-timeout guard cannot interrupt them: these caps are what keep them far inside
 * any deadline. Every refusal is 400 `ParseRequestParameterException` (README, Security).
 */

/** The request body, after base64 is undone: 256 KiB (KMS's largest value, SecretData, is far less). */
export const MAX_BODY_BYTES = 256 * 1024;

/** The query string, in characters as received (percent-encoded). */
export const MAX_QUERY_CHARS = 256 * 1024;

/** Query and body parameters together; the largest KMS action takes about 25 with its lists. */
export const MAX_PARAMETERS = 128;

/** Nesting of a JSON body: a flat object whose JSON-typed values (EncryptionContext) nest a little. */
export const MAX_JSON_DEPTH = 32;
