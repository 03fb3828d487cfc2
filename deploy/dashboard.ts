/**
 * One CloudWatch dashboard per stack, so an operator looks rather than reads: the alarms, errors
 * by code and status, upstream latency and attempts by action, refusals, cold starts, then
 * API Gateway's and Lambda's own view (what the function cannot count: requests API Gateway
 * answered itself, a function that crashed or was throttled).
 */
import { ALARMS } from './alarms.js';
import { type MetricName, SERVICE } from './metrics.js';
import type { Settings } from './settings.js';
import type { Resource } from './template.js';

/** A CloudFormation intrinsic, written into the body where the value goes. */
type Intrinsic = { Ref: string } | { 'Fn::GetAtt': [string, string] };

const isIntrinsic = (value: unknown): value is Intrinsic =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  ('Ref' in value || 'Fn::GetAtt' in value);

/**
 * A JSON text with intrinsics in it, as `Fn::Join` parts: each intrinsic stands in a JSON
 * string, so the joined text is JSON once CloudFormation resolves them.
 */
export function jsonWithIntrinsics(value: unknown): { 'Fn::Join': [string, unknown[]] } {
  const intrinsics: Intrinsic[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!isIntrinsic(v)) return v;
    intrinsics.push(v);
    return `@@intrinsic${intrinsics.length - 1}@@`;
  });
  const parts: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(/@@intrinsic(\d+)@@/g)) {
    parts.push(text.slice(last, match.index), intrinsics[Number(match[1])]);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return { 'Fn::Join': ['', parts.filter((part) => part !== '')] };
}

export interface DashboardContext {
  readonly functionName: Intrinsic;
  /** the REST API's name, or the HTTP API's id */
  readonly api: Intrinsic | string;
}

const REGION: Intrinsic = { Ref: 'AWS::Region' };

type MetricLine = (string | Intrinsic | Record<string, unknown>)[];

function widget(
  title: string,
  metrics: MetricLine[],
  options: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'metric',
    width: 12,
    height: 6,
    properties: {
      title,
      region: REGION,
      view: 'timeSeries',
      stacked: false,
      period: 60,
      stat: 'Sum',
      metrics,
      ...options,
    },
  };
}

function body(settings: Settings, context: DashboardContext): Record<string, unknown> {
  const ns = settings.metricsNamespace;
  const own = (name: MetricName, options: Record<string, unknown> = {}): MetricLine => [
    ns,
    name,
    'service',
    SERVICE,
    options,
  ];
  const search = (schema: string, name: MetricName, stat: string, id: string) => ({
    expression: `SEARCH('{${ns},${schema}} MetricName="${name}" service="${SERVICE}"', '${stat}', 60)`,
    id,
  });
  const gateway: MetricLine[] =
    settings.api === 'rest'
      ? ['Count', '4XXError', '5XXError'].map((name) => [
          'AWS/ApiGateway',
          name,
          'ApiName',
          context.api,
          'Stage',
          settings.stage,
        ])
      : ['Count', '4xx', '5xx'].map((name) => ['AWS/ApiGateway', name, 'ApiId', context.api]);
  const lambda = (name: string, options: Record<string, unknown> = {}): MetricLine => [
    'AWS/Lambda',
    name,
    'FunctionName',
    context.functionName,
    options,
  ];
  return {
    widgets: [
      {
        type: 'alarm',
        width: 24,
        height: 2,
        properties: {
          title: 'Alarms',
          alarms: Object.values(ALARMS).map(
            (alarm): Intrinsic => ({ 'Fn::GetAtt': [alarm.id, 'Arn'] }),
          ),
        },
      },
      widget('Requests and 5xx envelopes', [
        own('Request', { id: 'requests' }),
        own('ServerError', { id: 'errors' }),
        [
          {
            expression: '100 * FILL(errors, 0) / requests',
            label: '5xx, % of requests',
            id: 'rate',
            yAxis: 'right',
          },
        ],
      ]),
      widget('Normalized errors by code and status', [
        [search('Code,HttpStatus,Origin,service', 'NormalizedError', 'Sum', 'byCode')],
      ]),
      widget(
        'Upstream latency by action (p50, p99)',
        [
          [search('Action,service', 'UpstreamLatency', 'p50', 'p50')],
          [search('Action,service', 'UpstreamLatency', 'p99', 'p99')],
        ],
        { stat: 'p99' },
      ),
      widget(
        'Upstream attempts by action (average per call)',
        [[search('Action,service', 'UpstreamAttempts', 'Average', 'attempts')]],
        { stat: 'Average' },
      ),
      widget('Upstream unavailable and refused callers', [
        own('UpstreamUnavailable'),
        own('CallerRefused'),
      ]),
      widget('Cold starts', [
        [ns, 'ColdStart', 'function_name', context.functionName, 'service', SERVICE],
      ]),
      widget(`API Gateway (${settings.api === 'rest' ? 'REST API' : 'HTTP API'})`, gateway),
      widget('Lambda: invocations, crashes, throttles, p99 duration', [
        lambda('Invocations'),
        lambda('Errors'),
        lambda('Throttles'),
        lambda('Duration', { stat: 'p99', yAxis: 'right' }),
      ]),
    ],
  };
}

export const DASHBOARD = 'Dashboard';

export function dashboardResources(
  settings: Settings,
  context: DashboardContext,
): Record<string, Resource> {
  return {
    [DASHBOARD]: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `${settings.service}-${settings.stage}`,
        DashboardBody: jsonWithIntrinsics(body(settings, context)),
      },
    },
  };
}
