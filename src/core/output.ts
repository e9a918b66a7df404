/**
 * The outgoing byte queue of one connection, written into shared slabs.
 *
 * Small frames from every connection are written one after another into a
 * shared slab, so framing a message costs no allocation, and the frames one
 * connection produces in a turn usually sit side by side and leave as a single
 * chunk (one socket write: the main reason Bun's server is fast). A slab is
 * never written twice: once its space is handed out it belongs to the view that
 * took it, and the garbage collector frees the slab when no view is left. An
 * idle connection holds no buffer of its own.
 *
 * @module
 */

// 64 KiB: large enough that a busy turn of many connections fits in a few
// slabs, small enough that a slab kept alive by one unsent view costs little.
const SLAB_BYTES = 64 * 1024;
/** A reservation larger than this gets its own buffer instead of wasting slab space. */
export const SLAB_MAX_FRAME = 16 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** Bytes waiting to be written by one connection, in order. */
export class OutputQueue {
  // Allocated when the first chunk is queued, dropped by take(): an idle
  // connection holds no array.
  #chunks: Uint8Array[] | undefined;
  // The run of the current slab this queue wrote last, if it is still
  // growing at the slab's end: the next reservation extends it.
  #runSlab: Uint8Array | undefined;
  #runStart = 0;
  #bytes = 0;

  /** Bytes queued and not yet taken. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Reserves `size` bytes at the end of the queue and returns the buffer and
   * offset to write them at. `release(unused)` may give back the tail of the
   * latest reservation if fewer bytes were written.
   */
  reserve(size: number): { buffer: Uint8Array; offset: number } {
    this.#bytes += size;
    if (size > SLAB_MAX_FRAME) {
      this.#closeRun();
      const buffer = new Uint8Array(size);
      this.#append(buffer);
      return { buffer, offset: 0 };
    }
    if (slabUsed + size > SLAB_BYTES) {
      this.#closeRun();
      slab = new Uint8Array(SLAB_BYTES);
      slabUsed = 0;
    }
    if (this.#runSlab !== slab || this.#runEnd !== slabUsed) {
      this.#closeRun();
      this.#runSlab = slab;
      this.#runStart = slabUsed;
    }
    const offset = slabUsed;
    slabUsed += size;
    this.#runEnd = slabUsed;
    return { buffer: slab, offset };
  }

  #runEnd = 0;

  /**
   * Gives back the last `unused` bytes of the latest slab reservation.
   *
   * The slab is shared by every queue, so rewinding it is safe only while
   * that reservation is still the slab's last: call `release` right after
   * `reserve`, with no reservation by any queue in between (the two are one
   * synchronous step in `queueTextFrame`), for a reservation of at most
   * {@link SLAB_MAX_FRAME} bytes (larger ones have their own buffer), and
   * for at most the bytes reserved. Anything else would hand the same bytes
   * to two frames; it throws instead (two comparisons, off the hot path's
   * cost).
   *
   * @throws Error when the latest reservation is not the slab's last
   */
  release(unused: number): void {
    if (
      this.#runSlab !== slab ||
      this.#runEnd !== slabUsed ||
      this.#runEnd - unused < this.#runStart
    ) {
      throw new Error("Cannot release output: the latest reservation is not the slab's last");
    }
    this.#bytes -= unused;
    slabUsed -= unused;
    this.#runEnd -= unused;
  }

  /** Queues a buffer as is, without copying. The caller must not change it afterwards. */
  push(chunk: Uint8Array): void {
    this.#closeRun();
    this.#append(chunk);
    this.#bytes += chunk.length;
  }

  /** Takes every queued chunk, oldest first. */
  take(): Uint8Array[] {
    this.#closeRun();
    const chunks = this.#chunks ?? [];
    this.#chunks = undefined;
    this.#bytes = 0;
    return chunks;
  }

  #append(chunk: Uint8Array): void {
    if (this.#chunks === undefined) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
  }

  #closeRun(): void {
    if (this.#runSlab !== undefined) {
      if (this.#runEnd > this.#runStart) {
        this.#append(this.#runSlab.subarray(this.#runStart, this.#runEnd));
      }
      this.#runSlab = undefined;
    }
  }
}
