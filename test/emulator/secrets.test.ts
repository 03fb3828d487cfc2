import { createDecipheriv } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { typeObject } from '../../src/codec/typed.js';
import { readXml } from '../../src/codec/xml-read.js';
import { type Emulator, EmulatorState, startEmulator } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { ObjectSchema } from '../../src/kms/schema.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { jsonProblems } from '../support/schema-check.js';
import { ACCESS_KEYS, callV1, expectKmsError, JSON_TYPE, XML_TYPE } from './helpers.js';

const ACCOUNT = '1234567890123456';
const START = Date.parse('2025-06-01T12:00:00Z');
const DAY = 86_400_000;
const arn = (name: string) => `acs:kms:cn-hangzhou:${ACCOUNT}:secret/${name}`;

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
const call = (params: Record<string, string>, target: Emulator = emulator) =>
  callV1(target, params, { timestamp: alibabaTimestamp(new Date(clock)) });

type Body = Record<string, unknown>;

async function succeed(params: Record<string, string>, target: Emulator = emulator) {
  const result = await call(params, target);
  if (result.status !== 200) throw new Error(`${params.Action}: ${result.status} ${result.body}`);
  expect(result.headers['content-type']).toBe(JSON_TYPE);
  return JSON.parse(result.body) as Body;
}

const invalid = (name: string) => `The specified parameter "${name}" is not valid.`;
const missing = (name: string) => `The parameter "${name}" is needed but not provided.`;
const NOT_FOUND = ['Forbidden.ResourceNotFound', 'The resource is not found.'] as const;
const EXISTS = ['Rejected.ResourceExist', 'The resource already exists.'] as const;
const IN_DELETE_WINDOW = [
  'Rejected.ResourceInDeleteWindow',
  'The secret is planned to be deleted.',
] as const;
const IN_USE = ['Rejected.ResourceInUse', 'restore normal secret'] as const;
const INVALID_REQUEST = ['Rejected.InvalidRequest', 'param mismatch'] as const;
const LIMIT = [
  'Rejected.LimitExceeded',
  'The request was rejected because user create resource limit was exceeded.',
] as const;

/** Exactly the fields of `schema`, all of them, recursively typed (the shared checker). */
const expectConforms = (value: unknown, schema: ObjectSchema) =>
  expect(jsonProblems(value, schema)).toEqual([]);

const responseSchema = (action: string): ObjectSchema => {
  const spec = ACTIONS[action];
  if (!spec) throw new Error(`no metadata for ${action}`);
  return spec.response;
};

/** The XML answer of a call: `<ActionResponse>`, typed by the metadata schema. */
async function xmlAnswer(params: Record<string, string>): Promise<Body> {
  const result = await call({ ...params, Format: 'XML' });
  expect(result.status, result.body).toBe(200);
  expect(result.headers['content-type']).toBe(XML_TYPE);
  const document = readXml(result.body);
  expect(document.root).toBe(`${params.Action}Response`);
  return typeObject(document.content, responseSchema(params.Action as string)) as Body;
}

const withoutRequestId = ({ RequestId: _, ...rest }: Body) => rest;

/** Creates a text secret through the API. */
const create = (name: string, data = 'v1-data', extra: Record<string, string> = {}) =>
  succeed({
    Action: 'CreateSecret',
    SecretName: name,
    VersionId: 'v1',
    SecretData: data,
    ...extra,
  });

const put = (name: string, versionId: string, data: string, extra: Record<string, string> = {}) =>
  succeed({
    Action: 'PutSecretValue',
    SecretName: name,
    VersionId: versionId,
    SecretData: data,
    ...extra,
  });

const value = (name: string, extra: Record<string, string> = {}) =>
  succeed({ Action: 'GetSecretValue', SecretName: name, ...extra });

const stagesOf = async (name: string): Promise<Record<string, string[]>> => {
  const body = await succeed({
    Action: 'ListSecretVersionIds',
    SecretName: name,
    IncludeDeprecated: 'true',
    PageSize: '100',
  });
  const versions = (body.VersionIds as { VersionId: Body[] }).VersionId;
  return Object.fromEntries(
    versions.map((v) => [
      v.VersionId,
      (v.VersionStages as { VersionStage: string[] }).VersionStage,
    ]),
  );
};

describe('the schema check used below', () => {
  it('rejects missing, extra and mistyped fields', () => {
    const schema = responseSchema('ListSecretVersionIds');
    const good = {
      SecretName: 's',
      RequestId: 'r',
      PageSize: 10,
      PageNumber: 1,
      TotalCount: 1,
      VersionIds: {
        VersionId: [
          { VersionId: 'v', CreateTime: 't', VersionStages: { VersionStage: ['ACSCurrent'] } },
        ],
      },
    };
    expectConforms(good, schema);
    expect(() => expectConforms({ ...good, PageSize: '10' }, schema)).toThrow();
    expect(() => expectConforms({ ...good, Extra: 'x' }, schema)).toThrow();
    const { SecretName: _, ...withoutName } = good;
    expect(() => expectConforms(withoutName, schema)).toThrow();
    expect(() =>
      expectConforms({ ...good, VersionIds: { VersionId: { VersionId: 'v' } } }, schema),
    ).toThrow();
  });
});

