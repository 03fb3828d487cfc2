/**
 * Server-level access control over real HTTP: an AccessKey's allowedActions (403
 * Forbidden.NoPermission with RAM's AccessDeniedDetail) and throttling (400 Throttling), on the
 * emulator's clock so every count is exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import type { Credentials } from '../../src/protocol/credentials.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import {
  ACCESS_KEYS,
  callV1,
  callV3,
  DISABLED,
  expectGatewayError,
  HOST_ID,
  json,
  MAIN,
  OTHER,
  XML_TYPE,
} from './helpers.js';

const START = Date.parse('2025-06-01T12:00:00Z');
const NO_PERMISSION = 'This operation is forbidden by permission system.';
const THROTTLED = 'Request was denied due to request throttling.';

const LIMITED: Credentials = { accessKeyId: 'LTAI-limited', accessKeySecret: 'limited-secret' };
const SLOW: Credentials = { accessKeyId: 'LTAI-slow', accessKeySecret: 'slow-secret' };

let clock = START;
const running: Emulator[] = [];

async function emulatorWith(options: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  clock = START;
  const emulator = await startEmulator({
    accessKeys: [
      ...ACCESS_KEYS,
      {
        id: LIMITED.accessKeyId,
        secret: LIMITED.accessKeySecret,
        allowedActions: ['Encrypt', 'DescribeKey'],
      },
      { id: SLOW.accessKeyId, secret: SLOW.accessKeySecret, requestsPerSecond: 2 },
    ],
    now: () => clock,
    ...options,
  });
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

const stamp = () => alibabaTimestamp(new Date(clock));

const v1 = (emulator: Emulator, params: Record<string, string>, credentials = MAIN) =>
  callV1(emulator, params, { credentials, timestamp: stamp() });

const listKeys = (emulator: Emulator, credentials = MAIN) =>
  v1(emulator, { Action: 'ListKeys' }, credentials);

const detail = (action: string) => ({
  AuthAction: `kms:${action}`,
  AuthPrincipalType: 'SubUser',
  NoPermissionType: 'ImplicitDeny',
  PolicyType: 'AccountLevelIdentityBasedPolicy',
});

describe('Forbidden.NoPermission', () => {
  it('answers an action outside allowedActions with 403 and the RAM detail (JSON, V1)', async () => {
    const emulator = await emulatorWith();
    const denied = await listKeys(emulator, LIMITED);
    expectGatewayError(denied, 403, 'Forbidden.NoPermission', NO_PERMISSION, {
      AccessDeniedDetail: detail('ListKeys'),
    });
    expect(emulator.requests.at(-1)).toMatchObject({
      action: 'ListKeys',
      accessKeyId: LIMITED.accessKeyId,
      status: 403,
    });
  });

  it('answers in XML, the detail as a nested element (V3)', async () => {
    const emulator = await emulatorWith();
    const denied = await callV3(
      emulator,
      { Format: 'XML', Description: 'not allowed' },
      { action: 'CreateKey', credentials: LIMITED, date: stamp() },
    );
    expect(denied.status).toBe(403);
    expect(denied.headers['content-type']).toBe(XML_TYPE);
    const requestId = denied.headers['x-acs-request-id'] as string;
    expect(denied.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error>' +
        `<RequestId>${requestId}</RequestId><HostId>${HOST_ID}</HostId>` +
        `<Code>Forbidden.NoPermission</Code><Message>${NO_PERMISSION}</Message>` +
        `<Recommend>https://api.aliyun.com/troubleshoot?q=Forbidden.NoPermission&amp;product=Kms&amp;requestId=${requestId}</Recommend>` +
        '<AccessDeniedDetail><AuthAction>kms:CreateKey</AuthAction>' +
        '<AuthPrincipalType>SubUser</AuthPrincipalType>' +
        '<NoPermissionType>ImplicitDeny</NoPermissionType>' +
        '<PolicyType>AccountLevelIdentityBasedPolicy</PolicyType></AccessDeniedDetail>' +
        '</Error>',
    );
    // A denied action does not run.
    expect(emulator.state.keys).toHaveLength(0);
  });

  it('lets the listed actions through, and leaves other keys unlimited', async () => {
    const emulator = await emulatorWith();
    const key = emulator.state.createKey();
    const encrypted = await v1(
      emulator,
      { Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'aGk=' },
      LIMITED,
    );
    expect(encrypted.status).toBe(200);
    expect(json(encrypted).KeyId).toBe(key.KeyId);
    const described = await v1(emulator, { Action: 'DescribeKey', KeyId: key.KeyId }, LIMITED);
    expect(described.status).toBe(200);
    // Decrypt is not listed, though it pairs with Encrypt.
    const decrypt = await v1(
      emulator,
      { Action: 'Decrypt', CiphertextBlob: json(encrypted).CiphertextBlob as string },
      LIMITED,
    );
    expectGatewayError(decrypt, 403, 'Forbidden.NoPermission', NO_PERMISSION, {
      AccessDeniedDetail: detail('Decrypt'),
    });
    expect((await listKeys(emulator, MAIN)).status).toBe(200);
  });

  it('denies everything to a key with an empty list', async () => {
    const emulator = await emulatorWith({
      accessKeys: [{ id: MAIN.accessKeyId, secret: MAIN.accessKeySecret, allowedActions: [] }],
    });
    const denied = await listKeys(emulator);
    expect(denied.status).toBe(403);
    expect(json(denied).Code).toBe('Forbidden.NoPermission');
  });

  it('checks authentication first: a bad signature, an unknown action, a disabled key', async () => {
    const emulator = await emulatorWith();
    const forged = await callV1(
      emulator,
      { Action: 'ListKeys' },
      {
        credentials: LIMITED,
        timestamp: stamp(),
        after: (signed) => {
          signed.Signature = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
        },
      },
    );
    expect(json(forged).Code).toBe('IncompleteSignature');
    const unknown = await v1(emulator, { Action: 'NoSuchAction' }, LIMITED);
    expect(json(unknown).Code).toBe('InvalidAction.NotFound');
    expectGatewayError(
      await listKeys(emulator, DISABLED),
      403,
      'Forbidden.AccessKey',
      'This AccessKey is not enabled.',
    );
  });
});

describe('Throttling', () => {
  it('limits all keys together to the rate, with the burst at once, on the emulator clock', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 2, burst: 3 } });
    for (let i = 0; i < 3; i++) expect((await listKeys(emulator)).status).toBe(200);
    // The bucket is shared: another key is refused too.
    expectGatewayError(await listKeys(emulator, OTHER), 400, 'Throttling', THROTTLED);
    expectGatewayError(await listKeys(emulator), 400, 'Throttling', THROTTLED);
    clock += 499;
    expect((await listKeys(emulator)).status).toBe(400);
    clock += 1; // 500 ms at 2/s: one token
    expect((await listKeys(emulator)).status).toBe(200);
    expect((await listKeys(emulator)).status).toBe(400);
    clock += 10_000; // refills to the burst, no further
    for (let i = 0; i < 3; i++) expect((await listKeys(emulator)).status).toBe(200);
    expect((await listKeys(emulator)).status).toBe(400);
    expect(emulator.requests.map((r) => r.status)).toEqual([
      200, 200, 200, 400, 400, 400, 200, 400, 200, 200, 200, 400,
    ]);
  });

  it('defaults the burst to one second of the rate', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 0.5 } });
    expect((await listKeys(emulator)).status).toBe(200);
    expect((await listKeys(emulator)).status).toBe(400);
    clock += 1999;
    expect((await listKeys(emulator)).status).toBe(400);
    clock += 1;
    expect((await listKeys(emulator)).status).toBe(200);
  });

  it("limits a key with requestsPerSecond on its own, leaving the others' rate alone", async () => {
    const emulator = await emulatorWith();
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
    expectGatewayError(await listKeys(emulator, SLOW), 400, 'Throttling', THROTTLED);
    for (let i = 0; i < 5; i++) expect((await listKeys(emulator, MAIN)).status).toBe(200);
    clock += 500;
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
    expect((await listKeys(emulator, SLOW)).status).toBe(400);
  });

  it('answers in XML and does not run a throttled action', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 1 } });
    expect((await v1(emulator, { Action: 'CreateKey' })).status).toBe(200);
    const throttled = await v1(emulator, { Action: 'CreateKey', Format: 'XML' });
    expect(throttled.status).toBe(400);
    expect(throttled.headers['content-type']).toBe(XML_TYPE);
    expect(throttled.body).toContain(`<Code>Throttling</Code><Message>${THROTTLED}</Message>`);
    expect(throttled.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>/);
    expect(emulator.state.keys).toHaveLength(1);
  });

  it('counts only requests whose signature verifies, and refusals cost nothing', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 1 } });
    for (let i = 0; i < 3; i++) {
      const forged = await callV1(
        emulator,
        { Action: 'ListKeys' },
        {
          timestamp: stamp(),
          after: (signed) => {
            signed.Signature = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
          },
        },
      );
      expect(json(forged).Code).toBe('IncompleteSignature');
    }
    expect((await listKeys(emulator)).status).toBe(200);
    // Many refusals in a row do not push the next token further away.
    for (let i = 0; i < 5; i++) expect((await listKeys(emulator)).status).toBe(400);
    clock += 1000;
    expect((await listKeys(emulator)).status).toBe(200);
  });

  it('needs both buckets: a refusal by one takes no token from the other', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 1, burst: 4 } });
    // SLOW: own bucket 2, global 4.
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
    expect((await listKeys(emulator, SLOW)).status).toBe(400);
    expect((await listKeys(emulator, SLOW)).status).toBe(400);
    // The two refusals left the global bucket's last two tokens in place.
    expect((await listKeys(emulator, MAIN)).status).toBe(200);
    expect((await listKeys(emulator, MAIN)).status).toBe(200);
    expect((await listKeys(emulator, MAIN)).status).toBe(400);
  });

  it("a refusal by the shared bucket takes nothing from the key's own", async () => {
    // Shared: one token every 250 ms, none stored up. SLOW's own: 2, one back every 500 ms.
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 4, burst: 1 } });
    expect((await listKeys(emulator, MAIN)).status).toBe(200);
    expect((await listKeys(emulator, SLOW)).status).toBe(400);
    expect((await listKeys(emulator, SLOW)).status).toBe(400);
    clock += 250;
    // SLOW's own bucket is still full: had the refusals taken from it, half a token would be left.
    expect((await listKeys(emulator, SLOW)).status).toBe(200);
  });

  it('throttles before authorizing: a denied request still counts', async () => {
    const emulator = await emulatorWith({ throttle: { requestsPerSecond: 1 } });
    expect(json(await listKeys(emulator, LIMITED)).Code).toBe('Forbidden.NoPermission');
    expect(json(await listKeys(emulator, LIMITED)).Code).toBe('Throttling');
  });

  it('refuses a rate that is not a positive number at start', async () => {
    await expect(
      startEmulator({ accessKeys: ACCESS_KEYS, throttle: { requestsPerSecond: 0 } }),
    ).rejects.toThrow(/throttle\.requestsPerSecond/);
    await expect(
      startEmulator({ accessKeys: ACCESS_KEYS, throttle: { requestsPerSecond: 1, burst: 0.5 } }),
    ).rejects.toThrow(/throttle\.burst/);
    await expect(
      startEmulator({
        accessKeys: [{ id: 'k', secret: 's', requestsPerSecond: Number.NaN }],
      }),
    ).rejects.toThrow(/requestsPerSecond/);
  });
});
