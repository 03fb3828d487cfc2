/**
 * The emulator's failures. Codes, statuses and messages come from the project's one table
 * (`kms/errors.ts`: the documented codes and the service's others), so the emulator and the
 * gateway agree on the wording; the emulated STS adds its own codes here.
 */
import {
  type DocumentedError,
  documentedMessage,
  documentedStatus,
  type KnownCode,
} from '../kms/errors.js';

/** STS (sts.aliyuncs.com, 2015-04-01): its gateway's and AssumeRole's documented codes. */
const STS_ERRORS = {
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
  },
  MissingRoleArn: { status: 400, message: 'RoleArn is mandatory for this action.' },
  MissingRoleSessionName: { status: 400, message: 'RoleSessionName is mandatory for this action.' },
  'InvalidParameter.RoleArn': { status: 400, message: 'The parameter RoleArn is wrongly formed.' },
  'InvalidParameter.RoleSessionName': {
    status: 400,
    message: 'The parameter RoleSessionName is wrongly formed.',
  },
  'InvalidParameter.DurationSeconds': {
    status: 400,
    message: 'The Min/Max value of DurationSeconds is 15min/1hr.',
  },
  'InvalidParameter.ExternalId': {
    status: 400,
    message: 'The parameter ExternalId is wrongly formed.',
  },
  'InvalidParameter.PolicyGrammar': {
    status: 400,
    message: 'The parameter Policy has not passed grammar check.',
  },
  'InvalidParameter.PolicySize': {
    status: 400,
    message: 'The size of Policy must be smaller than 2048 bytes.',
  },
  NoPermission: {
    status: 403,
    message: 'You are not authorized to do this action. You should be authorized by RAM.',
  },
  'EntityNotExist.Role': { status: 404, message: 'The specified Role not exists .' },
} as const satisfies Record<string, DocumentedError>;

type StsCode = keyof typeof STS_ERRORS;

/** The codes the emulated STS answers with, besides the gateway's shared ones. */
export const STS_ERROR_CODES: readonly string[] = Object.keys(STS_ERRORS);

/** A failure with an Alibaba code; the phase that throws it decides which body shape it gets. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The error for `code`, its message filled with `parameter` where the template names one;
 * `cause` is the error it translates, if any (kept for debugging, never answered).
 */
export function failure(
  code: KnownCode | StsCode,
  parameter?: string,
  cause?: unknown,
): EmulatorError {
  const options = cause === undefined ? undefined : { cause };
  if (Object.hasOwn(STS_ERRORS, code)) {
    const { status, message } = STS_ERRORS[code as StsCode];
    return new EmulatorError(code, status, message, options);
  }
  const known = code as KnownCode;
  return new EmulatorError(
    code,
    documentedStatus(known),
    documentedMessage(known, parameter),
    options,
  );
}