describe('every secrets action answers with the metadata response fields, in JSON and XML', () => {
  /** Per action: arrange the state, then the parameters of one successful call. */
  const cases: Record<string, () => Promise<Record<string, string>>> = {
    CreateSecret: async () => ({
      Action: 'CreateSecret',
      SecretName: 'db',
      VersionId: 'v1',
      SecretData: 'pw',
    }),
    GetSecretValue: async () => {
      await create('db');
      return { Action: 'GetSecretValue', SecretName: 'db' };
    },
    PutSecretValue: async () => {
      await create('db');
      return { Action: 'PutSecretValue', SecretName: 'db', VersionId: 'v2', SecretData: 'pw2' };
    },
    DescribeSecret: async () => {
      await create('db', 'x', { Tags: '[{"Key":"team","Value":"core"}]' });
      return { Action: 'DescribeSecret', SecretName: 'db', FetchTags: 'true' };
    },
    ListSecrets: async () => {
      await create('a', 'x', { Tags: '[{"Key":"team","Value":"core"}]' });
      await create('b');
      return { Action: 'ListSecrets', FetchTags: 'true' };
    },
    ListSecretVersionIds: async () => {
      await create('db');
      await put('db', 'v2', 'two');
      return { Action: 'ListSecretVersionIds', SecretName: 'db' };
    },
    UpdateSecretVersionStage: async () => {
      await create('db');
      return {
        Action: 'UpdateSecretVersionStage',
        SecretName: 'db',
        VersionStage: 'Custom',
        MoveToVersion: 'v1',
      };
    },
    DeleteSecret: async () => {
      await create('db');
      return { Action: 'DeleteSecret', SecretName: 'db' };
    },
    RestoreSecret: async () => {
      await create('db');
      await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
      return { Action: 'RestoreSecret', SecretName: 'db' };
    },
  };

  for (const [action, arrange] of Object.entries(cases)) {
    it(action, async () => {
      const params = await arrange();
      const body = await succeed(params);
      expectConforms(body, responseSchema(action));
      expect(Object.keys(body).at(-1)).toBe('RequestId');

      emulator.state.reset();
      const xmlParams = await arrange();
      const typed = await xmlAnswer(xmlParams);
      expectConforms(typed, responseSchema(action));
      // Same state, same call: the XML answer says what the JSON answer said.
      expect(withoutRequestId(typed)).toEqual(withoutRequestId(body));
    });
  }
});

