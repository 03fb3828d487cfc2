/**
 * The emulator's configuration file: `EmulatorOptions` as JSON, checked strictly. A field the
 * file format does not know, or a value of the wrong type, is an Error naming the file and the
 * field's path (`accessKeys[1].allowedActions[0]`), so a typo never silently changes behaviour.
 *
 *   {
 *     "port": 0,
 *     "accessKeys": [{ "id": "LTAI…", "secret": "…", "enabled": true, "securityToken": "…",
 *                      "allowedActions": ["Encrypt"], "requestsPerSecond": 5 }],
 *     "region": "cn-hangzhou", "hostId": "kms.cn-hangzhou.aliyuncs.com",
 *     "accountId": "1234567890123456", "xmlRoot": "action",
 *     "quotas": { "keys": 100, "secrets": 100 },
 *     "throttle": { "requestsPerSecond": 50, "burst": 100 },
 *     "faults": [{ "fault": { "kind": "latency", "ms": 200 }, "accessKeyId": "LTAI…", "times": 3 }],
 *     "statePath": "kms-state.json", "requestLogSize": 1000,
 *     "sts": { "port": 0, "minDurationSeconds": 900,
 *              "roles": [{ "arn": "acs:ram::1234567890123456:role/kms-normalizer",
 *                          "accessKeyIds": ["LTAI…"], "maxSessionDuration": 3600 }] }
 *   }
 *
 * Every field is optional. A relative `statePath` is taken from the config file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isRecord } from '../codec/typed.js';
import { ACTIONS as API_ACTIONS } from '../kms/actions.generated.js';
import { parseFault, parseScope } from './faults.js';
import type { Quotas } from './records.js';
import type { EmulatorOptions, InjectedFault } from './server.js';
import {
  isRoleArn,
  STS_DEFAULT_DURATION,
  STS_MAX_SESSION_DURATION,
  STS_MIN_DURATION,
  type StsOptions,
  type StsRole,
} from './sts-service.js';
import type { ThrottleOptions } from './throttle.js';
import type { AccessKeyConfig } from './verify.js';

type Fields = Record<string, unknown>;

/** A problem at a field path; the loader adds the file name. */
class ConfigProblem extends Error {
  constructor(path: string, problem: string, cause?: unknown) {
    super(`${path} ${problem}`, cause === undefined ? undefined : { cause });
  }
}

/** `value` as an object holding only `allowed` fields. */
function object(value: unknown, path: string, allowed: readonly string[]): Fields {
  if (!isRecord(value))
    throw new ConfigProblem(path === '' ? 'the file' : path, 'must be an object');
  for (const field of Object.keys(value)) {
    if (!allowed.includes(field)) {
      throw new ConfigProblem(path === '' ? field : `${path}.${field}`, 'is not a known field');
    }
  }
  return value;
}

const at = (path: string, field: string) => (path === '' ? field : `${path}.${field}`);

