/**
 * The table of known codes: statuses and messages by code, every spelling of the two misspelt
 * codes, the status of a code from the documented table, the metadata or the service's own
 * codes, and the errors the gateway raises with them.
 */
import { describe, expect, it } from 'vitest';
import { METADATA_ERROR_STATUS } from '../../src/kms/actions.generated.js';
import { gatewayError, KmsError, toEnvelope } from '../../src/kms/envelope.js';
import {
  DOCUMENTED_ERRORS,
  documentedMessage,
  documentedStatus,
  GATEWAY_ERRORS,
  respell,
  SERVICE_ERRORS,
  statusOfCode,
} from '../../src/kms/errors.js';

describe('spellings', () => {
  it.each([
    ['SerivceUnavailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['ServiceUnavailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['SerivceUnvailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['Rejetced.PendingDeletion', 'Rejetced.PendingDeletion', 'Rejected.PendingDeletion'],
    ['Rejected.PendingDeletion', 'Rejetced.PendingDeletion', 'Rejected.PendingDeletion'],
    ['Forbidden.KeyNotFound', 'Forbidden.KeyNotFound', 'Forbidden.KeyNotFound'],
    ['Anything.Else', 'Anything.Else', 'Anything.Else'],
  ])('%s → %s (documented), %s (corrected)', (code, documented, corrected) => {
    expect(respell(code, 'documented')).toBe(documented);
    expect(respell(code, 'corrected')).toBe(corrected);
  });
});

describe('the status of a code', () => {
  it('every documented code has its table status, in every spelling', () => {
    for (const [code, { status }] of Object.entries(DOCUMENTED_ERRORS)) {
      expect(statusOfCode(code)).toBe(status);
      expect(statusOfCode(respell(code, 'corrected'))).toBe(status);
    }
    expect(statusOfCode('SerivceUnvailableTemporary')).toBe(503);
  });

  it('codes of the metadata have the metadata status', () => {
    const entries = Object.entries(METADATA_ERROR_STATUS).filter(
      ([code]) => !Object.hasOwn(DOCUMENTED_ERRORS, respell(code, 'documented')),
    );
    expect(entries.length).toBeGreaterThan(0);
    for (const [code, status] of entries) expect(statusOfCode(code)).toBe(status);
  });

  it("the service's own codes have theirs, when the metadata lacks them", () => {
    for (const [code, { status }] of Object.entries(SERVICE_ERRORS)) {
      expect(statusOfCode(code)).toBe(METADATA_ERROR_STATUS[code] ?? status);
    }
    expect(statusOfCode('Throttling')).toBe(400);
    expect(statusOfCode('SignatureNonceUsed')).toBe(400);
  });

  it.each(['Something.New', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    '%j has none',
    (code) => {
      expect(statusOfCode(code)).toBeUndefined();
    },
  );
});

describe('messages', () => {
  it('fill the parameter name into the documented templates', () => {
    expect(documentedMessage('MissingParameter', 'KeyId')).toBe(
      'The parameter "KeyId" is needed but not provided.',
    );
    expect(documentedMessage('InvalidParameter', 'Format')).toBe(
      'The specified parameter "Format" is not valid.',
    );
    expect(documentedMessage('MissingParameter')).toBe(
      'The parameter "<parameter name>" is needed but not provided.',
    );
    expect(documentedMessage('InternalFailure', 'ignored')).toBe('Internal Failure.');
  });

  it('come from whichever table knows the code', () => {
    expect([
      documentedStatus('Unsupported.Format'),
      documentedMessage('Unsupported.Format'),
    ]).toEqual([406, GATEWAY_ERRORS['Unsupported.Format'].message]);
    expect([documentedStatus('Throttling'), documentedMessage('Throttling')]).toEqual([
      400,
      'Request was denied due to request throttling.',
    ]);
    expect([
      documentedStatus('Forbidden.NoPermission'),
      documentedMessage('Forbidden.NoPermission'),
    ]).toEqual([403, 'This operation is forbidden by permission system.']);
    expect(documentedMessage('Rejected.PendingDeletion')).toBe(
      DOCUMENTED_ERRORS['Rejetced.PendingDeletion'].message,
    );
  });
});

describe('errors the gateway raises', () => {
  it('carry the documented status and message, a detail appended after it', () => {
    const error = gatewayError('InternalFailure', {
      origin: 'upstream-answer',
      hostId: 'kms.test',
      reason: 'malformed JSON',
      detail: 'The upstream response was unreadable: malformed JSON.',
    });
    expect(error).toBeInstanceOf(KmsError);
    expect(error).toMatchObject({
      name: 'KmsError',
      status: 500,
      code: 'InternalFailure',
      message: 'Internal Failure. The upstream response was unreadable: malformed JSON.',
      origin: 'upstream-answer',
      hostId: 'kms.test',
      reason: 'malformed JSON',
      requestId: undefined,
      upstream: undefined,
    });
  });

  it('are refusals of the request unless said otherwise', () => {
    const error = gatewayError('MissingParameter', { parameter: 'KeyId' });
    expect([error.origin, error.hostId, error.reason, error.message]).toEqual([
      'request',
      undefined,
      undefined,
      'The parameter "KeyId" is needed but not provided.',
    ]);
  });

  it('become the five-field envelope, ids falling back to the gateway’s', () => {
    const context = {
      requestId: 'gw-1',
      gatewayHost: 'gw.example',
      spelling: 'corrected',
    } as const;
    expect(toEnvelope(gatewayError('SerivceUnavailableTemporary'), context)).toEqual({
      HttpStatus: 503,
      Code: 'ServiceUnavailableTemporary',
      Message: 'Service Unavailable Temporary.',
      RequestId: 'gw-1',
      HostId: 'gw.example',
    });
    const upstream = new KmsError({
      status: 404,
      code: 'Forbidden.KeyNotFound',
      message: 'm',
      origin: 'upstream-answer',
      requestId: 'up-1',
      hostId: 'kms.up',
    });
    expect(Object.entries(toEnvelope(upstream, context))).toEqual([
      ['HttpStatus', 404],
      ['Code', 'Forbidden.KeyNotFound'],
      ['Message', 'm'],
      ['RequestId', 'up-1'],
      ['HostId', 'kms.up'],
    ]);
  });
});
