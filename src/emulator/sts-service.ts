/**
 * Alibaba Cloud STS (API 2015-04-01) as `sts.aliyuncs.com` answers `AssumeRole`: a V1- or
 * V3-signed RPC call, checked by the same gateway rules as KMS calls, that hands out temporary
 * credentials (sts-credentials.ts) for a RAM role the emulator is configured with. The emulated
 * KMS then accepts those credentials until they expire.
 *
 * Every failure answers in the gateway's `<Error>` shape, as STS's do.
 */

import { createHash } from 'node:crypto';
import type { TypedObject } from '../codec/typed.js';
import { isRecord } from '../codec/typed.js';
import type { Format } from '../protocol/rpc.js';
import { formatArn, parseArn } from './arn.js';
import { EmulatorError, failure } from './errors.js';
import {
  type Answer,
  type AnswerContext,
  alibabaGatewayError,
  newRequestId,
  success,
} from './respond.js';
import type { Service } from './service.js';
import type { TemporaryCredentials } from './sts-credentials.js';
import type { Incoming, Verifier } from './verify.js';

export const STS_API_VERSION = '2015-04-01';
export const STS_ACTION = 'AssumeRole';

/** Alibaba's bounds on DurationSeconds and on a role's MaxSessionDuration, in seconds. */
export const STS_MIN_DURATION = 900;
export const STS_DEFAULT_DURATION = 3600;
export const STS_MAX_SESSION_DURATION = 43_200;

/** A RAM role the emulated STS lets some AccessKeys assume. */
export interface StsRole {
  /** `acs:ram::<accountId>:role/<roleName>` */
  arn: string;
  /** the AccessKeyIds that may assume it (its trust policy); any other answers NoPermission */
  accessKeyIds: string[];
  /** the longest DurationSeconds it grants: 3600 (default) to 43200 */
  maxSessionDuration?: number;
}

export interface StsOptions {
  /** 0 (default) = a free port chosen by the OS */
  port?: number;
  roles: StsRole[];
  /**
   * the shortest DurationSeconds accepted: Alibaba's 900 by default; lower it (down to 1) so a
   * test can watch a token expire in seconds
   */
  minDurationSeconds?: number;
  /** HostId put in error bodies; default `sts.aliyuncs.com` */
  hostId?: string;
}

const ROLE_NAME = /^role\/[A-Za-z0-9._-]{1,64}$/;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const DURATION = /^\d{1,10}$/;
const MAX_POLICY_BYTES = 2048;

/** Whether `text` is a role ARN, `acs:ram::<digits>:role/<name>`. */
export function isRoleArn(text: string): boolean {
  const arn = parseArn(text);
  return (
    arn !== undefined &&
    arn.service === 'ram' &&
    arn.region === '' &&
    /^\d+$/.test(arn.account) &&
    ROLE_NAME.test(arn.resource)
  );
}

/**
 * Throws a RangeError naming what is wrong with STS options, `accessKeyIds` being the emulator's
 * AccessKeys (a role naming another would silently refuse everyone).
 * @throws RangeError naming the option that is wrong
 */
export function checkStsOptions(options: StsOptions, accessKeyIds: readonly string[]): void {
  const min = options.minDurationSeconds ?? STS_MIN_DURATION;
  if (!Number.isInteger(min) || min < 1 || min > STS_MIN_DURATION) {
    throw new RangeError(`sts.minDurationSeconds must be an integer from 1 to ${STS_MIN_DURATION}`);
  }
  for (const [i, role] of options.roles.entries()) {
    if (!isRoleArn(role.arn)) {
      throw new RangeError(`sts.roles[${i}].arn must be acs:ram::<accountId>:role/<name>`);
    }
    const max = role.maxSessionDuration ?? STS_DEFAULT_DURATION;
    if (!Number.isInteger(max) || max < STS_DEFAULT_DURATION || max > STS_MAX_SESSION_DURATION) {
      throw new RangeError(
        `sts.roles[${i}].maxSessionDuration must be an integer from ${STS_DEFAULT_DURATION} to ${STS_MAX_SESSION_DURATION}`,
      );
    }
    for (const [j, id] of role.accessKeyIds.entries()) {
      if (!accessKeyIds.includes(id)) {
        throw new RangeError(`sts.roles[${i}].accessKeyIds[${j}] names no AccessKey: ${id}`);
      }
    }
  }
}

