/**
 * The short soak (`npm run soak` at 500 requests): through serverless-offline against the
 * emulator, every answer a success or the envelope in the format asked for, one log line per
 * error answer, with faults of every kind injected along the way.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, passed, runSoak } from '../../scripts/soak.js';

describe('soak, short', () => {
  it('500 requests, 10 at a time, faults of every kind: no malformed answer, nothing outside the envelope', async () => {
    // 4 % rather than 1 %: in 500 requests, enough faults for every kind to come round.
    const report = await runSoak({
      requests: 500,
      concurrency: 10,
      faultRate: 0.04,
      maxSeconds: 150,
      seed: 7,
    });
    const summary = formatReport(report);
    expect(passed(report), summary).toBe(true);
    expect(report.answered).toBe(500);
    expect(report.malformed).toBe(0);
    expect(report.nonEnvelope).toBe(0);
    expect(report.errorLogLines).toBe(report.errorAnswers);
    expect(Object.keys(report.faultsInjected).sort(), summary).toEqual(
      [
        'content-type',
        'doctype',
        'drop',
        'garbage',
        'html',
        'latency',
        'oversize',
        'status',
        'truncate',
      ].sort(),
    );
    // The mix reached every kind of answer: successes, the gateway's refusals, upstream errors.
    expect(Object.keys(report.errorsByCode), summary).toEqual(
      expect.arrayContaining([
        'MissingParameter',
        'InvalidParameter',
        'Unsupported.Format',
        'UnsupportedHTTPMethod',
        'ParseRequestParameterException',
        'Forbidden.AliasNotFound',
      ]),
    );
    expect(report.byStatus['200'], summary).toBeGreaterThan(250);
    // The heap of the function's instances was reached, at the first and the last quarter.
    expect(report.heap.first?.instances, summary).toBeGreaterThan(0);
    expect(report.heap.last?.instances, summary).toBeGreaterThan(0);
  }, 240_000);
});
