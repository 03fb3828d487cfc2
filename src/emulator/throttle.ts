/**
 * Request throttling as token buckets on the emulator's clock: one bucket shared by every
 * AccessKey (`EmulatorOptions.throttle`) and one per AccessKey that sets `requestsPerSecond`.
 * A request passes when every bucket it counts against holds a whole token, and then takes one
 * from each; a refused request takes nothing.
 */

export interface ThrottleOptions {
  /** tokens added per second (may be fractional, e.g. 0.5 = one request every 2 s) */
  requestsPerSecond: number;
  /** bucket size: how many requests may come at once after a quiet spell; default max(1, rate) */
  burst?: number;
}

/** An AccessKey's own rate; its burst is one second's worth, at least one request. */
export interface KeyRate {
  readonly id: string;
  readonly requestsPerSecond?: number;
}

const positive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

/**
 * Throws a RangeError naming `name` unless `options` is a usable rate.
 * @throws RangeError naming the option that is wrong
 */
export function checkThrottle(options: ThrottleOptions, name: string): void {
  if (!positive(options.requestsPerSecond)) {
    throw new RangeError(`${name}.requestsPerSecond must be a number above 0`);
  }
  const burst = options.burst;
  if (burst !== undefined && !(typeof burst === 'number' && Number.isFinite(burst) && burst >= 1)) {
    throw new RangeError(`${name}.burst must be a number of at least 1`);
  }
}

class TokenBucket {
  readonly #perMs: number;
  readonly #capacity: number;
  #tokens: number;
  /** the latest clock reading seen; a clock that steps back adds nothing */
  #at: number | undefined;

  constructor(options: ThrottleOptions) {
    this.#perMs = options.requestsPerSecond / 1000;
    this.#capacity = options.burst ?? Math.max(1, options.requestsPerSecond);
    this.#tokens = this.#capacity;
  }

  /** The tokens held at `now`, after refilling. */
  available(now: number): number {
    if (this.#at === undefined) {
      this.#at = now;
    } else if (now > this.#at) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#perMs);
      this.#at = now;
    }
    return this.#tokens;
  }

  take(): void {
    this.#tokens -= 1;
  }
}

export class Throttle {
  readonly #global: TokenBucket | undefined;
  readonly #perKey = new Map<string, TokenBucket>();

  /** Throws a RangeError when a rate is not a positive number. */
  constructor(global: ThrottleOptions | undefined, keys: readonly KeyRate[]) {
    if (global !== undefined) checkThrottle(global, 'throttle');
    this.#global = global === undefined ? undefined : new TokenBucket(global);
    for (const key of keys) {
      if (key.requestsPerSecond === undefined) continue;
      checkThrottle({ requestsPerSecond: key.requestsPerSecond }, `accessKeys[${key.id}]`);
      this.#perKey.set(key.id, new TokenBucket({ requestsPerSecond: key.requestsPerSecond }));
    }
  }

  /** True when a request by `accessKeyId` at `now` is within every rate, and counts it. */
  admit(accessKeyId: string, now: number): boolean {
    const global = this.#global;
    const own = this.#perKey.get(accessKeyId);
    // Check every bucket before taking from any, so a refused request costs nothing.
    if (global && global.available(now) < 1) return false;
    if (own && own.available(now) < 1) return false;
    global?.take();
    own?.take();
    return true;
  }
}
