/**
 * Reading upstream answers at their edges: whitespace before the first `{` or `<`, schema
 * booleans in any case, and the status of an upstream error, which is the HTTP status it came
 * with and never a number its body claims.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { typeObject } from '../../src/codec/typed.js';
import { readUpstreamBody } from '../../src/codec/upstream-body.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { KmsError } from '../../src/kms/envelope.js';
import { isRetryableCode } from '../../src/kms/errors.js';
import type { ActionSpec } from '../../src/kms/schema.js';
import { readAnswer } from '../../src/upstream/answer.js';
import { runs } from '../support/runs.js';

const HOST = 'kms.cn-hangzhou.aliyuncs.com';
const spec = (action: string) => ACTIONS[action] as ActionSpec;
const answer = (status: number, body: string, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(body),
});

function failure(status: number, body: string, action = 'Encrypt'): KmsError {
  try {
    readAnswer(answer(status, body), { spec: spec(action), host: HOST });
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

/** XML's and JSON's whitespace: space, tab, CR, LF. */
const whitespace = fc
  .array(fc.constantFrom(' ', '\t', '\r', '\n'), { minLength: 1, maxLength: 8 })
  .map((chars) => chars.join(''));

describe('whitespace around the body', () => {
  const json = '{"RequestId":"R-1","KeyId":"k","CiphertextBlob":"c","KeyVersionId":"v"}';
  const xml =
    '<EncryptResponse><RequestId>R-1</RequestId><KeyId>k</KeyId><CiphertextBlob>c</CiphertextBlob><KeyVersionId>v</KeyVersionId></EncryptResponse>';
  const expected = { RequestId: 'R-1', KeyId: 'k', CiphertextBlob: 'c', KeyVersionId: 'v' };

  it('a JSON or XML body read the same with whitespace before and after it', () => {
    fc.assert(
      fc.property(whitespace, whitespace, fc.constantFrom(json, xml), (before, after, body) => {
        const read = readUpstreamBody(Buffer.from(`${before}${body}${after}`));
        expect(read.format).toBe(body === json ? 'JSON' : 'XML');
        expect(read.content).toEqual(readUpstreamBody(Buffer.from(body)).content);
        const value = readAnswer(answer(200, `${before}${body}${after}`), {
          spec: spec('Encrypt'),
          host: HOST,
        });
        expect(value).toEqual(expected);
      }),
      { numRuns: runs(100) },
    );
  });

  it('an error body after a newline is still the upstream error, not an unreadable one', () => {
    const error = failure(400, '\n\n  {"Code":"InvalidParameter","Message":"m","RequestId":"R"}');
    expect([error.code, error.requestId]).toEqual(['InvalidParameter', 'R']);
    const xmlError = failure(404, '\r\n<Error><Code>Forbidden.KeyNotFound</Code></Error>');
    expect(xmlError.code).toBe('Forbidden.KeyNotFound');
  });

  it('whitespace alone is an empty body', () => {
    const error = failure(200, ' \n\t ');
    expect(error.message).toBe(
      'Internal Failure. The upstream response was unreadable: empty body.',
    );
  });
});

describe('schema booleans', () => {
  /** `true` or `false` in any mix of cases. */
  const anyCase = fc
    .tuple(fc.boolean(), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }))
    .map(([value, upper]) => {
      const word = String(value);
      return {
        value,
        text: [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''),
      };
    });

  it.each([
    ['TRUE', true],
    ['True', true],
    ['FALSE', false],
    ['False', false],
  ])('%s is the boolean %s', (text, value) => {
    expect(typeObject({ Value: text }, { Value: 'boolean' })).toEqual({ Value: value });
    const xml = readAnswer(
      answer(
        200,
        `<AsymmetricVerifyResponse><RequestId>R</RequestId><Value>${text}</Value></AsymmetricVerifyResponse>`,
      ),
      { spec: spec('AsymmetricVerify'), host: HOST },
    );
    expect(xml.Value).toBe(value);
  });

  it('true and false in any case are booleans where the schema says boolean, and only there', () => {
    fc.assert(
      fc.property(anyCase, ({ value, text }) => {
        expect(typeObject({ B: text, S: text }, { B: 'boolean', S: 'string' })).toEqual({
          B: value,
          S: text,
        });
      }),
      { numRuns: runs(100) },
    );
  });

  it.each(['yes', '1', '0', 'truee', ' true', 'true ', ''])('%j stays as it was', (text) => {
    expect(typeObject({ B: text }, { B: 'boolean' })).toEqual({ B: text });
  });
});

describe('the status of an upstream error', () => {
  it('is the HTTP status it came with, whatever HttpStatus its body claims', () => {
    expect(
      failure(400, '{"HttpStatus":500,"Code":"InvalidParameter","Message":"m","RequestId":"R"}')
        .status,
    ).toBe(400);
    expect(
      failure(
        404,
        '<KMS><HttpStatus>400</HttpStatus><Code>Forbidden.KeyNotFound</Code><RequestId>R</RequestId></KMS>',
      ).status,
    ).toBe(404);
  });

  it('for any error status and any claimed HttpStatus', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.integer({ min: 100, max: 599 }),
        fc.constantFrom('InvalidParameter', 'Forbidden.KeyNotFound', 'Something.New', 'Throttling'),
        (status, claimed, code) => {
          const body = JSON.stringify({ HttpStatus: claimed, Code: code, RequestId: 'R' });
          expect(failure(status, body).status).toBe(status);
        },
      ),
      { numRuns: runs(200) },
    );
  });

  it('inside a 2xx: the documented status of the code, else a claimed 4xx/5xx, else 500', () => {
    const in200 = (code: string, claimed: unknown) =>
      failure(200, JSON.stringify({ HttpStatus: claimed, Code: code, RequestId: 'R' })).status;
    expect(in200('Forbidden.KeyNotFound', 500)).toBe(404);
    expect(in200('Something.New', 429)).toBe(429);
    expect(in200('Something.New', '503')).toBe(503);
    expect(in200('Something.New', 400)).toBe(400);
    expect(in200('Something.New', 599)).toBe(599);
    expect(in200('Something.New', 399)).toBe(500);
    expect(in200('Something.New', 600)).toBe(500);
    expect(in200('Something.New', 200)).toBe(500);
    expect(in200('Something.New', 'abc')).toBe(500);
    expect(in200('Something.New', 450.5)).toBe(500);
  });
});

describe('which codes a read may be retried after', () => {
  it.each([
    'Throttling',
    'Throttling.User',
    'Throttling.Api',
    'Throttling.Concurrent',
    'throttling.user',
    'ServiceUnavailable',
    'SerivceUnavailableTemporary',
    'ServiceUnavailableTemporary',
    'SerivceUnvailableTemporary',
  ])('%s: yes', (code) => {
    expect(isRetryableCode(code)).toBe(true);
  });

  it.each([
    'InternalFailure',
    'InvalidParameter',
    'Forbidden.KeyNotFound',
    'Rejected.LimitExceeded',
    'SignatureNonceUsed',
    'ServiceUnavailable.Other',
  ])('%s: no', (code) => {
    expect(isRetryableCode(code)).toBe(false);
  });
});
