import { beforeAll, describe, expect, it } from 'vitest';
import { loadGeneralXml } from '../../src/codec/xml-read.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { KmsError, toEnvelope } from '../../src/kms/envelope.js';
import type { ActionSpec } from '../../src/kms/schema.js';
import { readAnswer } from '../../src/upstream/answer.js';

const spec = (action: string) => ACTIONS[action] as ActionSpec;
const HOST = 'kms.cn-hangzhou.aliyuncs.com';

function answerOf(status: number, body: string, headers: Record<string, string> = {}) {
  return { status, headers, body: Buffer.from(body) };
}

function failure(
  status: number,
  body: string,
  headers: Record<string, string> = {},
  action = 'Encrypt',
) {
  try {
    readAnswer(answerOf(status, body, headers), { spec: spec(action), host: HOST });
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('expected a KmsError');
}

const envelope = (error: KmsError, spelling: 'documented' | 'corrected' = 'documented') =>
  toEnvelope(error, { requestId: 'gw-req', gatewayHost: 'api.example.com', spelling });

// Documents outside KMS's dialect are read here directly, not through the KMS client that
// loads the general reader on first need (codec/xml-read.ts).
beforeAll(loadGeneralXml);

describe('upstream errors', () => {
  it('reads the gateway <Error> shape exactly, Recommend kept for the log', () => {
    const error = failure(
      400,
      '<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>7F2B-0001</RequestId><HostId>kms.cn-shanghai.aliyuncs.com</HostId><Code>IncompleteSignature</Code><Message>The request signature does not conform to Alibaba Cloud standards.</Message><Recommend><![CDATA[https://api.aliyun.com/troubleshoot?q=IncompleteSignature]]></Recommend></Error>',
    );
    expect(envelope(error)).toEqual({
      HttpStatus: 400,
      Code: 'IncompleteSignature',
      Message: 'The request signature does not conform to Alibaba Cloud standards.',
      RequestId: '7F2B-0001',
      HostId: 'kms.cn-shanghai.aliyuncs.com',
    });
    expect(error.upstream?.recommend).toBe(
      'https://api.aliyun.com/troubleshoot?q=IncompleteSignature',
    );
  });

  it("keeps RAM's AccessDeniedDetail for the log, not the envelope", () => {
    const error = failure(
      403,
      '{"Code":"Forbidden.NoPermission","Message":"m","RequestId":"r","HostId":"h","AccessDeniedDetail":{"AuthAction":"kms:CreateKey","NoPermissionType":"ImplicitDeny"}}',
    );
    expect(error.upstream?.accessDeniedDetail).toBe(
      '{"AuthAction":"kms:CreateKey","NoPermissionType":"ImplicitDeny"}',
    );
    expect(Object.keys(envelope(error))).toEqual([
      'HttpStatus',
      'Code',
      'Message',
      'RequestId',
      'HostId',
    ]);
  });

  it('reads the <KMS> shape, HostId falling back to the upstream host', () => {
    const error = failure(
      404,
      '<KMS><HttpStatus>404</HttpStatus><Code>Forbidden.KeyNotFound</Code><Message>The specified Key is not found.</Message><RequestId>3b23 7773</RequestId></KMS>',
    );
    expect(envelope(error)).toEqual({
      HttpStatus: 404,
      Code: 'Forbidden.KeyNotFound',
      Message: 'The specified Key is not found.',
      RequestId: '3b23 7773',
      HostId: HOST,
    });
  });

  it('reads JSON errors with lower-case fields, RequestId falling back to x-acs-request-id', () => {
    const error = failure(
      403,
      '{"code":"Forbidden.NoPermission","message":"This operation is forbidden by permission system."}',
      { 'x-acs-request-id': 'HDR-42' },
    );
    expect(envelope(error)).toMatchObject({
      HttpStatus: 403,
      Code: 'Forbidden.NoPermission',
      RequestId: 'HDR-42',
      HostId: HOST,
    });
  });

  it('an error inside a 2xx takes the documented status of its code', () => {
    const error = failure(
      200,
      '{"Code":"Rejected.Disabled","Message":"The request was rejected because the key state is Disabled.","RequestId":"r"}',
    );
    expect(error.status).toBe(409);
    expect(failure(200, '{"Code":"Something.New","Message":"m","RequestId":"r"}').status).toBe(500);
    expect(
      failure(200, '{"HttpStatus":429,"Code":"Something.New","Message":"m","RequestId":"r"}')
        .status,
    ).toBe(429);
    expect(
      failure(200, '<Error><Code>Forbidden.InDebt</Code><RequestId>r</RequestId></Error>').status,
    ).toBe(403);
  });

  it.each([
    ['SerivceUnavailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['ServiceUnavailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['SerivceUnvailableTemporary', 'SerivceUnavailableTemporary', 'ServiceUnavailableTemporary'],
    ['Rejected.PendingDeletion', 'Rejetced.PendingDeletion', 'Rejected.PendingDeletion'],
    ['Rejetced.PendingDeletion', 'Rejetced.PendingDeletion', 'Rejected.PendingDeletion'],
  ])(
    'spelling %s is emitted as %s (documented) or %s (corrected)',
    (received, documented, corrected) => {
      const error = failure(503, `{"Code":"${received}","Message":"m","RequestId":"r"}`);
      expect(envelope(error).Code).toBe(documented);
      expect(envelope(error, 'corrected').Code).toBe(corrected);
      expect(error.upstream?.code).toBe(received);
    },
  );

  it.each([
    ['HTML', 502, '<!DOCTYPE html><html><body>Bad Gateway</body></html>', 'XML with a DOCTYPE'],
    ['text', 500, 'oops', 'neither XML nor JSON'],
    ['an error without a Code', 404, '{"Message":"nope"}', 'error without a Code'],
    ['a redirect', 302, '', 'redirect, not followed'],
    ['a 200 that is not KMS', 200, '<html><body>hi</body></html>', 'no RequestId'],
  ])(
    '%s becomes 500 InternalFailure naming the reason, never the body',
    (_name, status, body, reason) => {
      const error = failure(status, body);
      expect(error.status).toBe(500);
      expect(error.code).toBe('InternalFailure');
      expect(error.message).toContain('The upstream response was unreadable');
      expect(error.message).toContain(reason);
      expect(error.message).not.toContain('Bad Gateway');
      expect(error.hostId).toBe(HOST);
    },
  );
});

describe('upstream successes', () => {
  it('takes RequestId from the header when the body has none', () => {
    const value = readAnswer(
      answerOf(200, '{"KeyId":"k","CiphertextBlob":"c"}', { 'x-acs-request-id': 'H1' }),
      {
        spec: spec('Encrypt'),
        host: HOST,
      },
    );
    expect(value).toEqual({ KeyId: 'k', CiphertextBlob: 'c', RequestId: 'H1' });
  });

  it('a success code inside the body is not an error', () => {
    const value = readAnswer(answerOf(200, '{"Code":"200","KeyId":"k","RequestId":"r"}'), {
      spec: spec('Encrypt'),
      host: HOST,
    });
    expect(value.KeyId).toBe('k');
  });
});

describe('what cannot be read keeps the upstream’s request id and the cause (issue 7 items 6, 12)', () => {
  it.each([99, 600, 700, 1000])('an upstream status of %i is an unreadable answer', (status) => {
    const error = failure(status, '{"Code":"X","Message":"m","RequestId":"r"}', {
      'x-acs-request-id': 'HDR-STATUS',
    });
    expect([error.status, error.code, error.requestId]).toEqual([
      500,
      'InternalFailure',
      'HDR-STATUS',
    ]);
    expect(error.message).toBe(
      `Internal Failure. The upstream response was unreadable: HTTP status ${status}.`,
    );
  });

  it.each([
    ['an empty body', 500, ''],
    ['HTML', 502, '<html><body>Bad Gateway</body></html>'],
    ['an error without a Code', 400, '{"Message":"m"}'],
    ['a redirect', 302, ''],
    [
      'a success of the wrong shape',
      200,
      '<EncryptResponse>text<KeyId>k</KeyId></EncryptResponse>',
    ],
  ])('%s keeps x-acs-request-id as the RequestId', (_name, status, body) => {
    const error = failure(status, body, { 'x-acs-request-id': 'HDR-12' });
    expect(envelope(error).RequestId).toBe('HDR-12');
  });

  it('an unreadable body keeps what the codec said as its cause', () => {
    const error = failure(500, 'oops');
    expect((error.cause as Error | undefined)?.name).toBe('UnreadableBody');
  });
});
