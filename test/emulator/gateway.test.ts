import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { signatureV1 } from '../../src/protocol/sign-v1.js';
import { canonicalRequestV3, signatureV3, signedHeaderNames } from '../../src/protocol/sign-v3.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import {
  ACCESS_KEYS,
  callV1,
  callV3,
  DISABLED,
  encodeForm,
  expectGatewayError,
  HOST_ID,
  httpRequest,
  JSON_TYPE,
  json,
  MAIN,
  OTHER,
  STS,
  UPPER_UUID,
  XML_TYPE,
} from './helpers.js';

const MINUTE = 60_000;

const INCOMPLETE = 'The request signature does not conform to Alibaba Cloud standards.';
const ILLEGAL_TIMESTAMP =
  'The input parameter "Timestamp" that is required for processing this request is not supplied.';

let clock = Date.parse('2025-06-01T12:00:00Z');
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: ACCESS_KEYS, now: () => clock });
});
afterAll(() => emulator.close());
beforeEach(() => {
  clock = Date.parse('2025-06-01T12:00:00Z');
});

const stamp = (offsetMs = 0) => alibabaTimestamp(new Date(clock + offsetMs));

describe('signature V1', () => {
  it('accepts a GET with every parameter in the query', async () => {
    const result = await callV1(emulator, { Action: 'ListKeys' }, { timestamp: stamp() });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(JSON_TYPE);
    const body = json(result);
    expect(body.RequestId).toMatch(UPPER_UUID);
    expect(result.headers['x-acs-request-id']).toBe(body.RequestId);
    expect(emulator.requests.at(-1)).toEqual({
      action: 'ListKeys',
      accessKeyId: MAIN.accessKeyId,
      status: 200,
      signatureVersion: 'v1',
      requestId: body.RequestId,
    });
  });

  it('accepts a POST with every parameter in a form body', async () => {
    const result = await callV1(
      emulator,
      { Action: 'CreateKey', Description: "a b+c*d~e/f:g!h'i(j)k 中" },
      { method: 'POST', timestamp: stamp() },
    );
    expect(result.status).toBe(200);
    expect((json(result).KeyMetadata as Record<string, string>).Description).toBe(
      "a b+c*d~e/f:g!h'i(j)k 中",
    );
  });

  it('accepts a POST with common parameters in the query and business ones in the body', async () => {
    const result = await callV1(
      emulator,
      { Action: 'CreateKey', Description: 'split & signed' },
      {
        method: 'POST',
        timestamp: stamp(),
        inQuery: ['AccessKeyId', 'Action', 'Signature', 'SignatureNonce', 'Timestamp'],
      },
    );
    expect(result.status).toBe(200);
    expect((json(result).KeyMetadata as Record<string, string>).Description).toBe('split & signed');
  });

  it('accepts an STS key with its SecurityToken and refuses it without', async () => {
    const good = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: STS, timestamp: stamp() },
    );
    expect(good.status).toBe(200);
    const missing = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: { ...STS, securityToken: undefined }, timestamp: stamp() },
    );
    expectGatewayError(
      missing,
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    );
  });

  it('answers a changed parameter or signature with IncompleteSignature', async () => {
    const changed = await callV1(
      emulator,
      { Action: 'CreateKey', Description: 'signed' },
      {
        timestamp: stamp(),
        after: (signed) => {
          signed.Description = 'tampered';
        },
      },
    );
    expectGatewayError(changed, 400, 'IncompleteSignature', INCOMPLETE);
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
    expectGatewayError(forged, 400, 'IncompleteSignature', INCOMPLETE);
  });

  it('refuses a signature made with another secret', async () => {
    const result = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: { ...MAIN, accessKeySecret: 'wrong' }, timestamp: stamp() },
    );
    expectGatewayError(result, 400, 'IncompleteSignature', INCOMPLETE);
  });

  it('refuses a SignatureMethod other than HMAC-SHA1, even correctly signed', async () => {
    const result = await callV1(
      emulator,
      { Action: 'ListKeys' },
      {
        timestamp: stamp(),
        after: (signed) => {
          signed.SignatureMethod = 'HMAC-SHA256';
          signed.Signature = signatureV1('GET', signed, MAIN.accessKeySecret);
        },
      },
    );
    expectGatewayError(result, 400, 'IncompleteSignature', INCOMPLETE);
  });
});

