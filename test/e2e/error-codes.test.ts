/**
 * Every error code the emulator can honestly produce, caused for real and carried through the
 * gateway (serverless-offline, passthrough mode, so the caller controls the signature) to the
 * caller as the documented envelope, in JSON and XML.
 */
import { createPublicKey, publicEncrypt, randomBytes, constants as rsa } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalQuery } from '../../src/protocol/percent-encode.js';
import { API_VERSION } from '../../src/protocol/rpc.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { envelopeOf } from './gateway-suite.js';
import {
  ACCESS_KEY,
  type CallOptions,
  caller,
  HOST_ID,
  type Stack,
  send,
  startStack,
  waitForLog,
} from './stack.js';

const DISABLED = { id: 'LTAI5tDisabledKey001', secret: 'disabled-secret-0123' };
const LIMITED = { id: 'LTAI5tLimitedKey0001', secret: 'limited-secret-01234' };
const THROTTLED = { id: 'LTAI5tThrottledKey01', secret: 'throttled-secret-012' };
const KEY_QUOTA = 4;

let stack: Stack;
/** The emulator's clock runs this far ahead of real time (for token expiry). */
let skewMs = 0;
const kms = caller(() => stack, true);

beforeAll(async () => {
  stack = await startStack({
    env: { KMS_MODE: 'passthrough' },
    emulator: {
      accessKeys: [
        ACCESS_KEY,
        { ...DISABLED, enabled: false },
        { ...LIMITED, allowedActions: ['ListKeys'] },
        { ...THROTTLED, requestsPerSecond: 1 },
      ],
      quotas: { keys: KEY_QUOTA },
      now: () => Date.now() + skewMs,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  skewMs = 0;
  stack.emulator.state.reset();
});

const signedBy = (accessKey: { id: string; secret: string }): CallOptions => ({
  signing: { accessKey },
});

async function expectEnvelope(response: Response, status: number, code: string, message?: string) {
  const envelope = await envelopeOf(response);
  expect(envelope).toMatchObject({ HttpStatus: status, Code: code });
  if (message !== undefined) expect(envelope.Message).toBe(message);
  expect(envelope.RequestId).toBe(stack.emulator.requests.at(-1)?.requestId);
  expect(envelope.HostId).toBe(HOST_ID);
}

async function importParameters(keyId: string) {
  const response = await kms.call({
    Action: 'GetParametersForImport',
    KeyId: keyId,
    WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048',
  });
  expect(response.status).toBe(200);
  const { PublicKey, ImportToken } = (await response.json()) as Record<string, string>;
  const key = createPublicKey({
    key: Buffer.from(PublicKey as string, 'base64'),
    format: 'der',
    type: 'spki',
  });
  const wrap = (material: Buffer) =>
    publicEncrypt(
      { key, padding: rsa.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      material,
    ).toString('base64');
  return { ImportToken: ImportToken as string, wrap };
}

type Case = [
  code: string,
  status: number,
  cause: (format: string) => Promise<Response>,
  message?: string,
];

const cases: Case[] = [
  [
    'Rejected.Disabled',
    409,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      stack.emulator.state.setKeyState(key.KeyId, 'Disabled');
      return kms.call({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'eA==', Format });
    },
    'The request was rejected because the key state is Disabled.',
  ],
  [
    'Rejetced.PendingDeletion',
    409,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      stack.emulator.state.setKeyState(key.KeyId, 'PendingDeletion');
      return kms.call({ Action: 'GenerateDataKey', KeyId: key.KeyId, Format });
    },
    'The request was rejected because the key state is PendingDeletion.',
  ],
  [
    'Rejected.PendingImport',
    409,
    async (Format) => {
      const key = stack.emulator.state.createKey({ origin: 'EXTERNAL' });
      return kms.call({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'eA==', Format });
    },
    'The request was rejected because the key state is PendingImport.',
  ],
  [
    'Rejected.StateModifiedFailed',
    409,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      stack.emulator.state.setKeyState(key.KeyId, 'PendingDeletion');
      return kms.call({ Action: 'EnableKey', KeyId: key.KeyId, Format });
    },
    'Keystate modified failed.',
  ],
  [
    'AliasAlreadyExists',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      stack.emulator.state.createAlias('alias/taken', key.KeyId);
      return kms.call({
        Action: 'CreateAlias',
        KeyId: key.KeyId,
        AliasName: 'alias/taken',
        Format,
      });
    },
    'AliasName Already Exists.',
  ],
  [
    'Unsupported.Alias',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      return kms.call({ Action: 'CreateAlias', KeyId: key.KeyId, AliasName: 'no-prefix', Format });
    },
    'Alias is not valid for this api.',
  ],
  [
    'Unsupported.Origin',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey();
      return kms.call({
        Action: 'GetParametersForImport',
        KeyId: key.KeyId,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
        Format,
      });
    },
    'This key origin is not valid for this api.',
  ],
  [
    'InvalidImportToken',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey({ origin: 'EXTERNAL' });
      const { wrap } = await importParameters(key.KeyId);
      return kms.call({
        Action: 'ImportKeyMaterial',
        KeyId: key.KeyId,
        ImportToken: 'not-a-token',
        EncryptedKeyMaterial: wrap(randomBytes(32)),
        KeyMaterialExpireUnix: '0',
        Format,
      });
    },
    'import token is invalid.',
  ],
  [
    'ExpiredImportToken',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey({ origin: 'EXTERNAL' });
      const { ImportToken, wrap } = await importParameters(key.KeyId);
      // A day and more later by the emulator's clock; the caller signs by that clock too.
      skewMs = 25 * 3_600_000;
      return kms.call(
        {
          Action: 'ImportKeyMaterial',
          KeyId: key.KeyId,
          ImportToken,
          EncryptedKeyMaterial: wrap(randomBytes(32)),
          KeyMaterialExpireUnix: '0',
          Format,
        },
        { signing: { timestamp: new Date(Date.now() + skewMs) } },
      );
    },
    'import token is expired.',
  ],
  [
    'InvalidKeyMaterial',
    400,
    async (Format) => {
      const key = stack.emulator.state.createKey({ origin: 'EXTERNAL' });
      const { ImportToken, wrap } = await importParameters(key.KeyId);
      return kms.call({
        Action: 'ImportKeyMaterial',
        KeyId: key.KeyId,
        ImportToken,
        EncryptedKeyMaterial: wrap(randomBytes(16)),
        KeyMaterialExpireUnix: '0',
        Format,
      });
    },
    'key material is invalid.',
  ],
  [
    'Rejected.LimitExceeded',
    400,
    async (Format) => {
      for (let i = 0; i < KEY_QUOTA; i++) stack.emulator.state.createKey();
      return kms.call({ Action: 'CreateKey', Format });
    },
    'The request was rejected because user create resource limit was exceeded.',
  ],
  [
    'Forbidden.AccessKey',
    403,
    (Format) => kms.call({ Action: 'ListKeys', Format }, signedBy(DISABLED)),
    'This AccessKey is not enabled.',
  ],
  [
    'Forbidden.NoPermission',
    403,
    (Format) => kms.call({ Action: 'CreateKey', Format }, signedBy(LIMITED)),
    'This operation is forbidden by permission system.',
  ],
  [
    'IncompleteSignature',
    400,
    (Format) => kms.call({ Action: 'ListKeys', Format }, { signing: { tamper: true } }),
    'The request signature does not conform to Alibaba Cloud standards.',
  ],
  [
    'IllegalTimestamp',
    400,
    (Format) =>
      kms.call(
        { Action: 'ListKeys', Format },
        { signing: { timestamp: new Date(Date.now() - 3_600_000) } },
      ),
  ],
  [
    'InvalidAccessKeyId.NotFound',
    404,
    (Format) =>
      kms.call(
        { Action: 'ListKeys', Format },
        signedBy({ id: 'LTAI5tNoSuchKey00001', secret: 's' }),
      ),
    'The AccessKey ID provided does not exist in our records.',
  ],
  [
    'MissingParameter',
    400,
    (Format) => {
      // The caller forgets a common parameter; only the KMS gateway can notice.
      const signed = signV1(
        { Action: 'ListKeys', Version: API_VERSION, Format },
        { accessKeyId: ACCESS_KEY.id, accessKeySecret: ACCESS_KEY.secret },
        { method: 'POST', nonce: 'n', timestamp: alibabaTimestamp(new Date()) },
      );
      const { SignatureNonce: _dropped, ...rest } = signed;
      return send(stack, canonicalQuery(rest));
    },
    'The parameter "SignatureNonce" is needed but not provided.',
  ],
  [
    'InvalidParameter',
    400,
    (Format) => kms.call({ Action: 'ListKeys', PageSize: '1000', Format }),
    'The specified parameter "PageSize" is not valid.',
  ],
  [
    'SignatureNonceUsed',
    400,
    async (Format) => {
      const encoded = kms.encode({ Action: 'ListKeys', Format });
      expect((await send(stack, encoded)).status).toBe(200);
      return send(stack, encoded);
    },
    'Specified signature nonce was used already.',
  ],
  [
    'Throttling',
    400,
    async (Format) => {
      let response = await kms.call({ Action: 'ListKeys', Format }, signedBy(THROTTLED));
      for (let i = 0; i < 5 && response.status === 200; i++) {
        await response.arrayBuffer();
        response = await kms.call({ Action: 'ListKeys', Format }, signedBy(THROTTLED));
      }
      return response;
    },
    'Request was denied due to request throttling.',
  ],
];

it("a RAM denial's AccessDeniedDetail reaches the log line, not the caller", async () => {
  const response = await kms.call({ Action: 'CreateKey' }, signedBy(LIMITED));
  const envelope = await envelopeOf(response);
  const [line] = await waitForLog(
    stack,
    (l) => (l.envelope as { RequestId?: string } | undefined)?.RequestId === envelope.RequestId,
  );
  expect(line?.upstream).toMatchObject({
    code: 'Forbidden.NoPermission',
    access_denied_detail: expect.stringContaining('"AuthAction":"kms:CreateKey"'),
  });
});

describe.each(['JSON', 'XML'])('error codes through the gateway (%s)', (format) => {
  it.each(cases)('%s → %i', async (code, status, cause, message) => {
    const response = await cause(format);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe(
      format === 'JSON' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8',
    );
    await expectEnvelope(response, status, code, message);
  });

  it('UnsupportedHTTPMethod → 403 (answered by the gateway, which never forwards other methods)', async () => {
    const response = await send(stack, kms.encode({ Action: 'ListKeys', Format: format }), {
      method: 'PUT',
    });
    expect(response.status).toBe(403);
    expect(await envelopeOf(response)).toMatchObject({ Code: 'UnsupportedHTTPMethod' });
  });
});
