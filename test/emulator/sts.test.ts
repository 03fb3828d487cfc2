/**
 * STS AssumeRole on the emulator's second listener (issue 8, item 5, the emulator's side):
 * Alibaba's own `@alicloud/pop-core` assumes a role unchanged, the emulated KMS accepts the
 * temporary credentials (V1 SecurityToken, V3 x-acs-security-token) until they expire, and
 * refuses them after with InvalidSecurityToken.Expired.
 */
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Emulator,
  parseEmulatorConfig,
  STS_API_VERSION,
  startEmulator,
} from '../../src/emulator/index.js';
import type { Credentials } from '../../src/protocol/credentials.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import {
  callV1,
  callV3,
  expectGatewayError,
  type HttpResult,
  httpRequest,
  json,
  STS_GATEWAY,
  UPPER_UUID,
  XML_TYPE,
} from './helpers.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/kms-normalizer`;
const LONG_ROLE = `acs:ram::${ACCOUNT}:role/long-sessions`;
const GATEWAY = { id: 'LTAI5tStsGateway', secret: 'gateway-secret' };
const STRANGER = { id: 'LTAI5tStsStranger', secret: 'stranger-secret' };

/** The emulator clock runs `skew` ms ahead of real time (signatures use real time). */
let skew = 0;
let emulator: Emulator;
let sts: { url: string; port: number };

beforeAll(async () => {
  emulator = await startEmulator({
    accessKeys: [GATEWAY, STRANGER],
    now: () => Date.now() + skew,
    sts: {
      minDurationSeconds: 1,
      roles: [
        { arn: ROLE, accessKeyIds: [GATEWAY.id] },
        { arn: LONG_ROLE, accessKeyIds: [GATEWAY.id, STRANGER.id], maxSessionDuration: 7200 },
      ],
    },
  });
  sts = emulator.sts as { url: string; port: number };
});
afterAll(() => emulator.close());
beforeEach(() => {
  skew = 0;
  emulator.clearFaults();
});

interface AssumeRoleAnswer {
  RequestId: string;
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
  Credentials: {
    AccessKeyId: string;
    AccessKeySecret: string;
    SecurityToken: string;
    Expiration: string;
  };
}

/** Alibaba's client, pointed at the emulator's STS as at https://sts.aliyuncs.com. */
const stsClient = (key = GATEWAY) =>
  new RPCClient({
    accessKeyId: key.id,
    accessKeySecret: key.secret,
    endpoint: sts.url,
    apiVersion: STS_API_VERSION,
  });

/** Alibaba's client on the emulator's KMS, signing with `credentials`. */
const kmsClient = (credentials: Credentials) =>
  new RPCClient({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    securityToken: credentials.securityToken,
    endpoint: emulator.url,
    apiVersion: '2016-01-20',
  });

const POST = { method: 'POST', timeout: 5000 };

async function assumeRole(params: Record<string, string> = {}, key = GATEWAY) {
  return (await stsClient(key).request(
    'AssumeRole',
    { RoleArn: ROLE, RoleSessionName: 'gateway', ...params },
    POST,
  )) as AssumeRoleAnswer;
}

const credentialsOf = (answer: AssumeRoleAnswer): Credentials => ({
  accessKeyId: answer.Credentials.AccessKeyId,
  accessKeySecret: answer.Credentials.AccessKeySecret,
  securityToken: answer.Credentials.SecurityToken,
});

/** Asserts an STS error: the gateway shape, HostId sts.aliyuncs.com, Recommend for Sts. */
const expectStsError = (result: HttpResult, status: number, code: string, message: string) =>
  expectGatewayError(result, status, code, message, {}, STS_GATEWAY);

/** A V1-signed AssumeRole straight to the STS listener. */
const callSts = (params: Record<string, string>, key = GATEWAY) =>
  callV1(
    sts,
    { Action: 'AssumeRole', Version: STS_API_VERSION, ...params },
    { method: 'POST', credentials: { accessKeyId: key.id, accessKeySecret: key.secret } },
  );