export interface StsServiceOptions {
  readonly sts: StsOptions;
  readonly verifier: Verifier;
  readonly credentials: TemporaryCredentials;
  readonly now: () => number;
}

/** An optional parameter; empty text counts as absent. */
const optional = (params: Incoming['params'], name: string): string | undefined =>
  params[name] === '' ? undefined : params[name];

/** A role's id: digits derived from its ARN, so the same role always has the same id. */
const roleIdOf = (arn: string): string =>
  BigInt(`0x${createHash('sha256').update(arn).digest('hex')}`)
    .toString()
    .slice(0, 18);

export class StsService implements Service {
  readonly #options: StsServiceOptions;
  readonly #roles: ReadonlyMap<string, StsRole>;
  readonly #hostId: string;

  constructor(options: StsServiceOptions) {
    this.#options = options;
    this.#roles = new Map(options.sts.roles.map((role) => [role.arn, role]));
    this.#hostId = options.sts.hostId ?? 'sts.aliyuncs.com';
  }

  context(format: Format): AnswerContext {
    return { requestId: newRequestId(), format, hostId: this.#hostId, product: 'Sts' };
  }

  internalFailure(format: Format): Answer {
    return alibabaGatewayError(failure('InternalFailure'), this.context(format));
  }

  async answer(incoming: Incoming, format: Format): Promise<Answer> {
    const ctx = this.context(format);
    try {
      const verified = this.#options.verifier.verify(incoming);
      const fields = this.#assumeRole(verified.params, verified.accessKeyId);
      return success(STS_ACTION, fields, 'action', ctx);
    } catch (error) {
      const failed =
        error instanceof EmulatorError ? error : failure('InternalFailure', undefined, error);
      return alibabaGatewayError(failed, ctx);
    }
  }

  /** AssumeRole's answer fields, or throws its documented error. */
  #assumeRole(params: Incoming['params'], caller: string): TypedObject {
    const roleArn = optional(params, 'RoleArn');
    if (roleArn === undefined) throw failure('MissingRoleArn');
    const sessionName = optional(params, 'RoleSessionName');
    if (sessionName === undefined) throw failure('MissingRoleSessionName');
    if (!isRoleArn(roleArn)) throw failure('InvalidParameter.RoleArn');
    if (!SESSION_NAME.test(sessionName)) throw failure('InvalidParameter.RoleSessionName');
    const durationText = optional(params, 'DurationSeconds');
    if (durationText !== undefined && !DURATION.test(durationText)) {
      throw failure('InvalidParameter.DurationSeconds');
    }
    checkPolicy(optional(params, 'Policy'));
    const externalId = optional(params, 'ExternalId');
    if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
      throw failure('InvalidParameter.ExternalId');
    }
    const role = this.#roles.get(roleArn);
    if (!role) throw failure('EntityNotExist.Role');
    if (!role.accessKeyIds.includes(caller)) throw failure('NoPermission');
    const duration = durationText === undefined ? STS_DEFAULT_DURATION : Number(durationText);
    const min = this.#options.sts.minDurationSeconds ?? STS_MIN_DURATION;
    const max = role.maxSessionDuration ?? STS_DEFAULT_DURATION;
    if (duration < min || duration > max) throw failure('InvalidParameter.DurationSeconds');

    const credentials = this.#options.credentials.issue(this.#options.now(), duration);
    const arn = parseArn(roleArn) as NonNullable<ReturnType<typeof parseArn>>;
    return {
      AssumedRoleUser: {
        AssumedRoleId: `${roleIdOf(roleArn)}:${sessionName}`,
        Arn: formatArn({ ...arn, resource: `${arn.resource}/${sessionName}` }),
      },
      Credentials: { ...credentials },
    };
  }
}

/** A session policy narrows the role's permissions; none are emulated, but it must be one. */
function checkPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw failure('InvalidParameter.PolicySize');
  }
  let value: unknown;
  try {
    value = JSON.parse(policy);
  } catch (error) {
    throw failure('InvalidParameter.PolicyGrammar', undefined, error);
  }
  if (!isRecord(value)) throw failure('InvalidParameter.PolicyGrammar');
}
