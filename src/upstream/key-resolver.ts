/**
 * KeyResolver over the KMS client: the questions caller policy asks of KMS, asked as the
 * function (sign mode) within the request's deadline, each an ordinary upstream call (retried
 * as reads are, counted in the trace).
 */
import type { KeyResolver } from '../callers/authorize.js';
import type { TypedObject } from '../codec/typed.js';
import { ACTIONS } from '../kms/actions.generated.js';
import type { RpcCall } from '../kms/call.js';
import type { ActionSpec } from '../kms/schema.js';
import type { Invocation, KmsClient } from './kms-client.js';

const callOf = (action: string, params: Record<string, string>): RpcCall => ({
  action,
  spec: ACTIONS[action] as ActionSpec,
  params,
});

/** The alias names of one ListAliasesByKeyId page. */
function aliasNamesOf(answer: TypedObject): string[] {
  const items = ((answer.Aliases as TypedObject | undefined)?.Alias ?? []) as TypedObject[];
  return items.flatMap((item) => (typeof item.AliasName === 'string' ? [item.AliasName] : []));
}

/** Aliases per page; a key with more aliases than this is read page by page. */
const PAGE_SIZE = 100;

export function createKeyResolver(
  invoke: KmsClient,
  request: Omit<Invocation, 'call'>,
): KeyResolver {
  const ask = (action: string, params: Record<string, string>): Promise<TypedObject> =>
    invoke({ ...request, call: callOf(action, params) });
  return {
    async keyOfAlias(alias) {
      const answer = await ask('DescribeKey', { KeyId: alias });
      const keyId = (answer.KeyMetadata as TypedObject | undefined)?.KeyId;
      return typeof keyId === 'string' ? keyId : undefined;
    },
    async aliasesOfKey(keyId) {
      const names: string[] = [];
      for (let page = 1; page <= 10; page++) {
        const answer = await ask('ListAliasesByKeyId', {
          KeyId: keyId,
          PageNumber: String(page),
          PageSize: String(PAGE_SIZE),
        });
        const items = aliasNamesOf(answer);
        names.push(...items);
        const total = typeof answer.TotalCount === 'number' ? answer.TotalCount : 0;
        if (page * PAGE_SIZE >= total || items.length === 0) break;
      }
      return names;
    },
    async keyOfCiphertext(ciphertextBlob, encryptionContext) {
      const params: Record<string, string> = { CiphertextBlob: ciphertextBlob };
      if (encryptionContext) params.EncryptionContext = encryptionContext;
      const answer = await ask('Decrypt', params);
      // Only the key is kept: the plaintext is dropped with the answer.
      const keyId = answer.KeyId;
      if (typeof keyId !== 'string') throw new TypeError('Decrypt answered without a KeyId');
      return keyId;
    },
  };
}
