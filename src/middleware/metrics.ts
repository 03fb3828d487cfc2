/**
 * The operator's metrics: Powertools Metrics in CloudWatch embedded metric format (EMF), one
 * namespace, flushed by Powertools' own Middy middleware. What a request did is read from the
 * request state and from what normalize-error answered (`state.failure`); nothing here changes
 * a request: a failure to record is logged and swallowed.
 *
 * The names are a contract (alarms and the dashboard are built on them):
 *
 * | metric | unit | dimensions (besides `service`) | one per |
 * |---|---|---|---|
 * | `Request` | Count | | request |
 * | `NormalizedError` | Count | `Code`, `HttpStatus`, `Origin` | error envelope |
 * | `ServerError` | Count | | envelope with HttpStatus ≥ 500 |
 * | `UpstreamUnavailable` | Count | | `SerivceUnavailableTemporary` envelope, any spelling |
 * | `CallerRefused` | Count | | request refused by caller authentication or policy |
 * | `UpstreamLatency` | Milliseconds | `Action` | request that called KMS |
 * | `UpstreamAttempts` | Count | `Action` | request that called KMS |
 * | `ColdStart` | Count | `function_name` | cold start (Powertools) |
 *
 * Every dimension value comes from a fixed set (the 92 actions, the known codes and statuses,
 * the four origins), anything else is `Other`: no caller can mint a new series, and no value
 * can carry a secret.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import type { FailureSummary } from '../http/error-answer.js';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import { ACTIONS, METADATA_ERROR_STATUS } from '../kms/actions.generated.js';
import {
  DOCUMENTED_ERRORS,
  GATEWAY_ERRORS,
  respell,
  SERVICE_ERRORS,
  statusOfCode,
} from '../kms/errors.js';
import type { KmsContext, RequestState } from '../request-state.js';

export const METRICS_NAMESPACE = 'KmsNormalizer';
export const METRICS_SERVICE = 'kms-normalizer';

/** The value of a dimension outside its known set. */
export const OTHER = 'Other';

const TABLED_CODES = [
  ...Object.keys(DOCUMENTED_ERRORS),
  ...Object.keys(GATEWAY_ERRORS),
  ...Object.keys(SERVICE_ERRORS),
  ...Object.keys(METADATA_ERROR_STATUS),
];

/** Every code the tables know, in both spellings the envelope can use. */
export const KNOWN_CODES: ReadonlySet<string> = new Set(
  TABLED_CODES.flatMap((code) => [respell(code, 'documented'), respell(code, 'corrected')]),
);

/**
 * The statuses of the known codes, and those a gateway in front of KMS answers with a readable
 * body (an upstream error keeps its own status).
 */
export const KNOWN_STATUSES: ReadonlySet<string> = new Set(
  [
    ...TABLED_CODES.map((code) => statusOfCode(code) ?? 500),
    ...Object.values(GATEWAY_ERRORS).map((error) => error.status),
    401,
    413,
    429,
    502,
    504,
  ].map(String),
);

export const KNOWN_ORIGINS: ReadonlySet<string> = new Set([
  'request',
  'upstream-call',
  'upstream-answer',
  'internal',
]);

const known = (set: ReadonlySet<string>, value: string | undefined): string =>
  value !== undefined && set.has(value) ? value : OTHER;

/** The Action dimension: one of the 92 actions, else Other. */
export const actionDimension = (action: string | undefined): string =>
  action !== undefined && Object.hasOwn(ACTIONS, action) ? action : OTHER;

/** The dimensions of one NormalizedError. */
export function errorDimensions(failure: FailureSummary): Record<string, string> {
  return {
    Code: known(KNOWN_CODES, failure.code),
    HttpStatus: known(KNOWN_STATUSES, String(failure.httpStatus)),
    Origin: known(KNOWN_ORIGINS, failure.origin),
  };
}

/** Route and format refusals come before authentication, but are not about the caller. */
const NOT_AUTHENTICATION = new Set([
  'UnsupportedHTTPMethod',
  'InvalidAction.NotFound',
  'Unsupported.Format',
  'InvalidParameter',
]);

