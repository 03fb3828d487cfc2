/**
 * The key domain over real HTTP: key metadata and lists, rotation and versions, the key-state
 * table, tags, aliases, and the symmetric actions that came with them.
 */
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmulatorState, startEmulator } from '../../src/emulator/index.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { ACCESS_KEYS, callV1, expectKmsError, UUID } from './helpers.js';
import {
  ACCOUNT,
  DAY,
  expectBothFormats,
  expectJsonSchema,
  expectXmlSchema,
  invalid,
  MESSAGES,
  missing,
  START,
  useEmulator,
} from './key-helpers.js';

const h = useEmulator();
const state = () => h.emulator.state;

type Metadata = Record<string, string>;
const createKey = async (params: Record<string, string> = {}): Promise<Metadata> =>
  (await h.succeed({ Action: 'CreateKey', ...params })).KeyMetadata as Metadata;
const describeKey = async (KeyId: string): Promise<Metadata> =>
  (await h.succeed({ Action: 'DescribeKey', KeyId })).KeyMetadata as Metadata;
const encrypt = async (KeyId: string, Plaintext = 'secret', extra: Record<string, string> = {}) =>
  (await h.succeed({ Action: 'Encrypt', KeyId, Plaintext, ...extra })) as Record<string, string>;
const decrypt = async (CiphertextBlob: string, extra: Record<string, string> = {}) =>
  (await h.succeed({ Action: 'Decrypt', CiphertextBlob, ...extra })) as Record<string, string>;

