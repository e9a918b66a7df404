/**
 * Base64 (RFC 4648 section 4, the standard alphabet with padding), for
 * `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 4.1 and 4.2.2).
 * The core may not use `Buffer`, and `btoa`/`atob` work on strings and accept
 * sloppy input.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Character code → 6-bit value, or -1 for characters outside the alphabet.
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as padded base64.
 *
 * @example
 * ```ts
 * encodeBase64(new Uint8Array([0x66, 0x6f])); // "Zm8="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      ALPHABET[n >>> 18]! +
      ALPHABET[(n >>> 12) & 63]! +
      ALPHABET[(n >>> 6) & 63]! +
      ALPHABET[n & 63]!;
  }
  const left = bytes.length - whole;
  if (left === 1) {
    const n = bytes[whole]!;
    out += `${ALPHABET[n >>> 2]!}${ALPHABET[(n & 3) << 4]!}==`;
  } else if (left === 2) {
    const n = (bytes[whole]! << 8) | bytes[whole + 1]!;
    out += `${ALPHABET[n >>> 10]!}${ALPHABET[(n >>> 4) & 63]!}${ALPHABET[(n & 15) << 2]!}=`;
  }
  return out;
}

/**
 * Decodes padded base64 strictly: returns `undefined` unless `text` is the
 * canonical encoding of some bytes (length a multiple of 4, alphabet
 * characters only, `=` only as final padding, unused bits zero, no
 * whitespace). RFC 4648 3.5 allows a decoder to be this strict, and a
 * `Sec-WebSocket-Key` that is not canonical base64 is not one a conforming
 * client generated.
 *
 * @example
 * ```ts
 * decodeBase64("Zm8="); // Uint8Array [0x66, 0x6f]
 * decodeBase64("Zm8"); // undefined
 * ```
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let padding = 0;
  if (text.endsWith("==")) padding = 2;
  else if (text.endsWith("=")) padding = 1;
  const chars = text.length - padding;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < chars; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) return undefined;
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Canonical form: the bits left over after the last whole byte are zero.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
