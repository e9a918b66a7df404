/**
 * A growable output buffer for the encoder: header blocks are small (a WebSocket's request or
 * response head is well under 200 bytes), so one buffer per encoder is reused for every block
 * and each block is handed out as a copy of its bytes.
 *
 * @module
 */

/** Appends bytes to a reusable buffer that grows by doubling. */
export class ByteWriter {
  bytes: Uint8Array;
  pos = 0;

  constructor(initialBytes = 256) {
    this.bytes = new Uint8Array(initialBytes);
  }

  /** Makes room for `n` more bytes after `pos`. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  /** Appends one byte (the caller reserved room). */
  push(byte: number): void {
    this.bytes[this.pos++] = byte;
  }

  /** A copy of what was written, and the writer emptied for the next block. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}
