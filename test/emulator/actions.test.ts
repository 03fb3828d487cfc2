import { createDecipheriv } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { ACCESS_KEYS, callV1, expectKmsError, HOST_ID, ok, UUID, XML_TYPE } from './helpers.js';

const ACCOUNT = '1234567890123456';
const START = Date.parse('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

let clock = START;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: ACCESS_KEYS, now: () => clock });
});
afterAll(() => emulator.close());
beforeEach(() => {
  clock = START;
  emulator.state.reset();
});

/** A V1 call signed at the emulator's clock. */
const call = (params: Record<string, string>) =>
  callV1(emulator, params, { timestamp: alibabaTimestamp(new Date(clock)) });
const succeed = (params: Record<string, string>) =>
  ok(emulator, params, { timestamp: alibabaTimestamp(new Date(clock)) });

const invalid = (name: string) => `The specified parameter "${name}" is not valid.`;
const missing = (name: string) => `The parameter "${name}" is needed but not provided.`;
const INVALID_CIPHERTEXT = 'The specified Ciphertext is not valid.';

describe('CreateKey and DescribeKey', () => {
  it('creates a key with the documented metadata', async () => {
    const body = await succeed({ Action: 'CreateKey', Description: 'orders' });
    const metadata = body.KeyMetadata as Record<string, string>;
    expect(metadata.KeyId).toMatch(UUID);
    expect(metadata.PrimaryKeyVersion).toMatch(UUID);
    expect(metadata).toEqual({
      KeyId: metadata.KeyId,
      Arn: `acs:kms:cn-hangzhou:${ACCOUNT}:key/${metadata.KeyId}`,
      KeyState: 'Enabled',
      KeySpec: 'Aliyun_AES_256',
      KeyUsage: 'ENCRYPT/DECRYPT',
      Origin: 'Aliyun_KMS',
      ProtectionLevel: 'SOFTWARE',
      Creator: ACCOUNT,
      CreationDate: '2025-06-01T12:00:00Z',
      Description: 'orders',
      PrimaryKeyVersion: metadata.PrimaryKeyVersion,
      DeleteDate: '',
      MaterialExpireTime: '',
      AutomaticRotation: 'Disabled',
      RotationInterval: '',
      LastRotationDate: '2025-06-01T12:00:00Z',
      NextRotationDate: '',
      DKMSInstanceId: '',
    });
    expect(Object.keys(body)).toEqual(['KeyMetadata', 'RequestId']);
  });

  it('refuses a key spec, usage or origin it cannot emulate', async () => {
    expectKmsError(
      await call({ Action: 'CreateKey', KeySpec: 'RSA_3072' }),
      400,
      'InvalidParameter',
      invalid('KeySpec'),
    );
    expectKmsError(
      await call({ Action: 'CreateKey', KeyUsage: 'SIGN/VERIFY' }),
      400,
      'InvalidParameter',
      invalid('KeyUsage'),
    );
    expectKmsError(
      await call({ Action: 'CreateKey', Origin: 'EXTERNAL', KeySpec: 'RSA_2048' }),
      400,
      'InvalidParameter',
      invalid('Origin'),
    );
    expect(emulator.state.keys).toHaveLength(0);
  });

  it('describes a key by id, alias, key ARN and alias ARN', async () => {
    const key = emulator.state.createKey({ description: 'described' });
    emulator.state.createAlias('alias/orders', key.KeyId);
    for (const KeyId of [
      key.KeyId,
      'alias/orders',
      key.Arn,
      `acs:kms:cn-hangzhou:${ACCOUNT}:alias/orders`,
    ]) {
      const body = await succeed({ Action: 'DescribeKey', KeyId });
      expect(body.KeyMetadata).toEqual({
        ...key,
        DeletionProtection: 'Disabled',
        DeletionProtectionDescription: '',
      });
    }
  });

  it('answers unknown keys and aliases with 404 in the KMS shape', async () => {
    emulator.state.createKey();
    expectKmsError(
      await call({ Action: 'DescribeKey', KeyId: 'no-such-key' }),
      404,
      'Forbidden.KeyNotFound',
      'The specified Key is not found.',
    );
    expectKmsError(
      await call({ Action: 'DescribeKey', KeyId: 'alias/missing' }),
      404,
      'Forbidden.AliasNotFound',
      'The specified Alias is not found.',
    );
    const key = emulator.state.createKey();
    expectKmsError(
      await call({ Action: 'DescribeKey', KeyId: key.Arn.replace('cn-hangzhou', 'cn-beijing') }),
      404,
      'Forbidden.KeyNotFound',
      'The specified Key is not found.',
    );
    expectKmsError(
      await call({ Action: 'DescribeKey' }),
      400,
      'MissingParameter',
      missing('KeyId'),
    );
  });

  it('writes the KMS error shape as <KMS> XML', async () => {
    const result = await call({ Action: 'DescribeKey', KeyId: 'nope', Format: 'XML' });
    expect(result.status).toBe(404);
    expect(result.headers['content-type']).toBe(XML_TYPE);
    const id = result.headers['x-acs-request-id'] as string;
    expect(result.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><KMS><HttpStatus>404</HttpStatus><Code>Forbidden.KeyNotFound</Code><Message>The specified Key is not found.</Message><RequestId>${id}</RequestId><HostId>${HOST_ID}</HostId></KMS>`,
    );
  });
});

describe('ListKeys', () => {
  it('answers no keys with an empty array and an empty wrapper element', async () => {
    const result = await call({ Action: 'ListKeys' });
    const id = result.headers['x-acs-request-id'] as string;
    expect(result.body).toBe(
      `{"Keys":{"Key":[]},"TotalCount":0,"PageNumber":1,"PageSize":10,"RequestId":"${id}"}`,
    );
    const xml = await call({ Action: 'ListKeys', Format: 'XML' });
    const xmlId = xml.headers['x-acs-request-id'] as string;
    expect(xml.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><ListKeysResponse><Keys></Keys><TotalCount>0</TotalCount><PageNumber>1</PageNumber><PageSize>10</PageSize><RequestId>${xmlId}</RequestId></ListKeysResponse>`,
    );
  });

  it('answers one key as a one-element array and one <Key>', async () => {
    const key = emulator.state.createKey();
    const result = await call({ Action: 'ListKeys' });
    const id = result.headers['x-acs-request-id'] as string;
    expect(result.body).toBe(
      JSON.stringify({
        Keys: { Key: [{ KeyId: key.KeyId, KeyArn: key.Arn }] },
        TotalCount: 1,
        PageNumber: 1,
        PageSize: 10,
        RequestId: id,
      }),
    );
    const xml = await call({ Action: 'ListKeys', Format: 'xml' });
    expect(xml.body).toContain(
      `<Keys><Key><KeyId>${key.KeyId}</KeyId><KeyArn>${key.Arn}</KeyArn></Key></Keys><TotalCount>1</TotalCount>`,
    );
  });

  it('answers three keys in creation order, in JSON and as repeated <Key> elements', async () => {
    const keys = [
      emulator.state.createKey(),
      emulator.state.createKey(),
      emulator.state.createKey(),
    ];
    const body = await succeed({ Action: 'ListKeys' });
    expect(body.Keys).toEqual({ Key: keys.map((k) => ({ KeyId: k.KeyId, KeyArn: k.Arn })) });
    expect(body.TotalCount).toBe(3);
    const xml = await call({ Action: 'ListKeys', Format: 'XML' });
    const items = keys.map((k) => `<Key><KeyId>${k.KeyId}</KeyId><KeyArn>${k.Arn}</KeyArn></Key>`);
    expect(xml.body).toContain(`<Keys>${items.join('')}</Keys><TotalCount>3</TotalCount>`);
  });

  it('pages, and refuses page parameters that are not integers in range', async () => {
    const keys = [
      emulator.state.createKey(),
      emulator.state.createKey(),
      emulator.state.createKey(),
    ];
    const second = await succeed({ Action: 'ListKeys', PageSize: '2', PageNumber: '2' });
    expect(second.Keys).toEqual({ Key: [{ KeyId: keys[2]?.KeyId, KeyArn: keys[2]?.Arn }] });
    expect([second.TotalCount, second.PageNumber, second.PageSize]).toEqual([3, 2, 2]);
    for (const [name, value] of [
      ['PageSize', 'abc'],
      ['PageSize', '101'],
      ['PageSize', '0'],
      ['PageNumber', '0'],
      ['PageNumber', '1.5'],
    ] as const) {
      expectKmsError(
        await call({ Action: 'ListKeys', [name]: value }),
        400,
        'InvalidParameter',
        invalid(name),
      );
    }
  });

  it('uses <KMS> as the XML success root when asked to', async () => {
    const kmsRoot = await startEmulator({ accessKeys: ACCESS_KEYS, xmlRoot: 'KMS' });
    try {
      const result = await callV1(kmsRoot, { Action: 'ListKeys', Format: 'XML' });
      expect(result.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><KMS><Keys><\/Keys>/);
      expect(result.body.endsWith('</KMS>')).toBe(true);
    } finally {
      await kmsRoot.close();
    }
  });
});

