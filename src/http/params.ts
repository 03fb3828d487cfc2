/**
 * The RPC parameters of a request: the query string merged with a POST body, which is
 * form-encoded (what Alibaba SDKs send, possibly base64-encoded by API Gateway) or, as a
 * convenience, a flat JSON object. A name given twice is ambiguous and refused.
 *
 * Decoding is strict where a lenient decoder would change what the caller sent: percent-encoded
 * bytes must be UTF-8 and text well-formed Unicode (URLSearchParams would put U+FFFD in their
 * place, and a lone surrogate cannot be signed), and the caps of `limits.ts` hold before any work
 * is done. Every refusal is 400 ParseRequestParameterException, with the reason in the log.
 */
import { isRecord } from '../codec/typed.js';
import { gatewayError, type KmsError } from '../kms/envelope.js';
import type { Params } from '../protocol/rpc.js';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_PARAMETERS, MAX_QUERY_CHARS } from './limits.js';
import type { HttpRequest } from './request.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A header value as RFC 9110 allows it, in ASCII: what can be forwarded as it is. */
const HEADER_VALUE = /^[\t\x20-\x7E]*$/;

function badRequest(reason: string, cause?: unknown): KmsError {
  return gatewayError('ParseRequestParameterException', { reason, cause });
}

function addAll(target: Record<string, string>, pairs: Iterable<[string, string]>): void {
  for (const [name, value] of pairs) {
    if (LONE_SURROGATE.test(name) || LONE_SURROGATE.test(value)) {
      throw badRequest('a parameter that is not well-formed Unicode');
    }
    if (Object.hasOwn(target, name)) throw gatewayError('InvalidParameter', { parameter: name });
    target[name] = value;
  }
}

/**
 * The `name=value` pairs of a query string or form body, still encoded, at most `max` + 1 of them
 * (the caller refuses the extra one): a body of 100 000 pairs is not split to be refused.
 */
function rawPairs(text: string, max: number): [string, string][] {
  const pairs: [string, string][] = [];
  let start = 0;
  while (start < text.length && pairs.length <= max) {
    const amp = text.indexOf('&', start);
    const end = amp === -1 ? text.length : amp;
    if (end > start) {
      const eq = text.indexOf('=', start);
      pairs.push(
        eq === -1 || eq > end
          ? [text.slice(start, end), '']
          : [text.slice(start, eq), text.slice(eq + 1, end)],
      );
    }
    start = end + 1;
  }
  return pairs;
}

/**
 * One form-encoded name or value: `+` is a space and `%XX` a byte, the bytes UTF-8. A `%` not
 * followed by two hex digits is kept as text, as URLSearchParams keeps it.
 *
 * @throws KmsError ParseRequestParameterException when the bytes are not UTF-8
 */
function decodeComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const escaped = text.replaceAll('+', ' ').replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  try {
    return decodeURIComponent(escaped);
  } catch (error) {
    throw badRequest('percent-encoded bytes that are not UTF-8', error);
  }
}

/** The decoded pairs of a query string or form body; `counted` are already taken. */
function formPairs(text: string, counted: number): [string, string][] {
  const pairs = rawPairs(text, MAX_PARAMETERS - counted);
  if (counted + pairs.length > MAX_PARAMETERS) {
    throw badRequest(`more than ${MAX_PARAMETERS} parameters`);
  }
  return pairs.map(([name, value]) => [decodeComponent(name), decodeComponent(value)]);
}

/** Whether a parsed JSON value nests deeper than `max` (iterative, so depth costs no stack). */
function nestsDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function jsonPairs(text: string, counted: number): [string, string][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest('malformed JSON body', error);
  }
  if (!isRecord(value)) {
    throw badRequest('JSON body that is not an object');
  }
  const entries = Object.entries(value);
  if (counted + entries.length > MAX_PARAMETERS) {
    throw badRequest(`more than ${MAX_PARAMETERS} parameters`);
  }
  if (nestsDeeper(value, MAX_JSON_DEPTH)) {
    throw badRequest(`JSON body nested deeper than ${MAX_JSON_DEPTH}`);
  }
  return entries.map(([name, v]): [string, string] => {
    if (typeof v === 'string') return [name, v];
    if (typeof v === 'number' || typeof v === 'boolean') return [name, String(v)];
    // EncryptionContext and other JSON-typed parameters travel as one JSON string on the wire.
    if (typeof v === 'object' && v !== null) return [name, JSON.stringify(v)];
    throw badRequest(`JSON body with a null value`);
  });
}

function bodyPairs(request: HttpRequest, counted: number): [string, string][] {
  if (request.method !== 'POST' || request.body === undefined) return [];
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch (error) {
    throw badRequest('body is not UTF-8', error);
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === '' || mediaType === 'application/x-www-form-urlencoded') {
    return formPairs(text, counted);
  }
  if (mediaType === 'application/json') return jsonPairs(text, counted);
  throw badRequest('body content type is neither form nor JSON');
}

/**
 * Every parameter of the request, query and body merged.
 *
 * @throws KmsError ParseRequestParameterException for a body or query over its cap, more than
 *   MAX_PARAMETERS parameters, a body that cannot be decoded, text that is not well-formed
 *   Unicode, or a Content-Type that is not a valid header value; InvalidParameter for a name
 *   given twice
 */
export function decodeParams(request: HttpRequest): Params {
  if (request.tooLarge === 'body') throw badRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
  if (request.tooLarge === 'query' || request.rawQuery.length > MAX_QUERY_CHARS) {
    throw badRequest(
      `query string over ${MAX_QUERY_CHARS} characters or ${MAX_PARAMETERS} parameters`,
    );
  }
  // Passthrough forwards it as it is; what fetch cannot send is the caller's mistake.
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !HEADER_VALUE.test(contentType)) {
    throw badRequest('a Content-Type that is not a valid header value');
  }
  // A null prototype, so names like __proto__ are plain parameters.
  const params: Record<string, string> = Object.create(null);
  const query = formPairs(request.rawQuery, 0);
  addAll(params, query);
  addAll(params, bodyPairs(request, query.length));
  return params;
}

/**
 * The query parameters alone, for rendering an error when the body itself was unreadable: as
 * many as decode, within the caps, the first of a repeated name. Never throws.
 */
export function queryParams(request: HttpRequest): Params {
  const params: Record<string, string> = Object.create(null);
  if (request.tooLarge === 'query' || request.rawQuery.length > MAX_QUERY_CHARS) return params;
  for (const [name, value] of rawPairs(request.rawQuery, MAX_PARAMETERS - 1)) {
    try {
      params[decodeComponent(name)] ??= decodeComponent(value);
    } catch {
      // An undecodable pair is no parameter here; decodeParams has said why.
    }
  }
  return params;
}
