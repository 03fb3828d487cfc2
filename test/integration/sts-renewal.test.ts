/**
 * Issue 8's acceptance for credentials that renew, through the whole handler against the
 * emulator's KMS and STS: the function assumes a RAM role with AssumeRole, its token expires
 * (really, in two seconds), and the next request is signed with renewed credentials; when STS
 * fails, the function serves the old credentials until they expire, then answers 503
 * SerivceUnavailableTemporary in the envelope, with no secret in any output line.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log.js';
import { RETRY_MAX_MS } from '../../src/upstream/credentials.js';
import { emfLines, emitted } from '../support/emf.js';
import {
  captureLogs,
  type Handler,
  handlerWith,
  httpApiEvent,
  lambdaContext,
  parsedLines,
} from '../support/in-process.js';
import { leakIn } from '../support/leaks.js';

const ACCOUNT = '1234567890123456';
const ROLE = `acs:ram::${ACCOUNT}:role/kms-normalizer`;
const BASE = { id: 'LTAI5tStsRenewalBase01', secret: 'sts-renewal-base-secret-0123' };

let emulator: Emulator;
const saved = { ...process.env };
beforeAll(async () => {
  emulator = await startEmulator({
    accessKeys: [BASE],
    // Read at each call: under the test's clock the emulator's time moves too.
    now: () => Date.now(),
    sts: { minDurationSeconds: 1, roles: [{ arn: ROLE, accessKeyIds: [BASE.id] }] },
  });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearFaults());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  process.env = { ...saved };
});

const env = () => ({
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: BASE.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: BASE.secret,
  KMS_ROLE_ARN: ROLE,
  KMS_STS_ENDPOINT: (emulator.sts as { url: string }).url,
  KMS_CALLER_AUTH: 'none',
  KMS_MAX_ATTEMPTS: '1',
});

const listKeys = () => httpApiEvent({ query: 'Action=ListKeys' });
/** Who signed the emulator's last KMS call. */
const lastKmsSigner = () =>
  emulator.requests.filter((r) => r.action === 'ListKeys').at(-1)?.accessKeyId;
const assumeRoleCalls = () => emulator.requests.filter((r) => r.action === 'AssumeRole').length;

it('the token expires, and the next request is signed with renewed credentials', async () => {
  const loaded = loadConfig(env());
  if (!loaded.ok || loaded.config.credentials.kind !== 'role') throw new Error('no role');
  // Alibaba's floor is 900 s (KMS_ROLE_DURATION_S refuses less); the emulator's is lowered to
  // 1 s so a token really expires here.
  const config = {
    ...loaded.config,
    credentials: { ...loaded.config.credentials, durationSeconds: 2 },
  };
  vi.resetModules();
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const { buildHandler } = await import('../../src/handler.js');
  const handler = buildHandler(config, createLogger()) as unknown as Handler;
  const calls = assumeRoleCalls();
  captureLogs();

  const first = await handler(listKeys(), lambdaContext());
  expect(first.statusCode).toBe(200);
  const firstKey = lastKmsSigner();
  expect(firstKey).toMatch(/^STS\./);

  // Expiration is to the second, rounded down: gone within two seconds.
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  const second = await handler(listKeys(), lambdaContext());
  expect(second.statusCode).toBe(200);
  const secondKey = lastKmsSigner();
  expect(secondKey).toMatch(/^STS\./);
  expect(secondKey).not.toBe(firstKey);
  expect(assumeRoleCalls()).toBe(calls + 2);
}, 15_000);

describe('a failing renewal (KMS_ROLE_DURATION_S=900, the clock moved by the test)', () => {
  let handler: Handler;
  let start: number;
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    start = Date.now();
    handler = await handlerWith({
      ...env(),
      KMS_ROLE_DURATION_S: '900',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
  });

  it('serves the old credentials until they expire, then answers 503 in the envelope, no secret logged', async () => {
    const logs = captureLogs();
    const at = async (ms: number) => {
      vi.setSystemTime(start + ms);
      return handler(listKeys(), lambdaContext());
    };
    expect((await at(0)).statusCode).toBe(200);
    const assumed = lastKmsSigner();
    expect(assumed).toMatch(/^STS\./);
    emulator.injectFault({ kind: 'status', status: 503 }, { accessKeyId: BASE.id });

    // 700 s in: due for renewal (a quarter of 900 s is left), STS fails: still answered.
    expect((await at(700_000)).statusCode).toBe(200);
    expect(lastKmsSigner()).toBe(assumed);
    expect((await at(700_001)).statusCode).toBe(200);
    const renewalLines = (from = 0) =>
      parsedLines(logs.slice(from)).filter((line) => line.message === 'credentials not renewed');
    expect(renewalLines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        source: 'role',
        reason: 'STS AssumeRole refused: ServiceUnavailableTemporary (HTTP 503)',
      }),
    ]);

    // Expired: 503 in the envelope, and the log says why.
    const mark = logs.length;
    const refused = await at(900_000);
    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({
      HttpStatus: 503,
      Code: 'SerivceUnavailableTemporary',
      Message:
        "Service Unavailable Temporary. The function's Alibaba Cloud credentials expired and could not be renewed.",
    });
    expect(renewalLines(mark)).toEqual([
      expect.objectContaining({ level: 'ERROR', source: 'role', serving: 'none' }),
    ]);
    expect(
      parsedLines(logs.slice(mark)).find((l) => l.message === 'kms error normalized'),
    ).toMatchObject({
      level: 'ERROR',
      origin: 'internal',
      reason: expect.stringMatching(/^the role credentials expired and were not renewed/),
    });
    // The alarms see it.
    const counted = emitted(emfLines(logs.slice(mark))).flatMap((d) => Object.keys(d.units));
    expect(counted).toEqual(expect.arrayContaining(['ServerError', 'UpstreamUnavailable']));

    // STS back: the next try renews, and KMS answers again.
    emulator.clearFaults();
    expect((await at(900_000 + RETRY_MAX_MS)).statusCode).toBe(200);
    expect(lastKmsSigner()).not.toBe(assumed);
    vi.restoreAllMocks();

    // Not one line carries a secret: the base key's, or any STS issued.
    const output = logs.join('');
    // The handler's own module instance (handlerWith imports it afresh).
    const { heldSecrets } = await import('../../src/protocol/held-secrets.js');
    const secrets = heldSecrets().secrets;
    // The base key's secret, and the secret and token of both sets STS issued.
    expect(secrets).toContain(BASE.secret);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(leakIn(output, secret)).toBeUndefined();
  });
});