describe('signature V3', () => {
  it('accepts a POST with the parameters in the query', async () => {
    const result = await callV3(
      emulator,
      { Description: 'v3 key' },
      { action: 'CreateKey', date: stamp() },
    );
    expect(result.status).toBe(200);
    const body = json(result);
    expect((body.KeyMetadata as Record<string, string>).Description).toBe('v3 key');
    expect(emulator.requests.at(-1)).toEqual({
      action: 'CreateKey',
      accessKeyId: MAIN.accessKeyId,
      status: 200,
      signatureVersion: 'v3',
      requestId: body.RequestId,
    });
  });

  it('accepts a GET and a form body covered by x-acs-content-sha256', async () => {
    const get = await callV3(emulator, {}, { action: 'ListKeys', method: 'GET', date: stamp() });
    expect(get.status).toBe(200);
    const form = await callV3(
      emulator,
      {},
      {
        action: 'CreateKey',
        date: stamp(),
        body: encodeForm({ Description: 'from the body' }),
        contentType: 'application/x-www-form-urlencoded',
      },
    );
    expect(form.status).toBe(200);
    expect((json(form).KeyMetadata as Record<string, string>).Description).toBe('from the body');
  });

  it('accepts STS credentials in x-acs-accesskey-id and x-acs-security-token', async () => {
    const result = await callV3(
      emulator,
      {},
      { action: 'ListKeys', credentials: STS, date: stamp() },
    );
    expect(result.status).toBe(200);
    expect(emulator.requests.at(-1)?.accessKeyId).toBe(STS.accessKeyId);
  });

  it('refuses an STS key with the wrong or no token', async () => {
    const wrong = await callV3(
      emulator,
      {},
      { action: 'ListKeys', credentials: { ...STS, securityToken: 'other' }, date: stamp() },
    );
    expectGatewayError(
      wrong,
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      'Specified SecurityToken mismatch with the AccessKey.',
    );
    const none = await callV3(
      emulator,
      {},
      { action: 'ListKeys', credentials: { ...STS, securityToken: undefined }, date: stamp() },
    );
    expect(none.status).toBe(400);
    expect(json(none).Code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
  });

  it('honours Format=XML in the query', async () => {
    const result = await callV3(emulator, { Format: 'XML' }, { action: 'ListKeys', date: stamp() });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe(XML_TYPE);
    expect(result.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><ListKeysResponse>/);
  });

  it('refuses a wrong signature, a changed query and a body that does not match its hash', async () => {
    const forged = await callV3(
      emulator,
      {},
      {
        action: 'ListKeys',
        date: stamp(),
        after: (headers) => {
          headers.authorization = (headers.authorization as string).replace(
            /Signature=[0-9a-f]+$/,
            `Signature=${'0'.repeat(64)}`,
          );
        },
      },
    );
    expectGatewayError(forged, 400, 'IncompleteSignature', INCOMPLETE);

    const swapped = await callV3(
      emulator,
      { PageSize: '5' },
      {
        action: 'ListKeys',
        date: stamp(),
        after: (headers) => {
          headers['x-acs-action'] = 'CreateKey';
        },
      },
    );
    expectGatewayError(swapped, 400, 'IncompleteSignature', INCOMPLETE);

    // Signed as an empty body, sent with one: only x-acs-content-sha256 can tell.
    const body = await callV3(
      emulator,
      {},
      {
        action: 'ListKeys',
        date: stamp(),
        contentType: 'application/x-www-form-urlencoded',
        sentBody: 'PageSize=5',
      },
    );
    expectGatewayError(body, 400, 'IncompleteSignature', INCOMPLETE);
  });

  it('refuses a valid signature that leaves a common x-acs header unsigned', async () => {
    const result = await callV3(
      emulator,
      {},
      {
        action: 'ListKeys',
        date: stamp(),
        after: (headers) => {
          const names = signedHeaderNames(headers).filter((n) => n !== 'x-acs-signature-nonce');
          const signature = signatureV3(
            canonicalRequestV3({ method: 'POST', query: {}, headers }, names),
            MAIN.accessKeySecret,
          );
          headers.authorization = `ACS3-HMAC-SHA256 Credential=${MAIN.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`;
        },
      },
    );
    expectGatewayError(result, 400, 'IncompleteSignature', INCOMPLETE);
  });

  it('names a missing V3 header, and checks x-acs-version and x-acs-date', async () => {
    const missing = await callV3(
      emulator,
      {},
      {
        action: 'ListKeys',
        date: stamp(),
        after: (headers) => {
          delete headers['x-acs-signature-nonce'];
        },
      },
    );
    expectGatewayError(
      missing,
      400,
      'MissingParameter',
      'The parameter "x-acs-signature-nonce" is needed but not provided.',
    );
    const version = await callV3(
      emulator,
      {},
      { action: 'ListKeys', version: '2014-05-26', date: stamp() },
    );
    expectGatewayError(version, 400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    const expired = await callV3(emulator, {}, { action: 'ListKeys', date: stamp(-16 * MINUTE) });
    expectGatewayError(expired, 400, 'IllegalTimestamp', ILLEGAL_TIMESTAMP);
  });

  it('refuses a reused V3 nonce', async () => {
    const nonce = randomUUID();
    expect((await callV3(emulator, {}, { action: 'ListKeys', nonce, date: stamp() })).status).toBe(
      200,
    );
    const again = await callV3(emulator, {}, { action: 'ListKeys', nonce, date: stamp() });
    expectGatewayError(
      again,
      400,
      'SignatureNonceUsed',
      'Specified signature nonce was used already.',
    );
  });
});

describe('gateway errors', () => {
  it('refuses timestamps more than 15 minutes from the clock, either way', async () => {
    const past = await callV1(emulator, { Action: 'ListKeys' }, { timestamp: stamp(-16 * MINUTE) });
    expectGatewayError(past, 400, 'IllegalTimestamp', ILLEGAL_TIMESTAMP);
    const future = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { timestamp: stamp(16 * MINUTE) },
    );
    expectGatewayError(future, 400, 'IllegalTimestamp', ILLEGAL_TIMESTAMP);
    const edge = await callV1(emulator, { Action: 'ListKeys' }, { timestamp: stamp(-14 * MINUTE) });
    expect(edge.status).toBe(200);
  });

  it('refuses a timestamp that is not YYYY-MM-DDTHH:mm:ssZ or not a real date', async () => {
    for (const timestamp of [
      '2025-06-01 12:00:00',
      '2025-06-01T12:00:00.000Z',
      '2025-02-31T12:00:00Z',
    ]) {
      const result = await callV1(emulator, { Action: 'ListKeys' }, { timestamp });
      expectGatewayError(result, 400, 'IllegalTimestamp', ILLEGAL_TIMESTAMP);
    }
  });

  it('refuses a reused nonce from the same AccessKey for 15 minutes', async () => {
    const nonce = randomUUID();
    const first = await callV1(emulator, { Action: 'ListKeys' }, { nonce, timestamp: stamp() });
    expect(first.status).toBe(200);
    const again = await callV1(emulator, { Action: 'ListKeys' }, { nonce, timestamp: stamp() });
    expectGatewayError(
      again,
      400,
      'SignatureNonceUsed',
      'Specified signature nonce was used already.',
    );
    const otherKey = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { nonce, credentials: OTHER, timestamp: stamp() },
    );
    expect(otherKey.status).toBe(200);
    clock += 16 * MINUTE;
    const later = await callV1(emulator, { Action: 'ListKeys' }, { nonce, timestamp: stamp() });
    expect(later.status).toBe(200);
  });

  it('does not burn a nonce on a request whose signature fails', async () => {
    const nonce = randomUUID();
    const bad = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { nonce, credentials: { ...MAIN, accessKeySecret: 'wrong' }, timestamp: stamp() },
    );
    expect(json(bad).Code).toBe('IncompleteSignature');
    const good = await callV1(emulator, { Action: 'ListKeys' }, { nonce, timestamp: stamp() });
    expect(good.status).toBe(200);
  });

  it('answers an unknown AccessKey with 404 and a disabled one with 403', async () => {
    const unknown = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' }, timestamp: stamp() },
    );
    expectGatewayError(
      unknown,
      404,
      'InvalidAccessKeyId.NotFound',
      'The AccessKey ID provided does not exist in our records.',
    );
    const disabled = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: DISABLED, timestamp: stamp() },
    );
    expectGatewayError(disabled, 403, 'Forbidden.AccessKey', 'This AccessKey is not enabled.');
  });

  it('answers methods other than GET and POST with UnsupportedHTTPMethod', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const result = await httpRequest(emulator, { method, path: '/?Action=ListKeys' });
      expectGatewayError(
        result,
        403,
        'UnsupportedHTTPMethod',
        'This http method is not supported.',
      );
    }
  });

  it('answers an action it does not implement, or another path, with InvalidAction.NotFound', async () => {
    const message = 'Specified api is not found, please check your url and method.';
    const action = await callV1(emulator, { Action: 'DescribeRegionz' }, { timestamp: stamp() });
    expectGatewayError(action, 404, 'InvalidAction.NotFound', message);
    expect(emulator.requests.at(-1)).toMatchObject({ action: 'DescribeRegionz', status: 404 });
    const path = await httpRequest(emulator, { path: '/v1/keys' });
    expectGatewayError(path, 404, 'InvalidAction.NotFound', message);
  });

  it('names the first missing common parameter', async () => {
    const nothing = await httpRequest(emulator, { path: '/' });
    expectGatewayError(
      nothing,
      400,
      'MissingParameter',
      'The parameter "AccessKeyId" is needed but not provided.',
    );
    const noNonce = await callV1(
      emulator,
      { Action: 'ListKeys' },
      {
        timestamp: stamp(),
        after: (signed) => {
          delete signed.SignatureNonce;
        },
      },
    );
    expectGatewayError(
      noNonce,
      400,
      'MissingParameter',
      'The parameter "SignatureNonce" is needed but not provided.',
    );
  });

  it('refuses another API version', async () => {
    const result = await callV1(
      emulator,
      { Action: 'ListKeys', Version: '2014-05-26' },
      { timestamp: stamp() },
    );
    expectGatewayError(result, 400, 'InvalidVersion', 'Specified parameter Version is not valid.');
  });

  it('checks in the gateway order: timestamp before AccessKey, AccessKey before signature', async () => {
    const both = await callV1(
      emulator,
      { Action: 'ListKeys' },
      {
        credentials: { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' },
        timestamp: stamp(-20 * MINUTE),
      },
    );
    expect(json(both).Code).toBe('IllegalTimestamp');
    const disabledForged = await callV1(
      emulator,
      { Action: 'ListKeys' },
      { credentials: { ...DISABLED, accessKeySecret: 'wrong' }, timestamp: stamp() },
    );
    expect(json(disabledForged).Code).toBe('Forbidden.AccessKey');
    const forgedUnknownAction = await callV1(
      emulator,
      { Action: 'Nope' },
      { credentials: { ...MAIN, accessKeySecret: 'wrong' }, timestamp: stamp() },
    );
    expect(json(forgedUnknownAction).Code).toBe('IncompleteSignature');
  });

  it('writes the gateway shape as <Error> XML when Format=xml', async () => {
    const result = await callV1(
      emulator,
      { Action: 'ListKeys', Format: 'xml' },
      {
        timestamp: stamp(),
        after: (signed) => {
          signed.Signature = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
        },
      },
    );
    expect(result.status).toBe(400);
    expect(result.headers['content-type']).toBe(XML_TYPE);
    const id = result.headers['x-acs-request-id'] as string;
    expect(id).toMatch(UPPER_UUID);
    expect(result.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>${id}</RequestId><HostId>${HOST_ID}</HostId><Code>IncompleteSignature</Code><Message>${INCOMPLETE}</Message><Recommend>https://api.aliyun.com/troubleshoot?q=IncompleteSignature&amp;product=Kms&amp;requestId=${id}</Recommend></Error>`,
    );
  });
});

describe('options', () => {
  it('puts a configured HostId and region into answers', async () => {
    const custom = await startEmulator({
      accessKeys: ACCESS_KEYS,
      region: 'eu-central-1',
      accountId: '999',
    });
    try {
      const missing = await httpRequest(custom, { path: '/' });
      expect(json(missing).HostId).toBe('kms.eu-central-1.aliyuncs.com');
      const created = await callV1(custom, { Action: 'CreateKey' });
      const metadata = json(created).KeyMetadata as Record<string, string>;
      expect(metadata.Arn).toBe(`acs:kms:eu-central-1:999:key/${metadata.KeyId}`);
    } finally {
      await custom.close();
    }
    const hosted = await startEmulator({ accessKeys: ACCESS_KEYS, hostId: 'kms-test.example' });
    try {
      expect(json(await httpRequest(hosted, { path: '/' })).HostId).toBe('kms-test.example');
    } finally {
      await hosted.close();
    }
  });

  it('listens on 127.0.0.1 on the port the OS chose', () => {
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
  });
});