function string(value: unknown, path: string, pattern?: RegExp, what?: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigProblem(path, 'must be a non-empty string');
  }
  if (pattern && !pattern.test(value)) throw new ConfigProblem(path, `must be ${what}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigProblem(path, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function number(value: unknown, path: string, min: number, exclusive: boolean): number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min);
  if (!ok)
    throw new ConfigProblem(path, `must be a number ${exclusive ? 'above' : 'of at least'} ${min}`);
  return value as number;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigProblem(path, 'must be an array');
  return value;
}

const ACCESS_KEY_FIELDS = [
  'id',
  'secret',
  'enabled',
  'securityToken',
  'allowedActions',
  'requestsPerSecond',
] as const;

function accessKey(value: unknown, path: string): AccessKeyConfig {
  const fields = object(value, path, ACCESS_KEY_FIELDS);
  const key: AccessKeyConfig = {
    id: string(fields.id, at(path, 'id')),
    secret: string(fields.secret, at(path, 'secret')),
  };
  if (fields.enabled !== undefined) {
    if (typeof fields.enabled !== 'boolean') {
      throw new ConfigProblem(at(path, 'enabled'), 'must be true or false');
    }
    key.enabled = fields.enabled;
  }
  if (fields.securityToken !== undefined) {
    key.securityToken = string(fields.securityToken, at(path, 'securityToken'));
  }
  if (fields.allowedActions !== undefined) {
    const actionsPath = at(path, 'allowedActions');
    key.allowedActions = array(fields.allowedActions, actionsPath).map((action, i) => {
      const name = string(action, `${actionsPath}[${i}]`);
      // Checked against the whole API, so a misspelt name is caught even before it is emulated.
      if (!Object.hasOwn(API_ACTIONS, name)) {
        throw new ConfigProblem(`${actionsPath}[${i}]`, `is not a KMS action: ${name}`);
      }
      return name;
    });
  }
  if (fields.requestsPerSecond !== undefined) {
    key.requestsPerSecond = number(
      fields.requestsPerSecond,
      at(path, 'requestsPerSecond'),
      0,
      true,
    );
  }
  return key;
}

function quotas(value: unknown, path: string): Quotas {
  const fields = object(value, path, ['keys', 'secrets']);
  const out: Quotas = {};
  if (fields.keys !== undefined) {
    out.keys = integer(fields.keys, at(path, 'keys'), 0, Number.MAX_SAFE_INTEGER);
  }
  if (fields.secrets !== undefined) {
    out.secrets = integer(fields.secrets, at(path, 'secrets'), 0, Number.MAX_SAFE_INTEGER);
  }
  return out;
}

function throttle(value: unknown, path: string): ThrottleOptions {
  const fields = object(value, path, ['requestsPerSecond', 'burst']);
  const out: ThrottleOptions = {
    requestsPerSecond: number(fields.requestsPerSecond, at(path, 'requestsPerSecond'), 0, true),
  };
  if (fields.burst !== undefined) out.burst = number(fields.burst, at(path, 'burst'), 1, false);
  return out;
}

/** Runs faults.ts's checks, putting the field path in front of what they say. */
function checked<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigProblem) throw error;
    throw new ConfigProblem(path, `is not valid: ${(error as Error).message}`, error);
  }
}

function injectedFault(value: unknown, path: string): InjectedFault {
  const fields = object(value, path, ['fault', 'accessKeyId', 'times']);
  const faultPath = at(path, 'fault');
  const fault = checked(faultPath, () => parseFault(fields.fault));
  // parseFault returns a clean copy holding every field it read: anything else is unknown.
  for (const field of Object.keys(fields.fault as Fields)) {
    if (!Object.hasOwn(fault, field))
      throw new ConfigProblem(at(faultPath, field), 'is not a known field');
  }
  const accessKeyId = checked(at(path, 'accessKeyId'), () =>
    parseScope({ accessKeyId: fields.accessKeyId }),
  );
  const times = checked(at(path, 'times'), () => parseScope({ times: fields.times }));
  return { fault, ...accessKeyId, ...times };
}

function role(value: unknown, path: string): StsRole {
  const fields = object(value, path, ['arn', 'accessKeyIds', 'maxSessionDuration']);
  const arn = string(fields.arn, at(path, 'arn'));
  if (!isRoleArn(arn))
    throw new ConfigProblem(at(path, 'arn'), 'must be acs:ram::<accountId>:role/<name>');
  const idsPath = at(path, 'accessKeyIds');
  const out: StsRole = {
    arn,
    accessKeyIds: array(fields.accessKeyIds, idsPath).map((id, i) =>
      string(id, `${idsPath}[${i}]`),
    ),
  };
  if (fields.maxSessionDuration !== undefined) {
    out.maxSessionDuration = integer(
      fields.maxSessionDuration,
      at(path, 'maxSessionDuration'),
      STS_DEFAULT_DURATION,
      STS_MAX_SESSION_DURATION,
    );
  }
  return out;
}

function sts(value: unknown, path: string): StsOptions {
  const fields = object(value, path, ['port', 'roles', 'minDurationSeconds', 'hostId']);
  const rolesPath = at(path, 'roles');
  const out: StsOptions = {
    roles: array(fields.roles, rolesPath).map((item, i) => role(item, `${rolesPath}[${i}]`)),
  };
  if (fields.port !== undefined) out.port = integer(fields.port, at(path, 'port'), 0, 65535);
  if (fields.minDurationSeconds !== undefined) {
    out.minDurationSeconds = integer(
      fields.minDurationSeconds,
      at(path, 'minDurationSeconds'),
      1,
      STS_MIN_DURATION,
    );
  }
  if (fields.hostId !== undefined) out.hostId = string(fields.hostId, at(path, 'hostId'));
  return out;
}

const TOP_FIELDS = [
  'port',
  'accessKeys',
  'region',
  'hostId',
  'accountId',
  'xmlRoot',
  'quotas',
  'throttle',
  'faults',
  'statePath',
  'requestLogSize',
  'sts',
] as const;

/**
 * EmulatorOptions from a parsed config file; throws an Error naming the field path. `baseDir`
 * is where a relative `statePath` is taken from.
 * @throws ConfigProblem naming the field that is wrong
 */
export function parseEmulatorConfig(value: unknown, baseDir = process.cwd()): EmulatorOptions {
  const fields = object(value, '', TOP_FIELDS);
  const options: EmulatorOptions = { accessKeys: [] };
  if (fields.port !== undefined) options.port = integer(fields.port, 'port', 0, 65535);
  if (fields.accessKeys !== undefined) {
    const seen = new Set<string>();
    options.accessKeys = array(fields.accessKeys, 'accessKeys').map((item, i) => {
      const key = accessKey(item, `accessKeys[${i}]`);
      if (seen.has(key.id)) throw new ConfigProblem(`accessKeys[${i}].id`, `repeats ${key.id}`);
      seen.add(key.id);
      return key;
    });
  }
  // Region and account id go into ARNs, which are split on `:`.
  if (fields.region !== undefined) {
    options.region = string(
      fields.region,
      'region',
      /^[a-z0-9-]+$/,
      'a region id like cn-hangzhou',
    );
  }
  if (fields.hostId !== undefined) options.hostId = string(fields.hostId, 'hostId');
  if (fields.accountId !== undefined) {
    options.accountId = string(fields.accountId, 'accountId', /^[0-9]+$/, 'digits');
  }
  if (fields.xmlRoot !== undefined) {
    if (fields.xmlRoot !== 'action' && fields.xmlRoot !== 'KMS') {
      throw new ConfigProblem('xmlRoot', 'must be "action" or "KMS"');
    }
    options.xmlRoot = fields.xmlRoot;
  }
  if (fields.quotas !== undefined) options.quotas = quotas(fields.quotas, 'quotas');
  if (fields.throttle !== undefined) options.throttle = throttle(fields.throttle, 'throttle');
  if (fields.faults !== undefined) {
    options.faults = array(fields.faults, 'faults').map((item, i) =>
      injectedFault(item, `faults[${i}]`),
    );
  }
  if (fields.requestLogSize !== undefined) {
    options.requestLogSize = integer(fields.requestLogSize, 'requestLogSize', 1, 1_000_000);
  }
  if (fields.sts !== undefined) options.sts = sts(fields.sts, 'sts');
  if (fields.statePath !== undefined) {
    options.statePath = resolve(baseDir, string(fields.statePath, 'statePath'));
  }
  return options;
}

/**
 * EmulatorOptions from a JSON config file; throws an Error naming the file and the field.
 * @throws Error naming the file and the field, caused by what failed
 */
export function loadEmulatorConfig(path: string): EmulatorOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`config file ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`config file ${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return parseEmulatorConfig(parsed, dirname(resolve(path)));
  } catch (error) {
    if (error instanceof ConfigProblem) {
      throw new Error(`config file ${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
