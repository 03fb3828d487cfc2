/**
 * Alibaba's timestamps and the nonce window: a nonce is spent for 15 minutes after its first
 * use, per AccessKey, and what is older than that is forgotten.
 */
import { describe, expect, it } from 'vitest';
import { NonceWindow } from '../../src/protocol/nonces.js';
import {
  alibabaTimestamp,
  parseAlibabaTimestamp,
  SIGNATURE_WINDOW_MS,
} from '../../src/protocol/timestamp.js';

const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);

describe('timestamps', () => {
  it('are UTC to the second, with Z', () => {
    expect(alibabaTimestamp(Date.UTC(2016, 1, 23, 12, 46, 24, 999))).toBe('2016-02-23T12:46:24Z');
    expect(alibabaTimestamp(new Date(Date.UTC(2016, 1, 23, 12, 46, 24)))).toBe(
      '2016-02-23T12:46:24Z',
    );
    expect(SIGNATURE_WINDOW_MS).toBe(15 * 60 * 1000);
  });

  it('parse back to epoch ms, leap days included', () => {
    expect(parseAlibabaTimestamp('2016-02-23T12:46:24Z')).toBe(Date.UTC(2016, 1, 23, 12, 46, 24));
    expect(parseAlibabaTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseAlibabaTimestamp('1999-12-31T23:59:59Z')).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-02-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:60:00Z',
    '2024-01-01T00:00:60Z',
    '2024-01-01T00:00:00.000Z',
    '2024-01-01T00:00:00',
    '2024-01-01T00:00:00+08:00',
    '2024-1-01T00:00:00Z',
    ' 2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00Z ',
    '',
  ])('%j is not one', (text) => {
    expect(parseAlibabaTimestamp(text)).toBeUndefined();
  });
});

describe('the nonce window', () => {
  it('a nonce is fresh once, then spent for the window', () => {
    const window = new NonceWindow();
    expect(window.use('key', 'n1', T0)).toBe(true);
    expect(window.use('key', 'n1', T0 + 1)).toBe(false);
    expect(window.use('key', 'n1', T0 + SIGNATURE_WINDOW_MS - 1)).toBe(false);
    expect(window.size).toBe(1);
  });

  it('is fresh again once the window has passed, and remembered anew', () => {
    const window = new NonceWindow();
    window.use('key', 'n1', T0);
    expect(window.use('key', 'n1', T0 + SIGNATURE_WINDOW_MS)).toBe(true);
    expect(window.use('key', 'n1', T0 + SIGNATURE_WINDOW_MS + 1)).toBe(false);
    expect(window.size).toBe(1);
  });

  it('nonces are per AccessKey', () => {
    const window = new NonceWindow();
    expect(window.use('a', 'n', T0)).toBe(true);
    expect(window.use('b', 'n', T0)).toBe(true);
    expect(window.use('a', 'n', T0)).toBe(false);
    expect(window.size).toBe(2);
  });

  it('forgets what is older than the window, and only that', () => {
    const window = new NonceWindow();
    for (let i = 0; i < 5; i++) window.use('key', `old-${i}`, T0 + i);
    window.use('key', 'recent', T0 + 10 * 60 * 1000);
    expect(window.size).toBe(6);
    // Now the five old ones are out of the window; the recent one is not.
    expect(window.use('key', 'new', T0 + SIGNATURE_WINDOW_MS + 5)).toBe(true);
    expect(window.size).toBe(2);
    expect(window.use('key', 'recent', T0 + SIGNATURE_WINDOW_MS + 5)).toBe(false);
    expect(window.use('key', 'old-0', T0 + SIGNATURE_WINDOW_MS + 5)).toBe(true);
  });

  it('pruning stops at the first nonce still inside the window', () => {
    const window = new NonceWindow();
    window.use('key', 'a', T0);
    window.use('key', 'b', T0 + 1000);
    window.use('key', 'c', T0 + 2000);
    window.use('key', 'x', T0 + SIGNATURE_WINDOW_MS + 500);
    // Only `a` was old enough to go.
    expect(window.size).toBe(3);
    expect(window.use('key', 'b', T0 + SIGNATURE_WINDOW_MS + 600)).toBe(false);
  });

  it('a nonce seen "later" than now (a clock step back) is still spent', () => {
    const window = new NonceWindow();
    window.use('key', 'n', T0 + 60_000);
    expect(window.use('key', 'n', T0)).toBe(false);
  });

  it('a nonce remembered from more than a window "ahead" (a clock step forward undone) is fresh', () => {
    const window = new NonceWindow();
    window.use('key', 'n', T0 + SIGNATURE_WINDOW_MS + 1000);
    expect(window.use('key', 'n', T0)).toBe(true);
    expect(window.size).toBe(1);
    expect(window.use('key', 'n', T0 + 1)).toBe(false);
  });

  it('at exactly the window, an old nonce is forgotten and a future one is not spent', () => {
    const window = new NonceWindow();
    window.use('key', 'a', T0);
    expect(window.use('key', 'b', T0 + SIGNATURE_WINDOW_MS)).toBe(true);
    expect(window.size).toBe(1);
    const ahead = new NonceWindow();
    ahead.use('key', 'n', T0 + SIGNATURE_WINDOW_MS);
    expect(ahead.use('key', 'n', T0)).toBe(true);
  });
});
