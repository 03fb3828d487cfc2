/**
 * The REST API variant (KMS_API=rest) served locally by serverless-offline: the function gets
 * payload 1.0 events through `ANY /` and `ANY /{proxy+}`, and everything the HTTP API variant
 * shows holds here too. (API Gateway's own gateway responses are not emulated offline; their
 * templates are checked in the packaged template, deploy-template.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { envelopeOf, gatewaySuite } from './gateway-suite.js';
import { caller, type Stack, startStack, waitForLog } from './stack.js';

gatewaySuite('REST API (payload 1.0), sign mode, signature V1', { signs: false, api: 'rest' });

describe('REST API: every path and method reaches the function', () => {
  let stack: Stack;
  const v3 = caller(() => stack, 'caller-v3');

  beforeAll(async () => {
    stack = await startStack({ api: 'rest' });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => stack.emulator.state.reset());

  it("serverless-offline serves the REST API's routes, ANY / and ANY /{proxy+}", () => {
    const routes = stack.output.filter((line) => line.includes('│   ANY'));
    const base = stack.gateway.url;
    expect(routes.some((line) => line.includes(`ANY  | ${base} `))).toBe(true);
    expect(routes.some((line) => line.includes(`ANY  | ${base}{proxy*}`))).toBe(true);
  });

  it('a V3 caller (Action in a header, parameters in the query) gets its answer', async () => {
    stack.emulator.state.createKey();
    const response = await v3.call({ Action: 'ListKeys' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ TotalCount: 1 });
  });

  it.each([
    ['another path', 'some/path', 'GET', 404, 'InvalidAction.NotFound'],
    ['a deeper path', 'a/b/c', 'POST', 404, 'InvalidAction.NotFound'],
    ['DELETE', '', 'DELETE', 403, 'UnsupportedHTTPMethod'],
    ['PATCH on a path', 'x', 'PATCH', 403, 'UnsupportedHTTPMethod'],
  ])('%s: the function answers, in the envelope', async (_name, path, method, status, code) => {
    const response = await fetch(`${stack.gateway.url}${path}?Action=ListKeys`, { method });
    expect(response.status).toBe(status);
    const envelope = await envelopeOf(response);
    expect(envelope.Code).toBe(code);
    // The function's envelope RequestId is API Gateway's request id, as the access log has it.
    expect(response.headers.get('x-acs-request-id')).toBe(envelope.RequestId);
    const lines = await waitForLog(
      stack,
      (line) =>
        line.message === 'kms error normalized' && line.correlation_id === envelope.RequestId,
    );
    expect(lines).toHaveLength(1);
  });

  it('a name given twice in the query is refused, as with the HTTP API (payload 1.0 keeps both)', async () => {
    const twice = await fetch(`${stack.gateway.url}?Action=ListKeys&Action=ListKeys`);
    expect(twice.status).toBe(400);
    expect(await envelopeOf(twice)).toMatchObject({ Code: 'InvalidParameter' });
  });
});
