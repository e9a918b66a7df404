/**
 * Header field names and values as strings of octets. HTTP field values are octets, not text
 * (RFC 9110 5.5), so each octet becomes the code unit of the same number (ISO-8859-1): every
 * octet sequence round-trips, and validating characters is the HTTP/2 layer's job (RFC 9113
 * 8.2.1). `TextDecoder("latin1")` would not do: the Encoding Standard maps that label to
 * windows-1252, which changes 0x80-0x9f.
 *
 * Fast paths, measured on Node 20 (ns per ASCII string of 8 / 24 / 40 / 100 octets, best of
 * alternating runs): a `fromCharCode` per octet 49 / 136 / 200 / 436; `fromCharCode.apply` on a
 * subarray 77 / 129 / 167 / 385; `fromCharCode` of 8 octets at a time 17 / 48 / 77 / 223; an
 * ASCII scan then the native UTF-8 `TextDecoder` (ASCII reads the same) 88 / 97 / 107 / 157.
 * Encoding (ns per string of 5 / 16 / 40 / 100 / 250): a `charCodeAt` loop 21 / 72 / 121 / 326 /
 * 776; `TextEncoder.encodeInto` ~57 / 57 / 60 / 57 / 74. So short strings take the loops, long
 * ASCII ones (`user-agent`, `sec-websocket-extensions`) the native codecs, and the per-unit
 * loops stay the reference for everything else.
 *
 * @module
 */

import type { ByteWriter } from "./byte-writer.js";

/** From this length on, the native decoder beats the 8-at-a-time loop (figures above). */
const NATIVE_DECODE_FROM_BYTES = 64;

/** From this length on, the native encoder beats the loop (figures above). */
const NATIVE_ENCODE_FROM_BYTES = 16;

/** The most arguments passed to one `String.fromCharCode.apply` (engines cap argument counts). */
const CHUNK_BYTES = 4096;

const ascii = new TextDecoder();
const utf8 = new TextEncoder();

/** The octets `bytes[start..end)` as a string, one code unit per octet. */
export function latin1FromBytes(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < NATIVE_DECODE_FROM_BYTES) return latin1EightAtATime(bytes, start, end);
  if (isAscii(bytes, start, end)) return ascii.decode(bytes.subarray(start, end));
  return latin1ByCodeUnits(bytes, start, end);
}

/** Short strings: one `fromCharCode` call per 8 octets rather than per octet. */
function latin1EightAtATime(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  let i = start;
  for (; i + 8 <= end; i += 8) {
    s += String.fromCharCode(
      bytes[i]!,
      bytes[i + 1]!,
      bytes[i + 2]!,
      bytes[i + 3]!,
      bytes[i + 4]!,
      bytes[i + 5]!,
      bytes[i + 6]!,
      bytes[i + 7]!,
    );
  }
  for (; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  let any = 0;
  for (let i = start; i < end; i++) any |= bytes[i]!;
  return any < 0x80;
}

/** The reference decoding: one code unit per octet, any octet. */
export function latin1ByCodeUnits(bytes: Uint8Array, start: number, end: number): string {
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
  if (length >= NATIVE_ENCODE_FROM_BYTES) {
    // UTF-8 is one byte per code unit exactly when all are ASCII; in a destination of `length`
    // bytes anything else stops short of reading all of `s`. Then the loop rewrites the bytes.
    const { read, written } = utf8.encodeInto(
      s,
      writer.bytes.subarray(writer.pos, writer.pos + length),
    );
    if (read === length && written === length) {
      writer.pos += length;
      return;
    }
  }
  writeLatin1ByCodeUnits(writer, s);
}

/** The reference encoding: one octet per code unit, any code unit up to 0xff. */
export function writeLatin1ByCodeUnits(writer: ByteWriter, s: string): void {
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
