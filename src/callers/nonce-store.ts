/**
 * Where spent nonces are remembered. Without a shared table (`KMS_NONCE_TABLE`), each instance
 * of the function remembers its own for the signature window: a request replayed to another
 * instance within 15 minutes is then not recognised (see the README's Security section).
 */
import { NonceWindow } from '../protocol/nonces.js';

export interface NonceStore {
  /**
   * True when the nonce was unused and is now spent; false when it was used before.
   * @throws when the store cannot be asked (the request is then refused, never let through)
   */
  claim(
    accessKeyId: string,
    nonce: string,
    signedAt: number,
    signal: AbortSignal,
  ): Promise<boolean>;
}

/** At most this many nonces are remembered per instance; past it, the oldest are forgotten. */
export const MEMORY_NONCE_LIMIT = 200_000;

export function memoryNonces(limit = MEMORY_NONCE_LIMIT): NonceStore {
  let window = new NonceWindow();
  return {
    async claim(accessKeyId, nonce) {
      // A flood of distinct nonces must not grow memory without bound: start a fresh window.
      // Replays of the forgotten ones are still refused by timestamp once the window passes.
      if (window.size >= limit) window = new NonceWindow();
      return window.use(accessKeyId, nonce, Date.now());
    },
  };
}
