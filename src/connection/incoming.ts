/**
 * The incoming side: received messages wait in a bounded queue (reads pause
 * when it is full, and resume when it is down to a quarter) or go straight to
 * a waiting reader (`recv()` or an iterator's `next()`), or, once an observer
 * is set (`observe()`, for event APIs), to the observer. The application may
 * also pause reads itself (`pauseReading()`).
 *
 * @module
 */

import { type CloseInfo, ConnectionClosed, isNormalClosure, withoutStack } from "./errors.js";
import { Flushing } from "./flushing.js";
import { type Message, sizeOf } from "./message.js";
import {
  type ConnectionObserver,
  ITERATING,
  PAUSED,
  type Settle,
  TRANSPORT_GONE,
  USER_PAUSED,
} from "./state.js";

/** A thenable that rejects with `error`, for a {@link Settle} to reject with. */
function rejecting(error: Error): PromiseLike<never> {
  return {
    // biome-ignore lint/suspicious/noThenProperty: a thenable is the point
    then: (_onFulfilled, onRejected) => {
      onRejected?.(error);
      return undefined as never;
    },
  } as PromiseLike<never>;
}

/**
 * The error for readers (and pings) still waiting when the connection
 * closes, made without a stack (see {@link withoutStack}).
 */
export function closedWithoutStack(action: string, info: CloseInfo): ConnectionClosed {
  return withoutStack(() => ConnectionClosed.from(action, info));
}

/** The third class of a connection's chain (see `state.ts`): receiving messages. */
export abstract class Incoming extends Flushing {
  /**
   * The next message. Rejects with {@link ConnectionClosed} once the
   * connection is closed and every message received before has been read:
   * `ConnectionClosedOK` after a normal closure, `ConnectionClosedError`
   * otherwise.
   */
  recv(): Promise<Message> {
    if (this.queue !== undefined) return Promise.resolve(this.takeMessage());
    const info = this.rare?.info;
    if (info !== undefined) {
      return Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) => this.waitForMessage(false, resolve as Settle));
  }

  /**
   * Hands every protocol event of this connection to `observer` from now on,
   * synchronously and in order (see {@link ConnectionObserver}). Messages then
   * skip the incoming queue; those already queued are handed over first, so
   * none is lost between the handshake and the call.
   */
  observe(observer: ConnectionObserver): void {
    this.rareState().observer = observer;
    while (this.queue !== undefined) {
      const message = this.takeMessage();
      observer(
        typeof message === "string"
          ? { type: "text", data: message }
          : { type: "binary", data: message },
      );
    }
  }

  /**
   * Stops reading from the transport until {@link Incoming.resumeReading}:
   * backpressure chosen by the application (ws's `pause()`). Messages already
   * read are still delivered.
   */
  pauseReading(): void {
    if (this.flags & USER_PAUSED) return;
    this.flags |= USER_PAUSED;
    if (!(this.flags & (PAUSED | TRANSPORT_GONE))) this.transport.pause();
  }

  /** Resumes reading after {@link Incoming.pauseReading} (unless the incoming queue is full). */
  resumeReading(): void {
    if (!(this.flags & USER_PAUSED)) return;
    this.flags &= ~USER_PAUSED;
    if (!(this.flags & (PAUSED | TRANSPORT_GONE))) this.transport.resume();
  }

  /** Whether reads are paused by {@link Incoming.pauseReading}. */
  get isReadingPaused(): boolean {
    return (this.flags & USER_PAUSED) !== 0;
  }

  /** The iterator's `next()` (see `Connection[Symbol.asyncIterator]`). */
  protected nextMessage(): Promise<IteratorResult<Message>> {
    if (this.queue !== undefined) {
      return Promise.resolve({ value: this.takeMessage(), done: false });
    }
    const info = this.rare?.info;
    if (info !== undefined) {
      return isNormalClosure(info)
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) => this.waitForMessage(true, resolve as Settle));
  }

  protected waitForMessage(iterating: boolean, resolve: Settle): void {
    if (this.resolveNext === undefined) {
      this.resolveNext = resolve;
      if (iterating) this.flags |= ITERATING;
      else this.flags &= ~ITERATING;
    } else {
      this.rareState().waiters.push({ iterating, resolve });
    }
  }

  /** Takes the oldest queued message (the queue is not empty), resuming reads under both low marks. */
  protected takeMessage(): Message {
    const queue = this.queue!;
    const message = queue[this.queueHead]!;
    queue[this.queueHead++] = undefined;
    this.queuedBytes -= sizeOf(message);
    if (this.queueHead === queue.length) {
      this.queue = undefined;
      this.queueHead = 0;
    }
    if (
      this.flags & PAUSED &&
      (this.queue === undefined ? 0 : queue.length - this.queueHead) <= this.settings.lowQueue &&
      this.queuedBytes <= this.settings.lowQueueBytes
    ) {
      this.flags &= ~PAUSED;
      if (!(this.flags & (TRANSPORT_GONE | USER_PAUSED))) this.transport.resume();
    }
    return message;
  }

  /** Hands a received message to the first waiting reader, else queues it. */
  protected pushMessage(message: Message): void {
    const resolve = this.resolveNext;
    if (resolve === undefined) {
      if (this.queue === undefined) this.queue = [message];
      else this.queue.push(message);
      this.queuedBytes += sizeOf(message);
      return;
    }
    const iterating = (this.flags & ITERATING) !== 0;
    this.shiftWaiter();
    if (iterating) resolve({ value: message, done: false });
    else resolve(message);
  }

  /**
   * Pauses reads when the queue is past either high mark (after the
   * protocol's events). The bytes may wait with no queue: in the stream a
   * reader took (see `streaming.ts`).
   */
  protected pauseIfQueueFull(): void {
    const queue = this.queue;
    if (queue === undefined && this.queuedBytes === 0) return;
    if (
      !(this.flags & (PAUSED | TRANSPORT_GONE)) &&
      ((queue !== undefined && queue.length - this.queueHead > this.settings.highQueue) ||
        this.queuedBytes > this.settings.highQueueBytes)
    ) {
      this.flags |= PAUSED;
      this.transport.pause();
    }
  }

  /** Drops the first waiting reader; the next one (if any) takes its place. */
  protected shiftWaiter(): void {
    const next = this.rare?.waiters.shift();
    if (next === undefined) {
      this.resolveNext = undefined;
      return;
    }
    this.resolveNext = next.resolve;
    if (next.iterating) this.flags |= ITERATING;
    else this.flags &= ~ITERATING;
  }

  /** Settles every waiting reader: end of iteration after a normal closure, else an error. */
  protected releaseWaiters(info: CloseInfo): void {
    const normal = isNormalClosure(info);
    let error: ConnectionClosed | undefined;
    while (this.resolveNext !== undefined) {
      const resolve = this.resolveNext;
      const iterating = (this.flags & ITERATING) !== 0;
      this.shiftWaiter();
      if (iterating && normal) resolve({ value: undefined, done: true });
      else resolve(rejecting((error ??= closedWithoutStack("Cannot receive message", info))));
    }
  }
}
