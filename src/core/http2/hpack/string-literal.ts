/**
 * HPACK string literals (RFC 7541 5.2): an H bit (Huffman-coded or not), a 7-bit-prefix length,
 * then that many octets.
 *
 * @module
 */

import type { BlockReader } from "./block-reader.js";
import type { ByteWriter } from "./byte-writer.js";
import { HpackError } from "./errors.js";
import { huffmanDecode } from "./huffman.js";
import { readInteger, writeInteger } from "./integer.js";
import { latin1FromBytes, writeLatin1 } from "./latin1.js";

/**
 * Reads a string literal at `reader.pos` and advances past it. Throws {@link HpackError} when
 * its length runs past the block or its Huffman coding is invalid.
 */
export function readString(reader: BlockReader): string {
  const block = reader.block;
  if (reader.pos >= block.length) {
    throw new HpackError(
      "Cannot decode header block: it ends where a string literal should start (peer's fault)",
    );
  }
  const huffman = (block[reader.pos]! & 0x80) !== 0;
  const length = readInteger(reader, 7);
  const start = reader.pos;
  const end = start + length;
  if (end > block.length) {
    throw new HpackError(
      `Cannot decode header block: a string literal of ${length} bytes runs ${end - block.length} bytes past the block's end (peer's fault)`,
    );
  }
  reader.pos = end;
  return huffman ? huffmanDecode(block, start, end) : latin1FromBytes(block, start, end);
}

/**
 * Appends `s` as a string literal without Huffman coding: the cheapest to make (the encoder's
 * choice, see `encoder.ts`; `huffman.ts` can encode when that changes).
 */
export function writeString(writer: ByteWriter, s: string): void {
  writeInteger(writer, s.length, 7, 0);
  writeLatin1(writer, s);
}
