/**
 * The operator's metrics (issue 8 item 2), through the handler in this process against the real
 * emulator: every EMF document the function writes is valid by the EMF specification, a
 * normalized error is counted by Code, HttpStatus and Origin, and the alarm metrics (ServerError,
 * UpstreamUnavailable, CallerRefused) count what they say and nothing else. No caller can mint a
 * dimension value, and metrics never stand in a request's way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../deploy/metrics.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { PROJECT_ROOT } from '../../src/local/offline.js';
import { signedPost } from '../../src/local/signed-call.js';
import {
  actionDimension,
  errorDimensions,
  isCallerRefusal,
  KNOWN_CODES,
  KNOWN_ORIGINS,
  KNOWN_STATUSES,
  OTHER,
} from '../../src/middleware/metrics.js';
import { callersFile } from '../e2e/stack.js';
import { type Emitted, emfLines, emfProblems, emitted } from '../support/emf.js';
import {
  answer,
  captureLogs,
  GATEWAY_HOST,
  type Handler,
  handlerWith,
  clientEvent as httpApiEvent,
  type LocalServer,
  lambdaContext,
  parsedLines,
  startLocalServer,
} from '../support/in-process.js';

const KMS_KEY = { id: 'LTAI5tMetricsTestKey01', secret: 'metrics-test-kms-secret-01' };
const BASE = `https://${GATEWAY_HOST}/`;
const ADMIN = { accessKeyId: 'metrics-admin-0001', accessKeySecret: 'metrics-admin-secret-01' };
const APP = { accessKeyId: 'metrics-app-0001', accessKeySecret: 'metrics-app-secret-0001' };
const DOCUMENT = [
  { AccessKeyId: ADMIN.accessKeyId, AccessKeySecret: ADMIN.accessKeySecret, Actions: ['*'] },
  {
    AccessKeyId: APP.accessKeyId,
    AccessKeySecret: APP.accessKeySecret,
    Actions: ['Encrypt'],
    Resources: ['alias/app-*'],
  },
];
const ALARM_METRICS = ['ServerError', 'UpstreamUnavailable', 'CallerRefused'] as const;

let emulator: Emulator;
let file: ReturnType<typeof callersFile>;
// Metrics are read here (vitest.config.ts turns them off elsewhere); singleMetric() reads the
// variable again each time, so it stays on between tests too.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: [KMS_KEY] });
  file = callersFile(DOCUMENT);
});
afterAll(async () => {
  await emulator.close();
  file.remove();
});
beforeEach(() => {
  emulator.clearFaults();
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...saved };
});

const signMode = (env: Record<string, string> = {}) => ({
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: KMS_KEY.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: KMS_KEY.secret,
  KMS_CALLER_KEYS_FILE: file.path,
  KMS_CALLER_AUTH: 'signature',
  KMS_MAX_ATTEMPTS: '1',
  ...env,
});

const signed = (params: Record<string, string>, credentials = ADMIN) => {
  const { url, init } = signedPost(BASE, params, credentials, 'v1');
  return httpApiEvent(url, init);
};

/** Each metric emitted, with its value and the EMF document it came in. */
function metricsIn(lines: readonly string[]) {
  return emitted(lines).flatMap((directive: Emitted) =>
    Object.entries(directive.units).map(([name, unit]) => ({
      name,
      unit,
      value: directive.document[name],
      namespace: directive.namespace,
      dimensions: directive.dimensions,
      document: directive.document,
    })),
  );
}

/** How many of each metric one request emitted (Count metrics summed). */
function counts(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of metricsIn(lines)) {
    const values = Array.isArray(metric.value) ? metric.value : [metric.value];
    out[metric.name] = (out[metric.name] ?? 0) + values.reduce((a, b) => a + Number(b), 0);
  }
  return out;
}

async function run(handler: Handler, event: unknown) {
  const logs = captureLogs();
  const result = await handler(event, lambdaContext());
  vi.restoreAllMocks();
  return { result, logs: [...logs] };
}

