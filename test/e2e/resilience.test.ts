/**
 * Upstream faults, retries, the deadline and the log line, through serverless-offline against
 * the emulator's fault injection (sign mode).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { envelopeOf } from './gateway-suite.js';
import { caller, freePort, type Stack, startStack, waitForLog } from './stack.js';

describe('upstream faults end in the envelope', () => {
  let stack: Stack;
  const kms = caller(() => stack, false);
  const emulatorHost = () => new URL(stack.emulator.url).host;

  beforeAll(async () => {
    stack = await startStack({
      env: { KMS_TIMEOUT_MS: '1500', KMS_MAX_BODY_BYTES: '65536', KMS_ACCESS_LOG: 'true' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    stack.emulator.state.reset();
    stack.emulator.clearFaults();
  });

  it.each([
    ['garbage', { kind: 'garbage' }, 'neither XML nor JSON'],
    ['an HTML error page', { kind: 'html' }, 'unreadable'],
    ['an XML body with a DOCTYPE', { kind: 'doctype' }, 'XML with a DOCTYPE'],
    ['a body over the cap', { kind: 'oversize', bytes: 200_000 }, 'larger than the size cap'],
  ] as const)(
    '%s → 500 InternalFailure, saying why, never quoting the body',
    async (_name, fault, why) => {
      stack.emulator.injectFault(fault);
      for (const format of ['JSON', 'XML']) {
        const response = await kms.call({ Action: 'CreateKey', Format: format });
        expect(response.status).toBe(500);
        const envelope = await envelopeOf(response);
        expect(envelope.Code).toBe('InternalFailure');
        expect(envelope.Message).toContain('The upstream response was unreadable');
        expect(envelope.Message).toContain(why);
        expect(envelope.Message).not.toMatch(/<html|<!DOCTYPE|<!ENTITY|<h1>/i);
        expect(envelope.HostId).toBe(emulatorHost());
      }
    },
  );

  it.each([
    ['a dropped connection', { kind: 'drop' }, 'closed the connection'],
    ['a truncated body', { kind: 'truncate' }, 'closed the connection'],
    [
      'an upstream slower than KMS_TIMEOUT_MS',
      { kind: 'latency', ms: 4000 },
      'did not answer in time',
    ],
  ] as const)('%s → 503 SerivceUnavailableTemporary', async (_name, fault, why) => {
    stack.emulator.injectFault(fault);
    const started = Date.now();
    const response = await kms.call({ Action: 'CreateKey' });
    expect(response.status).toBe(503);
    const envelope = await envelopeOf(response);
    expect(envelope.Code).toBe('SerivceUnavailableTemporary');
    expect(envelope.Message).toBe(`Service Unavailable Temporary. The upstream KMS ${why}.`);
    expect(envelope.HostId).toBe(emulatorHost());
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('a wrong Content-Type does not matter: the body is read for what it is', async () => {
    stack.emulator.injectFault({ kind: 'content-type', value: 'text/html' });
    const response = await kms.call(
      { Action: 'ListKeys', Format: 'XML' },
      { accept: 'application/json' },
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<ListKeysResponse>');
  });

  it('a read is retried after a 503 and succeeds; the access log counts the attempts', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 503 }, { times: 1 });
    const before = stack.emulator.requests.length;
    const response = await kms.call({ Action: 'ListKeys' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { RequestId: string };
    expect(stack.emulator.requests.length - before).toBe(2);
    const [line] = await waitForLog(
      stack,
      (l) => l.message === 'kms request' && l.request_id === body.RequestId,
    );
    expect(line).toMatchObject({
      level: 'INFO',
      action: 'ListKeys',
      status: 200,
      upstream_attempts: 2,
    });
    expect(body.RequestId).toBe(stack.emulator.requests.at(-1)?.requestId);
  });

  it('a write is never retried: one attempt, the upstream 503 in the envelope', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 503 }, { times: 1 });
    const before = stack.emulator.requests.length;
    const response = await kms.call({ Action: 'CreateKey' });
    expect(response.status).toBe(503);
    expect(await envelopeOf(response)).toMatchObject({
      Code: 'SerivceUnavailableTemporary',
      RequestId: stack.emulator.requests.at(-1)?.requestId,
    });
    expect(stack.emulator.requests.length - before).toBe(1);
  });

  it('a read failing every time is tried KMS_MAX_ATTEMPTS times, then answered', async () => {
    stack.emulator.injectFault({ kind: 'status', status: 500 });
    const before = stack.emulator.requests.length;
    const response = await kms.call({ Action: 'DescribeRegions' });
    expect(response.status).toBe(500);
    expect((await envelopeOf(response)).Code).toBe('InternalFailure');
    expect(stack.emulator.requests.length - before).toBe(3);
  });

  it('one structured log line per normalized error: WARN for 4xx, ERROR for 5xx', async () => {
    const missing = await kms.call({ Action: 'DescribeKey', KeyId: 'alias/none', Format: 'XML' });
    const envelope = await envelopeOf(missing);
    const lines = await waitForLog(
      stack,
      (l) =>
        l.message === 'kms error normalized' &&
        (l.envelope as { RequestId?: string })?.RequestId === envelope.RequestId,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'WARN',
      service: 'kms-normalizer',
      action: 'DescribeKey',
      mode: 'sign',
      format: 'XML',
      format_source: 'Format',
      origin: 'upstream-answer',
      envelope: {
        HttpStatus: 404,
        Code: 'Forbidden.AliasNotFound',
        RequestId: envelope.RequestId,
        HostId: envelope.HostId,
      },
      upstream: { status: 404, code: 'Forbidden.AliasNotFound', attempts: 1 },
    });
    expect(lines[0]).toHaveProperty('correlation_id');
    expect(
      (lines[0]?.upstream as { latency_ms: number } | undefined)?.latency_ms,
    ).toBeGreaterThanOrEqual(0);

    stack.emulator.injectFault({ kind: 'garbage' }, { times: 1 });
    await kms.call({ Action: 'CreateKey' });
    const errors = await waitForLog(
      stack,
      (l) =>
        l.message === 'kms error normalized' &&
        (l.envelope as { HttpStatus?: number })?.HttpStatus === 500,
    );
    expect(errors.at(-1)).toMatchObject({
      level: 'ERROR',
      origin: 'upstream-answer',
      reason: 'neither XML nor JSON',
    });
  });
});

describe('an upstream nobody answers for', () => {
  let stack: Stack;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    stack = await startStack({ endpoint: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(['JSON', 'XML'])(
    'is 503 SerivceUnavailableTemporary with the upstream host (%s)',
    async (format) => {
      const response = await caller(() => stack, false).call({
        Action: 'ListKeys',
        Format: format,
      });
      expect(response.status).toBe(503);
      expect(await envelopeOf(response)).toMatchObject({
        Code: 'SerivceUnavailableTemporary',
        Message: 'Service Unavailable Temporary. The upstream KMS could not be reached.',
        HostId: `127.0.0.1:${port}`,
      });
    },
  );
});

describe('the Lambda deadline', () => {
  let stack: Stack;
  beforeAll(async () => {
    // KMS_TIMEOUT_MS beyond the function's own 3 s timeout: the deadline must bound the call.
    stack = await startStack({ env: { KMS_FUNCTION_TIMEOUT_S: '3', KMS_TIMEOUT_MS: '60000' } });
    // Warm: what is measured is the deadline of a call, not serverless-offline's cold start.
    expect((await caller(() => stack, false).call({ Action: 'ListKeys' })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers an envelope before it, never a bare 502/504', async () => {
    stack.emulator.injectFault({ kind: 'latency', ms: 10_000 });
    const started = Date.now();
    const response = await caller(() => stack, false).call({ Action: 'CreateKey' });
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect((await envelopeOf(response)).Code).toBe('SerivceUnavailableTemporary');
    expect(elapsed).toBeLessThan(3000);
    expect(elapsed).toBeGreaterThan(2000);
  });
});
