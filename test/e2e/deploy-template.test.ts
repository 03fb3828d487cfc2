/**
 * What the packaged stack holds for the people who run it, read from the CloudFormation template
 * `npx serverless package` writes: the REST API's gateway responses (each a valid envelope once
 * API Gateway substitutes its `$context` variables), the access log, the alarms, the saved
 * queries, the dashboard, log retention, tracing and IAM. Two variants: the defaults (HTTP API),
 * and a REST API with every setting given.
 */
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_TYPES } from '../../deploy/gateway-responses.js';
import { METRICS } from '../../deploy/metrics.js';
import { documentedStatus, type KnownCode } from '../../src/kms/errors.js';
import {
  type CfnResource,
  ofType,
  onlyOfType,
  pack,
  packageRoot,
  type Template,
} from './packaged.js';

const root = packageRoot();
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kms-normalizer-oncall';
const CREDENTIALS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kms/alibaba-AbCdEf';
const CALLERS_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kms/callers-GhIjKl';

/** What API Gateway and CloudFormation put where the template has variables and intrinsics. */
const SAMPLE = {
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
};

/** `$context.x` → a value of its kind, as API Gateway substitutes (no quoting of its own). */
const substitute = (text: string) =>
  text
    .replaceAll('$context.requestId', SAMPLE.requestId)
    .replaceAll('$context.domainName', SAMPLE.domainName)
    .replace(/\$context\.[\w.]+/g, 'value-1');