describe('the EMF checker (from the specification)', () => {
  const valid = {
    _aws: {
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        { Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'M', Unit: 'Count' }] },
      ],
    },
    service: 's',
    M: 1,
  };
  it('accepts a valid document and finds what each invalid one lacks', () => {
    expect(emfProblems(JSON.stringify(valid))).toEqual([]);
    const broken = (change: (d: typeof valid & Record<string, unknown>) => void) => {
      const copy = structuredClone(valid) as typeof valid & Record<string, unknown>;
      change(copy);
      return emfProblems(JSON.stringify(copy));
    };
    expect(broken((d) => Reflect.deleteProperty(d._aws, 'Timestamp'))).toHaveLength(1);
    expect(broken((d) => Reflect.deleteProperty(d, 'service'))).toEqual([
      'dimension service is not a top-level string member',
    ]);
    expect(broken((d) => Reflect.set(d, 'M', '1'))).toHaveLength(1);
    expect(
      broken((d) => Reflect.set(d._aws.CloudWatchMetrics[0] as object, 'Namespace', '')),
    ).toHaveLength(1);
    expect(
      broken((d) =>
        Reflect.set(d._aws.CloudWatchMetrics[0]?.Metrics[0] as object, 'Unit', 'Things'),
      ),
    ).toHaveLength(1);
    expect(emfProblems('{"_aws":{}} trailing')).toEqual(['not a JSON text']);
  });
});

describe('a normalized error writes a valid EMF document with its dimensions', () => {
  let handler: Handler;
  beforeAll(async () => {
    // As Lambda starts an on-demand instance: Powertools counts a cold start only then.
    handler = await handlerWith(signMode({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }));
  });

  it('NormalizedError by Code, HttpStatus and Origin; Request, ColdStart and the upstream call', async () => {
    const { result, logs } = await run(
      handler,
      signed({ Action: 'DescribeKey', KeyId: 'alias/missing' }),
    );
    expect(result.statusCode).toBe(404);
    const lines = emfLines(logs);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(emfProblems(line), line).toEqual([]);

    const metrics = metricsIn(logs);
    for (const metric of metrics) {
      expect(metric.namespace).toBe('KmsNormalizer');
      expect(metric.document.service).toBe('kms-normalizer');
    }
    const byName = (name: string) => metrics.filter((m) => m.name === name);
    expect(byName('NormalizedError')).toEqual([
      expect.objectContaining({
        unit: 'Count',
        value: 1,
        dimensions: [['service', 'Code', 'HttpStatus', 'Origin']],
        document: expect.objectContaining({
          Code: 'Forbidden.AliasNotFound',
          HttpStatus: '404',
          Origin: 'upstream-answer',
        }),
      }),
    ]);
    // The request's own metrics carry no other dimension: Code and Action never leak onto them.
    const [request] = byName('Request');
    expect(request).toMatchObject({ unit: 'Count', value: 1, dimensions: [['service']] });
    expect(request?.document).not.toHaveProperty('Code');
    expect(request?.document).not.toHaveProperty('Action');
    const [latency] = byName('UpstreamLatency');
    expect(latency).toMatchObject({
      unit: 'Milliseconds',
      dimensions: [['service', 'Action']],
      document: expect.objectContaining({ Action: 'DescribeKey', UpstreamAttempts: 1 }),
    });
    expect(typeof latency?.value).toBe('number');
    expect(byName('UpstreamAttempts')[0]).toMatchObject({ unit: 'Count', value: 1 });
    expect(byName('ColdStart')).toEqual([
      expect.objectContaining({
        value: 1,
        document: expect.objectContaining({ function_name: 'kms' }),
      }),
    ]);
    for (const name of ALARM_METRICS) expect(byName(name)).toEqual([]);

    // The next request is warm.
    const warm = await run(handler, signed({ Action: 'DescribeKey', KeyId: 'alias/missing' }));
    expect(counts(warm.logs)).toMatchObject({ Request: 1, NormalizedError: 1 });
    expect(counts(warm.logs)).not.toHaveProperty('ColdStart');
  });

  it('a success: the request and its upstream call, no error metric', async () => {
    const { result, logs } = await run(handler, signed({ Action: 'ListKeys' }));
    expect(result.statusCode).toBe(200);
    for (const line of emfLines(logs)) expect(emfProblems(line)).toEqual([]);
    expect(counts(logs)).toEqual({
      Request: 1,
      UpstreamLatency: expect.any(Number),
      UpstreamAttempts: 1,
    });
  });

  it('the namespace comes from POWERTOOLS_METRICS_NAMESPACE', async () => {
    const named = await handlerWith(signMode({ POWERTOOLS_METRICS_NAMESPACE: 'KmsStaging' }));
    const { logs } = await run(named, signed({ Action: 'ListKeys' }));
    expect(new Set(metricsIn(logs).map((m) => m.namespace))).toEqual(new Set(['KmsStaging']));
  });
});

