/**
 * The metrics the function emits (Powertools Metrics, embedded metric format), as the alarms and
 * the dashboard read them. One namespace (`POWERTOOLS_METRICS_NAMESPACE`), the default dimension
 * `service`, and few dimensions beside it: their values are bounded (codes, statuses, origins
 * and actions are closed lists), so the number of series is too (README, "Operate").
 */

/** `service` on every metric: the function's POWERTOOLS_SERVICE_NAME. */
export const SERVICE = 'kms-normalizer';

export const DEFAULT_NAMESPACE = 'KmsNormalizer';

export interface MetricSpec {
  readonly unit: 'Count' | 'Milliseconds';
  /** dimensions besides `service` */
  readonly dimensions: readonly string[];
  readonly meaning: string;
}

export const METRICS = {
  Request: { unit: 'Count', dimensions: [], meaning: 'one per request the function handled' },
  NormalizedError: {
    unit: 'Count',
    dimensions: ['Code', 'HttpStatus', 'Origin'],
    meaning: 'one per error answered in the envelope',
  },
  ServerError: {
    unit: 'Count',
    dimensions: [],
    meaning: 'one per envelope with HttpStatus ≥ 500',
  },
  UpstreamUnavailable: {
    unit: 'Count',
    dimensions: [],
    meaning: 'one per SerivceUnavailableTemporary (KMS unreachable, timed out, deadline)',
  },
  CallerRefused: {
    unit: 'Count',
    dimensions: [],
    meaning: 'one per request refused by caller authentication or caller policy',
  },
  UpstreamLatency: {
    unit: 'Milliseconds',
    dimensions: ['Action'],
    meaning: 'time of the upstream call, retries included',
  },
  UpstreamAttempts: {
    unit: 'Count',
    dimensions: ['Action'],
    meaning: 'attempts the upstream call took',
  },
  ColdStart: {
    unit: 'Count',
    dimensions: ['function_name'],
    meaning: "one per cold start (Powertools' own)",
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** The dimensions of a metric with no dimension beyond the default, as CloudWatch names them. */
export const serviceDimension = [{ Name: 'service', Value: SERVICE }] as const;
