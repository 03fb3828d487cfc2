/**
 * The deploy-time settings the stack is shaped by, read from `custom.kms` in serverless.yml (where
 * each comes from an environment variable, README "Configuration") and checked here: a wrong
 * value stops `serverless package` with the variable's name, never a half-built stack.
 */
import type { CodeSpelling } from '../src/kms/errors.js';

export type ApiVariant = 'http' | 'rest';

export interface Settings {
  readonly service: string;
  readonly stage: string;
  readonly api: ApiVariant;
  readonly throttle: { readonly rate: number; readonly burst: number };
  /** X-Ray on the REST stage (the function's own tracing is serverless' `provider.tracing`) */
  readonly tracing: boolean;
  /** where alarms notify; none when empty */
  readonly alarmTopicArn: string;
  readonly alarms: {
    /** 5xx envelopes, percent of requests, per minute */
    readonly serverErrorPercent: number;
    /** SerivceUnavailableTemporary answers in 5 minutes */
    readonly unavailable: number;
    /** refused callers in 5 minutes */
    readonly refused: number;
  };
  readonly metricsNamespace: string;
  readonly codeSpelling: CodeSpelling;
  readonly logRetentionDays: number;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Raw = Record<string, unknown> | undefined;

function number(value: unknown, variable: string, min: number): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim());
  if (String(value ?? '').trim() === '' || !Number.isFinite(n) || n < min) {
    throw new SettingsError(`${variable} must be a number ≥ ${min}, not ${JSON.stringify(value)}`);
  }
  return n;
}

function oneOf<T extends string>(value: unknown, variable: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new SettingsError(
    `${variable} must be ${allowed.join(' or ')}, not ${JSON.stringify(value)}`,
  );
}

function boolean(value: unknown, variable: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new SettingsError(`${variable} must be true or false, not ${JSON.stringify(value)}`);
}

function text(value: unknown, variable: string, pattern: RegExp, optional = false): string {
  const s = value === undefined || value === null ? '' : String(value);
  if ((s !== '' || !optional) && !pattern.test(s)) {
    throw new SettingsError(`${variable} is not valid: ${JSON.stringify(s)}`);
  }
  return s;
}

/** `kms` is serverless.yml's `custom.kms`, variables already resolved. */
export function readSettings(
  kms: Raw,
  context: { service: string; stage: string; logRetentionDays: unknown },
): Settings {
  const throttle = kms?.throttle as Raw;
  const alarms = kms?.alarms as Raw;
  return {
    service: context.service,
    stage: context.stage,
    api: oneOf(kms?.api, 'KMS_API', ['http', 'rest'] as const),
    throttle: {
      rate: number(throttle?.rate, 'KMS_THROTTLE_RATE', 0),
      burst: number(throttle?.burst, 'KMS_THROTTLE_BURST', 0),
    },
    tracing: boolean(kms?.tracing, 'KMS_TRACING'),
    alarmTopicArn: text(
      kms?.alarmTopicArn,
      'KMS_ALARM_TOPIC_ARN',
      /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w.-]+$/,
      true,
    ),
    alarms: {
      serverErrorPercent: number(alarms?.serverErrorPercent, 'KMS_ALARM_5XX_PERCENT', 0),
      unavailable: number(alarms?.unavailable, 'KMS_ALARM_UNAVAILABLE', 1),
      refused: number(alarms?.refused, 'KMS_ALARM_REFUSED', 1),
    },
    metricsNamespace: text(kms?.metricsNamespace, 'KMS_METRICS_NAMESPACE', /^[\w./#:-]{1,255}$/),
    codeSpelling: oneOf(kms?.codeSpelling, 'KMS_CODE_SPELLING', [
      'documented',
      'corrected',
    ] as const),
    logRetentionDays: number(context.logRetentionDays, 'KMS_LOG_RETENTION_DAYS', 1),
  };
}
