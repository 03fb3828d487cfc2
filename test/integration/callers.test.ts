/**
 * Caller authentication and policy through the handler in this process, against the real
 * emulator, a real DynamoDB API (dynalite) and a Secrets Manager server over HTTP: who gets in,
 * what each caller may do, and that a refusal never reaches KMS (counted at the emulator).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { presignedUrl, signedPost } from '../../src/local/signed-call.js';
import { callersFile } from '../e2e/stack.js';
import {
  AWS_TEST_ENV,
  createNonceTable,
  type DynamoDbServer,
  startDynamoDb,
} from '../support/aws-servers.js';
import {
  GATEWAY_HOST,
  type Handler,
  handlerWith,
  clientEvent as httpApiEvent,
  lambdaContext,
} from '../support/in-process.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

const KMS_KEY = { id: 'LTAI5tCallersTestKey1', secret: 'callers-test-kms-secret-0123' };
const BASE = `https://${GATEWAY_HOST}/`;
const APP = { accessKeyId: 'app-caller-0001', accessKeySecret: 'app-caller-secret-0001' };
const ADMIN = { accessKeyId: 'admin-caller-0001', accessKeySecret: 'admin-caller-secret-01' };
const OFF = { accessKeyId: 'disabled-caller-0001', accessKeySecret: 'disabled-secret-0001' };
const STS = {
  accessKeyId: 'STS.caller-0001',
  accessKeySecret: 'sts-caller-secret-0001',
  securityToken: 'caller-token-0001',
};

const DOCUMENT = [
  {
    AccessKeyId: APP.accessKeyId,
    AccessKeySecret: APP.accessKeySecret,
    Actions: ['Encrypt', 'Decrypt', 'ReEncrypt'],
    Resources: ['alias/app-*'],
  },
  { AccessKeyId: ADMIN.accessKeyId, AccessKeySecret: ADMIN.accessKeySecret, Actions: ['*'] },
  {
    AccessKeyId: OFF.accessKeyId,
    AccessKeySecret: OFF.accessKeySecret,
    Enabled: false,
    Actions: ['*'],
  },
  {
    AccessKeyId: STS.accessKeyId,
    AccessKeySecret: STS.accessKeySecret,
    SecurityToken: STS.securityToken,
    Actions: ['ListKeys'],
  },
  { Principal: 'arn:aws:sts::123456789012:assumed-role/app/*', Actions: ['ListKeys'] },
  { Principal: 'arn:aws:iam::123456789012:user/ops', Actions: ['*'] },
];

let emulator: Emulator;
let file: ReturnType<typeof callersFile>;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: [KMS_KEY] });
  file = callersFile(DOCUMENT);
});
afterAll(async () => {
  await emulator.close();
  file.remove();
});
afterEach(() => {
  process.env = { ...saved };
});

const signMode = (env: Record<string, string> = {}) => ({
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: KMS_KEY.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: KMS_KEY.secret,
  KMS_CALLER_KEYS_FILE: file.path,
  KMS_CALLER_AUTH: 'signature',
  ...env,
});

type Credentials = { accessKeyId: string; accessKeySecret: string; securityToken?: string };

/** A POST signed as pop-core (V1) or the Tea clients (V3) sign it, as an HTTP API event. */
function signed(
  params: Record<string, string>,
  credentials: Credentials = ADMIN,
  options: { version?: 'v1' | 'v3'; date?: Date; nonce?: string } = {},
) {
  const { url, init } = signedPost(BASE, params, credentials, options.version ?? 'v1', options);
  return httpApiEvent(url, init);
}

