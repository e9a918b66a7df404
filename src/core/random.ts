/**
 * Randomness for masking keys and handshake keys, injectable for tests.
 *
 * @module
 */

/** Fills `bytes` with random values. The default is `crypto.getRandomValues`. */
export type RandomSource = (bytes: Uint8Array) => void;

/** The default source: the runtime's CSPRNG (RFC 6455 5.3 and 10.3 require unpredictable masks). */
export const defaultRandom: RandomSource = (bytes) => {
  crypto.getRandomValues(bytes);
};

// One CSPRNG call per frame costs more than framing a small message; drawing
// masks from a pool refilled 1024 masks at a time keeps them unpredictable and
// takes that cost off the hot path.
const POOL_BYTES = 4096;

/** Hands out 4-byte masking keys from a pool refilled from a {@link RandomSource}. */
export class MaskPool {
  readonly #random: RandomSource;
  readonly #pool = new Uint8Array(POOL_BYTES);
  #position = POOL_BYTES;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  /** The next fresh 4-byte key, as a big-endian 32-bit number. */
  next(): number {
    if (this.#position === POOL_BYTES) {
      this.#random(this.#pool);
      this.#position = 0;
    }
    const p = this.#pool;
    const i = this.#position;
    this.#position = i + 4;
    return ((p[i]! << 24) | (p[i + 1]! << 16) | (p[i + 2]! << 8) | p[i + 3]!) >>> 0;
  }
}
