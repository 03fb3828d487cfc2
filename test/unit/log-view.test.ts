/**
 * npm start's local view (issue 8 item 6): on a terminal each normalized error is one readable
 * coloured line; piped, or with KMS_LOG_JSON=true, the raw JSON. The formatter is fed the lines
 * the real handler writes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { viewFor, viewLine } from '../../src/local/log-view.js';
import {
  answer,
  captureLogs,
  handlerWith,
  httpApiEvent,
  lambdaContext,
  startLocalServer,
} from '../support/in-process.js';

const ESC = '\u001B';
const readable = { view: 'readable', colour: false } as const;
const coloured = { view: 'readable', colour: true } as const;
const json = { view: 'json', colour: true } as const;

const errorLine = (fields: Record<string, unknown>) =>
  JSON.stringify({
    level: 'WARN',
    message: 'kms error normalized',
    timestamp: '2026-01-02T03:04:05.678Z',
    service: 'kms-normalizer',
    cold_start: false,
    function_request_id: 'lambda-1',
    correlation_id: 'gw-1',
    action: 'DescribeKey',
    mode: 'sign',
    format: 'JSON',
    format_source: 'default',
    origin: 'upstream-answer',
    envelope: {
      HttpStatus: 404,
      Code: 'Forbidden.AliasNotFound',
      RequestId: 'REQ-1',
      HostId: 'kms.cn-hangzhou.aliyuncs.com',
    },
    upstream: {
      status: 404,
      code: 'Forbidden.AliasNotFound',
      message: 'The specified Alias is not found.',
      latency_ms: 9,
      attempts: 1,
    },
    ...fields,
  });
/** The text with its ANSI colour sequences taken out. */
const withoutColours = (text: string) =>
  text
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, '')))
    .join('');
const time = new Date('2026-01-02T03:04:05.678Z').toTimeString().slice(0, 8);

describe('which view', () => {
  it.each([
    [true, {}, 'readable'],
    [false, {}, 'json'],
    [undefined, {}, 'json'],
    [true, { KMS_LOG_JSON: 'true' }, 'json'],
    [true, { KMS_LOG_JSON: 'TRUE' }, 'json'],
    [true, { KMS_LOG_JSON: '1' }, 'json'],
    [true, { KMS_LOG_JSON: 'false' }, 'readable'],
    [false, { KMS_LOG_JSON: 'false' }, 'json'],
  ])('a terminal: %s, %j → %s', (terminal, env, view) => {
    expect(viewFor(env, terminal).view).toBe(view);
  });

  it('colours unless NO_COLOR is set', () => {
    expect(viewFor({}, true).colour).toBe(true);
    expect(viewFor({ NO_COLOR: '1' }, true).colour).toBe(false);
  });
});

describe('raw JSON', () => {
  it('prints every JSON line as it came, metrics too; never serverless-offline chatter', () => {
    const line = errorLine({});
    expect(viewLine(line, json)).toBe(line);
    expect(viewLine('{"_aws":{}}', json)).toBe('{"_aws":{}}');
    expect(viewLine('POST / (λ: kms)', json)).toBeUndefined();
  });
});

describe('the readable view', () => {
  it('a normalized error is one line: time, level, status and code, action, origin, upstream, request id', () => {
    expect(viewLine(errorLine({}), readable)).toBe(
      `${time}  WARN   404 Forbidden.AliasNotFound  DescribeKey  upstream-answer  9 ms ×1 "The specified Alias is not found."  req REQ-1`,
    );
  });

  it('refused before KMS: the reason and the caller instead of the upstream', () => {
    const line = errorLine({
      origin: 'request',
      reason: 'caller signature: bad',
      upstream: undefined,
      caller: { kind: 'unverified', access_key_id: '…abcd' },
      envelope: { HttpStatus: 400, Code: 'IncompleteSignature', RequestId: 'R2' },
    });
    expect(viewLine(line, readable)).toBe(
      `${time}  WARN   400 IncompleteSignature  DescribeKey  request  (caller signature: bad)  caller …abcd  req R2`,
    );
  });

  it('4xx in yellow, 5xx in red; nothing but the colours is added', () => {
    const warn = viewLine(errorLine({}), coloured) as string;
    expect(warn).toContain(`${ESC}[33m404 Forbidden.AliasNotFound${ESC}[0m`);
    const error = viewLine(
      errorLine({
        level: 'ERROR',
        envelope: { HttpStatus: 503, Code: 'SerivceUnavailableTemporary' },
      }),
      coloured,
    ) as string;
    expect(error).toContain(`${ESC}[31m503 SerivceUnavailableTemporary${ESC}[0m`);
    expect(withoutColours(warn)).toBe(viewLine(errorLine({}), readable));
  });

  it('no control character from a field reaches the terminal', () => {
    const line = errorLine({ action: `Evil${ESC}[2J${ESC}]0;title\u0007`, reason: 'a\nb' });
    const shown = viewLine(line, readable) as string;
    const controls = [...shown].filter(
      (c) => c.charCodeAt(0) < 0x20 || (c >= '\u007F' && c <= '\u009F'),
    );
    expect(controls).toEqual([]);
    expect(shown).toContain('Evil\uFFFD[2J\uFFFD]0;title\uFFFD');
    expect(viewLine(`{"broken ${ESC}`, readable)).toBe('{"broken \uFFFD');
  });

  it('metrics are left out; other lines show their level, message and own fields', () => {
    expect(viewLine('{"_aws":{"Timestamp":1},"Request":1}', readable)).toBeUndefined();
    const other = JSON.stringify({
      level: 'ERROR',
      message: 'invalid configuration',
      timestamp: '2026-01-02T03:04:05.678Z',
      service: 'kms-normalizer',
      problems: ['KMS_MODE must be one of sign, passthrough'],
    });
    expect(viewLine(other, readable)).toBe(
      `${time}  ERROR  invalid configuration  {"problems":["KMS_MODE must be one of sign, passthrough"]}`,
    );
    expect(viewLine('{"level":"INFO","message":"x"}', readable)).toBe('--:--:--  INFO   x');
    expect(viewLine('[1,2]', readable)).toBeUndefined();
    expect(viewLine('{"not":"a log"}', readable)).toBe('--:--:--  INFO     {"not":"a log"}');
  });
});

describe('the lines the handler writes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('each normalized error of the real handler reads as one line', async () => {
    const upstream = await startLocalServer(
      answer(
        404,
        '{"Code":"Forbidden.KeyNotFound","Message":"The specified Key is not found.","RequestId":"K-1"}',
      ),
    );
    try {
      const handler = await handlerWith({
        KMS_ENDPOINT: upstream.url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tLogViewKey0001',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'log-view-secret-0123456789',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      const logs = captureLogs();
      await handler(httpApiEvent({ query: 'Action=DescribeKey&KeyId=k' }), lambdaContext());
      vi.restoreAllMocks();
      const shown = logs
        .flatMap((chunk) => chunk.split('\n'))
        .map((line) => viewLine(line, readable))
        .filter((line) => line?.includes('404'));
      expect(shown).toEqual([
        expect.stringMatching(
          /^\d\d:\d\d:\d\d {2}WARN {3}404 Forbidden\.KeyNotFound {2}DescribeKey {2}upstream-answer {2}\d+ ms ×1 "The specified Key is not found\." {2}req K-1$/,
        ),
      ]);
    } finally {
      await upstream.close();
    }
  });
});
