/**
 * The request log tests read (`emulator.requests`): the most recent requests only, so a
 * long-running emulator (`npm start`, a soak run) does not grow without bound.
 */
import type { SignatureVersion } from './verify.js';

/** How many requests the log keeps by default. */
export const DEFAULT_REQUEST_LOG_SIZE = 1000;

export interface RequestRecord {
  action: string | undefined;
  accessKeyId: string | undefined;
  /** the status sent; 0 when the connection was dropped without an answer */
  status: number;
  /** the RequestId answered (body and x-acs-request-id), when the answer had one */
  requestId?: string;
  signatureVersion: SignatureVersion | undefined;
}

export class RequestLog {
  readonly #size: number;
  readonly #entries: RequestRecord[] = [];

  constructor(size = DEFAULT_REQUEST_LOG_SIZE) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`requestLogSize must be a positive integer, not ${size}`);
    }
    this.#size = size;
  }

  /** Adds `entry` (its status filled in later), forgetting the oldest beyond the size. */
  add(entry: RequestRecord): RequestRecord {
    this.#entries.push(entry);
    // In place, so the array a caller holds stays the log.
    if (this.#entries.length > this.#size)
      this.#entries.splice(0, this.#entries.length - this.#size);
    return entry;
  }

  /** The most recent entries, oldest first. */
  get entries(): readonly RequestRecord[] {
    return this.#entries;
  }
}
