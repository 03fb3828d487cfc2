/**
 * The signature verifier shared by the emulator and the gateway's caller authentication, on its
 * own: requests signed by the project's signers are accepted, and each way a request can be
 * wrong is refused with the code Alibaba answers, in Alibaba's order of checks.
 */
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../src/protocol/rpc.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import {
  canonicalRequestV3,
  parseAuthorizationV3,
  sha256Hex,
  signedHeaderNames,
  signV3,
} from '../../src/protocol/sign-v3.js';
import { alibabaTimestamp, SIGNATURE_WINDOW_MS } from '../../src/protocol/timestamp.js';
import {
  type RejectionCode,
  SignatureRejected,
  type SignedRequest,
  type SigningKey,
  safeEqual,
  signatureVersionOf,
  verifySignature,
} from '../../src/protocol/verify.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const KEY: SigningKey = { id: 'LTAI5tVerifyKey00001', secret: 'verify-secret-0123456789' };
const STS: SigningKey = {
  id: 'STS.NVerifyStsKey0001',
  secret: 'sts-secret-0123456789',
  securityToken: 'sts-token-abc',
};
const DISABLED: SigningKey = { id: 'LTAI5tDisabledKey001', secret: 'x-secret', enabled: false };
const ENABLED: SigningKey = { id: 'LTAI5tEnabledKey0001', secret: 'y-secret', enabled: true };
const KEYS = new Map([KEY, STS, DISABLED, ENABLED].map((k) => [k.id, k]));
const options = (now = NOW) => ({ keyOf: (id: string) => KEYS.get(id), now });

interface V1Options {
  readonly key?: SigningKey;
  readonly method?: 'GET' | 'POST';
  readonly at?: number;
  readonly extra?: Record<string, string>;
  readonly securityToken?: string;
}

function v1(opts: V1Options = {}): SignedRequest {
  const key = opts.key ?? KEY;
  const method = opts.method ?? 'POST';
  const params = signV1(
    { Action: 'Encrypt', Version: API_VERSION, KeyId: 'k', ...opts.extra },
    {
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      securityToken: opts.securityToken ?? key.securityToken,
    },
    { method, nonce: 'nonce-v1', timestamp: alibabaTimestamp(opts.at ?? NOW) },
  );
  return { method, query: {}, params, headers: {}, body: new Uint8Array() };
}

function withParams(request: SignedRequest, change: Record<string, string | undefined>) {
  const params: Record<string, string> = { ...request.params };
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) delete params[name];
    else params[name] = value;
  }
  return { ...request, params };
}

interface V3Options {
  readonly key?: SigningKey;
  readonly at?: number;
  readonly body?: string;
  readonly query?: Record<string, string>;
}

function v3(opts: V3Options = {}): SignedRequest {
  const key = opts.key ?? KEY;
  const query = opts.query ?? { KeyId: 'k', Plaintext: 'aGk=' };
  const headers = signV3(
    query,
    { accessKeyId: key.id, accessKeySecret: key.secret, securityToken: key.securityToken },
    {
      method: 'POST',
      host: 'kms.cn-hangzhou.aliyuncs.com',
      action: 'Encrypt',
      version: API_VERSION,
      nonce: 'nonce-v3',
      date: alibabaTimestamp(opts.at ?? NOW),
      ...(opts.body === undefined ? {} : { body: opts.body, contentType: 'application/json' }),
    },
  );
  return {
    method: 'POST',
    query,
    params: query,
    headers,
    body: Buffer.from(opts.body ?? ''),
  };
}

function withHeaders(request: SignedRequest, change: Record<string, string | undefined>) {
  const headers: Record<string, string> = { ...request.headers };
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...request, headers };
}

function rejection(request: SignedRequest, now = NOW): [RejectionCode, string | undefined] {
  try {
    verifySignature(request, options(now));
  } catch (error) {
    if (error instanceof SignatureRejected) return [error.code, error.parameter];
    throw error;
  }
  throw new Error('expected SignatureRejected');
}