/**
 * Whether caller authentication or the caller's policy refused the request, told by how far the
 * request state got (each field is set by one middleware, in order: state.ts):
 *
 * - policy: the call was validated (validate-call runs before authorize-call, and refuses an
 *   action outside KMS_ALLOWED_ACTIONS before `call` is set), then refused Forbidden.NoPermission
 *   by the gateway itself, not by KMS (`origin: request`);
 * - authentication: the format was negotiated but no caller was found; of what
 *   authenticate-caller raises, its route check (method, path), and a bad Format or Version (a
 *   malformed request, not an unknown caller) are left out, as are its 5xx (the callers
 *   directory or nonce store unavailable).
 */
export function isCallerRefusal(state: RequestState, failure: FailureSummary): boolean {
  if (failure.origin !== 'request' || failure.httpStatus >= 500) return false;
  if (state.call) return failure.code === 'Forbidden.NoPermission';
  return (
    state.negotiated !== undefined &&
    state.caller === undefined &&
    !NOT_AUTHENTICATION.has(failure.code)
  );
}

const isUnavailable = (code: string) =>
  respell(code, 'documented') === 'SerivceUnavailableTemporary';

export interface OperatorMetricsOptions {
  /** where a failure to record is told (never thrown) */
  readonly logger: Logger;
  /** default POWERTOOLS_METRICS_NAMESPACE, else KmsNormalizer */
  readonly namespace?: string | undefined;
  /** the `service` dimension: default POWERTOOLS_SERVICE_NAME, else kms-normalizer */
  readonly serviceName?: string | undefined;
}

type KmsRequest = Request<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>;
type Middleware = MiddlewareObj<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>;

/**
 * Powertools' logMetrics (cold start, flush after the answer) and the recorder, in that order:
 * register them before normalize-error, whose answer the recorder reads in onError.
 */
export function operatorMetrics(options: OperatorMetricsOptions): Middleware[] {
  const { logger } = options;
  const settings = {
    namespace: options.namespace || process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName: options.serviceName || process.env.POWERTOOLS_SERVICE_NAME || METRICS_SERVICE,
    logger,
  };
  const metrics = new Metrics(settings);
  // Its own object: the Action dimension must not reach the request's metrics.
  const upstream = new Metrics(settings);

  const safely =
    (what: string, run: (request: KmsRequest) => void) =>
    (request: KmsRequest): void => {
      try {
        run(request);
      } catch (error) {
        try {
          logger.warn('metrics not recorded', {
            step: what,
            error_name: String((error as { name?: unknown } | null)?.name),
          });
        } catch {
          // The request goes on regardless.
        }
      }
    };

  const recordUpstream = (state: RequestState | undefined) => {
    const trace = state?.upstream;
    if (!trace || trace.attempts === 0) return;
    upstream.addDimension('Action', actionDimension(state.call?.action));
    upstream.addMetric('UpstreamLatency', MetricUnit.Milliseconds, trace.latencyMs);
    upstream.addMetric('UpstreamAttempts', MetricUnit.Count, trace.attempts);
    upstream.publishStoredMetrics();
  };

  const recordFailure = (state: RequestState | undefined) => {
    const failure = state?.failure;
    if (!state || !failure) return;
    // A single metric, published at once: its dimensions stay off the request's metrics.
    const single = metrics.singleMetric();
    for (const [name, value] of Object.entries(errorDimensions(failure))) {
      single.addDimension(name, value);
    }
    single.addMetric('NormalizedError', MetricUnit.Count, 1);
    if (failure.httpStatus >= 500) metrics.addMetric('ServerError', MetricUnit.Count, 1);
    if (isUnavailable(failure.code)) metrics.addMetric('UpstreamUnavailable', MetricUnit.Count, 1);
    if (isCallerRefusal(state, failure)) metrics.addMetric('CallerRefused', MetricUnit.Count, 1);
  };

  const flush = logMetrics(metrics, { captureColdStartMetric: true });
  const flushing: Middleware = {
    before: safely('cold start', (request) => flush.before?.(request as never)),
    after: safely('flush', (request) => flush.after?.(request as never)),
    onError: safely('flush', (request) => flush.onError?.(request as never)),
  };
  const recording: Middleware = {
    before: safely('request', () => {
      metrics.addMetric('Request', MetricUnit.Count, 1);
    }),
    after: safely('upstream', (request) => recordUpstream(request.context.kms)),
    onError: safely('error', (request) => {
      const state = request.context.kms as RequestState | undefined;
      recordUpstream(state);
      recordFailure(state);
    }),
  };
  return [flushing, recording];
}
