/**
 * CloudWatch Logs Insights queries saved with the stack (console: Logs Insights → Queries, folder
 * `<service>/<stage>`). Each names the log fields it reads, so the tests can hold every one of them
 * against real log lines: the function's `kms error normalized` line (src/http/error-answer.ts),
 * its EMF documents (metrics.ts), and API Gateway's access log (access-log.ts).
 */
import type { Settings } from './settings.js';
import type { Resource } from './template.js';

export type LogSource = 'function' | 'access';

export interface QuerySpec {
  readonly name: string;
  readonly source: LogSource;
  /** the fields of a log line the query reads */
  readonly reads: readonly string[];
  readonly query: string;
}

const ERROR_LINE = 'filter message = "kms error normalized"';

export const FUNCTION_QUERIES: readonly QuerySpec[] = [
  {
    name: 'normalized errors by code',
    source: 'function',
    reads: ['message', 'envelope.Code', 'envelope.HttpStatus', 'origin'],
    query: [
      ERROR_LINE,
      'stats count() as errors by envelope.Code, envelope.HttpStatus, origin',
      'sort errors desc',
    ].join('\n| '),
  },
  {
    name: 'upstream failures by HostId',
    source: 'function',
    reads: [
      'message',
      'origin',
      'envelope.HttpStatus',
      'envelope.HostId',
      'envelope.Code',
      'reason',
      'upstream.attempts',
    ],
    // Unreachable or timed out, or an answer that was unreadable or a KMS 5xx: not KMS saying no.
    query: [
      `${ERROR_LINE} and (origin = "upstream-call" or (origin = "upstream-answer" and envelope.HttpStatus >= 500))`,
      'stats count() as failures, max(upstream.attempts) as most_attempts by envelope.HostId, envelope.Code, reason',
      'sort failures desc',
    ].join('\n| '),
  },
  {
    name: 'slowest actions',
    source: 'function',
    // Every upstream call's EMF document carries its latency and action.
    reads: ['UpstreamLatency', 'Action'],
    query: [
      'filter ispresent(UpstreamLatency)',
      'stats count() as calls, pct(UpstreamLatency, 50) as p50_ms, pct(UpstreamLatency, 99) as p99_ms, max(UpstreamLatency) as max_ms by Action',
      'sort p99_ms desc',
    ].join('\n| '),
  },
  {
    name: 'slowest failed calls',
    source: 'function',
    reads: [
      'message',
      'upstream.latency_ms',
      'upstream.attempts',
      'envelope.RequestId',
      'envelope.Code',
      'envelope.HostId',
      'action',
    ],
    query: [
      `${ERROR_LINE} and ispresent(upstream.latency_ms)`,
      'sort upstream.latency_ms desc',
      'display @timestamp, envelope.RequestId, action, envelope.Code, envelope.HostId, upstream.latency_ms, upstream.attempts',
      'limit 50',
    ].join('\n| '),
  },
  {
    name: 'refusals by caller',
    source: 'function',
    // A caller that claimed a key it could not prove, or a refusal whose reason names the
    // caller (signature, nonce, policy, IAM principal).
    reads: [
      'message',
      'origin',
      'reason',
      'caller.kind',
      'caller.access_key_id',
      'caller.principal',
      'envelope.Code',
    ],
    query: [
      `${ERROR_LINE} and origin = "request" and (caller.kind = "unverified" or reason like /caller|principal/)`,
      'stats count() as refusals by caller.kind, caller.access_key_id, caller.principal, envelope.Code',
      'sort refusals desc',
    ].join('\n| '),
  },
];

/** Requests API Gateway answered with an error, its own refusals included. */
export function accessQuery(settings: Pick<Settings, 'api'>): QuerySpec {
  const by = settings.api === 'rest' ? ['status', 'responseType', 'error'] : ['status', 'error'];
  return {
    name: 'gateway errors by status',
    source: 'access',
    reads: by,
    query: [
      'filter status like /^[45]/',
      `stats count() as answers by ${by.join(', ')}`,
      'sort answers desc',
    ].join('\n| '),
  };
}

/** `normalized errors by code` → `NormalizedErrorsByCodeQuery` */
const logicalIdOf = (name: string) =>
  `${name
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Query`;

export function queryResources(
  settings: Settings,
  logGroups: Readonly<Record<LogSource, { name: unknown; id: string }>>,
): Record<string, Resource> {
  return Object.fromEntries(
    [...FUNCTION_QUERIES, accessQuery(settings)].map((spec) => [
      logicalIdOf(spec.name),
      {
        Type: 'AWS::Logs::QueryDefinition',
        DependsOn: [logGroups[spec.source].id],
        Properties: {
          Name: `${settings.service}/${settings.stage}/${spec.name}`,
          QueryString: spec.query,
          LogGroupNames: [logGroups[spec.source].name],
        },
      },
    ]),
  );
}
