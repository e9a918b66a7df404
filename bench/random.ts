// A seeded random source for benchmark messages, so that every run sends the
// same bytes.

/**
 * mulberry32: `rand(n)` gives an integer in [0, n), the same sequence for the
 * same seed. Its period is long enough that text made from it does not
 * repeat within a benchmark's messages (a short-period generator makes text
 * that deflate compresses unrealistically well).
 */
export function mulberry32(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}