describe('CreateSecret', () => {
  it('creates a generic text secret whose ACSCurrent version holds the data', async () => {
    const body = await create('db/main', 'p@ss w0rd ✓', { Description: 'main db' });
    expect(body).toEqual({
      AutomaticRotation: 'Disabled',
      SecretName: 'db/main',
      VersionId: 'v1',
      NextRotationDate: '',
      SecretType: 'Generic',
      RotationInterval: '',
      Arn: arn('db/main'),
      ExtendedConfig: '',
      DKMSInstanceId: '',
      RequestId: body.RequestId,
    });
    const got = await value('db/main');
    expect(got.SecretData).toBe('p@ss w0rd ✓');
    expect(got.SecretDataType).toBe('text');
    expect(got.VersionId).toBe('v1');
    expect(got.CreateTime).toBe(alibabaTimestamp(START));
    expect(got.VersionStages).toEqual({ VersionStage: ['ACSCurrent'] });
  });

  it('stores binary data as base64 and answers it as sent', async () => {
    const data = Buffer.from([0, 1, 2, 250, 255]).toString('base64');
    await create('bin', data, { SecretDataType: 'binary' });
    const got = await value('bin');
    expect([got.SecretData, got.SecretDataType]).toEqual([data, 'binary']);
    expectKmsError(
      await call({
        Action: 'CreateSecret',
        SecretName: 'bin2',
        VersionId: 'v1',
        SecretData: 'not base64!',
        SecretDataType: 'binary',
      }),
      400,
      'InvalidParameter',
      invalid('SecretData'),
    );
  });

  it('stores automatic rotation settings, interval in seconds', async () => {
    const body = await create('rot', 'x', {
      EnableAutomaticRotation: 'true',
      RotationInterval: '7d',
      ExtendedConfig: '{"CustomData":{"k":"v"}}',
    });
    expect(body.AutomaticRotation).toBe('Enabled');
    expect(body.RotationInterval).toBe('604800s');
    expect(body.NextRotationDate).toBe(alibabaTimestamp(START + 7 * DAY));
    expect(body.ExtendedConfig).toBe('{"CustomData":{"k":"v"}}');
    const described = await succeed({ Action: 'DescribeSecret', SecretName: 'rot' });
    expect([described.AutomaticRotation, described.RotationInterval]).toEqual([
      'Enabled',
      '604800s',
    ]);
    // Without EnableAutomaticRotation the interval is ignored, as documented.
    const off = await create('off', 'x', { RotationInterval: '1h' });
    expect([off.AutomaticRotation, off.RotationInterval]).toEqual(['Disabled', '']);
    expectKmsError(
      await call({
        Action: 'CreateSecret',
        SecretName: 'r2',
        VersionId: 'v1',
        SecretData: 'x',
        EnableAutomaticRotation: 'true',
      }),
      400,
      'MissingParameter',
      missing('RotationInterval'),
    );
    for (const interval of ['5h', '366d', '7w', 'abc']) {
      expectKmsError(
        await call({
          Action: 'CreateSecret',
          SecretName: 'r2',
          VersionId: 'v1',
          SecretData: 'x',
          EnableAutomaticRotation: 'true',
          RotationInterval: interval,
        }),
        400,
        'InvalidParameter',
        invalid('RotationInterval'),
      );
    }
  });

  it('refuses a name in use with 409 Rejected.ResourceExist', async () => {
    await create('db');
    expectKmsError(
      await call({ Action: 'CreateSecret', SecretName: 'db', VersionId: 'v9', SecretData: 'y' }),
      409,
      ...EXISTS,
    );
    expect((await value('db')).SecretData).toBe('v1-data');
  });

  it('refuses the name of a secret in its recovery window with 409', async () => {
    await create('db');
    await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
    expectKmsError(
      await call({ Action: 'CreateSecret', SecretName: 'db', VersionId: 'v1', SecretData: 'y' }),
      409,
      ...IN_DELETE_WINDOW,
    );
  });

  it('names missing and invalid parameters and stores nothing', async () => {
    const base = { Action: 'CreateSecret', SecretName: 'ok', VersionId: 'v1', SecretData: 'x' };
    for (const name of ['SecretName', 'VersionId', 'SecretData'] as const) {
      const { [name]: _, ...rest } = base;
      expectKmsError(await call(rest), 400, 'MissingParameter', missing(name));
    }
    const bad: [Record<string, string>, string][] = [
      [{ SecretName: 'has space' }, 'SecretName'],
      [{ SecretName: 'acs/reserved' }, 'SecretName'],
      [{ SecretName: 'x'.repeat(193) }, 'SecretName'],
      [{ VersionId: 'v 1' }, 'VersionId'],
      [{ SecretDataType: 'json' }, 'SecretDataType'],
      [{ SecretData: 'x'.repeat(30_721) }, 'SecretData'],
      [{ Tags: 'not json' }, 'Tags'],
      [{ Tags: '{"Key":"k"}' }, 'Tags'],
      [{ Tags: '[{"Key":1,"Value":"v"}]' }, 'Tags'],
      [{ Tags: '[{"Key":"acs:reserved","Value":"v"}]' }, 'Tags'],
      [{ ExtendedConfig: '[1]' }, 'ExtendedConfig'],
      [{ ExtendedConfig: '{bad' }, 'ExtendedConfig'],
      [{ EnableAutomaticRotation: 'yes' }, 'EnableAutomaticRotation'],
      [{ SecretType: 'Custom' }, 'SecretType'],
    ];
    for (const [change, name] of bad) {
      // POST: a 30 KB value does not fit in a request line.
      const result = await callV1(
        emulator,
        { ...base, ...change },
        {
          method: 'POST',
          timestamp: alibabaTimestamp(new Date(clock)),
        },
      );
      expectKmsError(result, 400, 'InvalidParameter', invalid(name));
    }
    expectKmsError(
      await call({ ...base, SecretType: 'Rds' }),
      400,
      'UnsupportedOperation',
      'This action is not supported.',
    );
    expectKmsError(
      await call({ ...base, DKMSInstanceId: 'kst-none' }),
      403,
      'Forbidden.DKMSInstanceNotFound',
      'The specified DKMS Instance is not found.',
    );
    expect(emulator.state.secrets.secrets).toHaveLength(0);
    expect(emulator.state.snapshot().secrets).toEqual([]);
  });

  it('accepts tags as Key/Value or TagKey/TagValue', async () => {
    await create('t', 'x', {
      Tags: '[{"Key":"a","Value":"1"},{"TagKey":"b","TagValue":"2"}]',
    });
    const body = await succeed({ Action: 'DescribeSecret', SecretName: 't', FetchTags: 'true' });
    expect(body.Tags).toEqual({
      Tag: [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'b', TagValue: '2' },
      ],
    });
  });

  it('answers 400 Rejected.LimitExceeded beyond the secret quota', async () => {
    const limited = await startEmulator({
      accessKeys: ACCESS_KEYS,
      now: () => clock,
      quotas: { secrets: 2 },
    });
    try {
      const make = (name: string) =>
        call(
          { Action: 'CreateSecret', SecretName: name, VersionId: 'v1', SecretData: 'x' },
          limited,
        );
      expect((await make('one')).status).toBe(200);
      expect((await make('two')).status).toBe(200);
      expectKmsError(await make('three'), 400, ...LIMIT);
      expect(limited.state.secrets.secrets.map((s) => s.SecretName)).toEqual(['one', 'two']);
      // A secret in its recovery window still counts; one deleted for good does not.
      await succeed({ Action: 'DeleteSecret', SecretName: 'one' }, limited);
      expectKmsError(await make('three'), 400, ...LIMIT);
      await succeed(
        { Action: 'DeleteSecret', SecretName: 'one', ForceDeleteWithoutRecovery: 'true' },
        limited,
      );
      expect((await make('three')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('EncryptionKeyId', () => {
  it('really encrypts every version with the key: the stored record holds no plaintext', async () => {
    const key = emulator.state.createKey();
    emulator.state.createAlias('alias/secrets', key.KeyId);
    await create('enc', 'top-secret-one', { EncryptionKeyId: 'alias/secrets' });
    await put('enc', 'v2', 'top-secret-two');
    const stored = JSON.stringify(emulator.state.snapshot());
    expect(stored).not.toContain('top-secret');
    const record = emulator.state.snapshot().secrets[0];
    expect(record?.EncryptionKeyId).toBe(key.KeyId);
    expect(record?.Versions.map((v) => v.SecretData)).toEqual(['', '']);

    // The ciphertext opens with node:crypto, the key material and the documented envelope.
    const blob = Buffer.from(record?.Versions[0]?.CiphertextBlob ?? '', 'base64');
    expect(blob.subarray(0, 36).toString('ascii')).toBe(key.PrimaryKeyVersion);
    expect(blob.includes(Buffer.from('top-secret-one'))).toBe(false);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      emulator.state.keyMaterial(key.KeyId),
      blob.subarray(36, 48),
    );
    decipher.setAAD(
      Buffer.from(
        JSON.stringify([
          ['SecretName', 'enc'],
          ['VersionId', 'v1'],
        ]),
      ),
    );
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    const plain = Buffer.concat([
      decipher.update(blob.subarray(48, blob.length - 16)),
      decipher.final(),
    ]);
    expect(plain.toString('utf8')).toBe('top-secret-one');

    expect((await value('enc')).SecretData).toBe('top-secret-two');
    expect((await value('enc', { VersionId: 'v1' })).SecretData).toBe('top-secret-one');
    expect((await succeed({ Action: 'DescribeSecret', SecretName: 'enc' })).EncryptionKeyId).toBe(
      key.KeyId,
    );
    // Same id and data is still recognised as the same version through the ciphertext.
    expect((await put('enc', 'v2', 'top-secret-two')).VersionId).toBe('v2');
    expectKmsError(
      await call({
        Action: 'PutSecretValue',
        SecretName: 'enc',
        VersionId: 'v2',
        SecretData: 'other',
      }),
      409,
      ...EXISTS,
    );
  });

  it('leaves EncryptionKeyId empty and the data readable when no key is named', async () => {
    await create('plain');
    expect((await succeed({ Action: 'DescribeSecret', SecretName: 'plain' })).EncryptionKeyId).toBe(
      '',
    );
  });

  it('needs a key that exists and is enabled, when creating and when reading', async () => {
    expectKmsError(
      await call({
        Action: 'CreateSecret',
        SecretName: 's',
        VersionId: 'v1',
        SecretData: 'x',
        EncryptionKeyId: 'no-such-key',
      }),
      404,
      'Forbidden.KeyNotFound',
      'The specified Key is not found.',
    );
    const key = emulator.state.createKey();
    emulator.state.disableKey(key.KeyId);
    expectKmsError(
      await call({
        Action: 'CreateSecret',
        SecretName: 's',
        VersionId: 'v1',
        SecretData: 'x',
        EncryptionKeyId: key.KeyId,
      }),
      409,
      'Rejected.Disabled',
      'The request was rejected because the key state is Disabled.',
    );
    expect(emulator.state.secrets.secrets).toHaveLength(0);

    emulator.state.enableKey(key.KeyId);
    await create('s', 'x', { EncryptionKeyId: key.KeyId });
    emulator.state.disableKey(key.KeyId);
    expectKmsError(
      await call({ Action: 'GetSecretValue', SecretName: 's' }),
      409,
      'Rejected.Disabled',
      'The request was rejected because the key state is Disabled.',
    );
    emulator.state.scheduleKeyDeletion(key.KeyId, 7);
    expectKmsError(
      await call({ Action: 'PutSecretValue', SecretName: 's', VersionId: 'v2', SecretData: 'y' }),
      409,
      'Rejected.PendingDeletion',
      'The request was rejected because the key state is PendingDeletion.',
    );
    emulator.state.cancelKeyDeletion(key.KeyId);
    expect((await value('s')).SecretData).toBe('x');
  });
});

describe('GetSecretValue', () => {
  it('reads by stage (ACSCurrent by default), by VersionId, or both when they agree', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    expect((await value('db')).SecretData).toBe('two');
    expect((await value('db', { VersionStage: 'ACSPrevious' })).SecretData).toBe('one');
    expect((await value('db', { VersionId: 'v1' })).SecretData).toBe('one');
    const both = await value('db', { VersionId: 'v1', VersionStage: 'ACSPrevious' });
    expect([both.SecretData, both.VersionStages]).toEqual([
      'one',
      { VersionStage: ['ACSPrevious'] },
    ]);
    expect((await value(arn('db'))).SecretData).toBe('two');
  });

  it('answers 404 Forbidden.ResourceNotFound for an unknown secret, version or stage', async () => {
    await create('db');
    const lookups: Record<string, string>[] = [
      { SecretName: 'nope' },
      { SecretName: 'db', VersionId: 'v9' },
      { SecretName: 'db', VersionStage: 'ACSPrevious' },
      { SecretName: 'db', VersionId: 'v1', VersionStage: 'Other' },
      { SecretName: arn('db').replace('cn-hangzhou', 'cn-beijing') },
    ];
    for (const params of lookups) {
      expectKmsError(await call({ Action: 'GetSecretValue', ...params }), 404, ...NOT_FOUND);
    }
    expectKmsError(
      await call({ Action: 'GetSecretValue' }),
      400,
      'MissingParameter',
      missing('SecretName'),
    );
  });

  it('answers ExtendedConfig only with FetchExtendedConfig=true', async () => {
    await create('db', 'x', { ExtendedConfig: '{"CustomData":{}}' });
    expect((await value('db')).ExtendedConfig).toBe('');
    expect((await value('db', { FetchExtendedConfig: 'true' })).ExtendedConfig).toBe(
      '{"CustomData":{}}',
    );
    expectKmsError(
      await call({ Action: 'GetSecretValue', SecretName: 'db', FetchExtendedConfig: '1' }),
      400,
      'InvalidParameter',
      invalid('FetchExtendedConfig'),
    );
  });

  it('refuses a secret in its recovery window with 409, and reads it again once restored', async () => {
    await create('db');
    await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
    expectKmsError(
      await call({ Action: 'GetSecretValue', SecretName: 'db' }),
      409,
      ...IN_DELETE_WINDOW,
    );
    await succeed({ Action: 'RestoreSecret', SecretName: 'db' });
    expect((await value('db')).SecretData).toBe('v1-data');
  });
});

describe('PutSecretValue', () => {
  it('moves ACSCurrent to the new version, ACSPrevious to the former, and keeps every version readable', async () => {
    await create('db', 'one');
    clock += 1000;
    const second = await put('db', 'v2', 'two');
    expect(second).toEqual({
      SecretName: 'db',
      VersionId: 'v2',
      VersionStages: { VersionStage: ['ACSCurrent'] },
      RequestId: second.RequestId,
    });
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
    await put('db', 'v3', 'three');
    expect(await stagesOf('db')).toEqual({ v1: [], v2: ['ACSPrevious'], v3: ['ACSCurrent'] });
    // v1 has no stage left but is still readable by its id.
    const first = await value('db', { VersionId: 'v1' });
    expect([first.SecretData, first.VersionStages, first.CreateTime]).toEqual([
      'one',
      { VersionStage: [] },
      alibabaTimestamp(START),
    ]);
    expect((await value('db', { VersionId: 'v2' })).CreateTime).toBe(
      alibabaTimestamp(START + 1000),
    );
    expect((await succeed({ Action: 'DescribeSecret', SecretName: 'db' })).UpdateTime).toBe(
      alibabaTimestamp(START + 1000),
    );
  });

  it('is idempotent for the same VersionId and data, and refuses different data with 409', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    const again = await put('db', 'v2', 'two');
    expect(again.VersionStages).toEqual({ VersionStage: ['ACSCurrent'] });
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
    expectKmsError(
      await call({
        Action: 'PutSecretValue',
        SecretName: 'db',
        VersionId: 'v2',
        SecretData: 'changed',
      }),
      409,
      ...EXISTS,
    );
    expect((await value('db', { VersionId: 'v2' })).SecretData).toBe('two');
    // The same text under another data type is different data.
    await put('db', 'v3', 'QUJD');
    expectKmsError(
      await call({
        Action: 'PutSecretValue',
        SecretName: 'db',
        VersionId: 'v3',
        SecretData: 'QUJD',
        SecretDataType: 'binary',
      }),
      409,
      ...EXISTS,
    );
  });

  it('puts the stages asked for, leaving ACSCurrent where it is when not asked', async () => {
    await create('db', 'one');
    const next = await put('db', 'v2', 'two', { VersionStages: '["ACSNext","Blue"]' });
    expect(next.VersionStages).toEqual({ VersionStage: ['ACSNext', 'Blue'] });
    expect(await stagesOf('db')).toEqual({ v1: ['ACSCurrent'], v2: ['ACSNext', 'Blue'] });
    await put('db', 'v3', 'three', { VersionStages: '["ACSNext"]' });
    expect(await stagesOf('db')).toEqual({
      v1: ['ACSCurrent'],
      v2: ['Blue'],
      v3: ['ACSNext'],
    });
    expect((await value('db')).SecretData).toBe('one');
    expect((await value('db', { VersionStage: 'ACSNext' })).SecretData).toBe('three');
  });

  it('refuses bad VersionStages, more than 8 stages, and unknown or deleted secrets', async () => {
    await create('db');
    for (const stages of ['ACSCurrent', '{"a":1}', '[1]', '[]']) {
      expectKmsError(
        await call({
          Action: 'PutSecretValue',
          SecretName: 'db',
          VersionId: 'v2',
          SecretData: 'x',
          VersionStages: stages,
        }),
        400,
        'InvalidParameter',
        invalid('VersionStages'),
      );
    }
    await put('db', 'v2', 'x', { VersionStages: '["s1","s2","s3","s4","s5","s6"]' });
    await put('db', 'v3', 'x', { VersionStages: '["s7"]' }); // ACSCurrent + 7 = 8 stages
    expectKmsError(
      await call({
        Action: 'PutSecretValue',
        SecretName: 'db',
        VersionId: 'v4',
        SecretData: 'x',
        VersionStages: '["s8"]',
      }),
      400,
      ...LIMIT,
    );
    expectKmsError(
      await call({
        Action: 'PutSecretValue',
        SecretName: 'nope',
        VersionId: 'v2',
        SecretData: 'x',
      }),
      404,
      ...NOT_FOUND,
    );
    const full = { Action: 'PutSecretValue', SecretName: 'db', VersionId: 'v9', SecretData: 'x' };
    for (const name of ['SecretName', 'VersionId', 'SecretData']) {
      const params = Object.fromEntries(Object.entries(full).filter(([k]) => k !== name));
      expectKmsError(await call(params), 400, 'MissingParameter', missing(name));
    }
    await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
    expectKmsError(
      await call({ Action: 'PutSecretValue', SecretName: 'db', VersionId: 'v9', SecretData: 'x' }),
      409,
      ...IN_DELETE_WINDOW,
    );
  });

  it('keeps at most 10 versions, dropping the oldest one without a stage', async () => {
    await create('db', 'data-1');
    for (let n = 2; n <= 12; n++) await put('db', `v${n}`, `data-${n}`);
    const stages = await stagesOf('db');
    expect(Object.keys(stages)).toEqual([
      'v3',
      'v4',
      'v5',
      'v6',
      'v7',
      'v8',
      'v9',
      'v10',
      'v11',
      'v12',
    ]);
    expect(stages.v11).toEqual(['ACSPrevious']);
    expectKmsError(
      await call({ Action: 'GetSecretValue', SecretName: 'db', VersionId: 'v1' }),
      404,
      ...NOT_FOUND,
    );
    expect((await value('db', { VersionId: 'v3' })).SecretData).toBe('data-3');
  });
});

describe('UpdateSecretVersionStage', () => {
  const update = (params: Record<string, string>) =>
    call({ Action: 'UpdateSecretVersionStage', SecretName: 'db', ...params });

  it('rolls back by moving ACSCurrent, which makes the former current ACSPrevious', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    const body = await succeed({
      Action: 'UpdateSecretVersionStage',
      SecretName: 'db',
      VersionStage: 'ACSCurrent',
      MoveToVersion: 'v1',
    });
    expect(body).toEqual({ SecretName: 'db', RequestId: body.RequestId });
    expect(await stagesOf('db')).toEqual({ v1: ['ACSCurrent'], v2: ['ACSPrevious'] });
    expect((await value('db')).SecretData).toBe('one');
    // Moving it with RemoveFromVersion too (scenario 3).
    expect(
      (await update({ VersionStage: 'ACSCurrent', RemoveFromVersion: 'v1', MoveToVersion: 'v2' }))
        .status,
    ).toBe(200);
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
  });

  it('adds and removes a custom stage', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    expect((await update({ VersionStage: 'Blue', MoveToVersion: 'v1' })).status).toBe(200);
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious', 'Blue'], v2: ['ACSCurrent'] });
    expect((await value('db', { VersionStage: 'Blue' })).SecretData).toBe('one');
    expect((await update({ VersionStage: 'Blue', MoveToVersion: 'v2' })).status).toBe(200);
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent', 'Blue'] });
    expect((await update({ VersionStage: 'Blue', RemoveFromVersion: 'v2' })).status).toBe(200);
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
  });

  it('answers 400 Rejected.InvalidRequest when the stage move does not fit the versions', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    await update({ VersionStage: 'Blue', MoveToVersion: 'v2' });
    const misfits: Record<string, string>[] = [
      // RemoveFromVersion does not hold the stage.
      { VersionStage: 'Blue', RemoveFromVersion: 'v1' },
      { VersionStage: 'ACSCurrent', RemoveFromVersion: 'v1', MoveToVersion: 'v2' },
      // ACSCurrent and ACSPrevious can only be moved, not removed.
      { VersionStage: 'ACSCurrent', RemoveFromVersion: 'v2' },
      // Neither version given.
      { VersionStage: 'Blue' },
    ];
    for (const params of misfits) {
      expectKmsError(await update(params), 400, ...INVALID_REQUEST);
    }
    expect(await stagesOf('db')).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent', 'Blue'] });
  });

  it('answers 404 for unknown versions and secrets, 409 in the recovery window', async () => {
    await create('db');
    expectKmsError(await update({ VersionStage: 'Blue', MoveToVersion: 'v9' }), 404, ...NOT_FOUND);
    expectKmsError(
      await update({ VersionStage: 'Blue', RemoveFromVersion: 'v9' }),
      404,
      ...NOT_FOUND,
    );
    expectKmsError(
      await update({ SecretName: 'nope', VersionStage: 'Blue', MoveToVersion: 'v1' }),
      404,
      ...NOT_FOUND,
    );
    expectKmsError(
      await update({ MoveToVersion: 'v1' }),
      400,
      'MissingParameter',
      missing('VersionStage'),
    );
    await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
    expectKmsError(
      await update({ VersionStage: 'Blue', MoveToVersion: 'v1' }),
      409,
      ...IN_DELETE_WINDOW,
    );
  });
});

