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

// The alphabet as character codes.
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 0x3d; // "="

// Output is written here as ASCII codes, then decoded to a string at once: no
// string per character (TextDecoder is the fastest way from bytes to a string,
// and exact for ASCII). The core is synchronous, so one scratch buffer serves
// every call; longer input is encoded in blocks of its size.
const chars = new Uint8Array(4096);
const ascii = new TextDecoder();
// The view of `chars` decoded last, kept: the same length comes back (every
// Sec-WebSocket-Accept is 28 characters), and a view is an object per call.
let view = chars.subarray(0, 0);
const BLOCK_BYTES = (chars.length / 4) * 3;

/**
 * Encodes bytes as padded base64.
 *
 * @example
 * ```ts
 * encodeBase64(new Uint8Array([0x66, 0x6f])); // "Zm8="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (let start = 0; start < bytes.length; start += BLOCK_BYTES) {
    text += encodeBlock(bytes, start, Math.min(start + BLOCK_BYTES, bytes.length));
  }
  return text;
}

function encodeBlock(bytes: Uint8Array, start: number, end: number): string {
  const o = encodeBase64Into(bytes, start, end, chars, 0);
  if (view.length !== o) view = chars.subarray(0, o);
  return ascii.decode(view);
}

/**
 * Writes the padded base64 of `bytes[start..end)` into `out` at `offset`, as
 * ASCII codes, and returns where it ended. `out` must have room for
 * `4 * ceil((end - start) / 3)` bytes. (The server writes its
 * `Sec-WebSocket-Accept` straight into its output this way: no string.)
 */
export function encodeBase64Into(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): number {
  let o = offset;
  const whole = end - ((end - start) % 3);
  for (let i = start; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o] = CODES[n >>> 18]!;
    out[o + 1] = CODES[(n >>> 12) & 63]!;
    out[o + 2] = CODES[(n >>> 6) & 63]!;
    out[o + 3] = CODES[n & 63]!;
    o += 4;
  }
  const left = end - whole;
  if (left > 0) {
    const n = (bytes[whole]! << 16) | (left === 2 ? bytes[whole + 1]! << 8 : 0);
    out[o] = CODES[n >>> 18]!;
    out[o + 1] = CODES[(n >>> 12) & 63]!;
    out[o + 2] = left === 2 ? CODES[(n >>> 6) & 63]! : PAD;
    out[o + 3] = PAD;
    o += 4;
  }
  return o;
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
  const length = decode(text, undefined);
  if (length === -1) return undefined;
  const out = new Uint8Array(length);
  decode(text, out);
  return out;
}

/**
 * The number of bytes that {@link decodeBase64} would return for `text`, or
 * `undefined` when it would return `undefined`; the same checks, without
 * making the bytes.
 *
 * @example
 * ```ts
 * decodedBase64Length("dGhlIHNhbXBsZSBub25jZQ=="); // 16
 * ```
 */
export function decodedBase64Length(text: string): number | undefined {
  const length = decode(text, undefined);
  return length === -1 ? undefined : length;
}

/** Decodes canonical base64 into `out` when given; returns the number of bytes, or -1 when `text` is not canonical. */
function decode(text: string, out: Uint8Array | undefined): number {
  if (text.length % 4 !== 0) return -1;
  let padding = 0;
  if (text.endsWith("==")) padding = 2;
  else if (text.endsWith("=")) padding = 1;
  const digits = text.length - padding;
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < digits; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code]! : -1;
    if (value < 0) return -1;
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out !== undefined) out[o] = (acc >>> bits) & 0xff;
      o++;
    }
  }
  // Canonical form: the bits left over after the last whole byte are zero.
  if ((acc & ((1 << bits) - 1)) !== 0) return -1;
  return o;
}
