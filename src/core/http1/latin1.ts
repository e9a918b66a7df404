/**
 * Head bytes as latin1 text, and back: HTTP/1.1 heads are octets (RFC 9112
 * 2.2), read here one character per byte. The strings that a parsed head
 * keeps for the life of its connection are interned (common values shared)
 * or copied, never left as views that would keep the whole head alive.
 *
 * @module
 */

import { SharedStrings } from "../headers.js";

/**
 * Values that most handshakes carry, kept as shared strings: a parsed head
 * stays in memory for the life of its connection (`connection.request`), and
 * a copy of each per connection would add up.
 */
export const SHARED_VALUES = new SharedStrings([
  "GET",
  "1.1",
  "/",
  "websocket",
  "Upgrade",
  "upgrade",
  "keep-alive, Upgrade",
  "13",
  "no-cache",
  "permessage-deflate",
  "permessage-deflate; client_max_window_bits",
  "gzip, deflate",
  "gzip, deflate, br",
  "gzip, deflate, br, zstd",
  "Switching Protocols",
]);

/**
 * Head text decoded as latin1 from `bytes`: `text[i]` is `bytes[offset + i]`.
 * Strings are sliced from the text; those kept for the life of a connection
 * are decoded again from the bytes when a slice would not be a copy (see
 * {@link ownString}).
 */
export interface HeadSource {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly offset: number;
}

/**
 * `source.text.slice(start, end)` as a string of its own: the shared copy
 * that `shared` knows, else a flat copy. (V8 makes a slice of 13 characters or
 * more a view that keeps the whole text alive, here the whole head; such a
 * value is decoded again from the bytes instead.)
 */
export function ownString(
  source: HeadSource,
  start: number,
  end: number,
  shared: SharedStrings,
): string {
  const known = shared.find(source.text, start, end);
  if (known !== undefined) return known;
  if (end - start < 13) return source.text.slice(start, end);
  const offset = source.offset;
  return latin1Decode(source.bytes.subarray(offset + start, offset + end));
}

// Most heads are ASCII, and TextDecoder makes a string of ASCII bytes fastest,
// with no garbage but the string: ~6x faster than `String.fromCharCode.apply`
// on a typed array, which first builds an argument list of 8 bytes per
// character (measured on Node 20 and 24). UTF-8 gives one character per byte
// only when every byte is ASCII or invalid (then U+FFFD); other input is
// decoded as latin1 by hand. (TextDecoder's "latin1" is windows-1252.)
const utf8 = new TextDecoder();

// `apply` is ~7x faster than spreading the bytes; longer input is decoded in
// parts, well below engines' argument limits.
const DECODE_PART = 4096;

/** `bytes` as latin1 text: character `i` is `bytes[i]`. */
export function latin1Decode(bytes: Uint8Array): string {
  const ascii = utf8.decode(bytes);
  if (ascii.length === bytes.length && !ascii.includes("\ufffd")) return ascii;
  let text = "";
  for (let i = 0; i < bytes.length; i += DECODE_PART) {
    text += String.fromCharCode.apply(
      null,
      bytes.subarray(i, i + DECODE_PART) as unknown as number[],
    );
  }
  return text;
}

/** Every character was validated as latin1 (at most U+00FF) before this is called. */
export function writeLatin1(bytes: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}
