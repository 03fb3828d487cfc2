/**
 * The unsigned admin API under `/__emulator/`, for injecting faults by hand (or from a process
 * that holds no emulator object): `POST /__emulator/faults` with `{fault, accessKeyId?, times?}`,
 * `DELETE /__emulator/faults` to clear them. Answers 204, or a status with a JSON `{error}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../codec/typed.js';
import { type Body, send } from './exchange.js';
import { type FaultBook, parseFault, parseScope } from './faults.js';
import { CONTENT_TYPES } from './respond.js';

export const ADMIN_PREFIX = '/__emulator/';
const FAULTS_PATH = '/__emulator/faults';

/** The admin answer: a status, and what is wrong when something is. */
function adminAnswer(
  faults: FaultBook,
  method: string | undefined,
  path: string,
  body: Body,
): [number, string?] {
  if (path !== FAULTS_PATH) return [404, 'no such admin endpoint'];
  if (method === 'DELETE') {
    faults.clear();
    return [204];
  }
  if (method !== 'POST') return [405, 'use POST or DELETE'];
  if (body.tooLarge) return [413, 'body too large'];
  try {
    const request: unknown = JSON.parse(body.bytes.toString('utf8'));
    if (!isRecord(request)) throw new TypeError('body must be a JSON object');
    faults.inject(parseFault(request.fault), parseScope(request));
  } catch (error) {
    return [400, error instanceof Error ? error.message : 'invalid request'];
  }
  return [204];
}

export function handleAdmin(
  faults: FaultBook,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: Body,
): void {
  const [status, message] = adminAnswer(faults, req.method, path, body);
  if (status === 405) res.setHeader('allow', 'POST, DELETE');
  if (message === undefined) {
    res.writeHead(status);
    res.end();
  } else {
    send(res, status, {
      contentType: CONTENT_TYPES.JSON,
      body: JSON.stringify({ error: message }),
    });
  }
}
