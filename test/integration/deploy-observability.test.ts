/**
 * The stack's saved queries and settings against the real thing: every log field a query reads
 * is in the lines the handler really writes (run in this process against the emulator, with a
 * refused caller, a caller its policy refuses, an IAM principal nobody listed, KMS saying no and
 * KMS gone), or in the access log API Gateway writes, or an EMF metric or dimension of the
 * contract; and a wrong deploy-time setting stops packaging with the variable's name.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accessLogFields } from '../../deploy/access-log.js';
import { jsonWithIntrinsics } from '../../deploy/dashboard.js';
import {
  GATEWAY_RESPONSES,
  RESPONSE_TYPES,
  renderResponse,
} from '../../deploy/gateway-responses.js';
import { METRICS } from '../../deploy/metrics.js';
import { accessQuery, FUNCTION_QUERIES } from '../../deploy/queries.js';
import { readSettings } from '../../deploy/settings.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { signedPost } from '../../src/local/signed-call.js';
import { callersFile } from '../e2e/stack.js';
import {
  captureLogs,
  clientEvent,
  GATEWAY_HOST,
  handlerWith,
  lambdaContext,
  parsedLines,
} from '../support/in-process.js';

const KMS_KEY = { id: 'LTAI5tDeployTestKey01', secret: 'deploy-test-kms-secret-0123' };
const APP = { accessKeyId: 'app-caller-0001', accessKeySecret: 'app-caller-secret-0001' };
const BASE = `https://${GATEWAY_HOST}/`;

/** Every field path of a log line, `envelope.Code` style. */
function paths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) =>
    paths(child, prefix ? `${prefix}.${key}` : key),
  );
}

describe('every field a saved query reads exists', () => {
  let emulator: Emulator;
  const lines: Record<string, unknown>[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    emulator = await startEmulator({ accessKeys: [KMS_KEY] });
    const callers = callersFile([
      { AccessKeyId: APP.accessKeyId, AccessKeySecret: APP.accessKeySecret, Actions: ['Encrypt'] },
      { Principal: 'arn:aws:iam::123456789012:user/ops', Actions: ['ListKeys'] },
    ]);
    const signMode = {
      KMS_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: KMS_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KMS_KEY.secret,
      KMS_CALLER_KEYS_FILE: callers.path,
      KMS_CALLER_AUTH: 'signature',
      KMS_MAX_ATTEMPTS: '1',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const signed = (params: Record<string, string>, secret = APP.accessKeySecret) => {
      const { url, init } = signedPost(BASE, params, { ...APP, accessKeySecret: secret }, 'v1', {});
      return clientEvent(url, init);
    };
    const logs = captureLogs();
    try {
      const handler = await handlerWith(signMode);
      // A refused signature, a refused action, KMS saying no, then KMS gone.
      await handler(signed({ Action: 'ListKeys' }, 'not-the-secret'), lambdaContext());
      await handler(signed({ Action: 'ListKeys' }), lambdaContext());
      await handler(
        signed({ Action: 'Encrypt', KeyId: 'alias/none', Plaintext: 'eA==' }),
        lambdaContext(),
      );
      await emulator.close();
      await handler(
        signed({ Action: 'Encrypt', KeyId: 'alias/none', Plaintext: 'eA==' }),
        lambdaContext(),
      );
      // An IAM principal: one listed but refused an action, one not listed at all.
      const iam = await handlerWith({ ...signMode, KMS_CALLER_AUTH: 'iam' });
      for (const userArn of [
        'arn:aws:iam::123456789012:user/ops',
        'arn:aws:iam::123456789012:user/x',
      ]) {
        await iam(
          clientEvent(
            `${BASE}?Action=Encrypt&KeyId=k&Plaintext=eA==`,
            {},
            {
              authorizer: { iam: { userArn } },
            },
          ),
          lambdaContext(),
        );
      }
    } finally {
      vi.restoreAllMocks();
      process.env = { ...saved };
      callers.remove();
    }
    lines.push(...parsedLines(logs));
  }, 60_000);
  afterAll(async () => {
    await emulator.close();
  });

  const errorLines = () => lines.filter((line) => line.message === 'kms error normalized');
  const seen = () => new Set(errorLines().flatMap((line) => paths(line)));
  const emfNames = new Set([
    ...Object.keys(METRICS),
    ...Object.values(METRICS).flatMap((metric) => metric.dimensions),
  ]);

  it('the lines: refusals, KMS saying no, KMS unreachable', () => {
    const kinds = errorLines().map(
      (line) => `${line.origin} ${(line.envelope as { Code: string }).Code}`,
    );
    expect(kinds).toEqual([
      'request IncompleteSignature',
      'request Forbidden.NoPermission',
      'upstream-answer Forbidden.AliasNotFound',
      'upstream-call SerivceUnavailableTemporary',
      'request Forbidden.NoPermission',
      'request Forbidden.NoPermission',
    ]);
  });

  it.each(FUNCTION_QUERIES.map((query) => [query.name, query] as const))('%s', (_name, query) => {
    for (const field of query.reads) {
      expect(query.query, field).toContain(field);
      // A field of the error line, or (the EMF documents) a metric or dimension of the contract.
      expect(seen().has(field) || emfNames.has(field), field).toBe(true);
    }
  });

  it('every refusal names the caller the refusals query groups by: a key or a principal', () => {
    const refusals = errorLines().filter((line) => line.origin === 'request');
    expect(refusals.length).toBe(4);
    for (const line of refusals) {
      const caller = line.caller as { access_key_id?: string; principal?: string } | undefined;
      expect(caller?.access_key_id ?? caller?.principal, JSON.stringify(line)).toBeTruthy();
    }
    // The principal nobody listed is named too, whole (an ARN is no secret).
    expect(refusals.map((line) => (line.caller as { principal?: string }).principal)).toContain(
      'arn:aws:iam::123456789012:user/x',
    );
  });

  it.each(['http', 'rest'] as const)('access log (%s)', (api) => {
    const query = accessQuery({ api });
    for (const field of query.reads) {
      expect(query.query).toContain(field);
      expect(Object.keys(accessLogFields(api))).toContain(field);
    }
  });
});

