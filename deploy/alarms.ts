/**
 * The alarms deployed with the stack, on the function's own metrics (metrics.ts). Lambda's
 * `Errors` stays at 0 while KMS is down, because every failure is answered as a normal response:
 * these watch the answers instead. Each notifies KMS_ALARM_TOPIC_ARN on alarm and on recovery;
 * without a topic they only change state (console, dashboard). README "Operate" says what each
 * means and what to do.
 */
import { METRICS, type MetricName, serviceDimension } from './metrics.js';
import type { Settings } from './settings.js';
import type { Resource } from './template.js';

export interface AlarmSpec {
  readonly id: string;
  /** after `<service>-<stage>-` */
  readonly name: string;
  readonly description: string;
}

export const ALARMS = {
  serverErrors: {
    id: 'ServerErrorRateAlarm',
    name: '5xx-rate',
    description:
      'Envelopes with HttpStatus >= 500 (InternalFailure, SerivceUnavailableTemporary) are over the threshold percent of requests. Look at the dashboard and the "normalized errors by code" query.',
  },
  unavailable: {
    id: 'UpstreamUnavailableAlarm',
    name: 'upstream-unavailable',
    description:
      'KMS could not be reached or did not answer in time (SerivceUnavailableTemporary). Run the "upstream failures by HostId" query; check the endpoint, the network path and the Alibaba Cloud status page.',
  },
  refused: {
    id: 'CallerRefusedAlarm',
    name: 'caller-refused',
    description:
      'Requests refused by caller authentication or caller policy are over the threshold. Run the "refusals by caller" query: a misconfigured client, a revoked key still in use, or someone probing.',
  },
} as const satisfies Record<string, AlarmSpec>;

function metric(namespace: string, name: MetricName, periodS: number) {
  if (METRICS[name].dimensions.length > 0) throw new Error(`${name} has dimensions beyond service`);
  return {
    Metric: { Namespace: namespace, MetricName: name, Dimensions: serviceDimension },
    Period: periodS,
    Stat: 'Sum',
  };
}

function alarm(spec: AlarmSpec, settings: Settings, properties: Record<string, unknown>): Resource {
  const actions = settings.alarmTopicArn ? [settings.alarmTopicArn] : [];
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${settings.service}-${settings.stage}-${spec.name}`,
      AlarmDescription: spec.description,
      ActionsEnabled: actions.length > 0,
      AlarmActions: actions,
      OKActions: actions,
      // No traffic is no trouble: missing data never raises an alarm.
      TreatMissingData: 'notBreaching',
      ...properties,
    },
  };
}

/** `count` or more in a 5-minute window: a burst, not one stray answer. */
function countInFiveMinutes(namespace: string, name: MetricName, count: number) {
  return {
    Metrics: [{ Id: 'count', ReturnData: true, MetricStat: metric(namespace, name, 300) }],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: count,
    EvaluationPeriods: 1,
  };
}

export function alarmResources(settings: Settings): Record<string, Resource> {
  const ns = settings.metricsNamespace;
  return {
    [ALARMS.serverErrors.id]: alarm(ALARMS.serverErrors, settings, {
      Metrics: [
        { Id: 'errors', ReturnData: false, MetricStat: metric(ns, 'ServerError', 60) },
        { Id: 'requests', ReturnData: false, MetricStat: metric(ns, 'Request', 60) },
        {
          Id: 'rate',
          Label: '5xx envelopes, % of requests',
          // A minute without a 5xx may have no ServerError datapoint: it counts as 0.
          Expression: 'IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)',
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: settings.alarms.serverErrorPercent,
      // Three bad minutes out of five: one slow minute is not an incident.
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    }),
    [ALARMS.unavailable.id]: alarm(
      ALARMS.unavailable,
      settings,
      countInFiveMinutes(ns, 'UpstreamUnavailable', settings.alarms.unavailable),
    ),
    [ALARMS.refused.id]: alarm(
      ALARMS.refused,
      settings,
      countInFiveMinutes(ns, 'CallerRefused', settings.alarms.refused),
    ),
  };
}
