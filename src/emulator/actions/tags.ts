/**
 * Tags on keys (TagResource, UntagResource, ListResourceTags). TagResource and UntagResource
 * also tag secrets: given SecretName instead of KeyId they go to the secrets store
 * (`SecretStore.tag`/`untag`, which check the secret and its tags by the secrets rules).
 */
import { failure } from '../errors.js';
import type { Tag } from '../records.js';
import { stringList, tagList } from './key-params.js';
import { optional, type Params, required } from './params.js';
import type { Handler } from './types.js';

type Target = { keyId: string } | { secretName: string };

/** Exactly one resource: KeyId or SecretName (certificates are not emulated). */
function target(params: Params): Target {
  if (optional(params, 'CertificateId') !== undefined) {
    throw failure('InvalidParameter', 'CertificateId');
  }
  const keyId = optional(params, 'KeyId');
  const secretName = optional(params, 'SecretName');
  if (keyId !== undefined && secretName !== undefined) {
    throw failure('InvalidParameter', 'SecretName');
  }
  if (secretName !== undefined) return { secretName };
  return { keyId: required(params, 'KeyId') };
}

export const TAG_ACTIONS: Readonly<Record<string, Handler>> = {
  TagResource({ params, state }) {
    const resource = target(params);
    required(params, 'Tags');
    const tags = tagList(params, 'Tags') as Tag[];
    if ('secretName' in resource) state.secrets.tag(resource.secretName, tags);
    else state.tagKey(resource.keyId, tags);
    return {};
  },

  UntagResource({ params, state }) {
    const resource = target(params);
    required(params, 'TagKeys');
    const tagKeys = stringList(params, 'TagKeys') as string[];
    if ('secretName' in resource) state.secrets.untag(resource.secretName, tagKeys);
    else state.untagKey(resource.keyId, tagKeys);
    return {};
  },

  ListResourceTags({ params, state }) {
    const key = state.resolveKey(required(params, 'KeyId'));
    return {
      Tags: {
        Tag: state
          .tagsOf(key.KeyId)
          .map((tag) => ({ KeyId: key.KeyId, TagKey: tag.TagKey, TagValue: tag.TagValue })),
      },
    };
  },
};
