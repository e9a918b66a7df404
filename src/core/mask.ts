/**
 * Masking (RFC 6455 5.3): XOR of the payload with a 4-byte key, repeated.
 *
 * @module
 */

// Typed-array words use the platform's byte order: the 32-bit key word is
// assembled through this scratch pair, so it is right on any host.
const scratchWord = new Uint32Array(1);
const scratchBytes = new Uint8Array(scratchWord.buffer);

// Below this many bytes the byte loop wins: a Uint32Array view costs more to
// create than the few iterations it saves (measured with bench/core.ts).
const WORD_THRESHOLD = 32;

/**
 * XORs `data[start..end)` in place with the masking key `key` (the 4 key
 * bytes as a big-endian 32-bit number, as they appear on the wire), where
 * `data[start]` is payload byte number `offset` (so that a payload that
 * arrives in pieces can be unmasked piece by piece). A number rather than
 * bytes: taking the key out of the frame header then costs no allocation.
 */
export function applyMask(
  data: Uint8Array,
  start: number,
  end: number,
  key: number,
  offset: number,
): void {
  // Rotate the key so that k0 applies to data[start].
  const shift = (offset & 3) * 8;
  const rotated = shift === 0 ? key : ((key << shift) | (key >>> (32 - shift))) >>> 0;
  const k0 = rotated >>> 24;
  const k1 = (rotated >>> 16) & 0xff;
  const k2 = (rotated >>> 8) & 0xff;
  const k3 = rotated & 0xff;
  let i = start;
  if (end - start >= WORD_THRESHOLD) {
    // Bytes until the address is 4-aligned, then 32-bit words (about 8x faster
    // than bytes on large payloads), then the tail.
    const k = [k0, k1, k2, k3];
    const misalign = (data.byteOffset + i) & 3;
    const head = misalign === 0 ? 0 : 4 - misalign;
    for (; i < start + head; i++) data[i]! ^= k[(i - start) & 3]!;
    scratchBytes[0] = k[head & 3]!;
    scratchBytes[1] = k[(head + 1) & 3]!;
    scratchBytes[2] = k[(head + 2) & 3]!;
    scratchBytes[3] = k[(head + 3) & 3]!;
    const word = scratchWord[0]!;
    const words = (end - i) >>> 2;
    if (word !== 0) {
      const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
      for (let w = 0; w < words; w++) view[w]! ^= word;
    }
    i += words << 2;
    for (let j = head; i < end; i++, j++) data[i]! ^= k[j & 3]!;
    return;
  }
  for (; i + 3 < end; i += 4) {
    data[i]! ^= k0;
    data[i + 1]! ^= k1;
    data[i + 2]! ^= k2;
    data[i + 3]! ^= k3;
  }
  if (i < end) data[i++]! ^= k0;
  if (i < end) data[i++]! ^= k1;
  if (i < end) data[i]! ^= k2;
}
