/**
 * Nonces seen within the signature window, in one process. A nonce is spent for
 * SIGNATURE_WINDOW_MS after its first use; a request signed earlier than that is refused by its
 * timestamp anyway, so nothing older needs remembering.
 */
import { SIGNATURE_WINDOW_MS } from './timestamp.js';

export class NonceWindow {
  /** per AccessKey; each Map is in insertion order, which is time order, so pruning stops early */
  readonly #byKey = new Map<string, Map<string, number>>();
  #size = 0;

  /** how many nonces are remembered now */
  get size(): number {
    return this.#size;
  }

  /** True when the nonce is fresh, and remembers it; false when it was used within the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    let seen = this.#byKey.get(accessKeyId);
    if (!seen) {
      seen = new Map();
      this.#byKey.set(accessKeyId, seen);
    }
    for (const [old, at] of seen) {
      if (now - at < SIGNATURE_WINDOW_MS) break;
      seen.delete(old);
      this.#size -= 1;
    }
    const at = seen.get(nonce);
    if (at !== undefined && Math.abs(now - at) < SIGNATURE_WINDOW_MS) return false;
    if (seen.delete(nonce)) this.#size -= 1;
    seen.set(nonce, now);
    this.#size += 1;
    return true;
  }
}
