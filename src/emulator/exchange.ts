/**
 * The `node:http` side of a request: reading the body (capped), turning the request into the
 * `Incoming` the checks read, and writing a status, headers and body back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from './respond.js';
import type { Incoming } from './verify.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface Body {
  readonly bytes: Buffer;
  readonly tooLarge: boolean;
}

/** The whole body, keeping at most MAX_BODY_BYTES but always draining the stream. */
export function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }));
    req.on('error', reject);
    // A client that goes away mid-body: no 'end' will come.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Null-prototype, so a parameter named `__proto__` or `constructor` is just a parameter. */
function record(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of entries) out[name] = value;
  return out;
}

const isFormBody = (contentType: string | undefined): boolean =>
  contentType === undefined ||
  contentType.trim() === '' ||
  contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');

/** The request target as a URL, or undefined when it cannot be read as one. */
export function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

/**
 * What the checks read of a request. An unparsable request target (`url` undefined) is no
 * route: its path is empty, so the gateway answers it as an unknown api.
 */
export function toIncoming(req: IncomingMessage, url: URL | undefined, body: Buffer): Incoming {
  const headers = record(
    Object.entries(req.headers).flatMap(([name, value]): [string, string][] =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(',') : value]],
    ),
  );
  const query = record(url?.searchParams ?? []);
  const method = req.method ?? '';
  const form =
    method === 'POST' && isFormBody(headers['content-type'])
      ? new URLSearchParams(body.toString('utf8'))
      : [];
  return {
    method,
    path: url?.pathname ?? '',
    query,
    params: record([...Object.entries(query), ...form]),
    headers,
    rawBody: body,
  };
}

/** What a response carries besides its status: the body, its type and the request id. */
export interface Sent {
  readonly contentType: string;
  readonly body: string;
  /** sent as x-acs-request-id */
  readonly requestId?: string | undefined;
}

function writeHead(res: ServerResponse, status: number, sent: Sent, bytes: Buffer): void {
  const headers: Record<string, string | number> = {
    'content-type': sent.contentType,
    'content-length': bytes.length,
  };
  if (sent.requestId !== undefined) headers['x-acs-request-id'] = sent.requestId;
  res.writeHead(status, headers);
}

export function send(res: ServerResponse, status: number, sent: Sent): void {
  const bytes = Buffer.from(sent.body, 'utf8');
  writeHead(res, status, sent, bytes);
  res.end(bytes);
}

/** The head and half the body, then the connection cut: a response that stops short. */
export function sendHalf(req: IncomingMessage, res: ServerResponse, status: number, sent: Sent) {
  const bytes = Buffer.from(sent.body, 'utf8');
  writeHead(res, status, sent, bytes);
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
}

export const sendAnswer = (res: ServerResponse, answer: Answer): void =>
  send(res, answer.status, answer);
