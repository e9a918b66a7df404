/**
 * Our side of DATA and flow control (RFC 9113 6.1, 6.9): frames a stream's
 * output as far as its send window, the connection's send window and the
 * peer's SETTINGS_MAX_FRAME_SIZE allow, and queues the rest (the caller's
 * chunks, referenced) until WINDOW_UPDATE.
 *
 * Streams held by the connection window wait in a Set in the order they
 * blocked; when the window reopens each gets its turn, and one that runs the
 * window dry again goes to the back, so a large sender cannot starve the
 * others.
 *
 * @module
 */

import { DEFAULT_WINDOW_BYTES } from "./flow-window.js";
import { FrameFlag, FrameType } from "./frame-types.js";
import type { FrameOutput } from "./frame-writer.js";
import { Ended, type Http2Stream } from "./stream.js";

/** Frames and queues a session's outgoing DATA. */
export class DataSender {
  /** Bytes the peer lets us send on the connection (only WINDOW_UPDATE changes it, RFC 9113 6.9.2). */
  connectionWindow = DEFAULT_WINDOW_BYTES;
  /** The peer's SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize = 16384;
  readonly #out: FrameOutput;
  readonly #blocked = new Set<Http2Stream>();
  /** Called when a held stream's queue drained to nothing. */
  readonly #onDrain: (stream: Http2Stream) => void;
  /** Called when our END_STREAM went out (the stream may now be closed). */
  readonly #onEnded: (stream: Http2Stream) => void;

  constructor(
    out: FrameOutput,
    onDrain: (stream: Http2Stream) => void,
    onEnded: (stream: Http2Stream) => void,
  ) {
    this.#out = out;
    this.#onDrain = onDrain;
    this.#onEnded = onEnded;
  }

  /** Sends or queues `chunks` on `stream`; `endStream` ends our side after them. */
  send(stream: Http2Stream, chunks: readonly Uint8Array[], endStream: boolean): void {
    if (stream.queuedBytes === 0 && chunks.length === 1) {
      // Fast path (one WebSocket frame per call): nothing queued, and the
      // chunk fits both windows and one frame: a 9-byte header into the slab
      // and the caller's view, no queue, no copy (~80 ns for 64 B).
      const chunk = chunks[0]!;
      const n = chunk.length;
      if (n > 0 && n <= stream.sendWindow && n <= this.connectionWindow && n <= this.maxFrameSize) {
        this.#out.header(n, FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, stream.id);
        this.#out.view(chunk);
        stream.sendWindow -= n;
        this.connectionWindow -= n;
        if (endStream) {
          stream.ended |= Ended.LOCAL;
          this.#onEnded(stream);
        }
        return;
      }
    }
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      (stream.queue ??= []).push(chunk);
      stream.queuedBytes += chunk.length;
    }
    if (endStream) stream.endQueued = true;
    this.flush(stream);
  }

  /** Frames what the windows let out of the stream's queue; "drain" when it empties after a hold. */
  flush(stream: Http2Stream): void {
    const out = this.#out;
    while (stream.queuedBytes > 0) {
      const allowed = Math.min(stream.sendWindow, this.connectionWindow, this.maxFrameSize);
      if (allowed <= 0) break;
      const n = Math.min(allowed, stream.queuedBytes);
      const last = n === stream.queuedBytes && stream.endQueued;
      out.header(n, FrameType.DATA, last ? FrameFlag.END_STREAM : 0, stream.id);
      cutQueue(stream, n, out);
      stream.queuedBytes -= n;
      stream.sendWindow -= n;
      this.connectionWindow -= n;
      if (last) {
        stream.endQueued = false;
        stream.ended |= Ended.LOCAL;
      }
    }
    if (stream.queuedBytes > 0) {
      stream.held = true;
      this.#blocked.add(stream);
      return;
    }
    stream.queue = null;
    stream.queueHead = 0;
    this.#blocked.delete(stream);
    if (stream.endQueued) {
      // END_STREAM after an empty queue: an empty DATA frame (it needs no window).
      stream.endQueued = false;
      out.header(0, FrameType.DATA, FrameFlag.END_STREAM, stream.id);
      stream.ended |= Ended.LOCAL;
    }
    if (stream.held) {
      stream.held = false;
      this.#onDrain(stream);
    }
    if (stream.ended & Ended.LOCAL) this.#onEnded(stream);
  }

  /** After the connection window (or the peer's settings) grew: held streams in turn. */
  flushBlocked(): void {
    for (const stream of this.#blocked) {
      if (this.connectionWindow <= 0) return;
      if (stream.sendWindow <= 0) continue;
      this.flush(stream);
      if (stream.queuedBytes > 0) {
        // Still held (the connection window ran dry): to the back of the line.
        this.#blocked.delete(stream);
        this.#blocked.add(stream);
        return;
      }
    }
  }

  /** The stream is gone (reset): its queued output is dropped. */
  forget(stream: Http2Stream): void {
    if (stream.queue === null) return;
    this.#blocked.delete(stream);
    stream.queue = null;
    stream.queueHead = 0;
    stream.queuedBytes = 0;
    stream.endQueued = false;
  }

  /** Every stream is gone. */
  clear(): void {
    this.#blocked.clear();
  }
}

/** Cuts `n` bytes off the stream's queue into `out` as views of the caller's chunks. */
function cutQueue(stream: Http2Stream, n: number, out: FrameOutput): void {
  const queue = stream.queue!;
  let left = n;
  while (left > 0) {
    const chunk = queue[stream.queueHead]!;
    const offset = stream.queueOffset;
    const take = Math.min(left, chunk.length - offset);
    out.view(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
    left -= take;
    if (offset + take < chunk.length) {
      stream.queueOffset = offset + take;
      continue;
    }
    stream.queueOffset = 0;
    // An index, not shift(): a queue of many small chunks drains in linear time.
    queue[stream.queueHead++] = undefined as unknown as Uint8Array;
    if (stream.queueHead === queue.length) {
      queue.length = 0;
      stream.queueHead = 0;
    }
  }
}