describe('AssumeRole through @alicloud/pop-core', () => {
  it("answers Alibaba's shape: temporary STS. credentials expiring after DurationSeconds", async () => {
    const before = Date.now();
    const answer = await assumeRole({ DurationSeconds: '1800' });
    expect(Object.keys(answer).sort()).toEqual(['AssumedRoleUser', 'Credentials', 'RequestId']);
    expect(answer.RequestId).toMatch(UPPER_UUID);
    expect(answer.AssumedRoleUser).toEqual({
      AssumedRoleId: expect.stringMatching(/^\d{18}:gateway$/),
      Arn: `${ROLE}/gateway`,
    });
    const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration } = answer.Credentials;
    expect(Object.keys(answer.Credentials).sort()).toEqual([
      'AccessKeyId',
      'AccessKeySecret',
      'Expiration',
      'SecurityToken',
    ]);
    expect(AccessKeyId).toMatch(/^STS\.[A-Za-z0-9]{25}$/);
    expect(AccessKeySecret).toMatch(/^[A-Za-z0-9]{44}$/);
    expect(SecurityToken.length).toBeGreaterThan(100);
    expect(Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(Expiration);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 1_800_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 1_800_000);
  });

  it('defaults to 3600 s, and gives each call new credentials, the same role id', async () => {
    const first = await assumeRole();
    const second = await assumeRole();
    const expires = Date.parse(first.Credentials.Expiration);
    expect(Math.abs(expires - (Date.now() + 3_600_000))).toBeLessThan(5000);
    expect(second.Credentials.AccessKeyId).not.toBe(first.Credentials.AccessKeyId);
    expect(second.Credentials.SecurityToken).not.toBe(first.Credentials.SecurityToken);
    expect(second.AssumedRoleUser.AssumedRoleId).toBe(first.AssumedRoleUser.AssumedRoleId);
  });

  it('is logged in emulator.requests, without secrets', async () => {
    await assumeRole();
    const entry = emulator.requests.at(-1);
    expect(entry).toMatchObject({
      action: 'AssumeRole',
      accessKeyId: GATEWAY.id,
      status: 200,
      signatureVersion: 'v1',
    });
  });
});

