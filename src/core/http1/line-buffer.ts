/**
 * Finding and collecting lines (RFC 9112 2.2) across input chunks: the end
 * of the lines complete in a chunk, and a buffer for a line split between
 * chunks (and for the lines of a chunked body), never more than the line
 * limit.
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { latin1Decode } from "./latin1.js";

// Uint8Array's own, not Buffer's override (which a socket's chunks would get):
// the builtin needs no call into the runtime.
const indexOfByte = Uint8Array.prototype.indexOf;

/**
 * The end of the complete lines in `bytes` from `start`, up to the first empty
 * line (which may end a head): the index after that line's LF, else after the
 * last LF. `start` when no line is complete.
 */
export function linesEnd(bytes: Uint8Array, start: number): number {
  let end = start;
  for (;;) {
    const lf: number = indexOfByte.call(bytes, 0x0a, end);
    if (lf === -1) return end;
    const empty = lf === end || (lf === end + 1 && bytes[end] === 0x0d);
    end = lf + 1;
    if (empty) return end;
  }
}

/** {@link LineBuffer.take}: every byte was kept, the line goes on in the next chunk. */
export const LINE_INCOMPLETE = -1;
/** {@link LineBuffer.take}: the line is over the limit. */
export const LINE_TOO_LONG = -2;

/**
 * Collects one line at a time, across input chunks, never more than the line
 * limit: a line split between chunks, and the lines of a chunked body.
 */
export class LineBuffer {
  readonly #maxBytes: number;
  // Allocated only when a line arrives split across chunks.
  #buffer = EMPTY_BYTES;
  #length = 0;
  /** The last complete line, line ending removed, decoded as latin1. */
  line = "";
  /** Its bytes (valid until the next call). */
  lineBytes = EMPTY_BYTES;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Whether the start of a line is kept, waiting for the rest. */
  get pending(): boolean {
    return this.#length > 0;
  }

  /**
   * Scans `bytes` from `start` for the end of the current line. Returns the
   * index after its LF (the line is then in `line`), LINE_INCOMPLETE after
   * keeping every byte, or LINE_TOO_LONG.
   */
  take(bytes: Uint8Array, start: number): number {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf === -1 ? bytes.length : lf;
    const length = this.#length + end - start;
    // One extra byte for the CR that may precede the LF.
    if (length > this.#maxBytes + 1) return LINE_TOO_LONG;
    let line: Uint8Array;
    if (this.#length === 0 && lf !== -1) {
      // The common case: the whole line is in this chunk, so no copy.
      line = bytes.subarray(start, end);
    } else {
      if (length > this.#buffer.length) {
        const grown = new Uint8Array(
          Math.min(Math.max(length, this.#buffer.length * 2, 256), this.#maxBytes + 1),
        );
        grown.set(this.#buffer.subarray(0, this.#length));
        this.#buffer = grown;
      }
      this.#buffer.set(bytes.subarray(start, end), this.#length);
      this.#length = length;
      if (lf === -1) return LINE_INCOMPLETE;
      line = this.#buffer;
      this.#length = 0;
    }
    let lineLength = length;
    if (lineLength > 0 && line[lineLength - 1] === 0x0d) lineLength--;
    if (lineLength > this.#maxBytes) return LINE_TOO_LONG;
    this.lineBytes = line.subarray(0, lineLength);
    this.line = latin1Decode(this.lineBytes);
    return lf + 1;
  }
}