describe('DescribeSecret', () => {
  it('describes a secret, with its tags when FetchTags=true', async () => {
    await create('db', 'x', { Description: 'orders db', Tags: '[{"Key":"team","Value":"core"}]' });
    const plain = await succeed({ Action: 'DescribeSecret', SecretName: 'db' });
    expect(plain).toEqual({
      UpdateTime: alibabaTimestamp(START),
      CreateTime: alibabaTimestamp(START),
      NextRotationDate: '',
      EncryptionKeyId: '',
      RotationInterval: '',
      Arn: arn('db'),
      ExtendedConfig: '',
      LastRotationDate: '',
      Description: 'orders db',
      SecretName: 'db',
      AutomaticRotation: 'Disabled',
      SecretType: 'Generic',
      PlannedDeleteTime: '',
      DKMSInstanceId: '',
      Tags: { Tag: [] },
      RequestId: plain.RequestId,
    });
    const tagged = await succeed({
      Action: 'DescribeSecret',
      SecretName: arn('db'),
      FetchTags: 'true',
    });
    expect(tagged.Tags).toEqual({ Tag: [{ TagKey: 'team', TagValue: 'core' }] });
    expectKmsError(
      await call({ Action: 'DescribeSecret', SecretName: 'db', FetchTags: 'yes' }),
      400,
      'InvalidParameter',
      invalid('FetchTags'),
    );
    expectKmsError(await call({ Action: 'DescribeSecret', SecretName: 'nope' }), 404, ...NOT_FOUND);
  });

  it('shows tags set and removed through SecretStore.tag/untag', async () => {
    await create('db');
    clock += 5000;
    emulator.state.secrets.tag('db', [
      { TagKey: 'a', TagValue: '1' },
      { TagKey: 'b', TagValue: '2' },
    ]);
    emulator.state.secrets.tag('db', [{ TagKey: 'a', TagValue: '3' }]);
    let body = await succeed({ Action: 'DescribeSecret', SecretName: 'db', FetchTags: 'true' });
    expect(body.Tags).toEqual({
      Tag: [
        { TagKey: 'a', TagValue: '3' },
        { TagKey: 'b', TagValue: '2' },
      ],
    });
    expect(body.UpdateTime).toBe(alibabaTimestamp(START + 5000));
    emulator.state.secrets.untag('db', ['a', 'missing']);
    body = await succeed({ Action: 'DescribeSecret', SecretName: 'db', FetchTags: 'true' });
    expect(body.Tags).toEqual({ Tag: [{ TagKey: 'b', TagValue: '2' }] });
    expect(() => emulator.state.secrets.tag('nope', [])).toThrow(
      expect.objectContaining({ code: 'Forbidden.ResourceNotFound', status: 404 }),
    );
    expect(() => emulator.state.secrets.untag('nope', ['a'])).toThrow(
      expect.objectContaining({ code: 'Forbidden.ResourceNotFound', status: 404 }),
    );
    expect(() => emulator.state.secrets.tag('db', [{ TagKey: '', TagValue: 'x' }])).toThrow(
      expect.objectContaining({ code: 'InvalidParameter', message: invalid('Tags') }),
    );
  });
});

