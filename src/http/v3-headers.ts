/**
 * Alibaba's signature V3 clients (the Tea OpenAPI clients, e.g. `@alicloud/openapi-client`) send
 * `Action` and `Version` only as the `x-acs-action` / `x-acs-version` headers, the business
 * parameters in the query. In sign mode the gateway reads them from there when the parameters
 * lack them; in passthrough mode a V3 request cannot be forwarded (its signature covers the Host
 * header, which changes at this hop), and it is told so.
 */
import { gatewayError } from '../kms/envelope.js';
import type { Params } from '../protocol/rpc.js';

const FROM_HEADERS = [
  ['Action', 'x-acs-action'],
  ['Version', 'x-acs-version'],
] as const;

/**
 * The parameters with Action and Version taken from the V3 headers where absent.
 * @throws KmsError InvalidParameter when a header and a parameter disagree
 */
export function withV3Headers(params: Params, headers: Readonly<Record<string, string>>): Params {
  let out: Record<string, string> | undefined;
  for (const [name, header] of FROM_HEADERS) {
    const value = headers[header];
    if (value === undefined) continue;
    const given = params[name];
    if (given !== undefined) {
      if (given !== value) throw gatewayError('InvalidParameter', { parameter: name });
      continue;
    }
    out ??= Object.assign(Object.create(null) as Record<string, string>, params);
    out[name] = value;
  }
  return out ?? params;
}

/** True when the request is signed with V3 or names its action only in a V3 header. */
export function isV3Request(params: Params, headers: Readonly<Record<string, string>>): boolean {
  if (/^ACS3-/i.test(headers.authorization ?? '')) return true;
  return params.Action === undefined && headers['x-acs-action'] !== undefined;
}

/** @throws KmsError always: the answer to a V3 request in passthrough mode */
export function refuseV3Passthrough(): never {
  throw gatewayError('IncompleteSignature', {
    reason: 'V3 request in passthrough mode',
    detail:
      'This gateway passes requests through to KMS with signature V1 only: a V3 (ACS3-HMAC-SHA256) signature covers the Host header, which changes at this hop. Sign with V1 (HMAC-SHA1), Action and Version in the parameters.',
  });
}
