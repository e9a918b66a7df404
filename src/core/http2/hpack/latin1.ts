/**
 * Header field names and values as strings of octets. HTTP field values are octets, not text
 * (RFC 9110 5.5), so each octet becomes the code unit of the same number (ISO-8859-1): every
 * octet sequence round-trips, and validating characters is the HTTP/2 layer's job (RFC 9113
 * 8.2.1). `TextDecoder("latin1")` would not do: the Encoding Standard maps that label to
 * windows-1252, which changes 0x80-0x9f.
 *
 * @module
 */

import type { ByteWriter } from "./byte-writer.js";

/** Below this length a loop beats `String.fromCharCode.apply` (its call setup dominates). */
const SHORT_STRING_BYTES = 16;

/** The most arguments passed to one `String.fromCharCode.apply` (engines cap argument counts). */
const CHUNK_BYTES = 4096;

/** The octets `bytes[start..end)` as a string, one code unit per octet. */
export function latin1FromBytes(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length < SHORT_STRING_BYTES) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  if (length <= CHUNK_BYTES) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let s = "";
  for (let i = start; i < end; i += CHUNK_BYTES) {
    const stop = Math.min(i + CHUNK_BYTES, end);
    s += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return s;
}

/**
 * Appends the octets of `s` (each code unit one octet). Throws `TypeError` for a code unit above
 * 0xff (our caller's fault: such a character is no octet; encode it, e.g. as UTF-8, first).
 */
export function writeLatin1(writer: ByteWriter, s: string): void {
  const length = s.length;
  writer.reserve(length);
  const bytes = writer.bytes;
  let pos = writer.pos;
  for (let i = 0; i < length; i++) {
    const unit = s.charCodeAt(i);
    if (unit > 0xff) {
      throw new TypeError(
        `Cannot encode header field: ${JSON.stringify(s)} has a character above U+00FF at ${i}`,
      );
    }
    bytes[pos++] = unit;
  }
  writer.pos = pos;
}
