/**
 * SHA-1 (FIPS 180-4), synchronous and dependency-free.
 *
 * Used only to compute `Sec-WebSocket-Accept` (RFC 6455 4.2.2), where SHA-1 is
 * a fixed part of the protocol and not a security boundary. The core may not
 * use a runtime's crypto module, and Web Crypto's `subtle.digest` is
 * asynchronous, which a synchronous sans-I/O handshake cannot wait for.
 *
 * @module
 */

// Scratch, reused across calls: sha1 is synchronous and never re-entered, so
// one set serves every call without allocation. The chaining value H
// (FIPS 180-4 6.1.2), the message schedule W, and the last one or two blocks
// with their padding.
const state = new Int32Array(5);
const schedule = new Int32Array(80);
const tail = new Uint8Array(128);

/**
 * Computes the SHA-1 digest of `data`.
 *
 * @param out where to write the 20-byte digest (a new array by default)
 * @example
 * ```ts
 * sha1(new TextEncoder().encode("abc")); // a9 99 3e 36 ...
 * ```
 * @returns `out`, holding the digest
 */
export function sha1(data: Uint8Array, out: Uint8Array = new Uint8Array(20)): Uint8Array {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89;
  state[2] = 0x98badcfe;
  state[3] = 0x10325476;
  state[4] = 0xc3d2e1f0;
  const length = data.length;
  const whole = length - (length % 64);
  for (let offset = 0; offset < whole; offset += 64) compress(data, offset);
  // FIPS 180-4 5.1.1: after the last bytes, 0x80, zeros up to 56 mod 64, then
  // the length in bits as a 64-bit big-endian integer: one block or two.
  const rest = length - whole;
  const tailBytes = rest < 56 ? 64 : 128;
  for (let i = 0; i < rest; i++) tail[i] = data[whole + i]!;
  tail[rest] = 0x80;
  tail.fill(0, rest + 1, tailBytes - 8);
  // Written byte by byte: `.buffer` of a small typed array (for a DataView)
  // makes V8 move it off-heap, which cost more than the hash (measured ~5 us).
  writeUint32(tail, tailBytes - 8, Math.floor(length / 0x20000000));
  writeUint32(tail, tailBytes - 4, length << 3);
  compress(tail, 0);
  if (tailBytes === 128) compress(tail, 64);
  for (let i = 0; i < 5; i++) writeUint32(out, i * 4, state[i]!);
  return out;
}

/** Processes the 64-byte block of `bytes` at `offset` into `state` (FIPS 180-4 6.1.2). */
function compress(bytes: Uint8Array, offset: number): void {
  const w = schedule;
  for (let t = 0; t < 16; t++) {
    const i = offset + t * 4;
    w[t] = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
  }
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  // One loop per round function (FIPS 180-4 4.1.1): no per-step branching.
  for (let t = 0; t < 20; t++) {
    const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 20; t < 40; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 40; t < 60; t++) {
    const temp =
      (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  for (let t = 60; t < 80; t++) {
    const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}
