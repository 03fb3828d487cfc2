import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type Fault, startEmulator } from '../../src/emulator/index.js';
import {
  ACCESS_KEYS,
  callV1,
  httpRequest,
  JSON_TYPE,
  json,
  MAIN,
  OTHER,
  rawGet,
  signedV1Path,
  UPPER_UUID,
  XML_TYPE,
} from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: ACCESS_KEYS });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.clearFaults();
  emulator.state.reset();
});

const listKeys = (format?: string, credentials = MAIN) =>
  callV1(emulator, format ? { Action: 'ListKeys', Format: format } : { Action: 'ListKeys' }, {
    credentials,
  });

describe('faults', () => {
  it('latency: waits, then answers normally', async () => {
    emulator.injectFault({ kind: 'latency', ms: 300 }, { times: 1 });
    const started = performance.now();
    const slow = await listKeys();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(slow.status).toBe(200);
    expect(json(slow).TotalCount).toBe(0);
    const fastStart = performance.now();
    expect((await listKeys()).status).toBe(200);
    expect(performance.now() - fastStart).toBeLessThan(250);
  });

  it('status: answers 500 or 503 in the <Error> shape, without running the action', async () => {
    emulator.injectFault({ kind: 'status', status: 500 }, { times: 1 });
    const failed = await callV1(emulator, { Action: 'CreateKey' });
    expect(failed.status).toBe(500);
    const id = failed.headers['x-acs-request-id'];
    expect(failed.body).toBe(
      JSON.stringify({
        RequestId: id,
        HostId: 'kms.cn-hangzhou.aliyuncs.com',
        Code: 'InternalFailure',
        Message: 'Internal Failure.',
        Recommend: `https://api.aliyun.com/troubleshoot?q=InternalFailure&product=Kms&requestId=${id}`,
      }),
    );
    expect(emulator.state.keys).toHaveLength(0);

    emulator.injectFault({ kind: 'status', status: 503 }, { times: 1 });
    const unavailable = await listKeys('XML');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['content-type']).toBe(XML_TYPE);
    expect(unavailable.body).toContain(
      '<Code>ServiceUnavailableTemporary</Code><Message>Service Unavailable Temporary.</Message>',
    );
    expect(unavailable.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>/);
  });

  it('drop: closes the connection without a byte', async () => {
    emulator.injectFault({ kind: 'drop' }, { times: 1 });
    const exchange = await rawGet(emulator, signedV1Path({ Action: 'ListKeys' }));
    expect(exchange.received).toHaveLength(0);
    expect(emulator.requests.at(-1)).toMatchObject({ action: 'ListKeys', status: 0 });
    await expect(listKeys()).resolves.toMatchObject({ status: 200 });
  });

  it('drop: a client sees a reset', async () => {
    emulator.injectFault({ kind: 'drop' }, { times: 1 });
    await expect(listKeys()).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('truncate: sends the headers and half of the body, then closes', async () => {
    emulator.state.createKey();
    emulator.injectFault({ kind: 'truncate' }, { times: 1 });
    const exchange = await rawGet(emulator, signedV1Path({ Action: 'ListKeys' }));
    expect(exchange.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const length = Number(/content-length: (\d+)/i.exec(exchange.head)?.[1]);
    expect(length).toBeGreaterThan(100);
    expect(exchange.body).toHaveLength(Math.floor(length / 2));
    expect(exchange.body.toString('utf8')).toMatch(/^\{"Keys":\{"Key":\[\{"KeyId":"/);
    expect(emulator.requests.at(-1)).toMatchObject({ action: 'ListKeys', status: 200 });
  });

  it('html: an HTML error page, 502 by default', async () => {
    emulator.injectFault({ kind: 'html' }, { times: 1 });
    const page = await listKeys();
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toBe('text/html');
    expect(page.body).toMatch(/^<!DOCTYPE html><html>.*502 Bad Gateway.*<\/html>$/);
    emulator.injectFault({ kind: 'html', status: 504 }, { times: 1 });
    expect((await listKeys()).status).toBe(504);
  });

  it('content-type: the real answer under a wrong Content-Type', async () => {
    emulator.injectFault({ kind: 'content-type', value: 'text/plain' }, { times: 1 });
    const result = await listKeys();
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('text/plain');
    expect(json(result)).toMatchObject({ Keys: { Key: [] }, TotalCount: 0 });
    expect(json(result).RequestId).toBe(result.headers['x-acs-request-id']);
  });

  it('doctype: an XML answer with a DOCTYPE whose entity the body uses', async () => {
    emulator.injectFault({ kind: 'doctype' }, { times: 1 });
    const result = await listKeys();
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(XML_TYPE);
    const id = result.headers['x-acs-request-id'] as string;
    expect(id).toMatch(UPPER_UUID);
    expect(result.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE ListKeysResponse [<!ENTITY rid "${id}">]><ListKeysResponse><Keys></Keys><TotalCount>0</TotalCount><PageNumber>1</PageNumber><PageSize>10</PageSize><RequestId>&rid;</RequestId></ListKeysResponse>`,
    );
  });

  it('oversize: well-formed JSON longer than the limit', async () => {
    emulator.injectFault({ kind: 'oversize', bytes: 100_000 }, { times: 1 });
    const result = await listKeys('XML');
    expect(result.headers['content-type']).toBe(JSON_TYPE);
    expect(Buffer.byteLength(result.body)).toBeGreaterThan(100_000);
    expect(Number(result.headers['content-length'])).toBe(Buffer.byteLength(result.body));
    const body = json(result);
    expect(body).toMatchObject({ Keys: { Key: [] }, TotalCount: 0 });
    expect(body.RequestId).toBe(result.headers['x-acs-request-id']);
  });

  it('garbage: status 200 and a body that is neither JSON nor XML', async () => {
    emulator.injectFault({ kind: 'garbage' }, { times: 1 });
    const result = await listKeys();
    expect(result.status).toBe(200);
    expect(() => JSON.parse(result.body)).toThrow();
    expect(result.body.trimStart().startsWith('<')).toBe(false);
  });

  it('scopes a fault to one AccessKey and to a number of times', async () => {
    emulator.injectFault(
      { kind: 'status', status: 503 },
      { accessKeyId: OTHER.accessKeyId, times: 2 },
    );
    expect((await listKeys(undefined, MAIN)).status).toBe(200);
    expect((await listKeys(undefined, OTHER)).status).toBe(503);
    expect((await listKeys(undefined, OTHER)).status).toBe(503);
    expect((await listKeys(undefined, OTHER)).status).toBe(200);
  });

  it('keeps a fault until cleared when no times are given; the first match applies', async () => {
    emulator.injectFault({ kind: 'html', status: 500 });
    emulator.injectFault({ kind: 'garbage' });
    for (let i = 0; i < 3; i += 1) expect((await listKeys()).status).toBe(500);
    emulator.clearFaults();
    expect((await listKeys()).status).toBe(200);
  });

  it('refuses a malformed fault', () => {
    expect(() => emulator.injectFault({ kind: 'status', status: 404 } as unknown as Fault)).toThrow(
      TypeError,
    );
    expect(() => emulator.injectFault({ kind: 'nope' } as unknown as Fault)).toThrow(TypeError);
    expect(() => emulator.injectFault({ kind: 'drop' }, { times: 0 })).toThrow(TypeError);
  });
});

describe('admin API', () => {
  const admin = (method: string, body?: unknown, path = '/__emulator/faults') =>
    httpRequest(emulator, {
      method,
      path,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('injects and clears faults, unsigned and unrecorded', async () => {
    const before = emulator.requests.length;
    const injected = await admin('POST', { fault: { kind: 'status', status: 503 }, times: 1 });
    expect(injected.status).toBe(204);
    expect(injected.body).toBe('');
    expect((await listKeys()).status).toBe(503);
    expect((await listKeys()).status).toBe(200);

    expect(
      (await admin('POST', { fault: { kind: 'html' }, accessKeyId: OTHER.accessKeyId })).status,
    ).toBe(204);
    expect((await listKeys(undefined, MAIN)).status).toBe(200);
    expect((await listKeys(undefined, OTHER)).status).toBe(502);
    expect((await admin('DELETE')).status).toBe(204);
    expect((await listKeys(undefined, OTHER)).status).toBe(200);
    expect(emulator.requests.length).toBe(before + 5);
  });

  it('answers bad admin requests with 400, 404 or 405', async () => {
    const unknownKind = await admin('POST', { fault: { kind: 'explode' } });
    expect(unknownKind.status).toBe(400);
    expect(JSON.parse(unknownKind.body)).toEqual({ error: 'unknown fault kind "explode"' });
    expect((await admin('POST', { fault: { kind: 'drop' }, times: 0 })).status).toBe(400);
    expect((await admin('POST', { fault: { kind: 'latency', ms: -1 } })).status).toBe(400);
    const notJson = await httpRequest(emulator, {
      method: 'POST',
      path: '/__emulator/faults',
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect((await admin('GET')).status).toBe(405);
    expect((await admin('POST', {}, '/__emulator/other')).status).toBe(404);
    expect((await listKeys()).status).toBe(200);
  });
});

describe('lifecycle', () => {
  it('starts quickly and closes with a keep-alive connection open', async () => {
    const started = performance.now();
    const own = await startEmulator({ accessKeys: ACCESS_KEYS });
    expect(performance.now() - started).toBeLessThan(1000);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await httpRequest(own, { path: signedV1Path({ Action: 'ListKeys' }), agent });
      expect(first.status).toBe(200);
      expect(first.headers.connection).toBe('keep-alive');
      const free = Object.values(agent.freeSockets).flat() as Socket[];
      expect(free).toHaveLength(1);
      const closedSocket = new Promise<void>((resolve) => free[0]?.once('close', () => resolve()));
      const closing = performance.now();
      await own.close();
      await closedSocket;
      expect(performance.now() - closing).toBeLessThan(1000);
      await expect(httpRequest(own, { path: '/' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });

  it('keeps serving after a client goes away mid-body', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1', () => {
        socket.write(
          'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Lis',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
    });
    await expect(listKeys()).resolves.toMatchObject({ status: 200 });
  });

  it('closes promptly while a request waits on a latency fault', async () => {
    const own = await startEmulator({ accessKeys: ACCESS_KEYS });
    own.injectFault({ kind: 'latency', ms: 60_000 });
    const pending = httpRequest(own, { path: signedV1Path({ Action: 'ListKeys' }) }).catch(
      (error: Error) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = performance.now();
    await own.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