async function answer(handler: Handler, event: unknown) {
  const result = await handler(event, lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
}

/** The answer, and how many requests reached the emulator while it was made. */
async function counted(handler: Handler, event: unknown) {
  const before = emulator.requests.length;
  const result = await answer(handler, event);
  return { ...result, upstream: emulator.requests.length - before };
}

describe('signature: callers sign as for KMS, and only known, enabled keys get in', () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await handlerWith(signMode());
  });
  beforeEach(() => emulator.state.reset());

  it.each(['v1', 'v3'] as const)('a caller key signing %s gets its answer', async (version) => {
    emulator.state.createKey();
    const { status, body } = await answer(
      handler,
      signed({ Action: 'ListKeys' }, ADMIN, { version }),
    );
    expect(status).toBe(200);
    expect(body.TotalCount).toBe(1);
    // KMS saw the function's AccessKey, never the caller's.
    expect(emulator.requests.at(-1)).toMatchObject({ accessKeyId: KMS_KEY.id, status: 200 });
  });

  const refusals: [string, () => unknown, number, string, RegExp][] = [
    [
      'wrong secret',
      () => signed({ Action: 'ListKeys' }, { ...ADMIN, accessKeySecret: 'not-the-secret' }),
      400,
      'IncompleteSignature',
      /^The request signature does not conform/,
    ],
    [
      'wrong secret (V3)',
      () =>
        signed({ Action: 'ListKeys' }, { ...ADMIN, accessKeySecret: 'nope' }, { version: 'v3' }),
      400,
      'IncompleteSignature',
      /signature/,
    ],
    [
      'unknown key',
      () => signed({ Action: 'ListKeys' }, { accessKeyId: 'nobody', accessKeySecret: 'x' }),
      404,
      'InvalidAccessKeyId.NotFound',
      /does not exist/,
    ],
    [
      'disabled key',
      () => signed({ Action: 'ListKeys' }, OFF),
      403,
      'Forbidden.AccessKey',
      /not enabled/,
    ],
    [
      'expired timestamp',
      () => signed({ Action: 'ListKeys' }, ADMIN, { date: new Date(Date.now() - 16 * 60_000) }),
      400,
      'IllegalTimestamp',
      /Timestamp/,
    ],
    [
      'missing signature',
      () => httpApiEvent(`${BASE}?Action=ListKeys`),
      400,
      'MissingParameter',
      /"AccessKeyId" is needed.*signed with a caller key/,
    ],
    [
      'token missing for an STS-style key',
      () => signed({ Action: 'ListKeys' }, { ...STS, securityToken: undefined }),
      400,
      'InvalidSecurityToken.MismatchWithAccessKey',
      /SecurityToken/,
    ],
  ];
  it.each(refusals)(
    '%s: the envelope, and nothing upstream',
    async (_n, event, status, code, message) => {
      const { body, upstream, ...rest } = await counted(handler, event());
      expect(rest.status).toBe(status);
      expect(body).toMatchObject({
        HttpStatus: status,
        Code: code,
        RequestId: 'gw-req-1',
        HostId: GATEWAY_HOST,
      });
      expect(body.Message).toMatch(message);
      expect(upstream).toBe(0);
    },
  );

  it('a reused nonce is refused, V1 and V3', async () => {
    for (const version of ['v1', 'v3'] as const) {
      const event = signed({ Action: 'ListKeys' }, ADMIN, { version });
      expect((await answer(handler, event)).status).toBe(200);
      const replay = await counted(handler, event);
      expect(replay).toMatchObject({
        status: 400,
        upstream: 0,
        body: { Code: 'SignatureNonceUsed' },
      });
    }
  });

  it('an STS-style caller key with its token, and a pre-signed URL, get in', async () => {
    expect((await answer(handler, signed({ Action: 'ListKeys' }, STS))).status).toBe(200);
    expect(
      (await answer(handler, signed({ Action: 'ListKeys' }, STS, { version: 'v3' }))).status,
    ).toBe(200);
    const url = presignedUrl(BASE, { Action: 'ListKeys' }, ADMIN);
    expect((await answer(handler, httpApiEvent(url))).status).toBe(200);
  });

  it('a V3 request must sign its Host: the host it called, not another', async () => {
    const { url, init } = signedPost(
      'https://elsewhere.example.com/',
      { Action: 'ListKeys' },
      ADMIN,
      'v3',
    );
    const moved = httpApiEvent(url.replace('elsewhere.example.com', GATEWAY_HOST), init);
    expect(await counted(handler, moved)).toMatchObject({
      status: 400,
      upstream: 0,
      body: { Code: 'IncompleteSignature' },
    });
  });

  it('Action from x-acs-action and from the parameters must agree', async () => {
    const { url, init } = signedPost(BASE, { Action: 'ListKeys' }, ADMIN, 'v3');
    const conflicting = httpApiEvent(
      `${url}${url.includes('?') ? '&' : '?'}Action=DeleteKeyMaterial`,
      init,
    );
    const result = await counted(handler, conflicting);
    expect(result).toMatchObject({ status: 400, upstream: 0, body: { Code: 'InvalidParameter' } });
    expect(result.body.Message).toBe('The specified parameter "Action" is not valid.');
  });

  it('names that differ from a known one only in case are refused, so the policy reads what KMS acts on', async () => {
    const key = emulator.state.createKey();
    for (const params of <Record<string, string>[]>[
      { Action: 'Encrypt', KeyId: key.KeyId, keyid: 'alias/other', Plaintext: 'aGk=' },
      { Action: 'ListKeys', action: 'ScheduleKeyDeletion' },
      { Action: 'ListKeys', format: 'XML' },
      { Action: 'ListKeys', SignatureType: 'BEARERTOKEN', BearerToken: 't' },
    ]) {
      const result = await counted(handler, signed(params));
      expect(result, JSON.stringify(params)).toMatchObject({
        status: 400,
        upstream: 0,
        body: { Code: 'InvalidParameter' },
      });
    }
  });
});

