/**
 * The deadline margin through the whole handler: with KMS_DEADLINE_MARGIN_MS kept back, a silent
 * upstream is given up on by the KMS client itself ("did not answer in time"), before Middy's own
 * early-timeout guard would fire ("did not complete before the function deadline"). Without
 * enough margin, the guard answers instead. Either way an envelope, before the deadline.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handlerWith, httpApiEvent, lambdaContext } from '../support/in-process.js';
import { type ScriptedUpstream, startUpstream } from '../support/upstream.js';

let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
  upstream.otherwise({ silent: true });
});
afterAll(async () => {
  await upstream.close();
});
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  upstream.received.length = 0;
});

const signing = (env: Record<string, string>) =>
  handlerWith({
    KMS_ENDPOINT: upstream.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tDeadlineTest01',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'deadline-test-secret',
    KMS_TIMEOUT_MS: '60000',
    ...env,
  });

describe('near the Lambda deadline', () => {
  it('the margin is kept: the client gives up first and says the upstream did not answer', async () => {
    const handler = await signing({ KMS_DEADLINE_MARGIN_MS: '600' });
    const started = Date.now();
    const result = await handler(httpApiEvent({ query: 'Action=CreateKey' }), lambdaContext(1200));
    const elapsed = Date.now() - started;
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({
      Code: 'SerivceUnavailableTemporary',
      Message: 'Service Unavailable Temporary. The upstream KMS did not answer in time.',
    });
    // Given up at the margin (1200 − 600 ms), before Middy’s guard (1200 − 250 ms) and the deadline.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1200);
    expect(upstream.received).toHaveLength(1);
  });

  it('with less margin than the guard, the guard answers, still in the envelope', async () => {
    const handler = await signing({ KMS_DEADLINE_MARGIN_MS: '50' });
    const result = await handler(
      httpApiEvent({ query: 'Action=CreateKey&Format=XML' }),
      lambdaContext(1000),
    );
    expect(result.statusCode).toBe(503);
    expect(result.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(result.body).toContain(
      '<Message>Service Unavailable Temporary. The request did not complete before the function deadline.</Message>',
    );
  });
});
