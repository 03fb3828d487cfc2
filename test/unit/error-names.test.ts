/** Every error class says its own name: the name is what a log line shows of an error. */
import { describe, expect, it } from 'vitest';
import { UnexpectedShape } from '../../src/codec/typed.js';
import { UnreadableBody } from '../../src/codec/upstream-body.js';
import { UnreadableXml } from '../../src/codec/xml-read.js';
import { NotRepresentableAsXml } from '../../src/codec/xml-write.js';
import { gatewayError } from '../../src/kms/envelope.js';
import { SignatureRejected } from '../../src/protocol/verify.js';
import { CredentialsExpired, CredentialsUnavailable } from '../../src/upstream/credentials.js';
import { TransportError } from '../../src/upstream/http-client.js';
import { AssumeRoleFailed } from '../../src/upstream/sts.js';

describe('error names', () => {
  it.each([
    ['UnexpectedShape', () => new UnexpectedShape('m')],
    ['UnreadableBody', () => new UnreadableBody('m')],
    ['UnreadableXml', () => new UnreadableXml('m')],
    ['NotRepresentableAsXml', () => new NotRepresentableAsXml('m')],
    ['KmsError', () => gatewayError('InternalFailure')],
    ['SignatureRejected', () => new SignatureRejected('IllegalTimestamp')],
    ['CredentialsUnavailable', () => new CredentialsUnavailable('m')],
    ['CredentialsExpired', () => new CredentialsExpired('m')],
    ['AssumeRoleFailed', () => new AssumeRoleFailed('m')],
    ['TransportError', () => new TransportError('reset', 'm')],
  ])('%s', (name, make) => {
    // Made inside the test: an error built while the table is collected is no test's doing.
    const error = make();
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
  });
});
