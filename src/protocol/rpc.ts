/**
 * What an Alibaba Cloud RPC request is, whichever side reads it: the API version this product
 * speaks, the parameter map, and the common parameters that carry a V1 signature.
 */

/** KMS's API version; the actions table (`kms/actions.generated.ts`) is generated for it. */
export const API_VERSION = '2016-01-20';

/**
 * The two body formats of an RPC answer, named by the `Format` parameter: what the caller asks
 * for, what the gateway asks KMS for, what an answer turns out to be.
 */
export type Format = 'JSON' | 'XML';

/** RPC parameters by name, decoded: the query merged with a form body. */
export type Params = Readonly<Record<string, string>>;

/** The common parameters of signature V1: who signs, how, when, and the signature itself. */
export const V1_SIGNING_PARAMS = [
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'SecurityToken',
] as const;