/** A `Fn::Join` of text and intrinsics, joined with a value of each intrinsic's kind. */
function resolveJoin(value: unknown): string {
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === 'AWS::Region') return 'eu-west-1';
      if (ref) return `${ref}-resolved`;
      const [id] = (part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${id}`;
    })
    .join(separator);
}

const xml = new XMLParser({ parseTagValue: false });

/** The properties of each resource of a type, by one of them (a name). */
function byName(
  template: Template,
  type: string,
  key: string,
): Record<string, CfnResource['Properties']> {
  const named: Record<string, CfnResource['Properties']> = {};
  for (const [, r] of ofType(template, type)) named[r.Properties[key] as string] = r.Properties;
  return named;
}

/** Whether CloudFormation creates a resource: its condition, of the kinds the template uses. */
function created(template: Template, resource: CfnResource): boolean {
  const evaluate = (condition: unknown): boolean => {
    const c = condition as { 'Fn::Not'?: [unknown]; 'Fn::Equals'?: [unknown, unknown] };
    if (c['Fn::Not']) return !evaluate(c['Fn::Not'][0]);
    if (c['Fn::Equals']) return c['Fn::Equals'][0] === c['Fn::Equals'][1];
    throw new Error(`condition not understood: ${JSON.stringify(condition)}`);
  };
  return resource.Condition === undefined || evaluate(template.Conditions[resource.Condition]);
}

let http: Template;
let rest: Template;
beforeAll(async () => {
  [http, rest] = (
    await Promise.all([
      pack(root),
      pack(root, {
        KMS_API: 'rest',
        KMS_CALLER_AUTH: 'iam',
        KMS_TRACING: 'true',
        KMS_ALARM_TOPIC_ARN: TOPIC,
        KMS_CREDENTIALS_SECRET_ARN: CREDENTIALS_ARN,
        KMS_CALLER_KEYS_SECRET_ARN: CALLERS_ARN,
        KMS_CODE_SPELLING: 'corrected',
        KMS_LOG_RETENTION_DAYS: '14',
        KMS_ALARM_5XX_PERCENT: '2',
        KMS_METRICS_NAMESPACE: 'KmsNormalizerProd',
      }),
    ])
  ).map((packaged) => packaged.template) as [Template, Template];
}, 180_000);

describe('REST API: every gateway response is the envelope', () => {
  const responses = () => ofType(rest, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => r);

  it('every response type API Gateway has, once, on this API', () => {
    const types = responses().map((r) => r.Properties.ResponseType);
    expect([...types].sort()).toEqual([...RESPONSE_TYPES].sort());
    expect(responses().every((r) => r.Properties.RestApiId.Ref === 'ApiGatewayRestApi')).toBe(true);
    expect(ofType(http, 'AWS::ApiGateway::GatewayResponse')).toEqual([]);
  });

  it.each(RESPONSE_TYPES)('%s: JSON, application/xml and text/xml templates', (type) => {
    const response = responses().find((r) => r.Properties.ResponseType === type) as CfnResource;
    const status = Number(response.Properties.StatusCode);
    const templates = response.Properties.ResponseTemplates as Record<string, string>;
    expect(Object.keys(templates).sort()).toEqual([
      'application/json',
      'application/xml',
      'text/xml',
    ]);

    const json = JSON.parse(substitute(templates['application/json'] as string));
    expect(Object.keys(json)).toEqual(['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId']);
    expect(json).toMatchObject({
      HttpStatus: status,
      RequestId: SAMPLE.requestId,
      HostId: SAMPLE.domainName,
    });
    // A KMS code, with the status it always has; in the spelling the deployment asked for.
    expect(status).toBe(documentedStatus(json.Code as KnownCode));
    expect(json.Code).not.toBe('SerivceUnavailableTemporary');
    expect(typeof json.Message).toBe('string');

    for (const type of ['application/xml', 'text/xml']) {
      const body = substitute(templates[type] as string);
      expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?><KMS>')).toBe(true);
      const read = (xml.parse(body, true) as { KMS: Record<string, string> }).KMS;
      expect(Object.keys(read)).toEqual(['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId']);
      expect({ ...read, HttpStatus: Number(read.HttpStatus) }).toEqual(json);
    }
    // The headers every answer of the function carries.
    expect(response.Properties.ResponseParameters).toEqual({
      'gatewayresponse.header.Cache-Control': "'no-store'",
      'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
      'gatewayresponse.header.Vary': "'Accept'",
    });
  });

  it('the ones the issue names, as the README table says', () => {
    const code = (type: string) => {
      const response = responses().find((r) => r.Properties.ResponseType === type) as CfnResource;
      const json = JSON.parse(
        substitute(response.Properties.ResponseTemplates['application/json']),
      );
      return `${json.HttpStatus} ${json.Code}`;
    };
    expect(code('THROTTLED')).toBe('400 Throttling');
    expect(code('INTEGRATION_TIMEOUT')).toBe('503 ServiceUnavailableTemporary');
    expect(code('REQUEST_TOO_LARGE')).toBe('400 ParseRequestParameterException');
    expect(code('MISSING_AUTHENTICATION_TOKEN')).toBe('400 MissingParameter');
    expect(code('ACCESS_DENIED')).toBe('403 Forbidden.NoPermission');
  });

  it('are part of every deployment: the deployment waits for them', () => {
    const deployment = onlyOfType(rest, 'AWS::ApiGateway::Deployment');
    const ids = ofType(rest, 'AWS::ApiGateway::GatewayResponse').map(([id]) => id);
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(ids));
  });
});

describe('access log: one JSON line per request, with the RequestId the envelope carries', () => {
  it.each([
    ['HTTP API', () => http, () => http.Resources.HttpApiStage?.Properties.AccessLogSettings],
    [
      'REST API',
      () => rest,
      () => onlyOfType(rest, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting,
    ],
  ])('%s', (_name, template, setting) => {
    const { DestinationArn, Format } = setting() as { DestinationArn: unknown; Format: string };
    const line = JSON.parse(substitute(Format));
    expect(Format).toContain('"requestId":"$context.requestId"');
    expect(line.requestId).toBe(SAMPLE.requestId);
    expect(Object.keys(line)).toEqual(
      expect.arrayContaining(['status', 'error', 'integrationStatus', 'principal', 'path']),
    );
    const group = (DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(template().Resources[group]?.Type).toBe('AWS::Logs::LogGroup');
  });

  it('the REST line says which gateway response answered', () => {
    const { Format } = onlyOfType(rest, 'AWS::ApiGateway::Stage').Properties.AccessLogSetting;
    expect(JSON.parse(Format).responseType).toBe('$context.error.responseType');
  });
});

describe('alarms', () => {
  const alarms = (template: Template) => byName(template, 'AWS::CloudWatch::Alarm', 'AlarmName');

  it('three, on the metrics the function emits; no actions without a topic', () => {
    const all = alarms(http);
    expect(Object.keys(all).sort()).toEqual([
      'kms-normalizer-dev-5xx-rate',
      'kms-normalizer-dev-caller-refused',
      'kms-normalizer-dev-upstream-unavailable',
    ]);
    for (const alarm of Object.values(all)) {
      expect(alarm.AlarmActions).toEqual([]);
      expect(alarm.OKActions).toEqual([]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmDescription.length).toBeGreaterThan(40);
      for (const { MetricStat } of alarm.Metrics.filter(
        (m: { MetricStat?: unknown }) => m.MetricStat,
      )) {
        expect(MetricStat.Metric).toMatchObject({
          Namespace: 'KmsNormalizer',
          Dimensions: [{ Name: 'service', Value: 'kms-normalizer' }],
        });
        expect(Object.keys(METRICS)).toContain(MetricStat.Metric.MetricName);
      }
    }
    const rate = all['kms-normalizer-dev-5xx-rate'];
    const names = rate?.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
      (m: { Id: string; MetricStat: { Metric: { MetricName: string } } }) =>
        `${m.Id}=${m.MetricStat.Metric.MetricName}`,
    );
    expect(names).toEqual(['errors=ServerError', 'requests=Request']);
    expect(rate?.Metrics.find((m: { ReturnData: boolean }) => m.ReturnData).Expression).toMatch(
      /100 \* FILL\(errors, 0\) \/ requests/,
    );
    expect(rate?.Threshold).toBe(5);
    expect(
      all['kms-normalizer-dev-upstream-unavailable']?.Metrics[0].MetricStat.Metric.MetricName,
    ).toBe('UpstreamUnavailable');
    expect(all['kms-normalizer-dev-caller-refused']?.Metrics[0].MetricStat.Metric.MetricName).toBe(
      'CallerRefused',
    );
  });

  it('with KMS_ALARM_TOPIC_ARN, each notifies the topic on alarm and recovery; thresholds and namespace as set', () => {
    const all = alarms(rest);
    expect(Object.keys(all)).toHaveLength(3);
    for (const alarm of Object.values(all)) {
      expect(alarm.ActionsEnabled).toBe(true);
      expect(alarm.AlarmActions).toEqual([TOPIC]);
      expect(alarm.OKActions).toEqual([TOPIC]);
      for (const { MetricStat } of alarm.Metrics.filter(
        (m: { MetricStat?: unknown }) => m.MetricStat,
      )) {
        expect(MetricStat.Metric.Namespace).toBe('KmsNormalizerProd');
      }
    }
    expect(all['kms-normalizer-dev-5xx-rate']?.Threshold).toBe(2);
    expect(
      rest.Resources.KmsLambdaFunction?.Properties.Environment.Variables
        .POWERTOOLS_METRICS_NAMESPACE,
    ).toBe('KmsNormalizerProd');
  });
});

describe('Logs Insights query definitions', () => {
  const queries = (template: Template) => byName(template, 'AWS::Logs::QueryDefinition', 'Name');

  it.each([
    ['HTTP API', () => http],
    ['REST API', () => rest],
  ])('%s: on the function log group and the access log group', (_name, template) => {
    const all = queries(template());
    expect(Object.keys(all).sort()).toEqual(
      [
        'normalized errors by code',
        'upstream failures by HostId',
        'slowest actions',
        'slowest failed calls',
        'refusals by caller',
        'gateway errors by status',
      ]
        .map((name) => `kms-normalizer/dev/${name}`)
        .sort(),
    );
    const functionLogs = template().Resources.KmsLogGroup?.Properties.LogGroupName;
    expect(functionLogs).toBe('/aws/lambda/kms-normalizer-dev-kms');
    for (const [name, query] of Object.entries(all)) {
      expect(query.LogGroupNames, name).toHaveLength(1);
      const group = name.endsWith('gateway errors by status')
        ? template().Resources.ApiAccessLogGroup?.Properties.LogGroupName
        : functionLogs;
      expect(query.LogGroupNames[0], name).toBe(group);
    }
    expect(all['kms-normalizer/dev/normalized errors by code']?.QueryString).toMatch(
      /filter message = "kms error normalized"[\s\S]*stats count\(\) as errors by envelope\.Code, envelope\.HttpStatus, origin/,
    );
    expect(all['kms-normalizer/dev/upstream failures by HostId']?.QueryString).toContain(
      'by envelope.HostId',
    );
    expect(all['kms-normalizer/dev/refusals by caller']?.QueryString).toContain(
      'caller.access_key_id, caller.principal',
    );
  });
});

describe('dashboard', () => {
  const bodyOf = (template: Template) =>
    JSON.parse(
      resolveJoin(onlyOfType(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody),
    );

  it.each([
    ['HTTP API', () => http, 'KmsNormalizer', 'AWS/ApiGateway,5xx,ApiId'],
    [
      'REST API',
      () => rest,
      'KmsNormalizerProd',
      'AWS/ApiGateway,5XXError,ApiName,dev-kms-normalizer,Stage,dev',
    ],
  ])(
    '%s: valid JSON naming every metric the function emits',
    (_name, template, namespace, gateway) => {
      const body = bodyOf(template());
      const text = JSON.stringify(body);
      for (const metric of Object.keys(METRICS)) {
        expect(text, metric).toMatch(new RegExp(`"${metric}"|MetricName=\\\\"${metric}\\\\"`));
      }
      const lines = body.widgets.flatMap(
        (w: { properties: { metrics?: unknown[][] } }) => w.properties.metrics ?? [],
      ) as unknown[][];
      const own = lines.filter((line) => line[0] === namespace);
      expect(own.length).toBeGreaterThanOrEqual(5);
      expect(
        lines
          .filter((line) => typeof line[0] === 'string' && line[0].startsWith('Kms'))
          .every((line) => line[0] === namespace),
      ).toBe(true);
      const searches = lines
        .map((line) => (line[0] as { expression?: string }).expression ?? '')
        .filter((expression) => expression.startsWith('SEARCH'));
      expect(searches).toEqual(
        expect.arrayContaining([
          `SEARCH('{${namespace},Code,HttpStatus,Origin,service} MetricName="NormalizedError" service="kms-normalizer"', 'Sum', 60)`,
          `SEARCH('{${namespace},Action,service} MetricName="UpstreamLatency" service="kms-normalizer"', 'p50', 60)`,
          `SEARCH('{${namespace},Action,service} MetricName="UpstreamLatency" service="kms-normalizer"', 'p99', 60)`,
        ]),
      );
      expect(lines.map((line) => line.slice(0, gateway.split(',').length).join(','))).toContain(
        gateway,
      );
      const alarmWidget = body.widgets.find((w: { type: string }) => w.type === 'alarm');
      expect(alarmWidget.properties.alarms).toHaveLength(3);
    },
  );
});

describe('logs, tracing and IAM', () => {
  it('every log group keeps its logs for KMS_LOG_RETENTION_DAYS (30 by default)', () => {
    for (const [template, days] of [
      [http, 30],
      [rest, 14],
    ] as const) {
      const groups = ofType(template, 'AWS::Logs::LogGroup');
      expect(groups.map(([id]) => id).sort()).toEqual(['ApiAccessLogGroup', 'KmsLogGroup']);
      for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(days);
    }
  });

  it('tracing: off by default; KMS_TRACING=true traces the function and the REST stage', () => {
    expect(http.Resources.KmsLambdaFunction?.Properties.TracingConfig).toBeUndefined();
    expect(rest.Resources.KmsLambdaFunction?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect(onlyOfType(rest, 'AWS::ApiGateway::Stage').Properties.TracingEnabled).toBe(true);
  });

  /** Every IAM statement of the template, with the resource it sits in. */
  function statements(template: Template) {
    const inRole = (template.Resources.IamRoleLambdaExecution?.Properties.Policies ?? []).flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
    );
    const inPolicies = ofType(template, 'AWS::IAM::Policy')
      .filter(([, p]) => created(template, p))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    return [...inRole, ...inPolicies] as { Action: string | string[]; Resource: unknown }[];
  }
  const actions = (s: { Action: string | string[] }) => [s.Action].flat();

  it('one statement per configured secret, naming exactly its ARN; no wildcard on secrets', () => {
    const secrets = statements(rest).filter((s) =>
      actions(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secrets).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: CREDENTIALS_ARN },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: CALLERS_ARN },
    ]);
    expect(
      statements(http).some((s) => actions(s).some((a) => a.startsWith('secretsmanager:'))),
    ).toBe(false);
    // Beyond the function's own log streams, a wildcard only where AWS has no resource to name.
    for (const statement of statements(rest)) {
      const text = JSON.stringify(statement.Resource);
      if (!text.includes('*')) continue;
      const allowed = actions(statement).every(
        (a) =>
          a.startsWith('xray:') ||
          (a.startsWith('logs:') && text.includes('/aws/lambda/kms-normalizer-dev')),
      );
      expect(allowed, JSON.stringify(statement)).toBe(true);
    }
  });
});