describe('gateway responses: the table', () => {
  it('has a row for every response type, each rendering the documented status of its code', () => {
    expect(Object.keys(GATEWAY_RESPONSES).sort()).toEqual([...RESPONSE_TYPES].sort());
    for (const type of RESPONSE_TYPES) {
      const rendered = renderResponse(type, 'documented');
      // Only the two context variables are left for API Gateway to substitute.
      for (const template of Object.values(rendered.templates)) {
        expect(template.match(/\$[\w.]+/g)).toEqual(['$context.requestId', '$context.domainName']);
      }
      expect(rendered.message).not.toMatch(/<parameter name>/);
    }
    expect(renderResponse('MISSING_AUTHENTICATION_TOKEN', 'documented').message).toMatch(
      /^The parameter "Authorization" is needed but not provided\. /,
    );
    expect(renderResponse('INTEGRATION_TIMEOUT', 'documented').code).toBe(
      'SerivceUnavailableTemporary',
    );
    expect(renderResponse('INTEGRATION_TIMEOUT', 'corrected').code).toBe(
      'ServiceUnavailableTemporary',
    );
  });
});

describe('the dashboard body: JSON with CloudFormation values in it', () => {
  it('becomes the same JSON once CloudFormation resolves the intrinsics', () => {
    const value = {
      a: { Ref: 'Fn' },
      b: ['x', { 'Fn::GetAtt': ['Alarm', 'Arn'] }],
      c: 'plain "quoted"',
    };
    const join = jsonWithIntrinsics(value);
    const [, parts] = join['Fn::Join'];
    expect(parts).toContainEqual({ Ref: 'Fn' });
    const resolved = parts
      .map((part) =>
        typeof part === 'string' ? part : 'Ref' in (part as object) ? 'fn-name' : 'alarm-arn',
      )
      .join('');
    expect(JSON.parse(resolved)).toEqual({
      a: 'fn-name',
      b: ['x', 'alarm-arn'],
      c: 'plain "quoted"',
    });
  });
});

describe('settings: a wrong value names its variable', () => {
  const good = {
    api: 'http',
    throttle: { rate: '100', burst: 200 },
    tracing: false,
    alarmTopicArn: '',
    alarms: { serverErrorPercent: 5, unavailable: '5', refused: 20 },
    metricsNamespace: 'KmsNormalizer',
    codeSpelling: 'documented',
  };
  const context = { service: 'kms-normalizer', stage: 'dev', logRetentionDays: 30 };

  it('reads good values, numbers given as text too', () => {
    expect(readSettings(good, context)).toMatchObject({
      api: 'http',
      throttle: { rate: 100, burst: 200 },
      alarms: { unavailable: 5 },
      logRetentionDays: 30,
    });
    expect(
      readSettings({ ...good, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' }, context)
        .alarmTopicArn,
    ).toBe('arn:aws:sns:eu-west-1:123456789012:oncall');
  });

  it.each([
    [{ api: 'websocket' }, /KMS_API must be http or rest/],
    [{ throttle: { rate: 'fast', burst: 1 } }, /KMS_THROTTLE_RATE must be a number/],
    [{ throttle: { rate: 1, burst: -1 } }, /KMS_THROTTLE_BURST must be a number ≥ 0/],
    [{ tracing: 'yes' }, /KMS_TRACING must be true or false/],
    [{ alarmTopicArn: 'oncall' }, /KMS_ALARM_TOPIC_ARN is not valid/],
    [{ alarms: { ...good.alarms, unavailable: 0 } }, /KMS_ALARM_UNAVAILABLE/],
    [{ metricsNamespace: '' }, /KMS_METRICS_NAMESPACE is not valid/],
    [{ codeSpelling: 'british' }, /KMS_CODE_SPELLING must be documented or corrected/],
  ])('%o', (change, message) => {
    expect(() => readSettings({ ...good, ...change }, context)).toThrow(message);
  });

  it('a log retention that is no number', () => {
    expect(() => readSettings(good, { ...context, logRetentionDays: 'forever' })).toThrow(
      /KMS_LOG_RETENTION_DAYS/,
    );
  });
});