describe('V1 (signature in the parameters)', () => {
  it('accepts a request its signer made, saying who, what, which nonce and when', () => {
    expect(verifySignature(v1(), options())).toEqual({
      signatureVersion: 'v1',
      key: KEY,
      action: 'Encrypt',
      nonce: 'nonce-v1',
      signedAt: NOW,
    });
    expect(verifySignature(v1({ method: 'GET' }), options()).signatureVersion).toBe('v1');
    expect(verifySignature(v1({ key: ENABLED }), options()).key).toBe(ENABLED);
  });

  it.each([
    'AccessKeyId',
    'Signature',
    'SignatureMethod',
    'SignatureNonce',
    'Timestamp',
    'Version',
    'Action',
  ])('without %s: MissingParameter naming it (also when empty)', (name) => {
    expect(rejection(withParams(v1(), { [name]: undefined }))).toEqual(['MissingParameter', name]);
    expect(rejection(withParams(v1(), { [name]: '' }))).toEqual(['MissingParameter', name]);
  });

  it('another Version is InvalidVersion', () => {
    expect(rejection(v1({ extra: { Version: '2014-05-26' } }))).toEqual([
      'InvalidVersion',
      undefined,
    ]);
  });

  it('a timestamp up to 15 minutes off either way is accepted, one second more is not', () => {
    for (const at of [NOW - SIGNATURE_WINDOW_MS, NOW + SIGNATURE_WINDOW_MS]) {
      expect(verifySignature(v1({ at }), options()).signedAt).toBe(at);
    }
    for (const at of [NOW - SIGNATURE_WINDOW_MS - 1000, NOW + SIGNATURE_WINDOW_MS + 1000]) {
      expect(rejection(v1({ at }))).toEqual(['IllegalTimestamp', undefined]);
    }
  });

  it.each([
    '2024-01-02T03:04:05.000Z',
    '2024-01-02 03:04:05Z',
    '2024-01-02T03:04:05z',
    '2024-02-31T03:04:05Z',
    'yesterday',
  ])('a timestamp %j is IllegalTimestamp', (timestamp) => {
    expect(rejection(withParams(v1(), { Timestamp: timestamp }))).toEqual([
      'IllegalTimestamp',
      undefined,
    ]);
  });

  it('checks the timestamp before the AccessKey, and the AccessKey before the signature', () => {
    const unknown = { id: 'LTAI5tNobodyKnowsMe1', secret: 'x' };
    expect(rejection(v1({ key: unknown, at: NOW - 2 * SIGNATURE_WINDOW_MS }))[0]).toBe(
      'IllegalTimestamp',
    );
    expect(rejection(withParams(v1({ key: unknown }), { Signature: 'wrong' }))[0]).toBe(
      'InvalidAccessKeyId.NotFound',
    );
  });

  it('an unknown AccessKey is InvalidAccessKeyId.NotFound, a disabled one Forbidden.AccessKey', () => {
    expect(rejection(v1({ key: { id: 'LTAI5tNobodyKnowsMe1', secret: 'x' } }))).toEqual([
      'InvalidAccessKeyId.NotFound',
      undefined,
    ]);
    expect(rejection(v1({ key: DISABLED }))).toEqual(['Forbidden.AccessKey', undefined]);
  });

  it('an STS key needs its own token: none or another is a mismatch', () => {
    expect(verifySignature(v1({ key: STS }), options()).key).toBe(STS);
    expect(rejection(withParams(v1({ key: STS }), { SecurityToken: undefined }))).toEqual([
      'InvalidSecurityToken.MismatchWithAccessKey',
      undefined,
    ]);
    expect(rejection(v1({ key: STS, securityToken: 'another-token' }))[0]).toBe(
      'InvalidSecurityToken.MismatchWithAccessKey',
    );
  });

  it('only HMAC-SHA1 is a V1 signature method', () => {
    expect(rejection(withParams(v1(), { SignatureMethod: 'HMAC-SHA256' }))).toEqual([
      'IncompleteSignature',
      'SignatureMethod',
    ]);
  });

  it('a changed signature, parameter or method is IncompleteSignature', () => {
    const signed = v1();
    const signature = signed.params.Signature as string;
    const other = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(rejection(withParams(signed, { Signature: other }))).toEqual([
      'IncompleteSignature',
      'Signature',
    ]);
    expect(rejection(withParams(signed, { KeyId: 'another' }))).toEqual([
      'IncompleteSignature',
      'Signature',
    ]);
    expect(rejection({ ...signed, method: 'GET' })).toEqual(['IncompleteSignature', 'Signature']);
  });

  it('says what failed in its message, and nothing more', () => {
    const error = new SignatureRejected('IncompleteSignature', 'Signature');
    expect([error.name, error.message]).toEqual([
      'SignatureRejected',
      'IncompleteSignature (Signature)',
    ]);
    expect(new SignatureRejected('IllegalTimestamp').message).toBe('IllegalTimestamp');
  });
});

