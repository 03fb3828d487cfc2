/**
 * Credentials that renew (issue 8 item 5), the provider on its own against the emulator's STS
 * and a local Secrets Manager: a RAM role assumed with the project's V1 signer, renewed when a
 * quarter of its life (at most five minutes) is left; a failed renewal serves the last good
 * credentials until they expire, told once per try; then CredentialsExpired. The clock is the
 * test's (Date only), so realistic lifetimes pass in an instant; emulator and provider read it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RoleSource } from '../../src/config.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { heldSecrets } from '../../src/protocol/held-secrets.js';
import {
  type CredentialProvider,
  CredentialsExpired,
  CredentialsUnavailable,
  createCredentialProvider,
  RENEW_WAIT_MS,
  RETRY_MAX_MS,
} from '../../src/upstream/credentials.js';
import { freePort } from '../e2e/stack.js';
import { answer, type LocalServer, startLocalServer } from '../support/in-process.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/kms-normalizer`;
const UNTRUSTED_ROLE = `acs:ram::${ACCOUNT}:role/not-for-you`;
const BASE = { id: 'LTAI5tRoleBaseKey0001', secret: 'role-base-secret-0123456789' };
const OTHER = { id: 'LTAI5tSomeoneElse0001', secret: 'someone-else-secret-012345' };
const MINUTE = 60_000;

let emulator: Emulator;
let sts: string;
beforeAll(async () => {
  emulator = await startEmulator({
    accessKeys: [BASE, OTHER],
    // Read at each call, so the test's clock is the emulator's too.
    now: () => Date.now(),
    sts: {
      minDurationSeconds: 1,
      roles: [
        { arn: ROLE, accessKeyIds: [BASE.id], maxSessionDuration: 43_200 },
        { arn: UNTRUSTED_ROLE, accessKeyIds: [OTHER.id] },
      ],
    },
  });
  sts = (emulator.sts as { url: string }).url;
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const role = (changes: Partial<RoleSource> = {}): RoleSource => ({
  kind: 'role',
  roleArn: ROLE,
  sessionName: 'kms-normalizer',
  durationSeconds: 3600,
  stsEndpoint: new URL(sts),
  base: { kind: 'static', credentials: { accessKeyId: BASE.id, accessKeySecret: BASE.secret } },
  ...changes,
});

/** A provider whose renewal failures land in `told`. */
function provider(source: RoleSource) {
  const told: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = {
    warn: (message: string, fields: Record<string, unknown>) =>
      told.push({ level: 'WARN', message, fields }),
    error: (message: string, fields: Record<string, unknown>) =>
      told.push({ level: 'ERROR', message, fields }),
  };
  return { get: createCredentialProvider(source, { log }), told };
}

const signal = () => AbortSignal.timeout(5000);
const assumeRoleCalls = () => emulator.requests.filter((r) => r.action === 'AssumeRole');

