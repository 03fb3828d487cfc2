/**
 * API Gateway's access log: one JSON line per request, in both variants, whose `requestId` is the
 * RequestId the function's envelopes and log lines carry (`$context.requestId` is the event's
 * `requestContext.requestId`). A request API Gateway refused itself has only this line; with the
 * REST API, `responseType` says which gateway response answered it.
 */
import type { ApiVariant } from './settings.js';

const COMMON = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  error: '$context.error.message',
  // The IAM principal, when KMS_CALLER_AUTH=iam (empty otherwise).
  principal: '$context.identity.userArn',
};

const VARIANT = {
  http: { routeKey: '$context.routeKey' },
  rest: {
    extendedRequestId: '$context.extendedRequestId',
    resourcePath: '$context.resourcePath',
    responseType: '$context.error.responseType',
  },
} as const;

/** The fields of a line, name → `$context` variable. */
export function accessLogFields(api: ApiVariant): Readonly<Record<string, string>> {
  return { ...COMMON, ...VARIANT[api] };
}

/** The format string API Gateway takes: JSON once the variables are substituted. */
export function accessLogFormat(api: ApiVariant): string {
  return JSON.stringify(accessLogFields(api));
}

/** The access log group's name, as serverless names those it creates. */
export function accessLogGroupName(api: ApiVariant, service: string, stage: string): string {
  return `/aws/${api === 'http' ? 'http-api' : 'api-gateway'}/${service}-${stage}`;
}
