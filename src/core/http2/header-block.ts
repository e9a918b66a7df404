/**
 * A header block held across HEADERS and CONTINUATION frames until
 * END_HEADERS (RFC 9113 6.2, 6.10), with the bounds of the 2024 CONTINUATION
 * flood (calm.ts): at most {@link MAX_CONTINUATION_FRAMES} frames and
 * `limitBytes` bytes, checked before anything is copied, so a peer that never
 * ends a block costs us a bounded buffer and a GOAWAY ENHANCE_YOUR_CALM.
 *
 * A block whole in one HEADERS frame never comes here: the session decodes
 * it straight from the input view.
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { MAX_CONTINUATION_FRAMES } from "./calm.js";
import { Http2ErrorCode } from "./error-codes.js";
import { type Http2Error, peerError } from "./errors.js";

/** The header block being held (one per session: blocks cannot interleave, RFC 9113 6.10). */
export class HeaderBlock {
  /** The stream whose block is held; 0 when none is. */
  streamId = 0;
  /** The HEADERS frame had END_STREAM. */
  endStream = false;
  /** The HEADERS frame's priority made the stream depend on itself (RFC 9113 5.3.1). */
  dependsOnItself = false;
  /** The most bytes a block may have. */
  readonly limitBytes: number;
  #bytes: Uint8Array = EMPTY_BYTES;
  #length = 0;
  #continuations = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Starts holding a block with the fragment of a HEADERS frame without END_HEADERS. */
  start(
    streamId: number,
    fragment: Uint8Array,
    endStream: boolean,
    dependsOnItself: boolean,
  ): Http2Error | undefined {
    this.streamId = streamId;
    this.endStream = endStream;
    this.dependsOnItself = dependsOnItself;
    this.#continuations = 0;
    this.#length = 0;
    return this.#append(fragment);
  }

  /** Adds a CONTINUATION frame's fragment (its stream checked by the caller). */
  continue(fragment: Uint8Array): Http2Error | undefined {
    if (++this.#continuations > MAX_CONTINUATION_FRAMES)
      return peerError(
        Http2ErrorCode.ENHANCE_YOUR_CALM,
        `Cannot accept frame: header block on stream ${this.streamId} spans more than ${MAX_CONTINUATION_FRAMES} CONTINUATION frames`,
      );
    return this.#append(fragment);
  }

  /** The whole block; the holder is empty again (and lets go of its buffer). */
  finish(): Uint8Array {
    const block = this.#bytes.subarray(0, this.#length);
    this.clear();
    return block;
  }

  /** Drops what is held. */
  clear(): void {
    this.streamId = 0;
    this.#bytes = EMPTY_BYTES;
    this.#length = 0;
  }

  #append(fragment: Uint8Array): Http2Error | undefined {
    const length = this.#length + fragment.length;
    if (length > this.limitBytes)
      return peerError(
        Http2ErrorCode.ENHANCE_YOUR_CALM,
        `Cannot accept frame: header block on stream ${this.streamId} is over ${this.limitBytes} bytes`,
      );
    if (length > this.#bytes.length) {
      // Doubling (from 1 KiB), never past the limit: a few copies for a large block.
      const grown = new Uint8Array(
        Math.min(this.limitBytes, Math.max(length, 2 * this.#bytes.length, 1024)),
      );
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(fragment, this.#length);
    this.#length = length;
    return undefined;
  }
}