describe('Encrypt and Decrypt', () => {
  const CONTEXT = '{"tenant":"t-1","purpose":"orders"}';

  it('round-trips a string with its EncryptionContext, in any key order', async () => {
    const key = emulator.state.createKey();
    const plaintext = 'héllo wörld + * ~ 中文 😀';
    const encrypted = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: plaintext,
      EncryptionContext: CONTEXT,
    });
    expect(Object.keys(encrypted)).toEqual([
      'KeyId',
      'KeyVersionId',
      'CiphertextBlob',
      'RequestId',
    ]);
    expect(encrypted.KeyId).toBe(key.KeyId);
    expect(encrypted.KeyVersionId).toBe(key.PrimaryKeyVersion);
    const decrypted = await succeed({
      Action: 'Decrypt',
      CiphertextBlob: encrypted.CiphertextBlob as string,
      EncryptionContext: '{"purpose":"orders","tenant":"t-1"}',
    });
    expect(decrypted).toEqual({
      KeyId: key.KeyId,
      KeyVersionId: key.PrimaryKeyVersion,
      Plaintext: plaintext,
      RequestId: decrypted.RequestId,
    });
  });

  it('encrypts through an alias and makes a new ciphertext every time', async () => {
    const key = emulator.state.createKey();
    emulator.state.createAlias('alias/app', key.KeyId);
    const a = await succeed({ Action: 'Encrypt', KeyId: 'alias/app', Plaintext: 'same' });
    const b = await succeed({ Action: 'Encrypt', KeyId: 'alias/app', Plaintext: 'same' });
    expect(a.KeyId).toBe(key.KeyId);
    expect(a.CiphertextBlob).not.toBe(b.CiphertextBlob);
  });

  it('can be decrypted independently with node:crypto and the key material', async () => {
    const key = emulator.state.createKey();
    const encrypted = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'independent',
      EncryptionContext: CONTEXT,
    });
    const blob = Buffer.from(encrypted.CiphertextBlob as string, 'base64');
    expect(blob.subarray(0, 36).toString('ascii')).toBe(key.PrimaryKeyVersion);
    const iv = blob.subarray(36, 48);
    const tag = blob.subarray(blob.length - 16);
    const ciphertext = blob.subarray(48, blob.length - 16);
    const material = emulator.state.keyMaterial(key.KeyId);
    expect(material).toHaveLength(32);
    expect(emulator.state.keyMaterial(key.KeyId, key.PrimaryKeyVersion)).toEqual(material);
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(
      Buffer.from(
        JSON.stringify([
          ['purpose', 'orders'],
          ['tenant', 't-1'],
        ]),
      ),
    );
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    expect(plaintext.toString('utf8')).toBe('independent');
  });

  it('answers a tampered, truncated or non-base64 blob with InvalidCiphertext', async () => {
    const key = emulator.state.createKey();
    const { CiphertextBlob } = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'secret',
    });
    const blob = Buffer.from(CiphertextBlob as string, 'base64');
    const flip = (index: number) => {
      const copy = Buffer.from(blob);
      copy[index] = (copy[index] as number) ^ 0x01;
      return copy.toString('base64');
    };
    for (const bad of [
      flip(40), // IV
      flip(50), // ciphertext
      flip(blob.length - 1), // tag
      flip(3), // key version id
      blob.subarray(0, 60).toString('base64'),
      'not base64!',
      'AAAA',
    ]) {
      expectKmsError(
        await call({ Action: 'Decrypt', CiphertextBlob: bad }),
        400,
        'InvalidCiphertext',
        INVALID_CIPHERTEXT,
      );
    }
    expect(
      (await succeed({ Action: 'Decrypt', CiphertextBlob: CiphertextBlob as string })).Plaintext,
    ).toBe('secret');
  });

  it('answers a different or missing EncryptionContext with InvalidCiphertext', async () => {
    const key = emulator.state.createKey();
    const { CiphertextBlob } = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'bound',
      EncryptionContext: CONTEXT,
    });
    for (const context of ['{"tenant":"t-2","purpose":"orders"}', '{"tenant":"t-1"}', undefined]) {
      const params: Record<string, string> = {
        Action: 'Decrypt',
        CiphertextBlob: CiphertextBlob as string,
      };
      if (context !== undefined) params.EncryptionContext = context;
      expectKmsError(await call(params), 400, 'InvalidCiphertext', INVALID_CIPHERTEXT);
    }
  });

  it('names missing and invalid parameters', async () => {
    const key = emulator.state.createKey();
    expectKmsError(
      await call({ Action: 'Encrypt', Plaintext: 'x' }),
      400,
      'MissingParameter',
      missing('KeyId'),
    );
    expectKmsError(
      await call({ Action: 'Encrypt', KeyId: key.KeyId }),
      400,
      'MissingParameter',
      missing('Plaintext'),
    );
    expectKmsError(
      await call({ Action: 'Decrypt' }),
      400,
      'MissingParameter',
      missing('CiphertextBlob'),
    );
    for (const context of ['{not json', '["a"]', '{"a":1}']) {
      expectKmsError(
        await call({
          Action: 'Encrypt',
          KeyId: key.KeyId,
          Plaintext: 'x',
          EncryptionContext: context,
        }),
        400,
        'InvalidParameter',
        invalid('EncryptionContext'),
      );
    }
    expectKmsError(
      await call({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'x'.repeat(6145) }),
      400,
      'InvalidParameter',
      invalid('Plaintext'),
    );
  });
});

