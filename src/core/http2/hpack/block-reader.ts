/**
 * The read position in one header block. The decoder makes one per block; the integer and
 * string readers advance it. A block is always whole (HEADERS plus its CONTINUATIONs, joined by
 * the session), so running past its end is the peer's error, never "need more bytes".
 *
 * @module
 */

/** A header block and how far into it decoding has got. */
export class BlockReader {
  readonly block: Uint8Array;
  pos: number;

  constructor(block: Uint8Array, pos = 0) {
    this.block = block;
    this.pos = pos;
  }
}
