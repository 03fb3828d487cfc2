/**
 * The one budget of a request's upstream calls (policy look-ups and the call itself): fixed at
 * its first use, never beyond KMS_TIMEOUT_MS nor the Lambda's remaining time less the margin
 * kept back to answer in.
 */
import type { Config } from './config.js';
import type { KmsContext, UpstreamTrace } from './request-state.js';

export function upstreamDeadline(context: KmsContext, config: Config): number {
  if (context.kms.deadline === undefined) {
    const remaining = context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    const budget = Math.min(config.timeoutMs, remaining - config.deadlineMarginMs);
    context.kms.deadline = Date.now() + Math.max(1, budget);
  }
  return context.kms.deadline;
}

/** The trace the error log line reads, started at the request's first upstream call. */
export function upstreamTrace(context: KmsContext, config: Config): UpstreamTrace {
  context.kms.upstream ??= { host: config.endpoint.host, attempts: 0, latencyMs: 0 };
  return context.kms.upstream;
}
