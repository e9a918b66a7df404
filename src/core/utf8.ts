/**
 * UTF-8 validation that fails fast (RFC 6455 8.1, RFC 3629): a message is
 * checked as its bytes arrive, across frames and inside a frame, so an invalid
 * byte fails the connection at once (the strict answer to Autobahn 6.4.x).
 *
 * @module
 */

/** The validator state at a code point boundary: nothing pending. */
export const UTF8_ACCEPT = 0;
/** The validator state after an invalid byte. Stays there. */
export const UTF8_REJECT = -1;

// The state packs what the next bytes must be: the number of continuation
// bytes still expected (bits 0-1), and the allowed range of the very next one
// (bits 8-15: low bound, bits 16-23: high bound). The narrow ranges after E0,
// ED, F0 and F4 exclude overlongs, surrogates and code points past U+10FFFF.
function pending(count: number, low: number, high: number): number {
  return count | (low << 8) | (high << 16);
}

/**
 * Advances the validator over `bytes[start..end)` from `state` and returns
 * the new state: {@link UTF8_ACCEPT} at a boundary, {@link UTF8_REJECT} on
 * an invalid sequence, or another value in the middle of a code point.
 */
export function validateUtf8(bytes: Uint8Array, start: number, end: number, state: number): number {
  let s = state;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (s === UTF8_ACCEPT) {
      if (b < 0x80) continue;
      if (b < 0xc2) return UTF8_REJECT; // continuation byte, or overlong C0/C1
      if (b < 0xe0) s = pending(1, 0x80, 0xbf);
      else if (b === 0xe0) s = pending(2, 0xa0, 0xbf);
      else if (b === 0xed) s = pending(2, 0x80, 0x9f);
      else if (b < 0xf0) s = pending(2, 0x80, 0xbf);
      else if (b === 0xf0) s = pending(3, 0x90, 0xbf);
      else if (b < 0xf4) s = pending(3, 0x80, 0xbf);
      else if (b === 0xf4) s = pending(3, 0x80, 0x8f);
      else return UTF8_REJECT; // F5..FF: past U+10FFFF, or 5/6-byte forms
    } else {
      if (b < ((s >> 8) & 0xff) || b > s >> 16) return UTF8_REJECT;
      const count = (s & 3) - 1;
      s = count === 0 ? UTF8_ACCEPT : pending(count, 0x80, 0xbf);
    }
  }
  return s;
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes, or returns `undefined` if they are not valid UTF-8.
 * A byte order mark is kept as U+FEFF: it is data in a WebSocket message.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as the WHATWG
 * WebSocket API does for `send(string)`: the bytes on the wire are always
 * valid UTF-8 (RFC 6455 5.6).
 */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Encodes into `target` from `offset`; returns the number of bytes written. Same policy as {@link encodeUtf8}. */
export function encodeUtf8Into(text: string, target: Uint8Array, offset: number): number {
  return encoder.encodeInto(text, target.subarray(offset)).written;
}
