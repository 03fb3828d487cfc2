/**
 * Alibaba's timestamps (`Timestamp`, `x-acs-date`): UTC to the second, `2016-02-23T12:46:24Z`,
 * and the window around the receiver's clock inside which a signed request is accepted.
 */

/** Both the timestamp window and how long a nonce stays used. */
export const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;

/** Alibaba's timestamp format: UTC, no milliseconds (`2016-02-23T12:46:24Z`). */
export function alibabaTimestamp(date: Date | number): string {
  return `${new Date(date).toISOString().slice(0, 19)}Z`;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Epoch ms of an Alibaba timestamp, or undefined when it is not one (or names no real date). */
export function parseAlibabaTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over into March; a round trip rejects such dates.
  if (Number.isNaN(ms) || alibabaTimestamp(ms) !== text) return undefined;
  return ms;
}