describe('policy: a caller limited to Encrypt, Decrypt, ReEncrypt on alias/app-*', () => {
  let handler: Handler;
  let app: string;
  let other: string;
  beforeAll(async () => {
    handler = await handlerWith(signMode());
  });
  beforeEach(() => {
    emulator.state.reset();
    app = emulator.state.createKey().KeyId;
    other = emulator.state.createKey().KeyId;
    emulator.state.createAlias('alias/app-orders', app);
    emulator.state.createAlias('alias/other', other);
  });

  const encryptUnder = async (keyId: string, as: Credentials = ADMIN) => {
    const { body } = await answer(
      handler,
      signed({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'c2VjcmV0' }, as),
    );
    return body.CiphertextBlob as string;
  };

  it('is refused DescribeKey, before any upstream call', async () => {
    const result = await counted(
      handler,
      signed({ Action: 'DescribeKey', KeyId: 'alias/app-orders' }, APP),
    );
    expect(result).toMatchObject({
      status: 403,
      upstream: 0,
      body: { Code: 'Forbidden.NoPermission' },
    });
  });

  it('encrypts under its own alias, and under its key named by id (one look-up)', async () => {
    const byAlias = await counted(
      handler,
      signed({ Action: 'Encrypt', KeyId: 'alias/app-orders', Plaintext: 'aGk=' }, APP),
    );
    expect(byAlias).toMatchObject({ status: 200, upstream: 1 });
    const byId = await counted(
      handler,
      signed({ Action: 'Encrypt', KeyId: app, Plaintext: 'aGk=' }, APP),
    );
    expect(byId).toMatchObject({ status: 200, upstream: 2 });
  });

  it('is refused Encrypt under another key, by alias, key id and ARN', async () => {
    const arn = `acs:kms:cn-hangzhou:1234567890123456:key/${other}`;
    for (const [keyId, lookups] of [
      ['alias/other', 0],
      [other, 1],
      [arn, 1],
      ['acs:kms:cn-hangzhou:1234567890123456:alias/other', 0],
    ] as const) {
      const result = await counted(
        handler,
        signed({ Action: 'Encrypt', KeyId: keyId, Plaintext: 'aGk=' }, APP),
      );
      expect(result, keyId).toMatchObject({
        status: 403,
        upstream: lookups,
        body: { Code: 'Forbidden.NoPermission' },
      });
    }
  });

  it('decrypts its own ciphertexts, and is refused the plaintext of another key’s', async () => {
    const mine = await encryptUnder('alias/app-orders');
    const own = await counted(handler, signed({ Action: 'Decrypt', CiphertextBlob: mine }, APP));
    expect(own.status).toBe(200);
    expect(own.body.Plaintext).toBe('c2VjcmV0');
    const theirs = await encryptUnder('alias/other');
    const refused = await counted(
      handler,
      signed({ Action: 'Decrypt', CiphertextBlob: theirs }, APP),
    );
    // Decrypt ran (KMS names the key only in its answer), then the alias look-up; no plaintext.
    expect(refused).toMatchObject({
      status: 403,
      upstream: 2,
      body: { Code: 'Forbidden.NoPermission' },
    });
    expect(JSON.stringify(refused.body)).not.toContain('c2VjcmV0');
    expect(Object.keys(refused.body)).toEqual([
      'HttpStatus',
      'Code',
      'Message',
      'RequestId',
      'HostId',
    ]);
  });

  it('is refused re-encrypting another key’s ciphertext under its own, even naming its own SourceKeyId', async () => {
    const theirs = await encryptUnder('alias/other');
    const result = await counted(
      handler,
      signed(
        {
          Action: 'ReEncrypt',
          CiphertextBlob: theirs,
          DestinationKeyId: 'alias/app-orders',
          SourceKeyId: 'alias/app-orders',
        },
        APP,
      ),
    );
    // The source was proven by decrypting it as the function (1) and reading that key's aliases (1).
    expect(result).toMatchObject({
      status: 403,
      upstream: 2,
      body: { Code: 'Forbidden.NoPermission' },
    });
    const mine = await encryptUnder('alias/app-orders');
    const allowed = await counted(
      handler,
      signed(
        { Action: 'ReEncrypt', CiphertextBlob: mine, DestinationKeyId: 'alias/app-orders' },
        APP,
      ),
    );
    expect(allowed.status).toBe(200);
    expect(allowed.body.KeyId).toBe(app);
  });

  it('KMS_ALLOWED_ACTIONS still bounds every caller, reads included', async () => {
    const bounded = await handlerWith(signMode({ KMS_ALLOWED_ACTIONS: 'Encrypt,Decrypt' }));
    const result = await counted(bounded, signed({ Action: 'ListKeys' }, ADMIN));
    expect(result).toMatchObject({
      status: 403,
      upstream: 0,
      body: { Code: 'Forbidden.NoPermission' },
    });
  });
});

