/**
 * A message received piece by piece: what `recvStreaming()` and
 * `streamMessages()` give (see `streaming.ts`). Its fragments wait in a small
 * buffer of their own, counted in the connection's incoming queue, so that a
 * consumer that stops pulling pauses the connection's reads.
 *
 * @module
 */

import { concatBytes } from "../core/bytes.js";
import { InvalidStateError } from "../core/errors.js";
import { type Message, sizeOf } from "./message.js";

/** A text message received piece by piece: each fragment a string, as it arrives. */
export interface TextMessageStream extends AsyncIterableIterator<string> {
  readonly type: "text";
}

/** A binary message received piece by piece: each fragment bytes, as they arrive. */
export interface BinaryMessageStream extends AsyncIterableIterator<Uint8Array> {
  readonly type: "binary";
}

/**
 * A message received piece by piece (see `Connection.recvStreaming`): an
 * async iterator over its fragments, text as strings and binary as bytes, in
 * order, as they arrive. `type` says which, before the first fragment is read.
 *
 * - The fragments joined are the message. A fragment is a frame of the
 *   message, or the part of a frame that one read brought; none is empty
 *   (an empty message has no fragment). Text is validated as it arrives: an invalid
 *   byte fails the connection with 1007 at once, and a code point is never
 *   cut between two fragments.
 * - It can be iterated once. `next()` calls wait one at a time: a second
 *   `next()` before the first settles rejects with `InvalidStateError`.
 * - If the connection closes before the last fragment arrives, the fragments
 *   that came are read first, then `next()` rejects with a
 *   `ConnectionClosedError` (even after a normal closure: the message is
 *   incomplete).
 * - Abandoning it (`return()`, which `break` in a `for await` loop calls)
 *   before its end discards the rest of the message as it arrives; the
 *   connection stays open, and the next receive gets the next message. The
 *   discarded part is still checked (UTF-8, limits).
 * - A stream that is neither read to its end nor abandoned holds the
 *   connection's reads paused once its buffer passes the incoming queue's
 *   mark (`maxQueuedBytes`): keepalive pongs are not read either, so a
 *   forgotten stream ends in a keepalive timeout (1011).
 */
export type MessageStream = TextMessageStream | BinaryMessageStream;

/** What a stream tells the connection it came from. */
export interface StreamOwner {
  /** `bytes` of buffered fragments left the stream's buffer (read, or discarded). */
  fragmentsTaken(bytes: number): void;
}

type Fragment = string | Uint8Array;
type Result = IteratorResult<Fragment, undefined>;

// #state values.
const RECEIVING = 0;
/** The last fragment arrived. */
const ENDED = 1;
/** The connection closed before the last fragment. */
const FAILED = 2;
/** `return()` was called before the last fragment: the rest is discarded. */
const ABANDONED = 3;

const DONE: Result = Object.freeze({ value: undefined, done: true });
const NO_OWNER: StreamOwner = { fragmentsTaken() {} };

/** The one implementation of {@link MessageStream}. */
export class ReceivedStream implements AsyncIterableIterator<Fragment> {
  readonly type: "text" | "binary";
  /**
   * As an item of the incoming queue, a stream counts none of its bytes
   * (`sizeOf` reads this): its fragments count as they arrive.
   */
  readonly byteLength = 0;
  readonly #owner: StreamOwner;
  #buffer: Fragment[] | undefined;
  #head = 0;
  #state = RECEIVING;
  #error: Error | undefined;
  #waiting: { resolve(result: Result): void; reject(error: Error): void } | undefined;

  constructor(type: "text" | "binary", owner: StreamOwner) {
    this.type = type;
    this.#owner = owner;
  }

  /** A stream over a message that arrived whole: one fragment, already ended. */
  static of(message: Message): ReceivedStream {
    const stream = new ReceivedStream(typeof message === "string" ? "text" : "binary", NO_OWNER);
    if (message.length > 0) stream.#buffer = [message];
    stream.#state = ENDED;
    return stream;
  }

  /**
   * Adds the next fragment (`fin`: the last). Returns whether it was
   * buffered, and so counts in the connection's queue until taken; it was
   * not when a reader was waiting for it, or the stream was abandoned.
   */
  add(fragment: Fragment, fin: boolean): boolean {
    const state = this.#state;
    if (fin && state === RECEIVING) this.#state = ENDED;
    if (state === ABANDONED) {
      if (fin) this.#state = ENDED;
      return false;
    }
    const waiting = this.#waiting;
    if (fragment.length === 0) {
      // Only the last fragment may be empty (the frame that ends the
      // message): it ends the stream, and is not read.
      if (fin && waiting !== undefined) {
        this.#waiting = undefined;
        waiting.resolve(DONE);
      }
      return false;
    }
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value: fragment, done: false });
      return false;
    }
    if (this.#buffer === undefined) this.#buffer = [fragment];
    else this.#buffer.push(fragment);
    return true;
  }

  /** The connection closed before the last fragment: reads end with `error` once the buffer is empty. */
  fail(error: Error): void {
    if (this.#state !== RECEIVING) {
      if (this.#state === ABANDONED) this.#state = ENDED;
      return;
    }
    this.#state = FAILED;
    this.#error = error;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  next(): Promise<Result> {
    const buffer = this.#buffer;
    if (buffer !== undefined) {
      const fragment = buffer[this.#head]!;
      buffer[this.#head++] = undefined as never;
      if (this.#head === buffer.length) {
        this.#buffer = undefined;
        this.#head = 0;
      }
      this.#owner.fragmentsTaken(sizeOf(fragment));
      return Promise.resolve({ value: fragment, done: false });
    }
    const state = this.#state;
    if (state === FAILED) return Promise.reject(this.#error);
    if (state !== RECEIVING) return Promise.resolve(DONE);
    if (this.#waiting !== undefined) {
      return Promise.reject(
        new InvalidStateError("Cannot read fragment: another read of this message is pending"),
      );
    }
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Abandons the stream: what is buffered and what is still to come are discarded. */
  return(): Promise<Result> {
    if (this.#state === RECEIVING) this.#state = ABANDONED;
    const buffer = this.#buffer;
    if (buffer !== undefined) {
      let bytes = 0;
      for (let i = this.#head; i < buffer.length; i++) bytes += sizeOf(buffer[i]!);
      this.#buffer = undefined;
      this.#head = 0;
      this.#owner.fragmentsTaken(bytes);
    }
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(DONE);
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Reads a stream to its end and joins its fragments into the message. */
export async function joinStream(stream: MessageStream): Promise<Message> {
  if (stream.type === "text") {
    let text = "";
    for await (const fragment of stream) text += fragment;
    return text;
  }
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for await (const fragment of stream) {
    parts.push(fragment);
    bytes += fragment.length;
  }
  return concatBytes(parts, bytes);
}
