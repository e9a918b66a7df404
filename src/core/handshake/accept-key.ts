/**
 * The handshake's key and its answer (RFC 6455 1.3, 4.1, 4.2.2): a fresh
 * `Sec-WebSocket-Key` for each client request, and the
 * `Sec-WebSocket-Accept` that proves the server read it. `acceptKey` is
 * public (the package entry exports it, for applications that check or
 * answer a handshake themselves); the rest is the core's own.
 *
 * @module
 */

import { encodeBase64 } from "../base64.js";
import { defaultRandom, type RandomSource } from "../random.js";
import { sha1 } from "../sha1.js";

const encoder = new TextEncoder();

/** The GUID appended to the key before hashing (RFC 6455 1.3 and 4.2.2). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
 * base64(SHA-1(key + GUID)) (RFC 6455 4.2.2 step 5.4).
 *
 * @example
 * ```ts
 * acceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function acceptKey(key: string): string {
  return encodeBase64(acceptDigest(key));
}

// acceptDigest's scratch, reused (the core is synchronous, so no call can
// overlap another): the hashed message for a key of the usual length, its
// last 36 bytes the GUID, and the digest.
const KEY_LENGTH = 24; // base64 of 16 bytes (RFC 6455 4.1)
const acceptInput = new Uint8Array(KEY_LENGTH + WEBSOCKET_GUID.length);
encoder.encodeInto(WEBSOCKET_GUID, acceptInput.subarray(KEY_LENGTH));
const digest = new Uint8Array(20);

/**
 * SHA-1(key + GUID), the 20 bytes that {@link acceptKey} encodes, in a
 * scratch array that the next call overwrites: read it before then. (The
 * fast 101 writer encodes it straight into its output.)
 */
export function acceptDigest(key: string): Uint8Array {
  return sha1(keyMessage(key), digest);
}

/** `key + WEBSOCKET_GUID` as UTF-8; for a 24-character ASCII key, in the reused `acceptInput`. */
function keyMessage(key: string): Uint8Array {
  if (key.length !== KEY_LENGTH) return encoder.encode(key + WEBSOCKET_GUID);
  for (let i = 0; i < KEY_LENGTH; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(key + WEBSOCKET_GUID);
    acceptInput[i] = c;
  }
  return acceptInput;
}

/**
 * A fresh `Sec-WebSocket-Key`: base64 of 16 random bytes (RFC 6455 4.1, "MUST
 * be selected randomly for each connection").
 *
 * @param random source of the bytes; the runtime's CSPRNG by default
 */
export function generateKey(random: RandomSource = defaultRandom): string {
  if (random !== defaultRandom) {
    const bytes = new Uint8Array(16);
    random(bytes);
    return encodeBase64(bytes);
  }
  if (keyPosition === keyPool.length) {
    defaultRandom(keyPool);
    keyPosition = 0;
  }
  const start = keyPosition;
  keyPosition += 16;
  return encodeBase64(keyPool.subarray(start, start + 16));
}

// One CSPRNG call per key cost about 10 µs on Node 20 (profiled: more than
// the rest of building an HTTP/2 request); drawing keys from a pool refilled
// 256 at a time, each byte used once, keeps them unpredictable (as MaskPool
// does for masks).
const keyPool = new Uint8Array(4096);
let keyPosition = keyPool.length;