describe('iam: the principal API Gateway verified, and its policy', () => {
  const iamEvent = (query: string, userArn?: string) =>
    httpApiEvent(
      `${BASE}?${query}`,
      {},
      userArn ? { authorizer: { iam: { userArn, accountId: '123456789012' } } } : {},
    );

  it('reads the principal from the request context, and applies the first matching entry', async () => {
    const handler = await handlerWith(signMode({ KMS_CALLER_AUTH: 'iam' }));
    const app = 'arn:aws:sts::123456789012:assumed-role/app/session-1';
    expect((await answer(handler, iamEvent('Action=ListKeys', app))).status).toBe(200);
    const denied = await counted(handler, iamEvent('Action=CreateKey', app));
    expect(denied).toMatchObject({
      status: 403,
      upstream: 0,
      body: { Code: 'Forbidden.NoPermission' },
    });
    const stranger = await counted(
      handler,
      iamEvent('Action=ListKeys', 'arn:aws:iam::123456789012:user/eve'),
    );
    expect(stranger).toMatchObject({ status: 403, upstream: 0 });
    const none = await counted(handler, iamEvent('Action=ListKeys'));
    expect(none).toMatchObject({
      status: 403,
      upstream: 0,
      body: { Code: 'Forbidden.NoPermission' },
    });
    expect(none.body.Message).toContain('without an IAM principal');
  });

  it('without a callers document, every principal the authorizer let in is allowed', async () => {
    const handler = await handlerWith(
      signMode({ KMS_CALLER_AUTH: 'iam', KMS_CALLER_KEYS_FILE: '' }),
    );
    expect(
      (await answer(handler, iamEvent('Action=ListKeys', 'arn:aws:iam::1:user/any'))).status,
    ).toBe(200);
  });
});

describe('passthrough: V1 forwarded as checked, V3 told why not', () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await handlerWith({
      KMS_ENDPOINT: emulator.url,
      KMS_MODE: 'passthrough',
      KMS_ALLOWED_ACTIONS: 'Encrypt,Decrypt',
    });
  });

  it('a V3 request is refused, and the message says passthrough is V1 only', async () => {
    const { url, init } = signedPost(
      BASE,
      { Action: 'Encrypt', KeyId: 'k', Plaintext: 'aGk=' },
      { accessKeyId: KMS_KEY.id, accessKeySecret: KMS_KEY.secret },
      'v3',
    );
    const result = await counted(handler, httpApiEvent(url, init));
    expect(result).toMatchObject({
      status: 400,
      upstream: 0,
      body: { Code: 'IncompleteSignature' },
    });
    expect(result.body.Message).toContain('signature V1 only');
  });

  it('a raw TAB in a name cannot smuggle another Action past the allow-list', async () => {
    const kms = { accessKeyId: KMS_KEY.id, accessKeySecret: KMS_KEY.secret };
    const url = presignedUrl(BASE, { Action: 'Encrypt', KeyId: 'k', Plaintext: 'aGk=' }, kms);
    for (const smuggled of [
      'Act\tion=ScheduleKeyDeletion',
      'Act%09ion=ScheduleKeyDeletion',
      'KeyId=a\tb',
    ]) {
      const result = await counted(handler, httpApiEvent(`${url}&${smuggled}`));
      expect(result.status, smuggled).toBe(400);
      expect(result.upstream, smuggled).toBe(0);
    }
  });
});