describe('GenerateDataKey', () => {
  it('returns a 32-byte key whose blob decrypts to the same base64 text', async () => {
    const key = emulator.state.createKey();
    const generated = await succeed({
      Action: 'GenerateDataKey',
      KeyId: key.KeyId,
      EncryptionContext: '{"file":"a.txt"}',
    });
    expect(generated.KeyId).toBe(key.KeyId);
    expect(generated.KeyVersionId).toBe(key.PrimaryKeyVersion);
    expect(Buffer.from(generated.Plaintext as string, 'base64')).toHaveLength(32);
    const decrypted = await succeed({
      Action: 'Decrypt',
      CiphertextBlob: generated.CiphertextBlob as string,
      EncryptionContext: '{"file":"a.txt"}',
    });
    expect(decrypted.Plaintext).toBe(generated.Plaintext);
  });

  it('sizes the key by NumberOfBytes or KeySpec, and refuses bad values', async () => {
    const key = emulator.state.createKey();
    const size = async (params: Record<string, string>) =>
      Buffer.from(
        (await succeed({ Action: 'GenerateDataKey', KeyId: key.KeyId, ...params }))
          .Plaintext as string,
        'base64',
      ).length;
    expect(await size({ NumberOfBytes: '1' })).toBe(1);
    expect(await size({ NumberOfBytes: '1024' })).toBe(1024);
    expect(await size({ KeySpec: 'AES_128' })).toBe(16);
    expect(await size({ KeySpec: 'AES_256' })).toBe(32);
    for (const value of ['0', '1025', 'abc']) {
      expectKmsError(
        await call({ Action: 'GenerateDataKey', KeyId: key.KeyId, NumberOfBytes: value }),
        400,
        'InvalidParameter',
        invalid('NumberOfBytes'),
      );
    }
    expectKmsError(
      await call({ Action: 'GenerateDataKey', KeyId: key.KeyId, KeySpec: 'AES_512' }),
      400,
      'InvalidParameter',
      invalid('KeySpec'),
    );
  });
});

