/**
 * The payloads of a fragmented message as it arrives, joined when it ends.
 *
 * A fragment's payload is usually kept as is: a view on the bytes read, no
 * copy. Small fragments are copied instead, into buffers that double in size:
 * a view costs about a hundred bytes of heap and keeps its whole read alive,
 * so a peer that sent a 1 MB message as a million 1-byte fragments (7 MB on
 * the wire) made the receiver hold about 100 MB of views. Copied, the same
 * message costs at most twice its size.
 *
 * @module
 */

import { concatBytes } from "./bytes.js";

/** Fragments shorter than this are copied (see the module's comment). */
export const SMALL_PART = 4096;
// The first copy buffer; each next one is twice the size of the last.
const FIRST_BUFFER = 1024;

/** The payloads received so far of one fragmented message. */
export class MessageParts {
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;
  // The buffer small fragments are copied into, the end of what it holds,
  // and the start of what it holds that is not yet in #parts.
  #buffer: Uint8Array | undefined;
  #end = 0;
  #start = 0;

  /** Bytes received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds the next fragment's payload; the caller must not change it afterwards. */
  add(data: Uint8Array): void {
    this.#bytes += data.length;
    if (data.length >= SMALL_PART) {
      this.#closeRun();
      this.#parts.push(data);
      return;
    }
    let buffer = this.#buffer;
    if (buffer === undefined || this.#end + data.length > buffer.length) {
      this.#closeRun();
      const size = buffer === undefined ? FIRST_BUFFER : buffer.length * 2;
      buffer = new Uint8Array(Math.max(size, data.length));
      this.#buffer = buffer;
      this.#start = this.#end = 0;
    }
    buffer.set(data, this.#end);
    this.#end += data.length;
  }

  /** Copies what was received so far to the start of `target`. */
  copyTo(target: Uint8Array): void {
    this.#closeRun();
    let at = 0;
    for (const part of this.#parts) {
      target.set(part, at);
      at += part.length;
    }
  }

  /** The whole message: the parts joined (the only part itself, when there is one). */
  join(): Uint8Array {
    this.#closeRun();
    return concatBytes(this.#parts, this.#bytes);
  }

  #closeRun(): void {
    if (this.#end > this.#start) {
      this.#parts.push(this.#buffer!.subarray(this.#start, this.#end));
      this.#start = this.#end;
    }
  }
}