async function refusal(get: CredentialProvider | (() => Promise<unknown>)): Promise<Error> {
  try {
    await get(signal());
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('a RAM role through STS AssumeRole', () => {
  it('is assumed with the base key, V1-signed, and what STS gives is held at once', async () => {
    const before = assumeRoleCalls().length;
    const { get } = provider(role());
    const credentials = await get(signal());
    expect(credentials.accessKeyId).toMatch(/^STS\./);
    expect(credentials.securityToken).toBeTruthy();
    expect(assumeRoleCalls().slice(before)).toEqual([
      expect.objectContaining({ accessKeyId: BASE.id, status: 200, signatureVersion: 'v1' }),
    ]);
    const held = heldSecrets();
    expect(held.secrets).toEqual(
      expect.arrayContaining([credentials.accessKeySecret, credentials.securityToken, BASE.secret]),
    );
    expect(held.accessKeyIds).toContain(credentials.accessKeyId);
  });

  it.each([
    [3600, 55 * MINUTE],
    [900, 900_000 - 225_000],
  ])(
    'a %i s token is kept until %i ms, then renewed before it expires',
    async (duration, renewAt) => {
      const start = Date.now();
      const { get } = provider(role({ durationSeconds: duration }));
      const first = await get(signal());
      const calls = assumeRoleCalls().length;
      // Expiration is to the second, rounded down: renewal comes up to a second earlier.
      vi.setSystemTime(start + renewAt - 1_500);
      expect(await get(signal())).toBe(first);
      expect(assumeRoleCalls()).toHaveLength(calls);

      vi.setSystemTime(start + renewAt + 10);
      const renewed = await get(signal());
      expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
      expect(assumeRoleCalls()).toHaveLength(calls + 1);
    },
  );

  it('a failed renewal serves the last good credentials until they expire, told once per try', async () => {
    const start = Date.now();
    const { get, told } = provider(role({ durationSeconds: 900 }));
    const first = await get(signal());
    emulator.injectFault({ kind: 'status', status: 503 }, { accessKeyId: BASE.id });

    // Due (a quarter of 900 s is left), STS failing: the old ones, and one WARN.
    vi.setSystemTime(start + 700_000);
    expect(await get(signal())).toBe(first);
    expect(told).toEqual([
      {
        level: 'WARN',
        message: 'credentials not renewed',
        fields: {
          source: 'role',
          reason: 'STS AssumeRole refused: ServiceUnavailableTemporary (HTTP 503)',
          serving_until: expect.stringMatching(/Z$/),
        },
      },
    ]);
    const calls = assumeRoleCalls().length;
    // Right after: no new try, nothing new told.
    expect(await get(signal())).toBe(first);
    expect([assumeRoleCalls().length, told.length]).toEqual([calls, 1]);
    // A while later: one more try, one more line.
    vi.setSystemTime(start + 700_000 + RETRY_MAX_MS);
    expect(await get(signal())).toBe(first);
    expect([assumeRoleCalls().length, told.length]).toEqual([calls + 1, 2]);

    // Expired: refused as temporary, told as an ERROR; the next try waits its turn.
    vi.setSystemTime(start + 900_000);
    const expired = await refusal(get);
    expect(expired).toBeInstanceOf(CredentialsExpired);
    expect(expired.message).toBe(
      'the role credentials expired and were not renewed: STS AssumeRole refused: ServiceUnavailableTemporary (HTTP 503)',
    );
    expect(told.at(-1)).toMatchObject({
      level: 'ERROR',
      fields: { source: 'role', serving: 'none' },
    });
    const tries = assumeRoleCalls().length;
    expect(await refusal(get)).toBeInstanceOf(CredentialsExpired);
    expect(assumeRoleCalls()).toHaveLength(tries);

    // STS is back: the next try renews.
    emulator.clearFaults();
    vi.setSystemTime(start + 900_000 + RETRY_MAX_MS);
    const renewed = await get(signal());
    expect(renewed.accessKeyId).toMatch(/^STS\./);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    // No line told a secret.
    const text = JSON.stringify(told);
    for (const secret of [BASE.secret, first.accessKeySecret, first.securityToken as string]) {
      expect(text).not.toContain(secret);
    }
  });

  it('requests that ask at once share one AssumeRole', async () => {
    const { get } = provider(role());
    const before = assumeRoleCalls().length;
    const sets = await Promise.all([get(signal()), get(signal()), get(signal())]);
    expect(new Set(sets.map((c) => c.accessKeyId)).size).toBe(1);
    expect(assumeRoleCalls()).toHaveLength(before + 1);
  });

  it('a slow STS: a request joining the renewal stops at its own deadline', async () => {
    emulator.injectFault({ kind: 'latency', ms: 800 }, { accessKeyId: BASE.id, times: 1 });
    const { get } = provider(role());
    const first = get(signal());
    const impatient = await refusal(() => get(AbortSignal.timeout(50)));
    expect(impatient).toBeInstanceOf(CredentialsUnavailable);
    expect(impatient.message).toBe('credentials lookup aborted');
    expect((await first).accessKeyId).toMatch(/^STS\./);
  });

  it('a slow renewal: good credentials are served after a short wait, the new ones after', async () => {
    const start = Date.now();
    const { get } = provider(role({ durationSeconds: 900 }));
    const first = await get(signal());
    emulator.injectFault(
      { kind: 'latency', ms: RENEW_WAIT_MS + 500 },
      { accessKeyId: BASE.id, times: 1 },
    );
    vi.setSystemTime(start + 700_000);
    const waited = performance.now();
    expect(await get(signal())).toBe(first);
    expect(performance.now() - waited).toBeGreaterThanOrEqual(RENEW_WAIT_MS - 50);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await get(signal())).accessKeyId).not.toBe(first.accessKeyId);
  });

  it.each([
    [
      'a role that does not trust the base key',
      () => role({ roleArn: UNTRUSTED_ROLE }),
      /^STS AssumeRole refused: NoPermission \(HTTP 403\)$/,
    ],
    [
      'a duration over the role’s maximum',
      () => role({ durationSeconds: 50_000 }),
      /^STS AssumeRole refused: InvalidParameter\.DurationSeconds \(HTTP 400\)$/,
    ],
    [
      'STS unreachable',
      async () => role({ stsEndpoint: new URL(`http://127.0.0.1:${await freePort()}`) }),
      /^STS AssumeRole failed \(connect, ECONNREFUSED\)$/,
    ],
  ])('%s: CredentialsUnavailable naming a code and status only', async (_name, source, message) => {
    const error = await refusal(provider(await source()).get);
    expect(error).toBeInstanceOf(CredentialsUnavailable);
    expect(error).not.toBeInstanceOf(CredentialsExpired);
    expect(error.message).toMatch(message);
  });

  describe('an STS that answers something else', () => {
    let fake: LocalServer;
    beforeAll(async () => {
      fake = await startLocalServer(answer(200, '{}'));
    });
    afterAll(() => fake.close());

    it.each([
      [
        'no credentials',
        200,
        '{"RequestId":"r"}',
        'STS AssumeRole answer unreadable (no credentials in it)',
      ],
      [
        'an Expiration that is no timestamp',
        200,
        '{"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"soon"}}',
        'STS AssumeRole answer unreadable (no credentials in it)',
      ],
      [
        'HTML',
        502,
        '<html>bad gateway</html>',
        'STS AssumeRole refused: no readable code (HTTP 502)',
      ],
      [
        'a code with spaces',
        400,
        '{"Code":"Bad Code <x>"}',
        'STS AssumeRole refused: no readable code (HTTP 400)',
      ],
    ])('%s', async (_name, status, body, message) => {
      fake.route = answer(status, body);
      const error = await refusal(provider(role({ stsEndpoint: new URL(fake.url) })).get);
      expect(error.message).toBe(message);
    });
  });
});

