/**
 * Real HTTP against a started emulator, signed with the project's own signers. `node:http`
 * rather than fetch because V3 signs the Host header, which fetch will not let us set.
 */
import { randomUUID } from 'node:crypto';
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import type { Credentials } from '../../src/protocol/credentials.js';
import { percentEncode } from '../../src/protocol/percent-encode.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import { signV3 } from '../../src/protocol/sign-v3.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';

export const VERSION = '2016-01-20';

export const MAIN: Credentials = { accessKeyId: 'LTAI-main', accessKeySecret: 'main-secret' };
export const OTHER: Credentials = { accessKeyId: 'LTAI-other', accessKeySecret: 'other-secret' };
export const DISABLED: Credentials = { accessKeyId: 'LTAI-off', accessKeySecret: 'off-secret' };
export const STS: Credentials = {
  accessKeyId: 'STS.tmp',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token',
};

export const ACCESS_KEYS = [
  { id: MAIN.accessKeyId, secret: MAIN.accessKeySecret },
  { id: OTHER.accessKeyId, secret: OTHER.accessKeySecret },
  { id: DISABLED.accessKeyId, secret: DISABLED.accessKeySecret, enabled: false },
  { id: STS.accessKeyId, secret: STS.accessKeySecret, securityToken: 'sts-token' },
];

export const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const JSON_TYPE = 'application/json;charset=utf-8';
/** The HostId the emulator puts in error bodies by default. */
export const HOST_ID = 'kms.cn-hangzhou.aliyuncs.com';
export const XML_TYPE = 'text/xml;charset=utf-8';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: Agent;
}

/** Where requests go: an emulator, or one of its listeners (`emulator.sts`). */
export type Target = Pick<Emulator, 'port'>;

export function httpRequest(emulator: Target, raw: RawRequest = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        method: raw.method ?? 'GET',
        path: raw.path ?? '/',
        headers: raw.headers,
        agent: raw.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(raw.body);
  });
}

export const encodeForm = (params: Readonly<Record<string, string>>): string =>
  Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

/** The path of a V1-signed GET. */
export function signedV1Path(
  params: Readonly<Record<string, string>>,
  credentials: Credentials = MAIN,
): string {
  const signed = signV1({ Version: VERSION, ...params }, credentials, {
    method: 'GET',
    nonce: randomUUID(),
    timestamp: alibabaTimestamp(new Date()),
  });
  return `/?${encodeForm(signed)}`;
}

export interface RawExchange {
  /** every byte the server sent before it closed the connection */
  readonly received: Buffer;
  readonly head: string;
  readonly body: Buffer;
}

/** A raw HTTP/1.1 GET on its own socket, read until the server closes it (or 5 s pass). */
export function rawGet(emulator: Emulator, path: string): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(emulator.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection'));
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {
      // A reset is what some faults are about; the bytes read so far are the result.
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks);
      const split = received.indexOf('\r\n\r\n');
      resolve({
        received,
        head:
          split < 0 ? received.toString('latin1') : received.subarray(0, split).toString('latin1'),
        body: split < 0 ? Buffer.alloc(0) : received.subarray(split + 4),
      });
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nConnection: keep-alive\r\n\r\n`,
    );
  });
}

export interface V1Call {
  method?: 'GET' | 'POST';
  credentials?: Credentials;
  timestamp?: string;
  nonce?: string;
  /** change the signed parameters before sending (to break the signature) */
  after?: (signed: Record<string, string>) => void;
  /** POST: send these signed parameters in the query, the rest in the body */
  inQuery?: readonly string[];
}

/** A V1-signed call; `params` holds Action and business parameters (Version is added). */
export function callV1(
  emulator: Target,
  params: Readonly<Record<string, string>>,
  call: V1Call = {},
): Promise<HttpResult> {
  const method = call.method ?? 'GET';
  const signed = signV1({ Version: VERSION, ...params }, call.credentials ?? MAIN, {
    method,
    nonce: call.nonce ?? randomUUID(),
    timestamp: call.timestamp ?? alibabaTimestamp(new Date()),
  });
  call.after?.(signed);
  if (method === 'GET') return httpRequest(emulator, { path: `/?${encodeForm(signed)}` });
  const query: Record<string, string> = {};
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed)) {
    if (call.inQuery?.includes(k)) query[k] = v;
    else body[k] = v;
  }
  return httpRequest(emulator, {
    method: 'POST',
    path: `/?${encodeForm(query)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm(body),
  });
}

