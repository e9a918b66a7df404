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

/**
 * Computes the SHA-1 digest of `data`.
 *
 * @example
 * ```ts
 * sha1(new TextEncoder().encode("abc")); // a9 99 3e 36 ...
 * ```
 * @returns the 20-byte digest
 */
export function sha1(data: Uint8Array): Uint8Array {
  const length = data.length;
  // FIPS 180-4 5.1.1: append 0x80, zero-pad to 56 mod 64, then the length in
  // bits as a 64-bit big-endian integer.
  const padded = new Uint8Array((((length + 8) >>> 6) + 1) << 6);
  padded.set(data);
  padded[length] = 0x80;
  // Written byte by byte: `.buffer` of a small typed array (for a DataView)
  // makes V8 move it off-heap, which cost more than the hash (measured ~5 us).
  writeUint32(padded, padded.length - 8, Math.floor(length / 0x20000000));
  writeUint32(padded, padded.length - 4, length << 3);

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = schedule;

  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let t = 0; t < 16; t++) {
      const i = offset + t * 4;
      w[t] = (padded[i]! << 24) | (padded[i + 1]! << 16) | (padded[i + 2]! << 8) | padded[i + 3]!;
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
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
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }

  const digest = new Uint8Array(20);
  writeUint32(digest, 0, h0);
  writeUint32(digest, 4, h1);
  writeUint32(digest, 8, h2);
  writeUint32(digest, 12, h3);
  writeUint32(digest, 16, h4);
  return digest;
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

// The message schedule, reused across calls: sha1 is synchronous and never
// re-entered, so one scratch array serves every call without allocation.
const schedule = new Int32Array(80);
