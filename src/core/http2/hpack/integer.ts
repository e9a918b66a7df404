/**
 * HPACK's prefixed integers (RFC 7541 5.1): a value below 2^N - 1 fits in the N low bits of the
 * first byte; larger ones fill the prefix with ones and continue in 7-bit groups, least
 * significant first, the high bit of each byte saying "more follows".
 *
 * @module
 */

import type { BlockReader } from "./block-reader.js";
import type { ByteWriter } from "./byte-writer.js";
import { HpackError } from "./errors.js";

/**
 * The largest integer we decode: 2^31 - 1. Every HPACK integer is an index, a string length or
 * a table size, all far below it in any block we accept; RFC 7541 5.1 asks decoders to bound
 * integers so a peer cannot overflow them.
 */
export const MAX_INTEGER = 0x7fffffff;

/**
 * The most continuation bytes we read: 5 carry 35 bits, enough for {@link MAX_INTEGER} after any
 * prefix (with a few non-minimal zero groups to spare); more is a peer stalling us on one value.
 */
export const MAX_CONTINUATION_BYTES = 5;

/**
 * Reads an integer with an N-bit prefix at `reader.pos` (the byte's higher bits are the caller's)
 * and advances past it. Throws {@link HpackError} when the block ends inside it, or it exceeds
 * {@link MAX_INTEGER} or {@link MAX_CONTINUATION_BYTES}.
 */
export function readInteger(reader: BlockReader, prefixBits: number): number {
  const block = reader.block;
  let pos = reader.pos;
  if (pos >= block.length) throw truncated();
  const mask = (1 << prefixBits) - 1;
  let value = block[pos++]! & mask;
  if (value === mask) {
    // Multiplying rather than shifting: the sum may pass 2^31 before the bound check sees it.
    let scale = 1;
    for (let count = 0; ; count++) {
      if (count === MAX_CONTINUATION_BYTES) {
        throw new HpackError(
          `Cannot decode header block: an integer has more than ${MAX_CONTINUATION_BYTES} continuation bytes (peer's fault)`,
        );
      }
      if (pos >= block.length) throw truncated();
      const byte = block[pos++]!;
      value += (byte & 0x7f) * scale;
      if (value > MAX_INTEGER) {
        throw new HpackError(
          `Cannot decode header block: an integer is larger than ${MAX_INTEGER} (peer's fault)`,
        );
      }
      if (byte < 0x80) break;
      scale *= 128;
    }
  }
  reader.pos = pos;
  return value;
}

function truncated(): HpackError {
  return new HpackError("Cannot decode header block: it ends inside an integer (peer's fault)");
}

/**
 * Appends `value` with an N-bit prefix; `pattern` holds the first byte's bits above the prefix
 * (the representation's type). Throws `RangeError` for a value that is not an integer in
 * 0..{@link MAX_INTEGER} (our caller's fault).
 */
export function writeInteger(
  writer: ByteWriter,
  value: number,
  prefixBits: number,
  pattern: number,
): void {
  if (!(value >= 0 && value <= MAX_INTEGER && Number.isInteger(value))) {
    throw new RangeError(`Cannot encode integer ${value}: not in 0..${MAX_INTEGER}`);
  }
  writer.reserve(6);
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    writer.push(pattern | value);
    return;
  }
  writer.push(pattern | mask);
  value -= mask;
  while (value >= 0x80) {
    writer.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  writer.push(value);
}