describe('replay protection shared by instances (KMS_NONCE_TABLE)', () => {
  let dynamo: DynamoDbServer;
  beforeAll(async () => {
    dynamo = await startDynamoDb();
    await createNonceTable(dynamo.url, 'nonces');
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('a nonce spent on one instance is refused on another', async () => {
    const env = signMode({
      ...AWS_TEST_ENV,
      KMS_NONCE_TABLE: 'nonces',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    });
    const first = await handlerWith(env);
    const second = await handlerWith(env);
    const event = signed({ Action: 'ListKeys' });
    expect((await answer(first, event)).status).toBe(200);
    const replay = await counted(second, event);
    expect(replay).toMatchObject({
      status: 400,
      upstream: 0,
      body: { Code: 'SignatureNonceUsed' },
    });
    // And without the table, each instance only knows its own nonces: that is what it prevents.
    process.env = { ...saved };
    const alone = [await handlerWith(signMode()), await handlerWith(signMode())];
    const unshared = signed({ Action: 'ListKeys' });
    expect((await answer(alone[0] as Handler, unshared)).status).toBe(200);
    expect((await answer(alone[1] as Handler, unshared)).status).toBe(200);
  });

  it('an unreachable table refuses the request (503) rather than letting it through', async () => {
    const handler = await handlerWith(
      signMode({
        ...AWS_TEST_ENV,
        KMS_NONCE_TABLE: 'missing-table',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      }),
    );
    const result = await counted(handler, signed({ Action: 'ListKeys' }));
    expect(result).toMatchObject({
      status: 503,
      upstream: 0,
      body: { Code: 'SerivceUnavailableTemporary', HostId: GATEWAY_HOST },
    });
  });
});

describe('caller keys in Secrets Manager (KMS_CALLER_KEYS_SECRET_ARN)', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kms-callers-AbCdEf';
  let secrets: LocalSecretsManager;
  beforeAll(async () => {
    secrets = await startSecretsManager();
  });
  afterAll(async () => {
    await secrets.close();
  });

  it('a key disabled in the secret is refused within the refresh interval', async () => {
    secrets.serve(JSON.stringify(DOCUMENT));
    const handler = await handlerWith(
      signMode({
        ...sdkEnv(secrets),
        KMS_CALLER_KEYS_FILE: '',
        KMS_CALLER_KEYS_SECRET_ARN: ARN,
        KMS_CALLER_KEYS_REFRESH_S: '1',
      }),
    );
    expect((await answer(handler, signed({ Action: 'ListKeys' }))).status).toBe(200);
    expect(secrets.calls.map((c) => [c.target, c.secretId])).toEqual([
      ['secretsmanager.GetSecretValue', ARN],
    ]);
    // The operator disables the key in the secret.
    secrets.serve(
      JSON.stringify(
        DOCUMENT.map((e) => (e.AccessKeyId === ADMIN.accessKeyId ? { ...e, Enabled: false } : e)),
      ),
    );
    const disabledAt = Date.now();
    let refusedAt: number | undefined;
    while (Date.now() - disabledAt < 3_000) {
      const { status, body } = await answer(handler, signed({ Action: 'ListKeys' }));
      if (status === 403) {
        expect(body.Code).toBe('Forbidden.AccessKey');
        refusedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(refusedAt).toBeDefined();
    // Within the 1 s interval (plus the request that ran the re-read).
    expect((refusedAt as number) - disabledAt).toBeLessThan(1_500);
  });

  it('when the secret cannot be read at all, requests are refused with a 500, nothing upstream', async () => {
    secrets.fail('ResourceNotFoundException');
    const handler = await handlerWith(
      signMode({
        ...sdkEnv(secrets),
        KMS_CALLER_KEYS_FILE: '',
        KMS_CALLER_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:absent',
      }),
    );
    const result = await counted(handler, signed({ Action: 'ListKeys' }));
    expect(result).toMatchObject({ status: 500, upstream: 0, body: { Code: 'InternalFailure' } });
  });
});