describe('ListSecrets', () => {
  it('lists in creation order, pages, and shows secrets pending deletion', async () => {
    await create('a');
    await create('b', 'x', { Tags: '[{"Key":"team","Value":"core"}]' });
    await create('c');
    clock += 1000;
    await succeed({ Action: 'DeleteSecret', SecretName: 'c', RecoveryWindowInDays: '7' });
    const all = await succeed({ Action: 'ListSecrets' });
    const secrets = (all.SecretList as { Secret: Body[] }).Secret;
    expect(secrets.map((s) => s.SecretName)).toEqual(['a', 'b', 'c']);
    expect(secrets[2]).toEqual({
      SecretName: 'c',
      UpdateTime: alibabaTimestamp(START + 1000),
      SecretType: 'Generic',
      PlannedDeleteTime: alibabaTimestamp(START + 1000 + 7 * DAY),
      CreateTime: alibabaTimestamp(START),
      Tags: { Tag: [] },
    });
    expect([all.TotalCount, all.PageNumber, all.PageSize]).toEqual([3, 1, 10]);
    const second = await succeed({
      Action: 'ListSecrets',
      PageSize: '2',
      PageNumber: '2',
      FetchTags: 'true',
    });
    expect((second.SecretList as { Secret: Body[] }).Secret.map((s) => s.SecretName)).toEqual([
      'c',
    ]);
    const tagged = await succeed({ Action: 'ListSecrets', FetchTags: 'true' });
    expect((tagged.SecretList as { Secret: Body[] }).Secret[1]?.Tags).toEqual({
      Tag: [{ TagKey: 'team', TagValue: 'core' }],
    });
    expectKmsError(
      await call({ Action: 'ListSecrets', PageSize: '101' }),
      400,
      'InvalidParameter',
      invalid('PageSize'),
    );
  });

  it('filters: values of a key ORed, keys ANDed, exact matches', async () => {
    await create('app-a', 'x', { Tags: '[{"Key":"team","Value":"core"}]' });
    await create('app-b', 'x', { Tags: '[{"Key":"team","Value":"edge"}]' });
    await create('app-c');
    const names = async (filters: string) => {
      const body = await succeed({ Action: 'ListSecrets', Filters: filters });
      return [
        (body.SecretList as { Secret: Body[] }).Secret.map((s) => s.SecretName),
        body.TotalCount,
      ];
    };
    expect(await names('[{"Key":"SecretName","Values":["app-a","app-c"]}]')).toEqual([
      ['app-a', 'app-c'],
      2,
    ]);
    expect(await names('[{"Key":"SecretName","Values":["app"]}]')).toEqual([[], 0]);
    expect(await names('[{"Key":"TagKey","Values":["team"]}]')).toEqual([['app-a', 'app-b'], 2]);
    expect(
      await names('[{"Key":"TagKey","Values":["team"]},{"Key":"TagValue","Values":["edge"]}]'),
    ).toEqual([['app-b'], 1]);
    expect(await names(`[{"Key":"Creator","Values":["${ACCOUNT}"]}]`)).toEqual([
      ['app-a', 'app-b', 'app-c'],
      3,
    ]);
    for (const filters of [
      'nope',
      '{"Key":"SecretName"}',
      '[{"Key":"Color","Values":["x"]}]',
      '[{"Key":"SecretName","Values":"a"}]',
      '[{"Key":"SecretName","Values":[]}]',
    ]) {
      expectKmsError(
        await call({ Action: 'ListSecrets', Filters: filters }),
        400,
        'InvalidParameter',
        invalid('Filters'),
      );
    }
  });

  it('writes the list as <SecretList><Secret> elements in XML', async () => {
    await create('a');
    await create('b');
    const result = await call({ Action: 'ListSecrets', Format: 'XML' });
    expect(result.body).toContain(
      `<SecretList><Secret><SecretName>a</SecretName><UpdateTime>${alibabaTimestamp(START)}</UpdateTime><SecretType>Generic</SecretType><PlannedDeleteTime></PlannedDeleteTime><CreateTime>${alibabaTimestamp(START)}</CreateTime><Tags></Tags></Secret><Secret><SecretName>b</SecretName>`,
    );
  });
});