describe('key states', () => {
  const DISABLED = 'The request was rejected because the key state is Disabled.';
  const PENDING = 'The request was rejected because the key state is PendingDeletion.';
  const STATE_FAILED = 'Keystate modified failed.';

  it('rejects cryptography on Disabled and PendingDeletion keys with 409', async () => {
    const key = emulator.state.createKey();
    const { CiphertextBlob } = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'p',
    });
    const operations: Record<string, string>[] = [
      { Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'p' },
      { Action: 'Decrypt', CiphertextBlob: CiphertextBlob as string },
      { Action: 'GenerateDataKey', KeyId: key.KeyId },
    ];
    emulator.state.setKeyState(key.KeyId, 'Disabled');
    for (const params of operations) {
      expectKmsError(await call(params), 409, 'Rejected.Disabled', DISABLED);
    }
    emulator.state.setKeyState(key.KeyId, 'PendingDeletion');
    for (const params of operations) {
      expectKmsError(await call(params), 409, 'Rejected.PendingDeletion', PENDING);
    }
  });

  it('disables and enables a key', async () => {
    const key = emulator.state.createKey();
    await succeed({ Action: 'DisableKey', KeyId: key.KeyId });
    expect(emulator.state.keys[0]?.KeyState).toBe('Disabled');
    await succeed({ Action: 'DisableKey', KeyId: key.KeyId });
    expect(emulator.state.keys[0]?.KeyState).toBe('Disabled');
    await succeed({ Action: 'EnableKey', KeyId: key.KeyId });
    expect(emulator.state.keys[0]?.KeyState).toBe('Enabled');
  });

  it('schedules deletion, refuses state changes meanwhile, and cancels back to Enabled', async () => {
    const key = emulator.state.createKey();
    await succeed({ Action: 'ScheduleKeyDeletion', KeyId: key.KeyId, PendingWindowInDays: '7' });
    const described = (await succeed({ Action: 'DescribeKey', KeyId: key.KeyId }))
      .KeyMetadata as Record<string, string>;
    expect(described.KeyState).toBe('PendingDeletion');
    expect(described.DeleteDate).toBe(alibabaTimestamp(new Date(START + 7 * DAY)));
    for (const Action of ['EnableKey', 'DisableKey']) {
      expectKmsError(
        await call({ Action, KeyId: key.KeyId }),
        409,
        'Rejected.StateModifiedFailed',
        STATE_FAILED,
      );
    }
    expectKmsError(
      await call({ Action: 'ScheduleKeyDeletion', KeyId: key.KeyId, PendingWindowInDays: '30' }),
      409,
      'Rejected.StateModifiedFailed',
      STATE_FAILED,
    );
    await succeed({ Action: 'CancelKeyDeletion', KeyId: key.KeyId });
    const after = (await succeed({ Action: 'DescribeKey', KeyId: key.KeyId }))
      .KeyMetadata as Record<string, string>;
    expect([after.KeyState, after.DeleteDate]).toEqual(['Enabled', '']);
  });

  it('refuses CancelKeyDeletion on a key that is not pending deletion', async () => {
    const key = emulator.state.createKey();
    expectKmsError(
      await call({ Action: 'CancelKeyDeletion', KeyId: key.KeyId }),
      409,
      'Rejected.StateModifiedFailed',
      STATE_FAILED,
    );
    emulator.state.setKeyState(key.KeyId, 'Disabled');
    expectKmsError(
      await call({ Action: 'CancelKeyDeletion', KeyId: key.KeyId }),
      409,
      'Rejected.StateModifiedFailed',
      STATE_FAILED,
    );
  });

  it('keeps PendingWindowInDays within 7 to 366', async () => {
    const key = emulator.state.createKey();
    for (const days of ['6', '367', 'seven']) {
      expectKmsError(
        await call({ Action: 'ScheduleKeyDeletion', KeyId: key.KeyId, PendingWindowInDays: days }),
        400,
        'InvalidParameter',
        invalid('PendingWindowInDays'),
      );
    }
    expectKmsError(
      await call({ Action: 'ScheduleKeyDeletion', KeyId: key.KeyId }),
      400,
      'MissingParameter',
      missing('PendingWindowInDays'),
    );
    await succeed({ Action: 'ScheduleKeyDeletion', KeyId: key.KeyId, PendingWindowInDays: '366' });
    expect(emulator.state.keys[0]?.DeleteDate).toBe(alibabaTimestamp(new Date(START + 366 * DAY)));
  });
});