describe('the contract the alarms and the dashboard read (deploy/metrics.ts)', () => {
  it('every metric named there is emitted with its unit and dimensions, and no other', async () => {
    const handler = await handlerWith(signMode({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }));
    const logs: string[] = [];
    logs.push(
      ...(await run(handler, signed({ Action: 'DescribeKey', KeyId: 'alias/missing' }))).logs,
    );
    logs.push(...(await run(handler, httpApiEvent(`${BASE}?Action=ListKeys`))).logs);
    emulator.injectFault({ kind: 'drop' }, { times: 1 });
    logs.push(...(await run(handler, signed({ Action: 'ListKeys' }))).logs);
    const seen = new Map<string, { unit: string | undefined; dimensions: string[] }>();
    for (const metric of metricsIn(logs)) {
      for (const set of metric.dimensions) {
        seen.set(metric.name, { unit: metric.unit, dimensions: [...set].sort() });
      }
    }
    expect([...seen.keys()].sort()).toEqual(Object.keys(METRICS).sort());
    for (const [name, spec] of Object.entries(METRICS)) {
      expect([name, seen.get(name)]).toEqual([
        name,
        { unit: spec.unit, dimensions: ['service', ...spec.dimensions].sort() },
      ]);
    }
  });
});

describe('what counts as a server error, an unavailable upstream, a refused caller', () => {
  let handler: Handler;
  let corrected: Handler;
  let allowList: Handler;
  beforeAll(async () => {
    handler = await handlerWith(signMode());
    corrected = await handlerWith(signMode({ KMS_CODE_SPELLING: 'corrected' }));
    allowList = await handlerWith(signMode({ KMS_ALLOWED_ACTIONS: 'Encrypt' }));
  });

  const cases: [string, () => Promise<{ logs: string[] }>, string, string, string[]][] = [
    [
      'unsigned',
      () => run(handler, httpApiEvent(`${BASE}?Action=ListKeys`)),
      'MissingParameter',
      'request',
      ['CallerRefused'],
    ],
    [
      'a wrong signature',
      () => run(handler, signed({ Action: 'ListKeys' }, { ...ADMIN, accessKeySecret: 'wrong' })),
      'IncompleteSignature',
      'request',
      ['CallerRefused'],
    ],
    [
      'an unknown caller key',
      () => run(handler, signed({ Action: 'ListKeys' }, { ...ADMIN, accessKeyId: 'nobody' })),
      'InvalidAccessKeyId.NotFound',
      'request',
      ['CallerRefused'],
    ],
    [
      "an action outside the caller's policy",
      () => run(handler, signed({ Action: 'ListKeys' }, APP)),
      'Forbidden.NoPermission',
      'request',
      ['CallerRefused'],
    ],
    [
      "a key outside the caller's resources",
      () =>
        run(handler, signed({ Action: 'Encrypt', KeyId: 'alias/other', Plaintext: 'aGk=' }, APP)),
      'Forbidden.NoPermission',
      'request',
      ['CallerRefused'],
    ],
    [
      'an action outside KMS_ALLOWED_ACTIONS (the operator’s, not the caller’s)',
      () => run(allowList, signed({ Action: 'ListKeys' })),
      'Forbidden.NoPermission',
      'request',
      [],
    ],
    [
      'a bad Format',
      () => run(handler, signed({ Action: 'ListKeys', Format: 'yaml' })),
      'InvalidParameter',
      'request',
      [],
    ],
    [
      'an unknown action',
      () => run(handler, signed({ Action: 'NoSuchAction' })),
      'InvalidParameter',
      'request',
      [],
    ],
    [
      'a DELETE',
      () => run(handler, httpApiEvent(`${BASE}?Action=ListKeys`, { method: 'DELETE' })),
      'UnsupportedHTTPMethod',
      'request',
      [],
    ],
    [
      'KMS says the key does not exist',
      () => run(handler, signed({ Action: 'DescribeKey', KeyId: 'alias/missing' })),
      'Forbidden.AliasNotFound',
      'upstream-answer',
      [],
    ],
    [
      'KMS dropped the connection',
      async () => {
        emulator.injectFault({ kind: 'drop' });
        return run(handler, signed({ Action: 'ListKeys' }));
      },
      'SerivceUnavailableTemporary',
      'upstream-call',
      ['ServerError', 'UpstreamUnavailable'],
    ],
    [
      'KMS dropped the connection (corrected spelling)',
      async () => {
        emulator.injectFault({ kind: 'drop' });
        return run(corrected, signed({ Action: 'ListKeys' }));
      },
      'ServiceUnavailableTemporary',
      'upstream-call',
      ['ServerError', 'UpstreamUnavailable'],
    ],
    [
      'KMS answered 503',
      async () => {
        emulator.injectFault({ kind: 'status', status: 503 });
        return run(handler, signed({ Action: 'ListKeys' }));
      },
      'SerivceUnavailableTemporary',
      'upstream-answer',
      ['ServerError', 'UpstreamUnavailable'],
    ],
    [
      'KMS answered 500',
      async () => {
        emulator.injectFault({ kind: 'status', status: 500 });
        return run(handler, signed({ Action: 'ListKeys' }));
      },
      'InternalFailure',
      'upstream-answer',
      ['ServerError'],
    ],
  ];

  it.each(cases)('%s', async (_name, send, code, origin, alarms) => {
    const { logs } = await send();
    for (const line of emfLines(logs)) expect(emfProblems(line)).toEqual([]);
    const errors = metricsIn(logs).filter((m) => m.name === 'NormalizedError');
    expect(errors.map((m) => [m.document.Code, m.document.Origin])).toEqual([[code, origin]]);
    const seen = counts(logs);
    for (const name of ALARM_METRICS) {
      expect([name, seen[name] ?? 0]).toEqual([name, alarms.includes(name) ? 1 : 0]);
    }
  });
});

