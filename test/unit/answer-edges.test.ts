/**
 * Reading upstream answers, field by field: every field of an error is read under both of
 * Alibaba's spellings (`Code`/`code`, …), statuses at their edges, and what counts as an error
 * inside a 2xx.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGeneralXml } from '../../src/codec/xml-read.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { KmsError } from '../../src/kms/envelope.js';
import type { ActionSpec } from '../../src/kms/schema.js';
import { readAnswer } from '../../src/upstream/answer.js';

const HOST = 'kms.test';
const ENCRYPT = ACTIONS.Encrypt as ActionSpec;

function read(status: number, body: string, headers: Record<string, string> = {}, spec = ENCRYPT) {
  return readAnswer({ status, headers, body: Buffer.from(body) }, { spec, host: HOST });
}

function failure(
  status: number,
  body: string,
  headers: Record<string, string> = {},
  spec = ENCRYPT,
): KmsError {
  try {
    read(status, body, headers, spec);
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

// Documents outside KMS's dialect are read here directly, not through the KMS client that
// loads the general reader on first need (codec/xml-read.ts).
beforeAll(loadGeneralXml);

describe('an error, field by field', () => {
  it('reads the lower-case spelling of every field', () => {
    const error = failure(
      200,
      JSON.stringify({
        code: 'New.Code',
        message: 'lower message',
        requestId: 'lower-req',
        hostId: 'lower-host',
        recommend: 'lower-recommend',
        httpStatus: 429,
      }),
      { 'content-type': 'application/json;charset=UTF-8' },
    );
    expect(error).toMatchObject({
      status: 429,
      code: 'New.Code',
      message: 'lower message',
      requestId: 'lower-req',
      hostId: 'lower-host',
    });
    expect(error.upstream).toEqual({
      status: 200,
      code: 'New.Code',
      message: 'lower message',
      recommend: 'lower-recommend',
      accessDeniedDetail: undefined,
      contentType: 'application/json;charset=UTF-8',
    });
  });

  it('a numeric Code is read as its text; an object Code is no Code', () => {
    expect(failure(400, '{"Code":404,"RequestId":"r"}').code).toBe('404');
    expect(failure(400, '{"Code":{"x":1},"RequestId":"r"}').message).toBe(
      'Internal Failure. The upstream response was unreadable: error without a Code.',
    );
  });

  it('an empty Code is no Code', () => {
    const error = failure(400, '{"Code":"","RequestId":"r"}');
    expect([error.code, error.reason]).toEqual(['InternalFailure', 'error without a Code']);
  });

  it('a missing Message is empty, not invented', () => {
    expect(failure(400, '{"Code":"InvalidParameter","RequestId":"r"}').message).toBe('');
  });

  it('AccessDeniedDetail: compact JSON, capped at 1024 characters, absent when empty', () => {
    const detail = (value: unknown) =>
      failure(403, JSON.stringify({ Code: 'Forbidden.NoPermission', AccessDeniedDetail: value }))
        .upstream?.accessDeniedDetail;
    expect(detail(null)).toBeUndefined();
    expect(detail('')).toBeUndefined();
    expect(detail('text')).toBe('"text"');
    expect(detail({ PolicyType: 'x'.repeat(5000) })).toHaveLength(1024);
  });
});

describe('statuses at their edges', () => {
  it('300 is a redirect, not followed', () => {
    expect(failure(300, '{"RequestId":"r"}').reason).toBe('HTTP 300 redirect, not followed');
    expect(failure(399, '').reason).toBe('HTTP 399 redirect, not followed');
  });

  it('a 400 is an error even when its body looks like a success', () => {
    const error = failure(400, '{"RequestId":"r","KeyId":"k","CiphertextBlob":"c"}');
    expect([error.status, error.reason]).toEqual([500, 'error without a Code']);
  });
});

describe('errors inside a 2xx', () => {
  it('an <Error> root is an error, Code or not', () => {
    expect(failure(200, '<Error><RequestId>r</RequestId><Message>m</Message></Error>').reason).toBe(
      'error without a Code',
    );
  });

  it('a Code the action’s own response has is a field, not an error', () => {
    const spec: ActionSpec = {
      operationType: 'read',
      methods: ['POST'],
      params: [],
      response: { Code: 'string', RequestId: 'string' },
    };
    expect(read(200, '{"Code":"Pending","RequestId":"r"}', {}, spec)).toEqual({
      Code: 'Pending',
      RequestId: 'r',
    });
  });

  it('a well-formed body that cannot be a KMS answer is unreadable, saying why', () => {
    const error = failure(200, '<EncryptResponse>text<RequestId>r</RequestId></EncryptResponse>');
    expect(error.reason).toBe('mixed text and elements');
    expect(error.message).toBe(
      'Internal Failure. The upstream response was unreadable: mixed text and elements.',
    );
  });
});
