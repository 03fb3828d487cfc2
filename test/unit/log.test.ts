/**
 * The logger's last line of defence (issue 7 items 4, 5): whatever a line holds, the secrets the
 * process holds and the current request's are scrubbed from it, every string and list is bounded,
 * and the invocation event is never logged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, LOG_LIST_MAX, LOG_STRING_MAX, maskRequestSecrets } from '../../src/log.js';
import { holdCredentials } from '../../src/protocol/held-secrets.js';
import { captureLogs, parsedLines } from '../support/in-process.js';
import { leakIn } from '../support/leaks.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

const KEY = {
  accessKeyId: 'LTAI5tLogTestKeyId123456',
  accessKeySecret: 'log+test/secret=0123456789abcdef',
  securityToken: 'STS.log-test-token-0123456789abcdef',
};

describe('every line', () => {
  it('is scrubbed of the credentials the process holds, however they came to be in it', () => {
    holdCredentials(KEY);
    const logs = captureLogs();
    const logger = createLogger();
    logger.info('anything', {
      note: `${KEY.accessKeyId} ${encodeURIComponent(KEY.accessKeySecret)}`,
      nested: { deeper: [`token ${KEY.securityToken.slice(2, 20)}`] },
    });
    logger.error(`message ${KEY.accessKeySecret}`);
    const output = logs.join('');
    for (const secret of [KEY.accessKeySecret, KEY.securityToken, KEY.accessKeyId]) {
      expect(leakIn(output, secret), secret).toBeUndefined();
    }
    expect(output).toContain('****3456');
  });

  it("is scrubbed of the current request's secrets, until the next request", () => {
    const logs = captureLogs();
    const logger = createLogger();
    const plaintext = 'cmVxdWVzdC1wbGFpbnRleHQ=';
    maskRequestSecrets(logger, { secrets: [plaintext] });
    logger.info('kms request', { request_id: plaintext });
    maskRequestSecrets(logger, { secrets: [] });
    logger.info('kms request', { request_id: plaintext });
    expect(parsedLines(logs).map((l) => l.request_id)).toEqual(['[REDACTED]', plaintext]);
  });

  it('has every string and list bounded', () => {
    const logs = captureLogs();
    createLogger().warn('big', {
      text: 'x'.repeat(5 * 1024 * 1024),
      list: Array.from({ length: 10_000 }, (_, i) => i),
    });
    const [line] = parsedLines(logs);
    expect(String(line?.text).length).toBeLessThan(LOG_STRING_MAX + 40);
    expect((line?.list as unknown[] | undefined)?.length).toBe(LOG_LIST_MAX + 1);
    expect(logs.join('').length).toBeLessThan(3 * LOG_STRING_MAX);
  });

  it('hides secret fields by name and shows AccessKeyIds by their last four', () => {
    const logs = captureLogs();
    createLogger().info('fields', { Plaintext: 'p', AccessKeyId: 'LTAI5tAbCd1234', keep: 'k' });
    expect(parsedLines(logs)[0]).toMatchObject({
      Plaintext: '[REDACTED]',
      AccessKeyId: '****1234',
      keep: 'k',
    });
  });
});

describe('POWERTOOLS_LOGGER_LOG_EVENT', () => {
  it('is ignored, and said so once at cold start: an event holds Plaintext', () => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    const logs = captureLogs();
    const logger = createLogger();
    logger.logEventIfEnabled({ body: 'Plaintext=c2VjcmV0' });
    logger.logEventIfEnabled({ body: 'Plaintext=c2VjcmV0' }, true);
    const lines = parsedLines(logs);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      [
        'WARN',
        'POWERTOOLS_LOGGER_LOG_EVENT is ignored: events hold Plaintext, signatures and tokens',
      ],
    ]);
  });
});
