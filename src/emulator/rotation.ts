/**
 * Durations: a day, and rotation intervals as the API writes them (`30d`, `12h`, `604800s`), for
 * keys and secrets, which allow different ranges.
 */
import { failure } from './errors.js';

export const DAY_SECONDS = 86_400;
export const DAY_MS = DAY_SECONDS * 1000;

const UNITS: Readonly<Record<string, number>> = { d: DAY_SECONDS, h: 3600, m: 60, s: 1 };

export interface RotationRange {
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

/** Keys: 7 to 730 days. */
export const KEY_ROTATION: RotationRange = {
  minSeconds: 7 * DAY_SECONDS,
  maxSeconds: 730 * DAY_SECONDS,
};
/** Secrets: 6 to 8,760 hours. */
export const SECRET_ROTATION: RotationRange = { minSeconds: 6 * 3600, maxSeconds: 8760 * 3600 };

/**
 * The interval in seconds, or InvalidParameter RotationInterval when unreadable or out of range.
 * @throws EmulatorError InvalidParameter RotationInterval
 */
export function rotationSeconds(interval: string, range: RotationRange): number {
  const match = /^(\d{1,10})([dhms])$/.exec(interval);
  const unit = match ? UNITS[match[2] as string] : undefined;
  const seconds = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!(seconds >= range.minSeconds && seconds <= range.maxSeconds)) {
    throw failure('InvalidParameter', 'RotationInterval');
  }
  return seconds;
}
