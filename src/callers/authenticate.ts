/**
 * Turns a request into a Caller, or refuses it with KMS's own code, before anything goes
 * upstream. Signature callers are verified by the shared verifier (`protocol/verify.ts`), then
 * their nonce is spent in the nonce store; IAM callers are the principal API Gateway verified,
 * given the policy of the first directory entry that matches them.
 */
import { gatewayError } from '../kms/envelope.js';
import { SignatureRejected, type SignedRequest, verifySignature } from '../protocol/verify.js';
import type { Caller } from './caller.js';
import { type CallerDirectory, policyOfPrincipal } from './directory.js';
import type { NonceStore } from './nonce-store.js';
import { UNRESTRICTED } from './policy.js';

const UNSIGNED_DETAIL =
  'Requests to this gateway are signed with a caller key its operator issued, as for KMS (signature V1 or V3).';

/** A request that carries no trace of a signature: it is told how to sign, not what is wrong. */
const isUnsigned = (request: SignedRequest) =>
  request.params.Signature === undefined &&
  request.params.AccessKeyId === undefined &&
  request.headers.authorization === undefined;

function refusal(error: SignatureRejected, request: SignedRequest) {
  const reason = `caller signature: ${error.message}`;
  switch (error.code) {
    case 'MissingParameter':
      return gatewayError('MissingParameter', {
        parameter: error.parameter ?? 'Signature',
        reason,
        cause: error,
        ...(isUnsigned(request) ? { detail: UNSIGNED_DETAIL } : {}),
      });
    case 'InvalidVersion':
      // The gateway's own answer to a bad Version, signed or not.
      return gatewayError('InvalidParameter', { parameter: 'Version', reason, cause: error });
    default:
      return gatewayError(error.code, { reason, cause: error });
  }
}

/**
 * The caller a signed request comes from.
 * @throws KmsError the documented refusal (IncompleteSignature, IllegalTimestamp,
 *   InvalidAccessKeyId.NotFound, Forbidden.AccessKey, SignatureNonceUsed, MissingParameter, …),
 *   or 503 when the nonce store cannot be asked
 */
export async function authenticateSignature(
  request: SignedRequest,
  directory: CallerDirectory,
  nonces: NonceStore,
  signal: AbortSignal,
): Promise<Caller> {
  let verified: ReturnType<typeof verifySignature>;
  try {
    verified = verifySignature(request, {
      keyOf: (id) => directory.keys.get(id),
      now: Date.now(),
    });
  } catch (error) {
    if (error instanceof SignatureRejected) throw refusal(error, request);
    throw error;
  }
  const key = directory.keys.get(verified.key.id);
  if (!key) throw gatewayError('InvalidAccessKeyId.NotFound');
  let fresh: boolean;
  try {
    fresh = await nonces.claim(key.id, verified.nonce, verified.signedAt, signal);
  } catch (error) {
    throw gatewayError('SerivceUnavailableTemporary', {
      origin: 'internal',
      reason: `nonce store: ${(error as Error).message}`,
      detail: 'Replay protection could not be checked.',
      cause: error,
    });
  }
  if (!fresh) throw gatewayError('SignatureNonceUsed', { reason: 'caller nonce replayed' });
  return {
    kind: 'key',
    accessKeyId: key.id,
    policy: key.policy,
    secrets: key.securityToken ? [key.secret, key.securityToken] : [key.secret],
  };
}

/**
 * The caller API Gateway's IAM authorizer let in.
 * @throws KmsError Forbidden.NoPermission without a principal, or one the directory does not list
 */
export function authenticateIam(
  principal: string | undefined,
  directory: CallerDirectory | undefined,
): Caller {
  if (principal === undefined) {
    throw gatewayError('Forbidden.NoPermission', {
      reason: 'no IAM principal in the request context',
      detail: 'The request reached the function without an IAM principal (no AWS_IAM authorizer).',
    });
  }
  const policy = directory ? policyOfPrincipal(directory, principal) : UNRESTRICTED;
  if (!policy) throw gatewayError('Forbidden.NoPermission', { reason: 'principal not listed' });
  return { kind: 'iam', principal, policy };
}
