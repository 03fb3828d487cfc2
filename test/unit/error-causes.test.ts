/**
 * Translated errors keep what they translate (issue 10 item 6), for the translations that need no
 * server: an unreadable upstream body, a callers document that is not JSON, a refused caller
 * signature, a nonce store that cannot be asked. (Those against real servers are in
 * test/integration/causes.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateSignature } from '../../src/callers/authenticate.js';
import { CallersUnavailable } from '../../src/callers/caller-store.js';
import { InvalidCallerDocument, readCallerDocument } from '../../src/callers/directory.js';
import type { NonceStore } from '../../src/callers/nonce-store.js';
import { readUpstreamBody, UnreadableBody } from '../../src/codec/upstream-body.js';
import { loadGeneralXml, UnreadableXml } from '../../src/codec/xml-read.js';
import { KmsError } from '../../src/kms/envelope.js';
import { authenticateCaller } from '../../src/middleware/authenticate-caller.js';
import { API_VERSION } from '../../src/protocol/rpc.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { SignatureRejected, type SignedRequest } from '../../src/protocol/verify.js';
import type { KmsContext } from '../../src/request-state.js';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('an unreadable upstream body', () => {
  // A malformed document is refused by the general reader, which loads on first need.
  beforeAll(loadGeneralXml);

  it.each([
    ['bytes that are not UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), TypeError],
    ['malformed JSON', new TextEncoder().encode('{"RequestId":'), SyntaxError],
    ['malformed XML', new TextEncoder().encode('<KMS><Code>x</KMS>'), UnreadableXml],
  ])('%s: UnreadableBody, caused by the reader’s error', (_name, bytes, cause) => {
    const error = thrown(() => readUpstreamBody(bytes));
    expect(error).toBeInstanceOf(UnreadableBody);
    expect(error.cause).toBeInstanceOf(cause);
  });
});

describe('the callers', () => {
  const secret = 'caller-secret-for-causes';
  const directory = readCallerDocument(
    JSON.stringify([{ AccessKeyId: 'app-causes', AccessKeySecret: secret, Actions: ['*'] }]),
  );

  const signed = (): SignedRequest => {
    const params = signV1(
      { Action: 'ListKeys', Version: API_VERSION },
      { accessKeyId: 'app-causes', accessKeySecret: secret },
      { method: 'GET', nonce: crypto.randomUUID(), timestamp: alibabaTimestamp(new Date()) },
    );
    return { method: 'GET', query: params, params, headers: {}, body: new Uint8Array() };
  };
  const nonces: NonceStore = {
    claim: async () => true,
  };

  it('a callers document that is not JSON: InvalidCallerDocument, caused by the parse error', () => {
    const error = thrown(() => readCallerDocument('['));
    expect(error).toBeInstanceOf(InvalidCallerDocument);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('a signature refused: the KmsError is caused by the verifier’s SignatureRejected', async () => {
    const request = { ...signed(), params: { ...signed().params, Signature: 'AAAA' } };
    const error = await rejection(
      authenticateSignature(request, directory, nonces, AbortSignal.timeout(1000)),
    );
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).code).toBe('IncompleteSignature');
    expect(error.cause).toBeInstanceOf(SignatureRejected);
  });

  it('a nonce store that cannot be asked: 503, caused by the store’s error', async () => {
    const down = new Error('nonce table unreachable');
    const failing: NonceStore = {
      claim: async () => {
        throw down;
      },
    };
    const error = await rejection(
      authenticateSignature(signed(), directory, failing, AbortSignal.timeout(1000)),
    );
    expect(error).toMatchObject({ status: 503, code: 'SerivceUnavailableTemporary' });
    expect(error.cause).toBe(down);
  });

  it('a callers directory that cannot be read: 500, caused by the store’s error', async () => {
    const unavailable = new CallersUnavailable('no callers directory');
    const middleware = authenticateCaller({
      auth: 'signature',
      callers: {
        get: async () => {
          throw unavailable;
        },
      },
      nonces,
      deadlineMarginMs: 500,
    });
    const http = { method: 'GET', path: '/', rawQuery: '', headers: {}, body: undefined };
    const context = {
      kms: { startedAt: 0, http, params: signed().params },
    } as unknown as KmsContext;
    const error = await rejection(
      Promise.resolve(
        middleware.before?.({ context } as Parameters<NonNullable<typeof middleware.before>>[0]),
      ),
    );
    expect(error).toMatchObject({ status: 500, code: 'InternalFailure' });
    expect(error.cause).toBe(unavailable);
  });
});