describe('V3 (ACS3-HMAC-SHA256 in Authorization)', () => {
  it('accepts a request its signer made', () => {
    expect(verifySignature(v3(), options())).toEqual({
      signatureVersion: 'v3',
      key: KEY,
      action: 'Encrypt',
      nonce: 'nonce-v3',
      signedAt: NOW,
    });
    expect(verifySignature(v3({ body: '{"a":1}' }), options()).signatureVersion).toBe('v3');
    expect(verifySignature(v3({ key: STS }), options()).key).toBe(STS);
  });

  it('an Authorization that is not ACS3-HMAC-SHA256 is IncompleteSignature', () => {
    expect(rejection(withHeaders(v3(), { authorization: 'Bearer abc' }))).toEqual([
      'IncompleteSignature',
      'Authorization',
    ]);
  });

  it.each([
    'x-acs-signature-nonce',
    'x-acs-date',
    'x-acs-version',
    'x-acs-action',
    'x-acs-content-sha256',
  ])('without %s: MissingParameter naming it', (name) => {
    expect(rejection(withHeaders(v3(), { [name]: undefined }))).toEqual(['MissingParameter', name]);
  });

  it('another x-acs-version is InvalidVersion; a date out of the window IllegalTimestamp', () => {
    expect(rejection(withHeaders(v3(), { 'x-acs-version': '2014-05-26' }))[0]).toBe(
      'InvalidVersion',
    );
    expect(rejection(v3({ at: NOW + SIGNATURE_WINDOW_MS + 1000 }))[0]).toBe('IllegalTimestamp');
    expect(verifySignature(v3({ at: NOW - SIGNATURE_WINDOW_MS }), options()).signedAt).toBe(
      NOW - SIGNATURE_WINDOW_MS,
    );
  });

  it('the AccessKey is the Credential: unknown, disabled, or its token missing', () => {
    expect(rejection(v3({ key: { id: 'LTAI5tNobodyKnowsMe1', secret: 'x' } }))[0]).toBe(
      'InvalidAccessKeyId.NotFound',
    );
    expect(rejection(v3({ key: DISABLED }))[0]).toBe('Forbidden.AccessKey');
    expect(rejection(withHeaders(v3({ key: STS }), { 'x-acs-security-token': undefined }))[0]).toBe(
      'InvalidSecurityToken.MismatchWithAccessKey',
    );
  });

  it('an x-acs-accesskey-id other than the Credential is IncompleteSignature', () => {
    expect(
      rejection(withHeaders(v3({ key: STS }), { 'x-acs-accesskey-id': 'STS.Someone.Else' })),
    ).toEqual(['IncompleteSignature', 'x-acs-accesskey-id']);
  });

  it('a common header sent but left out of SignedHeaders is IncompleteSignature', () => {
    expect(rejection(withHeaders(v3(), { 'x-acs-security-token': 'unsigned-token' }))).toEqual([
      'IncompleteSignature',
      'unsigned x-acs-security-token',
    ]);
    const authorization = (v3().headers.authorization as string).replace('host;', '');
    expect(rejection(withHeaders(v3(), { authorization }))).toEqual([
      'IncompleteSignature',
      'unsigned host',
    ]);
  });

  it('a body other than the one hashed is IncompleteSignature', () => {
    const signed = v3({ body: '{"a":1}' });
    expect(rejection({ ...signed, body: Buffer.from('{"a":2}') })).toEqual([
      'IncompleteSignature',
      'x-acs-content-sha256',
    ]);
  });

  it('a changed query, header or signature is IncompleteSignature', () => {
    const signed = v3();
    expect(rejection({ ...signed, query: { ...signed.query, KeyId: 'other' } })).toEqual([
      'IncompleteSignature',
      'Signature',
    ]);
    expect(rejection(withHeaders(signed, { 'x-acs-action': 'Decrypt' }))).toEqual([
      'IncompleteSignature',
      'Signature',
    ]);
    const authorization = (signed.headers.authorization as string).replace(
      /Signature=(.)/,
      (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
    );
    expect(rejection(withHeaders(signed, { authorization }))).toEqual([
      'IncompleteSignature',
      'Signature',
    ]);
  });
});

describe('helpers', () => {
  it('which signature a request carries', () => {
    expect(signatureVersionOf({ params: { Signature: 's' }, headers: {} })).toBe('v1');
    expect(signatureVersionOf({ params: {}, headers: { authorization: 'a' } })).toBe('v3');
    expect(
      signatureVersionOf({ params: { Signature: 's' }, headers: { authorization: 'a' } }),
    ).toBe('v1');
    expect(signatureVersionOf({ params: {}, headers: {} })).toBeUndefined();
    // Neither: read as V1, refused for the first signing parameter it lacks.
    expect(
      rejection({ method: 'POST', query: {}, params: {}, headers: {}, body: new Uint8Array() }),
    ).toEqual(['MissingParameter', 'AccessKeyId']);
  });

  it('safeEqual compares whole strings, whatever their lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
  });

  it('parses an ACS3 Authorization header, and nothing else', () => {
    expect(
      parseAuthorizationV3(
        '  ACS3-HMAC-SHA256 Credential=LTAIx,SignedHeaders=host;x-acs-date,Signature=0a9f  ',
      ),
    ).toEqual({ credential: 'LTAIx', signedHeaders: ['host', 'x-acs-date'], signature: '0a9f' });
    expect(
      parseAuthorizationV3('ACS3-HMAC-SHA256 Credential=a, SignedHeaders=host, Signature=ff'),
    ).toEqual({ credential: 'a', signedHeaders: ['host'], signature: 'ff' });
    for (const bad of [
      'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=FF',
      'ACS3-HMAC-SHA256 Credential=a,Signature=ff',
      'ACS3-HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=ff',
      'xACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=ff',
      'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=ff,Extra=1',
    ]) {
      expect(parseAuthorizationV3(bad)).toBeUndefined();
    }
  });

  it('sha256Hex is lower-case hex of the bytes', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('signs host, content-type and x-acs-* headers, in lower case, sorted', () => {
    expect(
      signedHeaderNames({
        'X-Acs-Date': 'd',
        Host: 'h',
        Accept: 'a',
        'Content-Type': 'c',
        Authorization: 'z',
        'x-acs-action': 'e',
      }),
    ).toEqual(['content-type', 'host', 'x-acs-action', 'x-acs-date']);
  });

  it('canonical headers are trimmed values; a missing signed header is empty', () => {
    const canonical = canonicalRequestV3(
      { method: 'post', query: {}, headers: { Host: '  h  ', 'x-acs-content-sha256': 'abc' } },
      ['host', 'x-acs-date'],
    );
    expect(canonical).toBe('POST\n/\n\nhost:h\nx-acs-date:\n\nhost;x-acs-date\nabc');
    // Without x-acs-content-sha256 the last line is empty.
    expect(
      canonicalRequestV3({ method: 'GET', query: { a: 'b' }, headers: { host: 'h' } }, ['host']),
    ).toBe('GET\n/\na=b\nhost:h\n\nhost\n');
  });

  it('a Content-Type given to the signer is sent and signed', () => {
    const headers = signV3(
      {},
      { accessKeyId: 'id', accessKeySecret: 's' },
      {
        method: 'POST',
        host: 'h',
        action: 'A',
        version: 'v',
        nonce: 'n',
        date: 'd',
        contentType: 'application/json',
      },
    );
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toContain('SignedHeaders=content-type;host;');
  });

  it('any whitespace run after the algorithm name', () => {
    expect(
      parseAuthorizationV3('ACS3-HMAC-SHA256 \t Credential=a,SignedHeaders=host,Signature=ff')
        ?.credential,
    ).toBe('a');
  });
});