describe('no caller can mint a dimension value', () => {
  let upstream: LocalServer;
  beforeAll(async () => {
    upstream = await startLocalServer(answer(200, '{}'));
  });
  afterAll(() => upstream.close());

  it('a code or status outside the known sets is Other, and none of its text is emitted', async () => {
    const planted = 'PlantedCode-2b7f0c9e41d6a8';
    const handler = await handlerWith({
      ...signMode({ KMS_ENDPOINT: upstream.url }),
      KMS_CALLER_AUTH: 'none',
    });
    for (const [status, code, dimensions] of [
      [400, planted, { Code: OTHER, HttpStatus: '400' }],
      [418, 'Forbidden.KeyNotFound', { Code: 'Forbidden.KeyNotFound', HttpStatus: OTHER }],
    ] as const) {
      upstream.route = answer(status, JSON.stringify({ Code: code, Message: 'm', RequestId: 'r' }));
      const { result, logs } = await run(handler, httpApiEvent(`${BASE}?Action=ListKeys`));
      expect(result.statusCode).toBe(status);
      const [error] = metricsIn(logs).filter((m) => m.name === 'NormalizedError');
      expect(error?.document).toMatchObject({ ...dimensions, Origin: 'upstream-answer' });
      expect(emfLines(logs).join('\n')).not.toContain('PlantedCode');
    }
  });

  it('the README states the cardinality the sets have', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const section = readme
      .slice(readme.indexOf('## Operate'), readme.indexOf('### Alarms'))
      .replace(/\s+/g, ' ');
    expect(section).toContain(`one of the ${KNOWN_CODES.size} codes`);
    expect(section).toContain(`one of ${KNOWN_STATUSES.size} statuses`);
    expect(section).toContain(`one of ${KNOWN_ORIGINS.size} (`);
    expect(section).toContain(
      `${KNOWN_CODES.size + 1} × ${KNOWN_STATUSES.size + 1} × ${KNOWN_ORIGINS.size + 1} series`,
    );
    expect(section).toContain(`one of the ${Object.keys(ACTIONS).length} actions`);
    for (const name of [
      'Request',
      'NormalizedError',
      'ServerError',
      'UpstreamUnavailable',
      'CallerRefused',
      'UpstreamLatency',
      'UpstreamAttempts',
      'ColdStart',
    ]) {
      expect(section).toContain(`| \`${name}\` |`);
    }
  });

  it('an Action outside the 92 is Other; the sets are the tables’', () => {
    expect(actionDimension('Encrypt')).toBe('Encrypt');
    for (const action of ['Encrypt2', '__proto__', 'constructor', '', undefined]) {
      expect(actionDimension(action)).toBe(OTHER);
    }
    expect(KNOWN_CODES.has('Forbidden.KeyNotFound')).toBe(true);
    expect(KNOWN_CODES.has('ServiceUnavailableTemporary')).toBe(true);
    expect(KNOWN_CODES.has('toString')).toBe(false);
    expect(
      errorDimensions({ httpStatus: 999, code: 'x', origin: 'elsewhere' as 'internal' }),
    ).toEqual({ Code: OTHER, HttpStatus: OTHER, Origin: OTHER });
    // A 5xx is never a refusal, whatever the state.
    expect(
      isCallerRefusal(
        {
          startedAt: 0,
          negotiated: { format: 'JSON', mediaType: 'application/json', source: 'default' },
        },
        { httpStatus: 503, code: 'SerivceUnavailableTemporary', origin: 'request' },
      ),
    ).toBe(false);
  });
});

