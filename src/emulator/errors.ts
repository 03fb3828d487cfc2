/**
 * The codes the emulator answers with. Documented codes take status and message from the
 * project's documented table, so the emulator and the proxy agree on the wording; the rest are
 * gateway and per-action codes the table lacks, worded as the live service words them.
 */
import { DOCUMENTED_ERRORS, type DocumentedCode, documentedMessage } from '../kms/errors.js';

interface CodeSpec {
  readonly status: number;
  readonly message: string;
}

const UNDOCUMENTED = {
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  // The live service spells this code correctly; the documented table has `Rejetced.`.
  'Rejected.PendingDeletion': DOCUMENTED_ERRORS['Rejetced.PendingDeletion'],
  ServiceUnavailableTemporary: DOCUMENTED_ERRORS.SerivceUnavailableTemporary,
  InvalidCiphertext: { status: 400, message: 'The specified Ciphertext is not valid.' },
  // Keys (the 2020 error table and the metadata's per-action lists).
  'Forbidden.KeyVersionNotFound': {
    status: 404,
    message: 'The specified Key version is not found.',
  },
  'Rejected.UnsupportedOperation': { status: 400, message: 'Unsupported operation.' },
  // Secrets Manager (messages from the metadata's per-action error lists and the secrets docs).
  'Forbidden.ResourceNotFound': { status: 404, message: 'The resource is not found.' },
  'Rejected.ResourceExist': { status: 409, message: 'The resource already exists.' },
  'Rejected.ResourceInDeleteWindow': {
    status: 409,
    message: 'The secret is planned to be deleted.',
  },
  'Rejected.ResourceInUse': { status: 409, message: 'restore normal secret' },
  'Rejected.InvalidRequest': { status: 400, message: 'param mismatch' },
  UnsupportedOperation: { status: 400, message: 'This action is not supported.' },
  'Forbidden.DKMSInstanceNotFound': {
    status: 403,
    message: 'The specified DKMS Instance is not found.',
  },
  Throttling: { status: 400, message: 'Request was denied due to request throttling.' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = DocumentedCode | keyof typeof UNDOCUMENTED;

/** A failure with an Alibaba code; the phase that throws it decides which body shape it gets. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The error for `code`, its message filled with `parameter` where the template names one. */
export function failure(code: ErrorCode, parameter?: string): EmulatorError {
  if (Object.hasOwn(DOCUMENTED_ERRORS, code)) {
    const documented = code as DocumentedCode;
    return new EmulatorError(
      code,
      DOCUMENTED_ERRORS[documented].status,
      documentedMessage(documented, parameter),
    );
  }
  const spec: CodeSpec = UNDOCUMENTED[code as keyof typeof UNDOCUMENTED];
  return new EmulatorError(code, spec.status, spec.message);
}
