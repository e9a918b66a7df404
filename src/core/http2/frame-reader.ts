/**
 * Cuts frames out of a byte stream read in pieces of any size (RFC 9113 4.1).
 *
 * Fast path: when a frame lies whole in one read, which is the usual case
 * (a read brings many frames, or a large DATA frame in one piece), its payload
 * is a `subarray` view of that read: no copy, no allocation but the view.
 * Only a frame split across reads is copied into a buffer of its own, whose
 * size is known (and checked against our SETTINGS_MAX_FRAME_SIZE) before
 * anything is allocated, so a peer cannot make us hold more than one frame.
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { FRAME_HEADER_BYTES } from "./frame-types.js";

/** What {@link FrameReader.next} found. */
export const ReadResult = {
  /** The input is used up (a partial frame is kept). */
  NEED_MORE: 0,
  /** A whole frame: see the reader's `type`, `flags`, `streamId`, `payload`. */
  FRAME: 1,
  /** A frame header announcing more than `maxFrameSize` (its fields are set, no payload). */
  OVERSIZE: 2,
} as const;

/** Frames from pieces of a byte stream: `push()` a read, then `next()` until NEED_MORE. */
export class FrameReader {
  /** The largest payload accepted (our SETTINGS_MAX_FRAME_SIZE). */
  maxFrameSize: number;
  /** The last frame's type. */
  type = 0;
  /** The last frame's flags. */
  flags = 0;
  /** The last frame's stream id (the reserved bit cleared, RFC 9113 4.1). */
  streamId = 0;
  /** The last frame's payload length. */
  length = 0;
  /** The last frame's payload: a view of the input when the frame was whole in it. */
  payload: Uint8Array = EMPTY_BYTES;
  #input: Uint8Array = EMPTY_BYTES;
  #at = 0;
  /** A frame header split across reads, made the first time one is. */
  #head: Uint8Array | null = null;
  #headHave = 0;
  /** A frame payload split across reads. */
  #body: Uint8Array | null = null;
  #bodyHave = 0;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Starts reading `bytes` (the previous input must have been read to NEED_MORE). */
  push(bytes: Uint8Array): void {
    this.#input = bytes;
    this.#at = 0;
  }

  /** True when part of a frame is held (the stream ended inside a frame if EOF comes now). */
  get isInsideFrame(): boolean {
    return this.#headHave > 0 || this.#body !== null;
  }

  /** Reads the next frame of the input. Returns a {@link ReadResult}. */
  next(): number {
    const input = this.#input;
    let at = this.#at;
    const body = this.#body;
    if (body !== null) {
      const take = Math.min(body.length - this.#bodyHave, input.length - at);
      body.set(input.subarray(at, at + take), this.#bodyHave);
      this.#bodyHave += take;
      this.#at = at + take;
      if (this.#bodyHave < body.length) return this.#needMore();
      this.#body = null;
      this.payload = body;
      return ReadResult.FRAME;
    }
    if (this.#headHave === 0 && input.length - at >= FRAME_HEADER_BYTES) {
      // Fast path: the header is whole in this read; parse it in place.
      this.#parseHeader(input, at);
      at += FRAME_HEADER_BYTES;
    } else {
      if (at === input.length) return this.#needMore();
      const head = (this.#head ??= new Uint8Array(FRAME_HEADER_BYTES));
      const take = Math.min(FRAME_HEADER_BYTES - this.#headHave, input.length - at);
      head.set(input.subarray(at, at + take), this.#headHave);
      this.#headHave += take;
      at += take;
      if (this.#headHave < FRAME_HEADER_BYTES) {
        this.#at = at;
        return this.#needMore();
      }
      this.#headHave = 0;
      this.#parseHeader(head, 0);
    }
    const length = this.length;
    if (length > this.maxFrameSize) {
      this.#at = at;
      this.payload = EMPTY_BYTES;
      return ReadResult.OVERSIZE;
    }
    if (input.length - at >= length) {
      // Fast path: the payload is whole in this read: a view, no copy.
      this.payload = length === 0 ? EMPTY_BYTES : input.subarray(at, at + length);
      this.#at = at + length;
      return ReadResult.FRAME;
    }
    const held = new Uint8Array(length);
    held.set(input.subarray(at));
    this.#body = held;
    this.#bodyHave = input.length - at;
    return this.#needMore();
  }

  #parseHeader(b: Uint8Array, at: number): void {
    this.length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    this.type = b[at + 3]!;
    this.flags = b[at + 4]!;
    // The reserved bit is ignored on receipt (RFC 9113 4.1).
    this.streamId =
      ((b[at + 5]! & 0x7f) << 24) | (b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!;
  }

  #needMore(): number {
    // Drop the reference so a large read is not kept alive by an idle connection.
    this.#input = EMPTY_BYTES;
    this.#at = 0;
    return ReadResult.NEED_MORE;
  }
}