describe('ListSecretVersionIds', () => {
  it('lists staged versions, deprecated ones only with IncludeDeprecated=true, paged', async () => {
    await create('db', 'one');
    await put('db', 'v2', 'two');
    await put('db', 'v3', 'three');
    const staged = await succeed({ Action: 'ListSecretVersionIds', SecretName: 'db' });
    expect(staged).toEqual({
      SecretName: 'db',
      VersionIds: {
        VersionId: [
          {
            VersionId: 'v2',
            CreateTime: alibabaTimestamp(START),
            VersionStages: { VersionStage: ['ACSPrevious'] },
          },
          {
            VersionId: 'v3',
            CreateTime: alibabaTimestamp(START),
            VersionStages: { VersionStage: ['ACSCurrent'] },
          },
        ],
      },
      TotalCount: 2,
      PageNumber: 1,
      PageSize: 10,
      RequestId: staged.RequestId,
    });
    const all = await succeed({
      Action: 'ListSecretVersionIds',
      SecretName: 'db',
      IncludeDeprecated: 'true',
      PageSize: '1',
      PageNumber: '1',
    });
    expect(all.TotalCount).toBe(3);
    expect((all.VersionIds as { VersionId: Body[] }).VersionId).toEqual([
      { VersionId: 'v1', CreateTime: alibabaTimestamp(START), VersionStages: { VersionStage: [] } },
    ]);
    const explicitFalse = await succeed({
      Action: 'ListSecretVersionIds',
      SecretName: 'db',
      IncludeDeprecated: 'false',
    });
    expect(explicitFalse.TotalCount).toBe(2);
    const xml = await call({ Action: 'ListSecretVersionIds', SecretName: 'db', Format: 'XML' });
    expect(xml.body).toContain(
      `<VersionIds><VersionId><VersionId>v2</VersionId><CreateTime>${alibabaTimestamp(START)}</CreateTime><VersionStages><VersionStage>ACSPrevious</VersionStage></VersionStages></VersionId>`,
    );
    expectKmsError(
      await call({ Action: 'ListSecretVersionIds', SecretName: 'nope' }),
      404,
      ...NOT_FOUND,
    );
    expectKmsError(
      await call({ Action: 'ListSecretVersionIds', SecretName: 'db', IncludeDeprecated: 'all' }),
      400,
      'InvalidParameter',
      invalid('IncludeDeprecated'),
    );
  });
});

