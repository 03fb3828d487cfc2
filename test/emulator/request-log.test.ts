/**
 * `emulator.requests` keeps the most recent requests only (issue 7, item 11): a long-running
 * `npm start` or a soak run must not grow it without bound.
 */
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ACCESS_KEYS, callV1, httpRequest } from './helpers.js';

let emulator: Emulator | undefined;
afterEach(() => emulator?.close());

describe('the request log', () => {
  it('keeps the requestLogSize most recent requests, oldest first', async () => {
    emulator = await startEmulator({ accessKeys: ACCESS_KEYS, requestLogSize: 3 });
    for (const action of [
      'ListKeys',
      'DescribeRegions',
      'ListAliases',
      'ListSecrets',
      'ListKeys',
    ]) {
      expect((await callV1(emulator, { Action: action })).status).toBe(200);
    }
    expect(emulator.requests.map((r) => r.action)).toEqual([
      'ListAliases',
      'ListSecrets',
      'ListKeys',
    ]);
    expect(emulator.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('keeps 1000 by default', async () => {
    emulator = await startEmulator({ accessKeys: ACCESS_KEYS });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const send = (i: number) => httpRequest(emulator as Emulator, { path: `/?n=${i}`, agent });
    // Unsigned: each is refused at once, and each is logged.
    for (let start = 0; start < 1005; start += 67) {
      const batch = Array.from({ length: Math.min(67, 1005 - start) }, (_, i) => send(start + i));
      await Promise.all(batch);
    }
    agent.destroy();
    expect(emulator.requests).toHaveLength(1000);
    expect(emulator.requests.every((r) => r.status === 400)).toBe(true);
  });

  it('refuses a size that is not a positive integer', async () => {
    for (const requestLogSize of [0, -1, 1.5, Number.NaN]) {
      await expect(startEmulator({ accessKeys: ACCESS_KEYS, requestLogSize })).rejects.toThrow(
        /requestLogSize/,
      );
    }
  });
});
