/**
 * Checks a validated call against its caller's policy, before the upstream call: the action,
 * then every key, alias and secret the call names. Resources named indirectly are resolved
 * through KMS (as the function) only when a literal match fails: a key id against alias
 * patterns (its aliases), an alias against key patterns (its key). Two actions need more:
 *
 * - Decrypt and ExportDataKey name no key: the answer's KeyId is checked before any plaintext
 *   is returned (the returned check runs on the answer).
 * - ReEncrypt's source key is not named for a symmetric ciphertext, and its answer reveals only
 *   the destination: the source is proven by decrypting the ciphertext as the function (the
 *   plaintext is dropped) and checking the key that made it.
 *
 * Actions naming resources this model does not know (certificates, client keys, instances,
 * tag targets by ResourceId, …) are refused to callers limited to certain resources.
 */
import type { TypedObject } from '../codec/typed.js';
import type { RpcCall } from '../kms/call.js';
import { gatewayError, KmsError } from '../kms/envelope.js';
import {
  aliasRef,
  allowsAction,
  allowsResource,
  type CallerPolicy,
  keyRef,
  namesKind,
  type ResourceRef,
  secretRef,
} from './policy.js';

/**
 * KMS, asked as the function; undefined in passthrough mode, where it cannot ask.
 * @throws KmsError when KMS refuses or cannot answer a look-up
 */
export interface KeyResolver {
  /** the key id an alias names (DescribeKey) */
  keyOfAlias(alias: string): Promise<string | undefined>;
  /** the aliases of a key (ListAliasesByKeyId) */
  aliasesOfKey(keyId: string): Promise<readonly string[]>;
  /** the key a symmetric ciphertext was made under (Decrypt, plaintext dropped) */
  keyOfCiphertext(ciphertextBlob: string, encryptionContext: string | undefined): Promise<string>;
}

/** Run on the success value before it is returned; throws to refuse it. */
export type AnswerCheck = (value: TypedObject) => Promise<void>;

const KEY_PARAMS = ['KeyId', 'DestinationKeyId', 'EncryptionKeyId'] as const;
/** Parameters naming resources outside keys, aliases and secrets. */
const UNMODELED = [
  'CertificateId',
  'ClientKeyId',
  'AapName',
  'Name',
  'KmsInstanceId',
  'DKMSInstanceId',
  'ProtectedResourceArn',
  'ResourceId',
];
/** Actions whose answer names the key that did the work. */
const KEY_IN_ANSWER = new Set(['Decrypt', 'ExportDataKey']);

const denied = (reason: string) => gatewayError('Forbidden.NoPermission', { reason });

/**
 * The check the answer must pass, if any, once the call itself is allowed.
 * @throws KmsError Forbidden.NoPermission, or what a look-up at KMS failed with (5xx)
 */
export async function authorizeCall(
  call: RpcCall,
  policy: CallerPolicy,
  resolver: KeyResolver | undefined,
): Promise<AnswerCheck | undefined> {
  if (!allowsAction(policy, call.action)) throw denied(`caller may not call ${call.action}`);
  if (policy.resources === undefined) return undefined;

  const params = call.params;
  const named = Object.keys(params);
  const unmodeled = UNMODELED.find((p) => named.some((n) => n === p || n.startsWith(`${p}.`)));
  if (unmodeled) throw denied(`${unmodeled} is outside the caller's resource model`);

  const allowed = (ref: ResourceRef) => allowsIndirectly(ref, policy, resolver);
  const checks: [string, ResourceRef][] = [];
  for (const name of KEY_PARAMS) {
    const value = params[name];
    if (value) checks.push([name, keyRef(value)]);
  }
  if (params.AliasName) checks.push(['AliasName', aliasRef(params.AliasName)]);
  if (params.SecretName) checks.push(['SecretName', secretRef(params.SecretName)]);
  for (const [name, ref] of checks) {
    if (!(await allowed(ref))) throw denied(`${name} is outside the caller's resources`);
  }

  if (call.action === 'ReEncrypt') await checkReEncryptSource(params, allowed, resolver);
  if (!KEY_IN_ANSWER.has(call.action)) return undefined;
  return async (value) => {
    const keyId = value.KeyId;
    if (typeof keyId !== 'string' || !(await allowed({ kind: 'key', name: keyId }))) {
      throw denied(`${call.action} answered for a key outside the caller's resources`);
    }
  };
}

async function checkReEncryptSource(
  params: RpcCall['params'],
  allowed: (ref: ResourceRef) => Promise<boolean>,
  resolver: KeyResolver | undefined,
): Promise<void> {
  // An asymmetric source is named, and KMS decrypts with exactly the key named.
  if (params.SourceEncryptionAlgorithm) {
    if (!params.SourceKeyId || !(await allowed(keyRef(params.SourceKeyId)))) {
      throw denied("ReEncrypt source key is outside the caller's resources");
    }
    return;
  }
  // A symmetric ciphertext names its own key; a SourceKeyId beside it proves nothing.
  if (!resolver) throw denied('ReEncrypt source key cannot be proven here');
  const source = await resolving(() =>
    resolver.keyOfCiphertext(params.CiphertextBlob ?? '', params.SourceEncryptionContext),
  );
  if (source === undefined || !(await allowed({ kind: 'key', name: source }))) {
    throw denied("ReEncrypt source key is outside the caller's resources");
  }
}

/**
 * A resolution's value, or undefined when KMS refused it as the caller's mistake (an unknown
 * alias, a bad ciphertext): the caller is then told no, never what exists.
 */
async function resolving<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof KmsError && error.status < 500) return undefined;
    throw error;
  }
}

async function allowsIndirectly(
  ref: ResourceRef,
  policy: CallerPolicy,
  resolver: KeyResolver | undefined,
): Promise<boolean> {
  if (allowsResource(policy, ref)) return true;
  if (!resolver) return false;
  if (ref.kind === 'alias' && namesKind(policy, 'key')) {
    const keyId = await resolving(() => resolver.keyOfAlias(ref.name));
    return keyId !== undefined && allowsResource(policy, { kind: 'key', name: keyId });
  }
  if (ref.kind === 'key' && namesKind(policy, 'alias')) {
    const aliases = (await resolving(() => resolver.aliasesOfKey(ref.name))) ?? [];
    return aliases.some((alias) => allowsResource(policy, { kind: 'alias', name: alias }));
  }
  return false;
}