describe('DeleteSecret and RestoreSecret, by the emulator clock', () => {
  it('schedules deletion 30 days out by default, or RecoveryWindowInDays (7 to 30)', async () => {
    await create('a');
    await create('b');
    const a = await succeed({ Action: 'DeleteSecret', SecretName: 'a' });
    expect(a).toEqual({
      SecretName: 'a',
      PlannedDeleteTime: alibabaTimestamp(START + 30 * DAY),
      RequestId: a.RequestId,
    });
    const b = await succeed({
      Action: 'DeleteSecret',
      SecretName: arn('b'),
      RecoveryWindowInDays: '7',
    });
    expect([b.SecretName, b.PlannedDeleteTime]).toEqual(['b', alibabaTimestamp(START + 7 * DAY)]);
    expect((await succeed({ Action: 'DescribeSecret', SecretName: 'b' })).PlannedDeleteTime).toBe(
      alibabaTimestamp(START + 7 * DAY),
    );
    await create('c');
    for (const days of ['6', '31', 'ten', '7.5']) {
      expectKmsError(
        await call({ Action: 'DeleteSecret', SecretName: 'c', RecoveryWindowInDays: days }),
        400,
        'InvalidParameter',
        invalid('RecoveryWindowInDays'),
      );
    }
    expectKmsError(
      await call({ Action: 'DeleteSecret', SecretName: 'a' }),
      409,
      ...IN_DELETE_WINDOW,
    );
    expectKmsError(await call({ Action: 'DeleteSecret', SecretName: 'nope' }), 404, ...NOT_FOUND);
    expectKmsError(
      await call({ Action: 'DeleteSecret', SecretName: 'c', ForceDeleteWithoutRecovery: 'maybe' }),
      400,
      'InvalidParameter',
      invalid('ForceDeleteWithoutRecovery'),
    );
  });

  it('keeps the secret until PlannedDeleteTime, then it is gone and its name free', async () => {
    await create('db');
    await succeed({ Action: 'DeleteSecret', SecretName: 'db', RecoveryWindowInDays: '7' });
    clock = START + 7 * DAY - 1000;
    expect((await succeed({ Action: 'DescribeSecret', SecretName: 'db' })).SecretName).toBe('db');
    clock = START + 7 * DAY;
    expectKmsError(await call({ Action: 'DescribeSecret', SecretName: 'db' }), 404, ...NOT_FOUND);
    expectKmsError(await call({ Action: 'RestoreSecret', SecretName: 'db' }), 404, ...NOT_FOUND);
    expect((await succeed({ Action: 'ListSecrets' })).TotalCount).toBe(0);
    expect(emulator.state.snapshot().secrets).toEqual([]);
    expect((await create('db', 'new')).SecretName).toBe('db');
    expect((await value('db')).SecretData).toBe('new');
  });

  it('restores only a secret pending deletion', async () => {
    await create('db');
    expectKmsError(await call({ Action: 'RestoreSecret', SecretName: 'db' }), 409, ...IN_USE);
    await succeed({ Action: 'DeleteSecret', SecretName: 'db' });
    clock = START + 29 * DAY;
    const restored = await succeed({ Action: 'RestoreSecret', SecretName: arn('db') });
    expect(restored).toEqual({ SecretName: 'db', RequestId: restored.RequestId });
    const described = await succeed({ Action: 'DescribeSecret', SecretName: 'db' });
    expect([described.PlannedDeleteTime, described.UpdateTime]).toEqual([
      '',
      alibabaTimestamp(START + 29 * DAY),
    ]);
    clock = START + 31 * DAY;
    expect((await value('db')).SecretData).toBe('v1-data');
    expectKmsError(await call({ Action: 'RestoreSecret', SecretName: 'db' }), 409, ...IN_USE);
    expectKmsError(await call({ Action: 'RestoreSecret', SecretName: 'nope' }), 404, ...NOT_FOUND);
    expectKmsError(
      await call({ Action: 'RestoreSecret' }),
      400,
      'MissingParameter',
      missing('SecretName'),
    );
  });

  it('deletes at once with ForceDeleteWithoutRecovery=true, even in the recovery window', async () => {
    await create('a');
    const forced = await succeed({
      Action: 'DeleteSecret',
      SecretName: 'a',
      ForceDeleteWithoutRecovery: 'true',
      RecoveryWindowInDays: 'ignored',
    });
    expect([forced.SecretName, forced.PlannedDeleteTime]).toEqual(['a', alibabaTimestamp(START)]);
    expectKmsError(await call({ Action: 'GetSecretValue', SecretName: 'a' }), 404, ...NOT_FOUND);
    await create('a', 'again');
    await succeed({ Action: 'DeleteSecret', SecretName: 'a' });
    await succeed({ Action: 'DeleteSecret', SecretName: 'a', ForceDeleteWithoutRecovery: 'TRUE' });
    expectKmsError(await call({ Action: 'RestoreSecret', SecretName: 'a' }), 404, ...NOT_FOUND);
    expect(emulator.state.secrets.secrets).toHaveLength(0);
  });
});

describe('the secrets state is plain JSON', () => {
  it('survives JSON.stringify, a fresh state and load, encrypted versions included', async () => {
    const key = emulator.state.createKey();
    await create('plain', 'p1');
    await create('enc', 'e1', { EncryptionKeyId: key.KeyId, Tags: '[{"Key":"k","Value":"v"}]' });
    await put('enc', 'v2', 'e2');
    await succeed({ Action: 'DeleteSecret', SecretName: 'plain', RecoveryWindowInDays: '7' });
    const saved = JSON.parse(JSON.stringify(emulator.state.snapshot()));
    expect(saved).toEqual(emulator.state.snapshot());

    const copy = new EmulatorState({ region: 'cn-hangzhou', accountId: ACCOUNT, now: () => clock });
    copy.load(saved);
    expect(copy.secrets.getValue('enc', { versionId: 'v1' }).secretData).toBe('e1');
    expect(copy.secrets.getValue('enc', {}).secretData).toBe('e2');
    expect(copy.secrets.find('plain').PlannedDeleteTime).toBe(alibabaTimestamp(START + 7 * DAY));
    clock = START + 8 * DAY;
    expect(copy.secrets.secrets.map((s) => s.SecretName)).toEqual(['enc']);
  });
});