describe('Secrets Manager as the source, or as the base of a role', () => {
  let secretsManager: LocalSecretsManager;
  const ARN = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:kms-normalizer/alibaba';
  beforeAll(async () => {
    secretsManager = await startSecretsManager();
  });
  afterAll(() => secretsManager.close());
  beforeEach(() => {
    for (const [name, value] of Object.entries(sdkEnv(secretsManager))) vi.stubEnv(name, value);
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
  });

  it('the role is assumed with the pair the secret holds', async () => {
    secretsManager.serve(JSON.stringify({ AccessKeyId: BASE.id, AccessKeySecret: BASE.secret }));
    const { get } = provider(role({ base: { kind: 'secrets-manager', secretArn: ARN } }));
    expect((await get(signal())).accessKeyId).toMatch(/^STS\./);
    expect(assumeRoleCalls().at(-1)).toMatchObject({ accessKeyId: BASE.id, status: 200 });
  });

  it('a pair without Expiration is served while Secrets Manager fails, told once per try', async () => {
    const start = Date.now();
    secretsManager.serve(
      JSON.stringify({ AccessKeyId: 'LTAIkept', AccessKeySecret: 'kept-secret' }),
    );
    const told: unknown[] = [];
    const get = createCredentialProvider(
      { kind: 'secrets-manager', secretArn: ARN },
      { log: { warn: (...line) => told.push(line), error: (...line) => told.push(line) } },
    );
    await get(signal());
    secretsManager.fail('InternalServiceError', 500);
    vi.setSystemTime(start + 5 * MINUTE + 1);
    expect((await get(signal())).accessKeyId).toBe('LTAIkept');
    expect((await get(signal())).accessKeyId).toBe('LTAIkept');
    expect(told).toEqual([
      [
        'credentials not renewed',
        {
          source: 'secrets-manager',
          reason: 'Secrets Manager GetSecretValue failed (InternalServiceError)',
          serving_until: 'no expiry',
        },
      ],
    ]);
    vi.setSystemTime(start + 24 * 60 * MINUTE);
    expect((await get(signal())).accessKeyId).toBe('LTAIkept');
    expect(told).toHaveLength(2);
  });

  it('a secret with an Expiration is served past a failed read until then, and refused after', async () => {
    const start = Date.now();
    const expiration = new Date(start + 60 * MINUTE).toISOString().replace(/\.\d{3}Z$/, 'Z');
    secretsManager.serve(
      JSON.stringify({
        AccessKeyId: 'STS.fromSecret',
        AccessKeySecret: 'temporary-secret',
        SecurityToken: 'temporary-token',
        Expiration: expiration,
      }),
    );
    const source = createCredentialProvider({ kind: 'secrets-manager', secretArn: ARN });
    expect((await source(signal())).accessKeyId).toBe('STS.fromSecret');
    secretsManager.fail('InternalServiceError', 500);
    vi.setSystemTime(start + 56 * MINUTE);
    expect((await source(signal())).accessKeyId).toBe('STS.fromSecret');
    vi.setSystemTime(start + 60 * MINUTE);
    expect(await refusal(source)).toBeInstanceOf(CredentialsExpired);
  });

  it('an Expiration that is no timestamp is refused, saying so', async () => {
    secretsManager.serve(
      JSON.stringify({ AccessKeyId: 'a', AccessKeySecret: 'b', Expiration: 'tomorrow' }),
    );
    const error = await refusal(
      createCredentialProvider({ kind: 'secrets-manager', secretArn: ARN }),
    );
    expect(error.message).toBe(
      'the credentials secret has an Expiration that is not yyyy-MM-ddTHH:mm:ssZ',
    );
  });
});
