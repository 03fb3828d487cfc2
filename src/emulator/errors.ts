/**
 * The emulator's failures. Codes, statuses and messages come from the project's one table
 * (`kms/errors.ts`: the documented codes and the service's others), so the emulator and the
 * gateway agree on the wording.
 */
import { documentedMessage, documentedStatus, type KnownCode } from '../kms/errors.js';

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
export function failure(code: KnownCode, parameter?: string, cause?: unknown): EmulatorError {
  return new EmulatorError(
    code,
    documentedStatus(code),
    documentedMessage(code, parameter),
    cause === undefined ? undefined : { cause },
  );
}
