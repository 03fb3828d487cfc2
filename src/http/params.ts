/**
 * The RPC parameters of a request: the query string merged with a POST body, which is
 * form-encoded (what Alibaba SDKs send, possibly base64-encoded by API Gateway) or, as a
 * convenience, a flat JSON object. A name given twice is ambiguous and refused.
 */
import { gatewayError } from '../kms/envelope.js';
import type { Params } from '../protocol/rpc.js';
import type { HttpRequest } from './request.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function badBody(reason: string) {
  return gatewayError('ParseRequestParameterException', { reason });
}

function addAll(target: Record<string, string>, pairs: Iterable<[string, string]>): void {
  for (const [name, value] of pairs) {
    if (Object.hasOwn(target, name)) throw gatewayError('InvalidParameter', { parameter: name });
    target[name] = value;
  }
}

function jsonPairs(text: string): [string, string][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badBody('malformed JSON body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badBody('JSON body that is not an object');
  }
  return Object.entries(value).map(([name, v]): [string, string] => {
    if (typeof v === 'string') return [name, v];
    if (typeof v === 'number' || typeof v === 'boolean') return [name, String(v)];
    // EncryptionContext and other JSON-typed parameters travel as one JSON string on the wire.
    if (typeof v === 'object' && v !== null) return [name, JSON.stringify(v)];
    throw badBody(`JSON body with a null value`);
  });
}

function bodyPairs(request: HttpRequest): Iterable<[string, string]> {
  if (request.method !== 'POST' || request.body === undefined) return [];
  let text: string;
  try {
    text = utf8.decode(request.body);
  } catch {
    throw badBody('body is not UTF-8');
  }
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === '' || mediaType === 'application/x-www-form-urlencoded') {
    return new URLSearchParams(text);
  }
  if (mediaType === 'application/json') return jsonPairs(text);
  throw badBody('body content type is neither form nor JSON');
}

export function decodeParams(request: HttpRequest): Params {
  // A null prototype, so names like __proto__ are plain parameters.
  const params: Record<string, string> = Object.create(null);
  addAll(params, new URLSearchParams(request.rawQuery));
  addAll(params, bodyPairs(request));
  return params;
}

/** The query parameters alone, for rendering an error when the body itself was unreadable. */
export function queryParams(request: HttpRequest): Params {
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(request.rawQuery)) params[name] ??= value;
  return params;
}