describe('the temporary credentials on KMS', () => {
  it('sign V1 calls (SecurityToken) through @alicloud/pop-core', async () => {
    const temporary = credentialsOf(await assumeRole());
    const created = (await kmsClient(temporary).request('CreateKey', {}, POST)) as {
      KeyMetadata: { KeyId: string };
    };
    const sealed = (await kmsClient(temporary).request(
      'Encrypt',
      { KeyId: created.KeyMetadata.KeyId, Plaintext: 'aGVsbG8=' },
      POST,
    )) as { CiphertextBlob: string };
    const opened = (await kmsClient(temporary).request(
      'Decrypt',
      { CiphertextBlob: sealed.CiphertextBlob },
      POST,
    )) as { Plaintext: string };
    expect(opened.Plaintext).toBe('aGVsbG8=');
    expect(emulator.requests.at(-1)).toMatchObject({
      action: 'Decrypt',
      accessKeyId: temporary.accessKeyId,
      status: 200,
    });
  });

  it('sign V3 calls (x-acs-security-token)', async () => {
    const temporary = credentialsOf(await assumeRole());
    const result = await callV3(emulator, {}, { action: 'ListKeys', credentials: temporary });
    expect(result.status).toBe(200);
    expect(json(result).Keys).toBeDefined();
    // The token is part of the key: another one does not do.
    const wrong = await callV3(
      emulator,
      {},
      { action: 'ListKeys', credentials: { ...temporary, securityToken: 'another-token' } },
    );
    expectGatewayError(
      wrong,
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    );
  });

  it('are refused with InvalidSecurityToken.Expired once they expire, V1 and V3', async () => {
    const temporary = credentialsOf(await assumeRole({ DurationSeconds: '60' }));
    skew = 59_000;
    expect(
      (await callV1(emulator, { Action: 'ListKeys' }, { credentials: temporary })).status,
    ).toBe(200);
    skew = 60_000;
    const expired = 'Specified SecurityToken is expired.';
    expectGatewayError(
      await callV1(emulator, { Action: 'ListKeys' }, { credentials: temporary }),
      400,
      'InvalidSecurityToken.Expired',
      expired,
    );
    expectGatewayError(
      await callV3(emulator, {}, { action: 'ListKeys', credentials: temporary }),
      400,
      'InvalidSecurityToken.Expired',
      expired,
    );
    await expect(kmsClient(temporary).request('ListKeys', {}, POST)).rejects.toMatchObject({
      code: 'InvalidSecurityToken.Expired',
    });
  });

  it('expire in real time too: a 1-second token (minDurationSeconds: 1)', async () => {
    const temporary = credentialsOf(await assumeRole({ DurationSeconds: '1' }));
    expect(
      (await callV1(emulator, { Action: 'ListKeys' }, { credentials: temporary })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await callV1(emulator, { Action: 'ListKeys' }, { credentials: temporary });
    expect([after.status, json(after).Code]).toEqual([400, 'InvalidSecurityToken.Expired']);
  });
});

describe('AssumeRole refusals', () => {
  it('a role the AccessKey may not assume: 403 NoPermission', async () => {
    await expect(assumeRole({}, STRANGER)).rejects.toMatchObject({ code: 'NoPermission' });
    expectStsError(
      await callSts({ RoleArn: ROLE, RoleSessionName: 'x1' }, STRANGER),
      403,
      'NoPermission',
      'You are not authorized to do this action. You should be authorized by RAM.',
    );
  });

  it('a temporary key asking for a role: NoPermission (it is no principal of any role)', async () => {
    const temporary = credentialsOf(await assumeRole());
    const result = await callV1(
      sts,
      { Action: 'AssumeRole', Version: STS_API_VERSION, RoleArn: ROLE, RoleSessionName: 'again' },
      { method: 'POST', credentials: temporary },
    );
    expect([result.status, json(result).Code]).toEqual([403, 'NoPermission']);
  });

  it('a role that does not exist, or a malformed ARN', async () => {
    expectStsError(
      await callSts({ RoleArn: `acs:ram::${ACCOUNT}:role/nobody`, RoleSessionName: 'x1' }),
      404,
      'EntityNotExist.Role',
      'The specified Role not exists .',
    );
    for (const arn of [
      'kms-normalizer',
      `acs:ram:cn-hangzhou:${ACCOUNT}:role/a`,
      'acs:ram::x:role/a',
    ]) {
      expectStsError(
        await callSts({ RoleArn: arn, RoleSessionName: 'x1' }),
        400,
        'InvalidParameter.RoleArn',
        'The parameter RoleArn is wrongly formed.',
      );
    }
  });

  it('an unknown AccessKey, and a bad signature', async () => {
    await expect(assumeRole({}, { id: 'LTAI5tNobody', secret: 's' })).rejects.toMatchObject({
      code: 'InvalidAccessKeyId.NotFound',
    });
    expectStsError(
      await callSts({ RoleArn: ROLE, RoleSessionName: 'x1' }, { id: 'LTAI5tNobody', secret: 's' }),
      404,
      'InvalidAccessKeyId.NotFound',
      'The AccessKey ID provided does not exist in our records.',
    );
    await expect(
      assumeRole({}, { id: GATEWAY.id, secret: 'not-the-secret' }),
    ).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    expectStsError(
      await callSts({ RoleArn: ROLE, RoleSessionName: 'x1' }, { id: GATEWAY.id, secret: 'wrong' }),
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    );
  });

  it("DurationSeconds outside [minDurationSeconds, the role's MaxSessionDuration]", async () => {
    const message = 'The Min/Max value of DurationSeconds is 15min/1hr.';
    for (const [role, duration] of [
      [ROLE, '0'],
      [ROLE, '3601'],
      [LONG_ROLE, '7201'],
      [ROLE, '1e3'],
      [ROLE, '-5'],
    ] as const) {
      expectStsError(
        await callSts({ RoleArn: role, RoleSessionName: 'x1', DurationSeconds: duration }),
        400,
        'InvalidParameter.DurationSeconds',
        message,
      );
    }
    const long = await callSts({
      RoleArn: LONG_ROLE,
      RoleSessionName: 'x1',
      DurationSeconds: '7200',
    });
    expect(long.status).toBe(200);
  });

  it('missing or malformed parameters', async () => {
    expectStsError(
      await callSts({ RoleSessionName: 'x1' }),
      400,
      'MissingRoleArn',
      'RoleArn is mandatory for this action.',
    );
    expectStsError(
      await callSts({ RoleArn: ROLE }),
      400,
      'MissingRoleSessionName',
      'RoleSessionName is mandatory for this action.',
    );
    for (const name of ['a', 'has space', 'x'.repeat(65), 'star*']) {
      expectStsError(
        await callSts({ RoleArn: ROLE, RoleSessionName: name }),
        400,
        'InvalidParameter.RoleSessionName',
        'The parameter RoleSessionName is wrongly formed.',
      );
    }
    expectStsError(
      await callSts({ RoleArn: ROLE, RoleSessionName: 'x1', Policy: '[1]' }),
      400,
      'InvalidParameter.PolicyGrammar',
      'The parameter Policy has not passed grammar check.',
    );
    expectStsError(
      await callSts({
        RoleArn: ROLE,
        RoleSessionName: 'x1',
        Policy: `{"a":"${'x'.repeat(2048)}"}`,
      }),
      400,
      'InvalidParameter.PolicySize',
      'The size of Policy must be smaller than 2048 bytes.',
    );
    expectStsError(
      await callSts({ RoleArn: ROLE, RoleSessionName: 'x1', ExternalId: 'bad id' }),
      400,
      'InvalidParameter.ExternalId',
      'The parameter ExternalId is wrongly formed.',
    );
  });
});

describe('the STS listener', () => {
  it('answers XML with Format=XML', async () => {
    const result = await callSts({ RoleArn: ROLE, RoleSessionName: 'xml-1', Format: 'XML' });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(XML_TYPE);
    expect(result.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><AssumeRoleResponse><AssumedRoleUser><AssumedRoleId>\d{18}:xml-1<\/AssumedRoleId><Arn>acs:ram::1234567890123456:role\/kms-normalizer\/xml-1<\/Arn><\/AssumedRoleUser><Credentials><AccessKeyId>STS\.[A-Za-z0-9]{25}<\/AccessKeyId><AccessKeySecret>[A-Za-z0-9]{44}<\/AccessKeySecret><SecurityToken>[A-Za-z0-9+/=]+<\/SecurityToken><Expiration>[0-9T:-]+Z<\/Expiration><\/Credentials><RequestId>[0-9A-F-]{36}<\/RequestId><\/AssumeRoleResponse>$/,
    );
  });

  it('accepts V3 signatures with version 2015-04-01', async () => {
    const result = await callV3(
      sts,
      { RoleArn: ROLE, RoleSessionName: 'v3-caller' },
      {
        action: 'AssumeRole',
        version: STS_API_VERSION,
        credentials: { accessKeyId: GATEWAY.id, accessKeySecret: GATEWAY.secret },
      },
    );
    expect(result.status).toBe(200);
    expect((json(result).AssumedRoleUser as { Arn: string }).Arn).toBe(`${ROLE}/v3-caller`);
  });

  it('is its own endpoint: KMS does not answer STS, STS does not answer KMS', async () => {
    const onKms = await callV1(emulator, {
      Action: 'AssumeRole',
      Version: STS_API_VERSION,
      RoleArn: ROLE,
      RoleSessionName: 'x1',
    });
    expect([onKms.status, json(onKms).Code]).toEqual([400, 'InvalidVersion']);
    const kmsOnSts = await callV1(sts, { Action: 'ListKeys' }, { method: 'POST' });
    expect([kmsOnSts.status, json(kmsOnSts).Code]).toEqual([400, 'InvalidVersion']);
    const unknownAction = await callSts({ Action: 'GetCallerIdentity' });
    expect([unknownAction.status, json(unknownAction).Code]).toEqual([
      404,
      'InvalidAction.NotFound',
    ]);
    const admin = await httpRequest(sts, { method: 'POST', path: '/__emulator/faults' });
    expect([admin.status, json(admin).Code]).toEqual([404, 'InvalidAction.NotFound']);
  });

  it('takes faults too, scoped by the AccessKey that signs AssumeRole', async () => {
    emulator.injectFault({ kind: 'status', status: 503 }, { accessKeyId: GATEWAY.id, times: 1 });
    const failed = await callSts({ RoleArn: ROLE, RoleSessionName: 'x1' });
    expectStsError(failed, 503, 'ServiceUnavailableTemporary', 'Service Unavailable Temporary.');
    expect((await callSts({ RoleArn: ROLE, RoleSessionName: 'x1' })).status).toBe(200);
  });
});

describe('STS configuration', () => {
  it('comes from the config file, checked field by field', () => {
    const options = parseEmulatorConfig({
      accessKeys: [GATEWAY],
      sts: {
        port: 3002,
        minDurationSeconds: 5,
        hostId: 'sts.cn-hangzhou.aliyuncs.com',
        roles: [{ arn: ROLE, accessKeyIds: [GATEWAY.id], maxSessionDuration: 7200 }],
      },
    });
    expect(options.sts).toEqual({
      port: 3002,
      minDurationSeconds: 5,
      hostId: 'sts.cn-hangzhou.aliyuncs.com',
      roles: [{ arn: ROLE, accessKeyIds: [GATEWAY.id], maxSessionDuration: 7200 }],
    });
    const bad: [unknown, RegExp][] = [
      [{ roles: [{ arn: 'role/x', accessKeyIds: [] }] }, /sts\.roles\[0\]\.arn must be acs:ram::/],
      [{ roles: [{ arn: ROLE }] }, /sts\.roles\[0\]\.accessKeyIds must be an array/],
      [{ roles: [{ arn: ROLE, accessKeyIds: [''] }] }, /sts\.roles\[0\]\.accessKeyIds\[0\]/],
      [{ roles: [], minDurationSeconds: 901 }, /sts\.minDurationSeconds must be an integer/],
      [
        { roles: [{ arn: ROLE, accessKeyIds: [], maxSessionDuration: 60 }] },
        /sts\.roles\[0\]\.maxSessionDuration/,
      ],
      [{ roles: [], trust: true }, /sts\.trust is not a known field/],
    ];
    for (const [sts, problem] of bad) {
      expect(() => parseEmulatorConfig({ sts })).toThrow(problem);
    }
  });

  it('refuses a role naming an AccessKey the emulator does not have', async () => {
    await expect(
      startEmulator({
        accessKeys: [GATEWAY],
        sts: { roles: [{ arn: ROLE, accessKeyIds: ['LTAI5tTypo'] }] },
      }),
    ).rejects.toThrow(/sts\.roles\[0\]\.accessKeyIds\[0\] names no AccessKey: LTAI5tTypo/);
  });

  it('has no STS listener unless asked', async () => {
    const plain = await startEmulator({ accessKeys: [GATEWAY] });
    expect(plain.sts).toBeUndefined();
    await plain.close();
  });
});

it('Expiration uses the emulator clock', async () => {
  // Inside the 15-minute window the signatures' real-time timestamps must stay in.
  skew = 600_000;
  const answer = await assumeRole({ DurationSeconds: '900' });
  const expected = alibabaTimestamp(Date.now() + skew + 900_000);
  expect(Math.abs(Date.parse(answer.Credentials.Expiration) - Date.parse(expected))).toBeLessThan(
    5000,
  );
});
