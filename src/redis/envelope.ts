/**
 * What a message looks like on a Redis channel: one byte of version and
 * kind, eight bytes naming the process that published it, then the payload.
 * The origin lets each process ignore its own messages, which it delivered to
 * its own subscribers already (so none is delivered twice); binary-safe, with
 * no encoding of the payload.
 *
 * ```
 * byte 0      0x10 | 1 if text (version 1 in the high nibble)
 * bytes 1-8   origin: random, chosen once per backplane
 * bytes 9-    payload (UTF-8 for text)
 * ```
 *
 * @module
 */

const VERSION = 0x10;
const TEXT = 0x01;
/** Bytes before the payload. */
export const ENVELOPE_HEADER_BYTES = 9;

/** An envelope opened: who published it, what kind, what bytes. */
export interface Opened {
  readonly isText: boolean;
  readonly payload: Uint8Array;
}

/** A new random origin (8 bytes). */
export function newOrigin(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(8));
}

/** Wraps `payload` for a channel, in a buffer of `allocate`'s making (a `Buffer` for node-redis). */
export function seal<B extends Uint8Array>(
  origin: Uint8Array,
  payload: Uint8Array,
  isText: boolean,
  allocate: (size: number) => B,
): B {
  const envelope = allocate(ENVELOPE_HEADER_BYTES + payload.length);
  envelope[0] = VERSION | (isText ? TEXT : 0);
  envelope.set(origin, 1);
  envelope.set(payload, ENVELOPE_HEADER_BYTES);
  return envelope;
}

/**
 * Opens an envelope: `"own"` when `origin` published it, `null` when it is
 * not one of ours (another version, or another program on the channel).
 */
export function open(envelope: Uint8Array, origin: Uint8Array): Opened | "own" | null {
  if (envelope.length < ENVELOPE_HEADER_BYTES || (envelope[0]! & 0xfe) !== VERSION) return null;
  let own = true;
  for (let i = 0; i < 8; i++) {
    if (envelope[1 + i] !== origin[i]) {
      own = false;
      break;
    }
  }
  if (own) return "own";
  return {
    isText: (envelope[0]! & TEXT) !== 0,
    payload: envelope.subarray(ENVELOPE_HEADER_BYTES),
  };
}