describe('aliases', () => {
  it('creates and lists aliases with their ARNs', async () => {
    const a = emulator.state.createKey();
    const b = emulator.state.createKey();
    await succeed({ Action: 'CreateAlias', KeyId: a.KeyId, AliasName: 'alias/first' });
    await succeed({ Action: 'CreateAlias', KeyId: b.Arn, AliasName: 'alias/second' });
    const body = await succeed({ Action: 'ListAliases' });
    expect(body.Aliases).toEqual({
      Alias: [
        {
          KeyId: a.KeyId,
          AliasArn: `acs:kms:cn-hangzhou:${ACCOUNT}:alias/first`,
          AliasName: 'alias/first',
        },
        {
          KeyId: b.KeyId,
          AliasArn: `acs:kms:cn-hangzhou:${ACCOUNT}:alias/second`,
          AliasName: 'alias/second',
        },
      ],
    });
    expect([body.TotalCount, body.PageNumber, body.PageSize]).toEqual([2, 1, 10]);
    const page = await succeed({ Action: 'ListAliases', PageSize: '1', PageNumber: '2' });
    expect(
      (page.Aliases as { Alias: { AliasName: string }[] }).Alias.map((x) => x.AliasName),
    ).toEqual(['alias/second']);
    const xml = await call({ Action: 'ListAliases', Format: 'XML', PageSize: '1' });
    expect(xml.body).toContain(
      `<Aliases><Alias><KeyId>${a.KeyId}</KeyId><AliasArn>acs:kms:cn-hangzhou:${ACCOUNT}:alias/first</AliasArn><AliasName>alias/first</AliasName></Alias></Aliases><TotalCount>2</TotalCount>`,
    );
  });

  it('refuses a name without alias/, a duplicate name and an unknown key', async () => {
    const key = emulator.state.createKey();
    expectKmsError(
      await call({ Action: 'CreateAlias', KeyId: key.KeyId, AliasName: 'orders' }),
      400,
      'Unsupported.Alias',
      'Alias is not valid for this api.',
    );
    await succeed({ Action: 'CreateAlias', KeyId: key.KeyId, AliasName: 'alias/orders' });
    expectKmsError(
      await call({ Action: 'CreateAlias', KeyId: key.KeyId, AliasName: 'alias/orders' }),
      400,
      'AliasAlreadyExists',
      'AliasName Already Exists.',
    );
    expectKmsError(
      await call({ Action: 'CreateAlias', KeyId: 'missing', AliasName: 'alias/other' }),
      404,
      'Forbidden.KeyNotFound',
      'The specified Key is not found.',
    );
    expectKmsError(
      await call({ Action: 'CreateAlias', KeyId: key.KeyId }),
      400,
      'MissingParameter',
      missing('AliasName'),
    );
    expectKmsError(
      await call({ Action: 'Encrypt', KeyId: 'alias/nothing', Plaintext: 'x' }),
      404,
      'Forbidden.AliasNotFound',
      'The specified Alias is not found.',
    );
  });

  it('refuses an alias for a key pending deletion', async () => {
    const key = emulator.state.createKey();
    emulator.state.setKeyState(key.KeyId, 'PendingDeletion');
    expectKmsError(
      await call({ Action: 'CreateAlias', KeyId: key.KeyId, AliasName: 'alias/late' }),
      409,
      'Rejected.StateModifiedFailed',
      'Keystate modified failed.',
    );
  });
});