describe('CreateKey', () => {
  it('answers every KeyMetadata field of the metadata, in JSON and XML', async () => {
    const body = await expectBothFormats(h, () => ({ Action: 'CreateKey', Description: 'd' }));
    const metadata = body.KeyMetadata as Metadata;
    expect(metadata).toEqual({
      KeyId: metadata.KeyId,
      Arn: `acs:kms:cn-hangzhou:${ACCOUNT}:key/${metadata.KeyId}`,
      KeyState: 'Enabled',
      KeySpec: 'Aliyun_AES_256',
      KeyUsage: 'ENCRYPT/DECRYPT',
      Origin: 'Aliyun_KMS',
      ProtectionLevel: 'SOFTWARE',
      Creator: ACCOUNT,
      CreationDate: alibabaTimestamp(START),
      Description: 'd',
      PrimaryKeyVersion: metadata.PrimaryKeyVersion,
      DeleteDate: '',
      MaterialExpireTime: '',
      AutomaticRotation: 'Disabled',
      RotationInterval: '',
      LastRotationDate: alibabaTimestamp(START),
      NextRotationDate: '',
      DKMSInstanceId: '',
    });
    expect(metadata.KeyId).toMatch(UUID);
    expect(metadata.PrimaryKeyVersion).toMatch(UUID);
    expect(state().keys).toHaveLength(2);
  });

  it('creates every supported spec, usage and origin', async () => {
    const cases: [Record<string, string>, Partial<Metadata>][] = [
      [{}, { KeySpec: 'Aliyun_AES_256', KeyUsage: 'ENCRYPT/DECRYPT', KeyState: 'Enabled' }],
      [
        { KeySpec: 'RSA_2048' },
        { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT/DECRYPT', KeyState: 'Enabled' },
      ],
      [
        { KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY' },
        { KeySpec: 'RSA_2048', KeyUsage: 'SIGN/VERIFY', KeyState: 'Enabled' },
      ],
      [
        { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY', ProtectionLevel: 'HSM' },
        { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY', ProtectionLevel: 'HSM' },
      ],
      [
        { Origin: 'EXTERNAL' },
        { Origin: 'EXTERNAL', KeySpec: 'Aliyun_AES_256', KeyState: 'PendingImport' },
      ],
    ];
    for (const [params, expected] of cases) {
      const metadata = await createKey(params);
      expect(metadata).toMatchObject(expected);
      const described = await describeKey(metadata.KeyId as string);
      expect(described).toMatchObject(expected);
    }
  });

  it('refuses bad combinations, naming the parameter, and creates nothing', async () => {
    const cases: [Record<string, string>, number, string, string][] = [
      [{ KeySpec: 'Aliyun_SM4' }, 400, 'InvalidParameter', invalid('KeySpec')],
      [{ KeySpec: 'EC_P256' }, 400, 'InvalidParameter', invalid('KeyUsage')],
      [
        { KeySpec: 'EC_P256', KeyUsage: 'ENCRYPT/DECRYPT' },
        400,
        'InvalidParameter',
        invalid('KeyUsage'),
      ],
      [{ KeyUsage: 'SIGN/VERIFY' }, 400, 'InvalidParameter', invalid('KeyUsage')],
      [{ KeyUsage: 'WRAP' }, 400, 'InvalidParameter', invalid('KeyUsage')],
      [{ Origin: 'CLOUD' }, 400, 'InvalidParameter', invalid('Origin')],
      [{ Origin: 'EXTERNAL', KeySpec: 'RSA_2048' }, 400, 'InvalidParameter', invalid('Origin')],
      [{ ProtectionLevel: 'CLOUD' }, 400, 'InvalidParameter', invalid('ProtectionLevel')],
      [
        { EnableAutomaticRotation: 'yes' },
        400,
        'InvalidParameter',
        invalid('EnableAutomaticRotation'),
      ],
      [{ EnableAutomaticRotation: 'true' }, 400, 'MissingParameter', missing('RotationInterval')],
      [
        { EnableAutomaticRotation: 'true', RotationInterval: '6d' },
        400,
        'InvalidParameter',
        invalid('RotationInterval'),
      ],
      [
        { EnableAutomaticRotation: 'true', RotationInterval: '731d' },
        400,
        'InvalidParameter',
        invalid('RotationInterval'),
      ],
      [
        { EnableAutomaticRotation: 'true', RotationInterval: '30 days' },
        400,
        'InvalidParameter',
        invalid('RotationInterval'),
      ],
      [
        {
          EnableAutomaticRotation: 'true',
          RotationInterval: '30d',
          KeySpec: 'RSA_2048',
        },
        400,
        'InvalidParameter',
        invalid('EnableAutomaticRotation'),
      ],
      [
        { EnableAutomaticRotation: 'true', RotationInterval: '30d', Origin: 'EXTERNAL' },
        400,
        'InvalidParameter',
        invalid('EnableAutomaticRotation'),
      ],
      [{ Tags: '{"TagKey":"a"' }, 400, 'InvalidParameter', invalid('Tags')],
      [
        { Tags: '[{"TagKey":"aliyun:x","TagValue":"v"}]' },
        400,
        'InvalidParameter',
        invalid('Tags'),
      ],
      [{ Policy: 'not json' }, 400, 'InvalidParameter', invalid('Policy')],
      [{ Description: 'x'.repeat(8193) }, 400, 'InvalidParameter', invalid('Description')],
      [
        { DKMSInstanceId: 'kst-hzz000000000000000' },
        403,
        'Forbidden.DKMSInstanceNotFound',
        MESSAGES.DKMSInstanceNotFound,
      ],
    ];
    for (const [params, status, code, message] of cases) {
      expectKmsError(await h.call({ Action: 'CreateKey', ...params }), status, code, message);
    }
    expect(state().keys).toHaveLength(0);
  });

  it('sets up automatic rotation, taking d, h, m and s intervals', async () => {
    for (const [interval, seconds] of [
      ['30d', 2_592_000],
      ['168h', 604_800],
      ['10080m', 604_800],
      ['63072000s', 63_072_000],
    ] as const) {
      const metadata = await createKey({
        EnableAutomaticRotation: 'true',
        RotationInterval: interval,
      });
      expect(metadata).toMatchObject({
        AutomaticRotation: 'Enabled',
        RotationInterval: `${seconds}s`,
        LastRotationDate: alibabaTimestamp(START),
        NextRotationDate: alibabaTimestamp(START + seconds * 1000),
      });
    }
    const off = await createKey({ EnableAutomaticRotation: 'false', RotationInterval: '1x' });
    expect([off.AutomaticRotation, off.RotationInterval]).toEqual(['Disabled', '']);
  });

  it('applies Tags given at creation', async () => {
    const key = await createKey({ Tags: '[{"TagKey":"team","TagValue":"pay"}]' });
    const tags = await h.succeed({ Action: 'ListResourceTags', KeyId: key.KeyId as string });
    expect(tags.Tags).toEqual({ Tag: [{ KeyId: key.KeyId, TagKey: 'team', TagValue: 'pay' }] });
  });
});

describe('the key quota', () => {
  it('refuses one key more than the quota until a key is really deleted', async () => {
    let clock = START;
    const limited = await startEmulator({
      accessKeys: ACCESS_KEYS,
      now: () => clock,
      quotas: { keys: 2 },
    });
    const call = (params: Record<string, string>) =>
      callV1(limited, params, {
        timestamp: alibabaTimestamp(clock),
      });
    try {
      const first = JSON.parse((await call({ Action: 'CreateKey' })).body).KeyMetadata;
      expect(
        (await call({ Action: 'CreateKey', KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' })).status,
      ).toBe(200);
      expectKmsError(
        await call({ Action: 'CreateKey' }),
        400,
        'Rejected.LimitExceeded',
        MESSAGES.LimitExceeded,
      );
      // A key pending deletion still counts; once its window has passed it is gone.
      await call({ Action: 'ScheduleKeyDeletion', KeyId: first.KeyId, PendingWindowInDays: '7' });
      expect((await call({ Action: 'CreateKey' })).status).toBe(400);
      clock += 7 * DAY;
      expectKmsError(
        await call({ Action: 'DescribeKey', KeyId: first.KeyId }),
        404,
        'Forbidden.KeyNotFound',
        MESSAGES.KeyNotFound,
      );
      expect((await call({ Action: 'CreateKey' })).status).toBe(200);
      expect(limited.state.keys).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});

describe('DescribeKey', () => {
  it('adds the deletion protection fields, in JSON and XML', async () => {
    const key = await createKey();
    const body = await expectBothFormats(h, () => ({
      Action: 'DescribeKey',
      KeyId: key.KeyId as string,
    }));
    expect(body.KeyMetadata).toEqual({
      ...key,
      DeletionProtection: 'Disabled',
      DeletionProtectionDescription: '',
    });
  });

  it('reports Suspended rotation while the key is not Enabled', async () => {
    const key = await createKey({ EnableAutomaticRotation: 'true', RotationInterval: '30d' });
    await h.succeed({ Action: 'DisableKey', KeyId: key.KeyId as string });
    expect(await describeKey(key.KeyId as string)).toMatchObject({
      AutomaticRotation: 'Suspended',
      RotationInterval: '2592000s',
      NextRotationDate: '',
    });
  });
});

describe('ListKeys', () => {
  it('filters by KeyState, KeySpec, KeyUsage and ProtectionLevel', async () => {
    const aes = await createKey();
    const rsa = await createKey({ KeySpec: 'RSA_2048' });
    const ec = await createKey({
      KeySpec: 'EC_P256',
      KeyUsage: 'SIGN/VERIFY',
      ProtectionLevel: 'HSM',
    });
    const external = await createKey({ Origin: 'EXTERNAL' });
    await h.succeed({ Action: 'DisableKey', KeyId: rsa.KeyId as string });
    const ids = async (filters: unknown, extra: Record<string, string> = {}) => {
      const body = await h.succeed({
        Action: 'ListKeys',
        Filters: JSON.stringify(filters),
        ...extra,
      });
      return [(body.Keys as { Key: { KeyId: string }[] }).Key.map((k) => k.KeyId), body.TotalCount];
    };
    expect(await ids([{ Key: 'KeyState', Values: ['Enabled'] }])).toEqual([
      [aes.KeyId, ec.KeyId],
      2,
    ]);
    expect(await ids([{ Key: 'KeyState', Values: ['Disabled', 'PendingImport'] }])).toEqual([
      [rsa.KeyId, external.KeyId],
      2,
    ]);
    expect(await ids([{ Key: 'KeySpec', Values: ['Aliyun_AES_256'] }])).toEqual([
      [aes.KeyId, external.KeyId],
      2,
    ]);
    expect(await ids([{ Key: 'KeyUsage', Values: ['SIGN/VERIFY'] }])).toEqual([[ec.KeyId], 1]);
    expect(await ids([{ Key: 'ProtectionLevel', Values: ['SOFTWARE'] }])).toEqual([
      [aes.KeyId, rsa.KeyId, external.KeyId],
      3,
    ]);
    expect(
      await ids([
        { Key: 'KeySpec', Values: ['Aliyun_AES_256', 'RSA_2048'] },
        { Key: 'KeyState', Values: ['Enabled', 'Disabled'] },
      ]),
    ).toEqual([[aes.KeyId, rsa.KeyId], 2]);
    expect(await ids([{ Key: 'KeyState', Values: ['PendingDeletion'] }])).toEqual([[], 0]);
    expect(
      await ids([{ Key: 'ProtectionLevel', Values: ['SOFTWARE'] }], {
        PageSize: '2',
        PageNumber: '2',
      }),
    ).toEqual([[external.KeyId], 3]);
    await expectBothFormats(h, () => ({
      Action: 'ListKeys',
      Filters: '[{"Key":"KeyState","Values":["Enabled"]}]',
    }));
  });

  it('refuses malformed Filters', async () => {
    for (const filters of [
      '[{"Key":"KeyState"',
      '{"Key":"KeyState","Values":["Enabled"]}',
      '[{"Key":"Color","Values":["red"]}]',
      '[{"Key":"KeyState"}]',
      '[{"Key":"KeyState","Values":[]}]',
      '[{"Key":"KeyState","Values":[1]}]',
      '["KeyState"]',
    ]) {
      expectKmsError(
        await h.call({ Action: 'ListKeys', Filters: filters }),
        400,
        'InvalidParameter',
        invalid('Filters'),
      );
    }
  });
});

describe('UpdateKeyDescription', () => {
  it('changes the description', async () => {
    const key = await createKey({ Description: 'old' });
    await expectBothFormats(h, () => ({
      Action: 'UpdateKeyDescription',
      KeyId: key.KeyId as string,
      Description: 'new',
    }));
    expect((await describeKey(key.KeyId as string)).Description).toBe('new');
    expectKmsError(
      await h.call({ Action: 'UpdateKeyDescription', KeyId: key.KeyId as string }),
      400,
      'MissingParameter',
      missing('Description'),
    );
    expectKmsError(
      await h.call({ Action: 'UpdateKeyDescription', KeyId: 'nope', Description: 'x' }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
  });
});

describe('rotation and key versions', () => {
  it('CreateKeyVersion makes a new primary version; old ciphertexts stay readable', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    const old = await encrypt(keyId, 'before', { EncryptionContext: '{"a":"b"}' });
    const body = await expectBothFormats(h, () => ({ Action: 'CreateKeyVersion', KeyId: keyId }));
    const created = body.KeyVersion as Record<string, string>;
    expect(created.KeyId).toBe(keyId);
    expect(created.CreationDate).toBe(alibabaTimestamp(START));
    // The XML call made a third version: it is the primary one.
    const versions = state().keys[0]?.Versions.map((v) => v.KeyVersionId) ?? [];
    expect(versions).toHaveLength(3);
    expect(versions[1]).toBe(created.KeyVersionId);
    const metadata = await describeKey(keyId);
    expect(metadata.PrimaryKeyVersion).toBe(versions[2]);
    const fresh = await encrypt(keyId, 'after');
    expect(fresh.KeyVersionId).toBe(versions[2]);
    expect(fresh.KeyVersionId).not.toBe(old.KeyVersionId);
    const opened = await decrypt(old.CiphertextBlob as string, { EncryptionContext: '{"a":"b"}' });
    expect([opened.Plaintext, opened.KeyVersionId]).toEqual(['before', key.PrimaryKeyVersion]);
    expect((await decrypt(fresh.CiphertextBlob as string)).Plaintext).toBe('after');
    // Each version has its own material.
    expect(state().keyMaterial(keyId, versions[0])).not.toEqual(
      state().keyMaterial(keyId, versions[2]),
    );
  });

  it('CreateKeyVersion: symmetric KMS keys only, and only while Enabled', async () => {
    const kinds: Record<string, string>[] = [
      { KeySpec: 'RSA_2048' },
      { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' },
      { Origin: 'EXTERNAL' },
    ];
    for (const params of kinds) {
      const key = await createKey(params);
      expectKmsError(
        await h.call({ Action: 'CreateKeyVersion', KeyId: key.KeyId as string }),
        400,
        'Rejected.UnsupportedOperation',
        MESSAGES.RejectedUnsupportedOperation,
      );
    }
    const key = await createKey();
    state().setKeyState(key.KeyId as string, 'Disabled');
    expectKmsError(
      await h.call({ Action: 'CreateKeyVersion', KeyId: key.KeyId as string }),
      409,
      'Rejected.Disabled',
      MESSAGES.Disabled,
    );
    state().setKeyState(key.KeyId as string, 'PendingDeletion');
    expectKmsError(
      await h.call({ Action: 'CreateKeyVersion', KeyId: key.KeyId as string }),
      409,
      'Rejected.PendingDeletion',
      MESSAGES.PendingDeletion,
    );
  });

  it('ListKeyVersions pages in creation order; DescribeKeyVersion finds one', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    h.advance(DAY);
    await h.succeed({ Action: 'CreateKeyVersion', KeyId: keyId });
    h.advance(DAY);
    await h.succeed({ Action: 'CreateKeyVersion', KeyId: keyId });
    const all = state().keys[0]?.Versions ?? [];
    const list = await expectBothFormats(h, () => ({ Action: 'ListKeyVersions', KeyId: keyId }));
    expect(list).toMatchObject({ TotalCount: 3, PageNumber: 1, PageSize: 10 });
    expect((list.KeyVersions as { KeyVersion: unknown[] }).KeyVersion).toEqual(
      all.map((v, i) => ({
        KeyId: keyId,
        KeyVersionId: v.KeyVersionId,
        CreationDate: alibabaTimestamp(START + i * DAY),
      })),
    );
    const second = await h.succeed({
      Action: 'ListKeyVersions',
      KeyId: keyId,
      PageSize: '2',
      PageNumber: '2',
    });
    expect((second.KeyVersions as { KeyVersion: { KeyVersionId: string }[] }).KeyVersion).toEqual([
      {
        KeyId: keyId,
        KeyVersionId: all[2]?.KeyVersionId,
        CreationDate: alibabaTimestamp(START + 2 * DAY),
      },
    ]);
    const one = await expectBothFormats(h, () => ({
      Action: 'DescribeKeyVersion',
      KeyId: keyId,
      KeyVersionId: all[1]?.KeyVersionId as string,
    }));
    expect(one.KeyVersion).toEqual({
      KeyId: keyId,
      KeyVersionId: all[1]?.KeyVersionId,
      CreationDate: alibabaTimestamp(START + DAY),
    });
    expectKmsError(
      await h.call({
        Action: 'DescribeKeyVersion',
        KeyId: keyId,
        KeyVersionId: '00000000-0000-4000-8000-000000000000',
      }),
      404,
      'Forbidden.KeyVersionNotFound',
      MESSAGES.KeyVersionNotFound,
    );
    const other = await createKey();
    expectKmsError(
      await h.call({
        Action: 'DescribeKeyVersion',
        KeyId: other.KeyId as string,
        KeyVersionId: all[0]?.KeyVersionId as string,
      }),
      404,
      'Forbidden.KeyVersionNotFound',
      MESSAGES.KeyVersionNotFound,
    );
    expectKmsError(
      await h.call({ Action: 'DescribeKeyVersion', KeyId: keyId }),
      400,
      'MissingParameter',
      missing('KeyVersionId'),
    );
  });

  it('UpdateRotationPolicy turns automatic rotation on and off', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    h.advance(DAY);
    await expectBothFormats(h, () => ({
      Action: 'UpdateRotationPolicy',
      KeyId: keyId,
      EnableAutomaticRotation: 'true',
      RotationInterval: '7d',
    }));
    expect(await describeKey(keyId)).toMatchObject({
      AutomaticRotation: 'Enabled',
      RotationInterval: '604800s',
      LastRotationDate: alibabaTimestamp(START),
      NextRotationDate: alibabaTimestamp(START + 7 * DAY),
    });
    await h.succeed({
      Action: 'UpdateRotationPolicy',
      KeyId: keyId,
      EnableAutomaticRotation: 'false',
    });
    expect(await describeKey(keyId)).toMatchObject({
      AutomaticRotation: 'Disabled',
      RotationInterval: '',
      NextRotationDate: '',
    });
    h.advance(30 * DAY);
    expect(state().keys[0]?.Versions).toHaveLength(1);
  });

  it('UpdateRotationPolicy refuses bad parameters, other key types and unusable states', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    const update = (params: Record<string, string>) =>
      h.call({ Action: 'UpdateRotationPolicy', KeyId: keyId, ...params });
    expectKmsError(await update({}), 400, 'MissingParameter', missing('EnableAutomaticRotation'));
    expectKmsError(
      await update({ EnableAutomaticRotation: 'maybe' }),
      400,
      'InvalidParameter',
      invalid('EnableAutomaticRotation'),
    );
    expectKmsError(
      await update({ EnableAutomaticRotation: 'true' }),
      400,
      'MissingParameter',
      missing('RotationInterval'),
    );
    for (const interval of ['6d', '731d', '7 d', 'P7D']) {
      expectKmsError(
        await update({ EnableAutomaticRotation: 'true', RotationInterval: interval }),
        400,
        'InvalidParameter',
        invalid('RotationInterval'),
      );
    }
    const kinds: Record<string, string>[] = [{ KeySpec: 'RSA_2048' }, { Origin: 'EXTERNAL' }];
    for (const params of kinds) {
      const other = await createKey(params);
      expectKmsError(
        await h.call({
          Action: 'UpdateRotationPolicy',
          KeyId: other.KeyId as string,
          EnableAutomaticRotation: 'false',
        }),
        400,
        'Rejected.UnsupportedOperation',
        MESSAGES.RejectedUnsupportedOperation,
      );
    }
    for (const [keyState, code, message] of [
      ['Disabled', 'Rejected.Disabled', MESSAGES.Disabled],
      ['PendingDeletion', 'Rejected.PendingDeletion', MESSAGES.PendingDeletion],
      // (An Aliyun_KMS key never is PendingImport; the row is checked by forcing the state.)
      ['PendingImport', 'Rejected.PendingImport', MESSAGES.PendingImport],
    ] as const) {
      state().setKeyState(keyId, keyState);
      expectKmsError(
        await update({ EnableAutomaticRotation: 'true', RotationInterval: '30d' }),
        409,
        code,
        message,
      );
    }
  });

  it('rotates automatically by the clock; every old ciphertext stays readable', async () => {
    const key = await createKey({ EnableAutomaticRotation: 'true', RotationInterval: '7d' });
    const keyId = key.KeyId as string;
    const first = await encrypt(keyId, 'week 0');
    h.advance(7 * DAY - 1000);
    expect((await encrypt(keyId, 'still week 0')).KeyVersionId).toBe(key.PrimaryKeyVersion);
    h.advance(1000);
    const second = await encrypt(keyId, 'week 1');
    expect(second.KeyVersionId).not.toBe(key.PrimaryKeyVersion);
    expect(await describeKey(keyId)).toMatchObject({
      PrimaryKeyVersion: second.KeyVersionId,
      LastRotationDate: alibabaTimestamp(START + 7 * DAY),
      NextRotationDate: alibabaTimestamp(START + 14 * DAY),
    });
    // Two more intervals pass unseen: both rotations happen, each at its due time.
    h.advance(15 * DAY);
    const third = await encrypt(keyId, 'week 3');
    const versions = state().keys[0]?.Versions ?? [];
    expect(versions.map((v) => v.CreationDate)).toEqual([
      alibabaTimestamp(START),
      alibabaTimestamp(START + 7 * DAY),
      alibabaTimestamp(START + 14 * DAY),
      alibabaTimestamp(START + 21 * DAY),
    ]);
    expect(third.KeyVersionId).toBe(versions[3]?.KeyVersionId);
    for (const [blob, text, version] of [
      [first, 'week 0', key.PrimaryKeyVersion],
      [second, 'week 1', versions[1]?.KeyVersionId],
      [third, 'week 3', versions[3]?.KeyVersionId],
    ] as const) {
      const opened = await decrypt(blob.CiphertextBlob as string);
      expect([opened.Plaintext, opened.KeyVersionId]).toEqual([text, version]);
    }
  });

  it('derives a rotated version from the saved data, so an unsaved rotation comes out the same', () => {
    let clock = START;
    const options = { region: 'cn-hangzhou', accountId: ACCOUNT, now: () => clock };
    const original = new EmulatorState(options);
    original.createKey({ enableAutomaticRotation: true, rotationInterval: '7d' });
    const saved = JSON.parse(JSON.stringify(original.snapshot()));
    clock += 8 * DAY;
    const rotated = original.keys[0]?.Versions[1];
    const reloaded = new EmulatorState(options);
    reloaded.load(saved);
    expect(reloaded.keys[0]?.Versions[1]).toEqual(rotated);
    expect(rotated?.KeyVersionId).toMatch(UUID);
  });

  it('does not rotate while the key is disabled, and rotates once when it is enabled again', async () => {
    const key = await createKey({ EnableAutomaticRotation: 'true', RotationInterval: '7d' });
    const keyId = key.KeyId as string;
    await h.succeed({ Action: 'DisableKey', KeyId: keyId });
    h.advance(20 * DAY);
    expect(state().keys[0]?.Versions).toHaveLength(1);
    await h.succeed({ Action: 'EnableKey', KeyId: keyId });
    expect(state().keys[0]?.Versions.map((v) => v.CreationDate)).toEqual([
      alibabaTimestamp(START),
      alibabaTimestamp(START + 20 * DAY),
    ]);
  });
});

describe('the key-state table', () => {
  const SMF = ['Rejected.StateModifiedFailed', MESSAGES.StateModifiedFailed] as const;
  const REFUSED: Record<string, readonly [string, string]> = {
    Disabled: ['Rejected.Disabled', MESSAGES.Disabled],
    PendingDeletion: ['Rejected.PendingDeletion', MESSAGES.PendingDeletion],
    PendingImport: ['Rejected.PendingImport', MESSAGES.PendingImport],
  };
  type Row = (keyId: string, blob: string) => Record<string, string>;
  const CRYPTO: Record<string, Row> = {
    Encrypt: (KeyId) => ({ Action: 'Encrypt', KeyId, Plaintext: 'p' }),
    Decrypt: (_, CiphertextBlob) => ({ Action: 'Decrypt', CiphertextBlob }),
    GenerateDataKey: (KeyId) => ({ Action: 'GenerateDataKey', KeyId }),
    GenerateDataKeyWithoutPlaintext: (KeyId) => ({
      Action: 'GenerateDataKeyWithoutPlaintext',
      KeyId,
    }),
    ReEncrypt: (KeyId, CiphertextBlob) => ({
      Action: 'ReEncrypt',
      CiphertextBlob,
      DestinationKeyId: KeyId,
    }),
  };
  let aliasCount = 0;
  // Which states each management action accepts (the rest answer StateModifiedFailed).
  const MANAGEMENT: [string, Row, readonly string[]][] = [
    ['EnableKey', (KeyId) => ({ Action: 'EnableKey', KeyId }), ['Enabled', 'Disabled']],
    ['DisableKey', (KeyId) => ({ Action: 'DisableKey', KeyId }), ['Enabled', 'Disabled']],
    [
      'ScheduleKeyDeletion',
      (KeyId) => ({ Action: 'ScheduleKeyDeletion', KeyId, PendingWindowInDays: '7' }),
      ['Enabled', 'Disabled', 'PendingImport'],
    ],
    [
      'CreateAlias',
      (KeyId) => ({
        Action: 'CreateAlias',
        KeyId,
        AliasName: `alias/state-${++aliasCount}`,
      }),
      ['Enabled', 'Disabled', 'PendingImport'],
    ],
    ['CancelKeyDeletion', (KeyId) => ({ Action: 'CancelKeyDeletion', KeyId }), ['PendingDeletion']],
  ];

  /** A key in `keyState` and a ciphertext made under it while it was Enabled. */
  async function keyIn(keyState: string): Promise<[string, string]> {
    const key = await createKey();
    const keyId = key.KeyId as string;
    const blob = (await encrypt(keyId)).CiphertextBlob as string;
    // Forced: the BYOK file walks a real EXTERNAL key through PendingImport.
    if (keyState !== 'Enabled') state().setKeyState(keyId, keyState as 'Disabled');
    return [keyId, blob];
  }

  for (const keyState of ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport']) {
    it(`cryptography with a ${keyState} key`, async () => {
      for (const [action, row] of Object.entries(CRYPTO)) {
        const [keyId, blob] = await keyIn(keyState);
        const result = await h.call(row(keyId, blob));
        const refused = REFUSED[keyState];
        if (refused) expectKmsError(result, 409, refused[0], refused[1]);
        else expect([action, result.status]).toEqual([action, 200]);
      }
    });

    it(`state changes of a ${keyState} key`, async () => {
      for (const [action, row, accepted] of MANAGEMENT) {
        const [keyId] = await keyIn(keyState);
        const result = await h.call(row(keyId, ''));
        if (accepted.includes(keyState)) expect([action, result.status]).toEqual([action, 200]);
        else expectKmsError(result, 409, SMF[0], SMF[1]);
      }
    });
  }
});

describe('tags', () => {
  it('tags, lists and untags a key', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    await expectBothFormats(h, () => ({
      Action: 'TagResource',
      KeyId: keyId,
      Tags: '[{"TagKey":"team","TagValue":"pay"},{"TagKey":"env","TagValue":"prod"}]',
    }));
    await h.succeed({
      Action: 'TagResource',
      KeyId: keyId,
      Tags: '[{"TagKey":"env","TagValue":"test"}]',
    });
    const listed = await expectBothFormats(h, () => ({
      Action: 'ListResourceTags',
      KeyId: keyId,
    }));
    expect(listed.Tags).toEqual({
      Tag: [
        { KeyId: keyId, TagKey: 'team', TagValue: 'pay' },
        { KeyId: keyId, TagKey: 'env', TagValue: 'test' },
      ],
    });
    await expectBothFormats(h, () => ({
      Action: 'UntagResource',
      KeyId: keyId,
      TagKeys: '["team","absent"]',
    }));
    const after = await h.succeed({ Action: 'ListResourceTags', KeyId: keyId });
    expect(after.Tags).toEqual({ Tag: [{ KeyId: keyId, TagKey: 'env', TagValue: 'test' }] });
    await h.succeed({ Action: 'UntagResource', KeyId: keyId, TagKeys: '["env"]' });
    const none = await h.call({ Action: 'ListResourceTags', KeyId: keyId, Format: 'XML' });
    expect(expectXmlSchema('ListResourceTags', none).Tags).toEqual({ Tag: [] });
    expectJsonSchema(
      'ListResourceTags',
      await h.succeed({ Action: 'ListResourceTags', KeyId: keyId }),
    );
  });

  it('refuses bad Tags and TagKeys, naming the parameter', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    const tag = (Tags: string) => h.call({ Action: 'TagResource', KeyId: keyId, Tags });
    for (const tags of [
      '[{"TagKey":"a","TagValue":"b"}',
      '{"TagKey":"a","TagValue":"b"}',
      '[]',
      '[{"TagKey":"a"}]',
      '[{"TagKey":"","TagValue":"b"}]',
      '[{"TagKey":"acs:x","TagValue":"b"}]',
      '[{"TagKey":"a<b","TagValue":"b"}]',
      `[{"TagKey":"${'k'.repeat(129)}","TagValue":"b"}]`,
      '[{"TagKey":"a","TagValue":"1"},{"TagKey":"a","TagValue":"2"}]',
      JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }))),
    ]) {
      expectKmsError(await tag(tags), 400, 'InvalidParameter', invalid('Tags'));
    }
    for (const tagKeys of ['["a"', '"a"', '[]', '[1]', '[""]']) {
      expectKmsError(
        await h.call({ Action: 'UntagResource', KeyId: keyId, TagKeys: tagKeys }),
        400,
        'InvalidParameter',
        invalid('TagKeys'),
      );
    }
    expectKmsError(
      await h.call({ Action: 'TagResource', KeyId: keyId }),
      400,
      'MissingParameter',
      missing('Tags'),
    );
    expectKmsError(
      await h.call({ Action: 'UntagResource', KeyId: keyId }),
      400,
      'MissingParameter',
      missing('TagKeys'),
    );
    expectKmsError(
      await h.call({ Action: 'TagResource', Tags: '[{"TagKey":"a","TagValue":"b"}]' }),
      400,
      'MissingParameter',
      missing('KeyId'),
    );
    expectKmsError(
      await h.call({
        Action: 'TagResource',
        KeyId: keyId,
        SecretName: 's',
        Tags: '[{"TagKey":"a","TagValue":"b"}]',
      }),
      400,
      'InvalidParameter',
      invalid('SecretName'),
    );
    expectKmsError(
      await h.call({
        Action: 'TagResource',
        CertificateId: 'c',
        Tags: '[{"TagKey":"a","TagValue":"b"}]',
      }),
      400,
      'InvalidParameter',
      invalid('CertificateId'),
    );
    expectKmsError(
      await h.call({
        Action: 'TagResource',
        KeyId: 'nope',
        Tags: '[{"TagKey":"a","TagValue":"b"}]',
      }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
    expect(state().keys[0]?.Tags).toEqual([]);
  });

  it('tags a secret named by SecretName through the secrets store', async () => {
    state().secrets.create({ secretName: 'db', versionId: 'v1', secretData: 'pw' });
    await h.succeed({
      Action: 'TagResource',
      SecretName: 'db',
      Tags: '[{"TagKey":"team","TagValue":"pay"},{"TagKey":"env","TagValue":"prod"}]',
    });
    expect(state().secrets.find('db').Tags).toEqual([
      { TagKey: 'team', TagValue: 'pay' },
      { TagKey: 'env', TagValue: 'prod' },
    ]);
    await h.succeed({ Action: 'UntagResource', SecretName: 'db', TagKeys: '["team"]' });
    expect(state().secrets.find('db').Tags).toEqual([{ TagKey: 'env', TagValue: 'prod' }]);
    const result = await h.call({
      Action: 'TagResource',
      SecretName: 'missing',
      Tags: '[{"TagKey":"a","TagValue":"b"}]',
    });
    expect(result.status).toBe(404);
  });
});

describe('aliases', () => {
  it('UpdateAlias points an alias at another key', async () => {
    const a = await createKey();
    const b = await createKey();
    await h.succeed({ Action: 'CreateAlias', KeyId: a.KeyId as string, AliasName: 'alias/app' });
    await expectBothFormats(h, () => ({
      Action: 'UpdateAlias',
      AliasName: 'alias/app',
      KeyId: b.KeyId as string,
    }));
    expect((await encrypt('alias/app')).KeyId).toBe(b.KeyId);
    expect(state().aliases).toEqual([{ AliasName: 'alias/app', KeyId: b.KeyId }]);
  });

  it('UpdateAlias: unknown alias or key is 404, a key pending deletion 409', async () => {
    const a = await createKey();
    const b = await createKey();
    await h.succeed({ Action: 'CreateAlias', KeyId: a.KeyId as string, AliasName: 'alias/app' });
    expectKmsError(
      await h.call({ Action: 'UpdateAlias', AliasName: 'alias/none', KeyId: b.KeyId as string }),
      404,
      'Forbidden.AliasNotFound',
      MESSAGES.AliasNotFound,
    );
    expectKmsError(
      await h.call({ Action: 'UpdateAlias', AliasName: 'alias/app', KeyId: 'nope' }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
    state().setKeyState(b.KeyId as string, 'PendingDeletion');
    expectKmsError(
      await h.call({ Action: 'UpdateAlias', AliasName: 'alias/app', KeyId: b.KeyId as string }),
      409,
      'Rejected.PendingDeletion',
      MESSAGES.PendingDeletion,
    );
    expectKmsError(
      await h.call({ Action: 'UpdateAlias', AliasName: 'alias/app' }),
      400,
      'MissingParameter',
      missing('KeyId'),
    );
    expect(state().aliases).toEqual([{ AliasName: 'alias/app', KeyId: a.KeyId }]);
  });

  it('DeleteAlias removes an alias; an unknown one is 404', async () => {
    const key = await createKey();
    await h.succeed({ Action: 'CreateAlias', KeyId: key.KeyId as string, AliasName: 'alias/x' });
    await h.succeed({ Action: 'CreateAlias', KeyId: key.KeyId as string, AliasName: 'alias/y' });
    const body = await h.succeed({ Action: 'DeleteAlias', AliasName: 'alias/x' });
    expectJsonSchema('DeleteAlias', body);
    expectXmlSchema(
      'DeleteAlias',
      await h.call({ Action: 'DeleteAlias', AliasName: 'alias/y', Format: 'XML' }),
    );
    expect(state().aliases).toEqual([]);
    expectKmsError(
      await h.call({ Action: 'DeleteAlias', AliasName: 'alias/x' }),
      404,
      'Forbidden.AliasNotFound',
      MESSAGES.AliasNotFound,
    );
    expectKmsError(
      await h.call({ Action: 'Encrypt', KeyId: 'alias/x', Plaintext: 'p' }),
      404,
      'Forbidden.AliasNotFound',
      MESSAGES.AliasNotFound,
    );
  });

  it('ListAliasesByKeyId lists one key’s aliases, paged', async () => {
    const a = await createKey();
    const b = await createKey();
    for (const name of ['alias/a1', 'alias/a2', 'alias/a3']) {
      await h.succeed({ Action: 'CreateAlias', KeyId: a.KeyId as string, AliasName: name });
    }
    await h.succeed({ Action: 'CreateAlias', KeyId: b.KeyId as string, AliasName: 'alias/b1' });
    const all = await expectBothFormats(h, () => ({
      Action: 'ListAliasesByKeyId',
      KeyId: 'alias/a2',
    }));
    expect(all).toMatchObject({ TotalCount: 3, PageNumber: 1, PageSize: 10 });
    expect(all.Aliases).toEqual({
      Alias: ['alias/a1', 'alias/a2', 'alias/a3'].map((AliasName) => ({
        KeyId: a.KeyId,
        AliasArn: `acs:kms:cn-hangzhou:${ACCOUNT}:${AliasName}`,
        AliasName,
      })),
    });
    const page = await h.succeed({
      Action: 'ListAliasesByKeyId',
      KeyId: a.KeyId as string,
      PageSize: '2',
      PageNumber: '2',
    });
    expect(
      (page.Aliases as { Alias: { AliasName: string }[] }).Alias.map((x) => x.AliasName),
    ).toEqual(['alias/a3']);
    expectKmsError(
      await h.call({ Action: 'ListAliasesByKeyId', KeyId: 'nope' }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
  });

  it('a deleted key takes its aliases with it', async () => {
    const key = await createKey();
    await h.succeed({ Action: 'CreateAlias', KeyId: key.KeyId as string, AliasName: 'alias/gone' });
    await h.succeed({
      Action: 'ScheduleKeyDeletion',
      KeyId: key.KeyId as string,
      PendingWindowInDays: '7',
    });
    h.advance(7 * DAY);
    const listed = await h.succeed({ Action: 'ListAliases' });
    expect(listed).toMatchObject({ Aliases: { Alias: [] }, TotalCount: 0 });
    expect(state().keys).toHaveLength(0);
  });
});

describe('symmetric actions', () => {
  it('answer exactly the metadata fields, in JSON and XML', async () => {
    const key = await createKey();
    const keyId = key.KeyId as string;
    const blob = (await encrypt(keyId)).CiphertextBlob as string;
    for (const params of <Record<string, string>[]>[
      { Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' },
      { Action: 'Decrypt', CiphertextBlob: blob },
      { Action: 'GenerateDataKey', KeyId: keyId },
      { Action: 'GenerateDataKeyWithoutPlaintext', KeyId: keyId },
      { Action: 'ReEncrypt', CiphertextBlob: blob, DestinationKeyId: keyId },
      { Action: 'CreateAlias', KeyId: keyId, AliasName: 'alias/one' },
      { Action: 'ListAliases' },
      { Action: 'EnableKey', KeyId: keyId },
      { Action: 'DisableKey', KeyId: keyId },
      { Action: 'EnableKey', KeyId: keyId },
    ]) {
      expectJsonSchema(params.Action as string, await h.succeed(params));
    }
    for (const params of <Record<string, string>[]>[
      { Action: 'Encrypt', KeyId: keyId, Plaintext: 'p' },
      { Action: 'Decrypt', CiphertextBlob: blob },
      { Action: 'GenerateDataKey', KeyId: keyId },
      { Action: 'GenerateDataKeyWithoutPlaintext', KeyId: keyId },
      { Action: 'ReEncrypt', CiphertextBlob: blob, DestinationKeyId: keyId },
      { Action: 'CreateAlias', KeyId: keyId, AliasName: 'alias/two' },
      { Action: 'ListAliases' },
      { Action: 'ScheduleKeyDeletion', KeyId: keyId, PendingWindowInDays: '7' },
      { Action: 'CancelKeyDeletion', KeyId: keyId },
    ]) {
      expectXmlSchema(params.Action as string, await h.call({ ...params, Format: 'XML' }));
    }
    expectJsonSchema(
      'ScheduleKeyDeletion',
      await h.succeed({ Action: 'ScheduleKeyDeletion', KeyId: keyId, PendingWindowInDays: '7' }),
    );
    expectJsonSchema(
      'CancelKeyDeletion',
      await h.succeed({ Action: 'CancelKeyDeletion', KeyId: keyId }),
    );
  });

  it('GenerateDataKeyWithoutPlaintext gives a blob that decrypts to a data key', async () => {
    const key = await createKey();
    const body = await h.succeed({
      Action: 'GenerateDataKeyWithoutPlaintext',
      KeyId: key.KeyId as string,
      KeySpec: 'AES_128',
      EncryptionContext: '{"file":"f"}',
    });
    expect(Object.keys(body)).toEqual(['KeyId', 'KeyVersionId', 'CiphertextBlob', 'RequestId']);
    const opened = await decrypt(body.CiphertextBlob as string, {
      EncryptionContext: '{"file":"f"}',
    });
    expect(Buffer.from(opened.Plaintext as string, 'base64')).toHaveLength(16);
    expectKmsError(
      await h.call({
        Action: 'GenerateDataKeyWithoutPlaintext',
        KeyId: key.KeyId as string,
        NumberOfBytes: '1025',
      }),
      400,
      'InvalidParameter',
      invalid('NumberOfBytes'),
    );
  });

  it('ReEncrypt moves a ciphertext to another key and context', async () => {
    const source = await createKey();
    const target = await createKey();
    const sealed = await encrypt(source.KeyId as string, 'moving', {
      EncryptionContext: '{"from":"a"}',
    });
    const moved = await h.succeed({
      Action: 'ReEncrypt',
      CiphertextBlob: sealed.CiphertextBlob as string,
      SourceEncryptionContext: '{"from":"a"}',
      DestinationKeyId: target.KeyId as string,
      DestinationEncryptionContext: '{"to":"b"}',
    });
    expect(moved.KeyId).toBe(target.KeyId);
    expect(moved.KeyVersionId).toBe(target.PrimaryKeyVersion);
    // Independently: the new blob is AES-GCM under the target's material and the new context.
    const blob = Buffer.from(moved.CiphertextBlob as string, 'base64');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      state().keyMaterial(target.KeyId as string),
      blob.subarray(36, 48),
    );
    decipher.setAAD(Buffer.from(JSON.stringify([['to', 'b']])));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    const plain = Buffer.concat([
      decipher.update(blob.subarray(48, blob.length - 16)),
      decipher.final(),
    ]);
    expect(plain.toString('utf8')).toBe('moving');
    const back = await decrypt(moved.CiphertextBlob as string, { EncryptionContext: '{"to":"b"}' });
    expect(back.Plaintext).toBe('moving');
    // With SourceKeyId naming the key that sealed it, too.
    const named = await h.call({
      Action: 'ReEncrypt',
      CiphertextBlob: sealed.CiphertextBlob as string,
      SourceKeyId: source.KeyId as string,
      SourceEncryptionContext: '{"from":"a"}',
      DestinationKeyId: target.KeyId as string,
    });
    expect(named.status).toBe(200);
  });

  it('ReEncrypt refuses a wrong source context, a wrong SourceKeyId and bad destinations', async () => {
    const source = await createKey();
    const target = await createKey();
    const rsa = await createKey({ KeySpec: 'RSA_2048' });
    const blob = (await encrypt(source.KeyId as string, 'x', { EncryptionContext: '{"a":"1"}' }))
      .CiphertextBlob as string;
    const reEncrypt = (params: Record<string, string>) =>
      h.call({ Action: 'ReEncrypt', CiphertextBlob: blob, ...params });
    expectKmsError(
      await reEncrypt({ DestinationKeyId: target.KeyId as string }),
      400,
      'InvalidCiphertext',
      MESSAGES.InvalidCiphertext,
    );
    expectKmsError(
      await reEncrypt({
        DestinationKeyId: target.KeyId as string,
        SourceEncryptionContext: '{"a":"1"}',
        SourceKeyId: target.KeyId as string,
      }),
      400,
      'InvalidCiphertext',
      MESSAGES.InvalidCiphertext,
    );
    expectKmsError(
      await reEncrypt({
        DestinationKeyId: rsa.KeyId as string,
        SourceEncryptionContext: '{"a":"1"}',
      }),
      400,
      'UnsupportedOperation',
      MESSAGES.UnsupportedOperation,
    );
    expectKmsError(
      await reEncrypt({ DestinationKeyId: 'nope' }),
      404,
      'Forbidden.KeyNotFound',
      MESSAGES.KeyNotFound,
    );
    expectKmsError(
      await reEncrypt({ DestinationKeyId: target.KeyId as string, SourceEncryptionContext: '[' }),
      400,
      'InvalidParameter',
      invalid('SourceEncryptionContext'),
    );
    expectKmsError(
      await reEncrypt({
        DestinationKeyId: target.KeyId as string,
        DestinationEncryptionContext: '"x"',
      }),
      400,
      'InvalidParameter',
      invalid('DestinationEncryptionContext'),
    );
    expectKmsError(
      await h.call({ Action: 'ReEncrypt', CiphertextBlob: blob }),
      400,
      'MissingParameter',
      missing('DestinationKeyId'),
    );
  });

  it('answer UnsupportedOperation for an asymmetric key', async () => {
    for (const params of <Record<string, string>[]>[
      { KeySpec: 'RSA_2048' },
      { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY' },
    ]) {
      const key = await createKey(params);
      const KeyId = key.KeyId as string;
      for (const request of <Record<string, string>[]>[
        { Action: 'Encrypt', KeyId, Plaintext: 'p' },
        { Action: 'GenerateDataKey', KeyId },
        { Action: 'GenerateDataKeyWithoutPlaintext', KeyId },
      ]) {
        expectKmsError(
          await h.call(request),
          400,
          'UnsupportedOperation',
          MESSAGES.UnsupportedOperation,
        );
      }
      // A blob naming an asymmetric key's version.
      const forged = Buffer.concat([
        Buffer.from(key.PrimaryKeyVersion as string, 'ascii'),
        Buffer.alloc(40),
      ]).toString('base64');
      expectKmsError(
        await h.call({ Action: 'Decrypt', CiphertextBlob: forged }),
        400,
        'UnsupportedOperation',
        MESSAGES.UnsupportedOperation,
      );
    }
  });
});
