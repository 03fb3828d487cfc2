import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { envelopeOf, gatewaySuite } from './gateway-suite.js';
import { caller, HOST_ID, type Stack, send, startStack } from './stack.js';

gatewaySuite('passthrough mode, caller-signed V1', { signs: true });

describe('passthrough: signature failures from the KMS gateway reach the caller in the envelope', () => {
  let stack: Stack;
  const kms = caller(() => stack, true);

  beforeAll(async () => {
    stack = await startStack({ env: { KMS_MODE: 'passthrough' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.emulator.state.reset());

  const expectGatewayShape = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const envelope = await envelopeOf(response);
    const upstream = stack.emulator.requests.at(-1);
    expect(envelope).toMatchObject({ HttpStatus: status, Code: code, HostId: HOST_ID });
    expect(envelope.RequestId).toBe(upstream?.requestId);
    return envelope;
  };

  for (const format of ['JSON', 'XML']) {
    it(`wrong signature (${format})`, async () => {
      const response = await kms.call(
        { Action: 'ListKeys', Format: format },
        { signing: { tamper: true } },
      );
      const envelope = await expectGatewayShape(response, 400, 'IncompleteSignature');
      expect(envelope.Message).toBe(
        'The request signature does not conform to Alibaba Cloud standards.',
      );
    });

    it(`expired timestamp (${format})`, async () => {
      const response = await kms.call(
        { Action: 'ListKeys', Format: format },
        { signing: { timestamp: new Date(Date.now() - 20 * 60_000) } },
      );
      await expectGatewayShape(response, 400, 'IllegalTimestamp');
    });

    it(`reused nonce (${format})`, async () => {
      const encoded = kms.encode({ Action: 'ListKeys', Format: format });
      expect((await send(stack, encoded)).status).toBe(200);
      const replay = await send(stack, encoded);
      await expectGatewayShape(replay, 400, 'SignatureNonceUsed');
    });

    it(`unknown AccessKey (${format})`, async () => {
      const response = await kms.call(
        { Action: 'ListKeys', Format: format },
        { signing: { accessKey: { id: 'LTAI5tNobodyKnowsMe', secret: 'x' } } },
      );
      const envelope = await expectGatewayShape(response, 404, 'InvalidAccessKeyId.NotFound');
      expect(envelope.Message).toBe('The AccessKey ID provided does not exist in our records.');
    });
  }

  it('forwards the caller parameters untouched: a GET-signed request verifies upstream', async () => {
    const response = await kms.call({ Action: 'ListKeys', PageSize: '5' }, { method: 'GET' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ PageSize: 5, TotalCount: 0 });
  });
});