export interface V3Call {
  action: string;
  method?: 'GET' | 'POST';
  version?: string;
  credentials?: Credentials;
  date?: string;
  nonce?: string;
  body?: string;
  contentType?: string;
  /** send this body instead of the signed one */
  sentBody?: string;
  /** change the signed headers before sending */
  after?: (headers: Record<string, string>) => void;
}

/** A V3-signed call with the parameters in the query, as the current TS SDK sends it. */
export function callV3(
  emulator: Target,
  query: Readonly<Record<string, string>>,
  call: V3Call,
): Promise<HttpResult> {
  const method = call.method ?? 'POST';
  const headers = signV3(query, call.credentials ?? MAIN, {
    method,
    host: `127.0.0.1:${emulator.port}`,
    action: call.action,
    version: call.version ?? VERSION,
    nonce: call.nonce ?? randomUUID(),
    date: call.date ?? alibabaTimestamp(new Date()),
    ...(call.body === undefined ? {} : { body: call.body }),
    ...(call.contentType === undefined ? {} : { contentType: call.contentType }),
  });
  call.after?.(headers);
  return httpRequest(emulator, {
    method,
    path: `/?${encodeForm(query)}`,
    headers,
    ...(call.body === undefined ? {} : { body: call.body }),
    ...(call.sentBody === undefined ? {} : { body: call.sentBody }),
  });
}

export const json = (result: HttpResult): Record<string, unknown> =>
  JSON.parse(result.body) as Record<string, unknown>;

/** A V1 JSON call that must succeed; its parsed body. */
export async function ok(
  emulator: Emulator,
  params: Readonly<Record<string, string>>,
  call?: V1Call,
): Promise<Record<string, unknown>> {
  const result = await callV1(emulator, params, call);
  if (result.status !== 200) throw new Error(`${params.Action}: ${result.status} ${result.body}`);
  return json(result);
}

/** Asserts the whole KMS-shape JSON error body, field order included. */
export function expectKmsError(result: HttpResult, status: number, code: string, message: string) {
  expect(result.status).toBe(status);
  expect(result.headers['content-type']).toBe(JSON_TYPE);
  const requestId = result.headers['x-acs-request-id'];
  expect(requestId).toMatch(UPPER_UUID);
  expect(result.body).toBe(
    JSON.stringify({
      HttpStatus: status,
      Code: code,
      Message: message,
      RequestId: requestId,
      HostId: HOST_ID,
    }),
  );
}

/** Which gateway answered: the HostId it names and the product its Recommend link names. */
export interface Gateway {
  readonly hostId: string;
  readonly product: string;
}

export const KMS_GATEWAY: Gateway = { hostId: HOST_ID, product: 'Kms' };
export const STS_GATEWAY: Gateway = { hostId: 'sts.aliyuncs.com', product: 'Sts' };

/** Asserts the whole JSON gateway-shape error body, field order included, plus what follows it. */
export function expectGatewayError(
  result: HttpResult,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  gateway: Gateway = KMS_GATEWAY,
) {
  expect(result.status).toBe(status);
  expect(result.headers['content-type']).toBe(JSON_TYPE);
  const requestId = result.headers['x-acs-request-id'];
  expect(requestId).toMatch(UPPER_UUID);
  expect(result.body).toBe(
    JSON.stringify({
      RequestId: requestId,
      HostId: gateway.hostId,
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=${gateway.product}&requestId=${requestId}`,
      ...extra,
    }),
  );
}