describe('robustness and state', () => {
  it('answers an unexpected failure with InternalFailure and keeps serving', async () => {
    const key = emulator.state.createKey();
    const { CiphertextBlob } = await succeed({
      Action: 'Encrypt',
      KeyId: key.KeyId,
      Plaintext: 'bell \u0007 cannot be XML',
    });
    // XML 1.0 cannot carry U+0007, so writing the Decrypt answer as XML fails inside the server.
    const result = await call({
      Action: 'Decrypt',
      CiphertextBlob: CiphertextBlob as string,
      Format: 'XML',
    });
    expect(result.status).toBe(500);
    const id = result.headers['x-acs-request-id'] as string;
    expect(result.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><KMS><HttpStatus>500</HttpStatus><Code>InternalFailure</Code><Message>Internal Failure.</Message><RequestId>${id}</RequestId><HostId>${HOST_ID}</HostId></KMS>`,
    );
    expect((await call({ Action: 'ListKeys' })).status).toBe(200);
  });

  it('snapshots to plain JSON and loads back, ciphertexts still decrypting', async () => {
    const key = emulator.state.createKey();
    emulator.state.createAlias('alias/kept', key.KeyId);
    const { CiphertextBlob } = await succeed({
      Action: 'Encrypt',
      KeyId: 'alias/kept',
      Plaintext: 'kept',
    });
    const saved = JSON.stringify(emulator.state.snapshot());
    emulator.state.reset();
    expectKmsError(
      await call({ Action: 'Decrypt', CiphertextBlob: CiphertextBlob as string }),
      400,
      'InvalidCiphertext',
      INVALID_CIPHERTEXT,
    );
    emulator.state.load(JSON.parse(saved));
    const decrypted = await succeed({
      Action: 'Decrypt',
      CiphertextBlob: CiphertextBlob as string,
    });
    expect(decrypted.Plaintext).toBe('kept');
    expect(emulator.state.aliases).toEqual([{ AliasName: 'alias/kept', KeyId: key.KeyId }]);
  });
});