describe('metrics never stand in the way', () => {
  it('an invalid configuration: each request still counts, as a 500 InternalFailure', async () => {
    const handler = await handlerWith({ KMS_MODE: 'bogus' });
    const { result, logs } = await run(handler, httpApiEvent(`${BASE}?Action=ListKeys`));
    expect(result.statusCode).toBe(500);
    for (const line of emfLines(logs)) expect(emfProblems(line)).toEqual([]);
    expect(counts(logs)).toMatchObject({ Request: 1, NormalizedError: 1, ServerError: 1 });
    const [error] = metricsIn(logs).filter((m) => m.name === 'NormalizedError');
    expect(error?.document).toMatchObject({
      Code: 'InternalFailure',
      HttpStatus: '500',
      Origin: 'internal',
    });
  });

  it('when recording fails, the request is answered as ever and the log says so', async () => {
    // A fault no input can cause: Powertools itself throwing.
    const handler = await handlerWith(signMode({ POWERTOOLS_LOG_LEVEL: 'INFO' }));
    const logs = captureLogs();
    vi.spyOn(Metrics.prototype, 'addMetric').mockImplementation(() => {
      throw new RangeError('metrics broke');
    });
    vi.spyOn(Metrics.prototype, 'publishStoredMetrics').mockImplementation(() => {
      throw new RangeError('metrics broke');
    });
    const ok = await handler(signed({ Action: 'ListKeys' }), lambdaContext());
    const refused = await handler(
      signed({ Action: 'DescribeKey', KeyId: 'alias/missing' }),
      lambdaContext(),
    );
    vi.restoreAllMocks();
    expect([ok.statusCode, refused.statusCode]).toEqual([200, 404]);
    expect(JSON.parse(ok.body)).toHaveProperty('Keys');
    const warnings = parsedLines(logs).filter((l) => l.message === 'metrics not recorded');
    expect(warnings.length).toBeGreaterThan(0);
    for (const line of warnings)
      expect(line).toMatchObject({ level: 'WARN', error_name: 'RangeError' });
    expect(parsedLines(logs).filter((l) => l.message === 'kms error normalized')).toHaveLength(1);
  });
});
