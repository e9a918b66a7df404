/**
 * Streaming receive: a message delivered as an async iterator of its
 * fragments as they arrive ({@link MessageStream}), so that a large message
 * is processed without being assembled (Python websockets'
 * `recv_streaming`).
 *
 * The first `recvStreaming()` or `streamMessages()` call puts the connection
 * in streaming mode for good (the `STREAMING` flag): the protocol then
 * reports messages that do not arrive whole in one read as `fragment` events
 * (`Protocol.streamMessages`). The first fragment of a message makes its
 * stream, which takes the message's place in the incoming queue (so messages
 * keep their order), and its fragments wait in the stream's buffer, counted in
 * the queue's bytes: reads pause when the consumer falls behind, as they do
 * for whole messages. A message that arrived whole is a stream of one
 * fragment; `recv()` and `for await` still give whole messages, joining the
 * streamed ones.
 *
 * @module
 */

import type { FragmentEvent } from "../core/events.js";
import { Closing } from "./closing.js";
import {
  type CloseInfo,
  ConnectionClosed,
  ConnectionClosedError,
  isNormalClosure,
} from "./errors.js";
import { closedWithoutStack } from "./incoming.js";
import { type Message, sizeOf } from "./message.js";
import {
  joinStream,
  type MessageStream,
  ReceivedStream,
  type StreamOwner,
} from "./message-stream.js";
import { PAUSED, type Settle, STREAMING, TRANSPORT_GONE, USER_PAUSED } from "./state.js";

export type { BinaryMessageStream, MessageStream, TextMessageStream } from "./message-stream.js";

/** What a connection in streaming mode keeps, in its rare state. */
export interface StreamReceiver extends StreamOwner {
  /** The stream of the message being received, until its last fragment. */
  receiving: ReceivedStream | undefined;
}

type Received = Message | ReceivedStream;

/** Whether a waiting reader was given a rejection (see `Settle`) rather than a message. */
function isRejection(value: unknown): value is PromiseLike<never> {
  return typeof value === "object" && typeof (value as PromiseLike<never>).then === "function";
}

/** A queued item as a stream: itself, or a message that arrived whole. */
function asStream(item: Received): MessageStream {
  return (item instanceof ReceivedStream ? item : ReceivedStream.of(item)) as MessageStream;
}

/** The seventh class of a connection's chain (see `state.ts`): streaming receive. */
export abstract class Streaming extends Closing {
  /**
   * The next message, as a stream of its fragments as they arrive (see
   * {@link MessageStream}): for a message too large to hold, or to process
   * a message while it arrives. Resolves when the message starts. Rejects
   * like `recv()` once the connection is closed.
   *
   * The first call puts the connection in streaming mode for good: from then
   * on messages are not assembled but passed on in pieces. Messages that
   * already arrived come as streams of one fragment; `recv()` and
   * `for await` keep working, joining the fragments of each message.
   * Streamed messages are bounded by `maxMessageBytes` like the others: raise
   * it to receive larger ones. Memory holds what the consumer has not read
   * yet, bounded by `maxQueuedBytes` (reads pause above it).
   *
   * @example
   * ```ts
   * const message = await connection.recvStreaming();
   * if (message.type === "binary") {
   *   for await (const bytes of message) await file.write(bytes);
   * }
   * ```
   */
  recvStreaming(): Promise<MessageStream> {
    this.startStreaming();
    if (this.queue !== undefined) return Promise.resolve(asStream(this.takeMessage()));
    const info = this.rare?.info;
    if (info !== undefined) {
      return Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) =>
      this.waitForMessage(false, ((item: Received | PromiseLike<never>) =>
        resolve(isRejection(item) ? item : asStream(item))) as Settle),
    );
  }

  /**
   * Iterates over received messages as streams (see {@link recvStreaming}),
   * until the connection closes: the loop ends after a normal closure and
   * throws `ConnectionClosedError` after an abnormal one, like
   * `for await (const message of connection)`. Breaking out of the loop
   * leaves the connection open.
   *
   * @example
   * ```ts
   * for await (const message of connection.streamMessages()) {
   *   let bytes = 0;
   *   for await (const fragment of message) bytes += fragment.length;
   *   await connection.send(`${message.type} message of ${bytes} bytes or characters`);
   * }
   * ```
   */
  streamMessages(): AsyncIterableIterator<MessageStream> {
    this.startStreaming();
    const iterator: AsyncIterableIterator<MessageStream> = {
      next: () => this.nextStream(),
      return: () => Promise.resolve({ value: undefined, done: true }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** See `Incoming.recv`; in streaming mode, the fragments of a streamed message joined. */
  override recv(): Promise<Message> {
    if (!(this.flags & STREAMING)) return super.recv();
    return this.recvStreaming().then(joinStream);
  }

  /** The iterator's `next()`; in streaming mode, the fragments of a streamed message joined. */
  protected override nextMessage(): Promise<IteratorResult<Message>> {
    if (!(this.flags & STREAMING)) return super.nextMessage();
    return this.nextStream().then((result) =>
      result.done ? result : joinStream(result.value).then((value) => ({ value, done: false })),
    );
  }

  /** A fragment event of the protocol: the start of a stream, or the next piece of one. */
  protected receiveFragment(event: FragmentEvent): void {
    const receiver = this.streamReceiver();
    const data = event.data;
    let stream = receiver.receiving;
    if (stream === undefined) {
      stream = new ReceivedStream(typeof data === "string" ? "text" : "binary", receiver);
      // The stream takes the message's place in the queue (its bytes count
      // as its fragments arrive: see ReceivedStream.byteLength).
      this.pushMessage(stream as unknown as Message);
    }
    receiver.receiving = event.fin ? undefined : stream;
    if (stream.add(data, event.fin)) this.queuedBytes += sizeOf(data);
  }

  /** Also ends the stream of a message cut short by the close. */
  protected override releaseWaiters(info: CloseInfo): void {
    super.releaseWaiters(info);
    const receiver = this.rare?.streams;
    const stream = receiver?.receiving;
    if (stream === undefined) return;
    receiver!.receiving = undefined;
    // An error even after a normal closure: the message is incomplete.
    stream.fail(
      isNormalClosure(info)
        ? new ConnectionClosedError(
            `Cannot receive fragment: connection closed with code ${info.code} before the end of the message`,
            info,
          )
        : closedWithoutStack("Cannot receive fragment", info),
    );
  }

  /** Buffered fragments were read or discarded: reads resume under both low marks. */
  protected fragmentsTaken(bytes: number): void {
    this.queuedBytes -= bytes;
    const queue = this.queue;
    if (
      this.flags & PAUSED &&
      (queue === undefined ? 0 : queue.length - this.queueHead) <= this.settings.lowQueue &&
      this.queuedBytes <= this.settings.lowQueueBytes
    ) {
      this.flags &= ~PAUSED;
      if (!(this.flags & (TRANSPORT_GONE | USER_PAUSED))) this.transport.resume();
    }
  }

  private startStreaming(): void {
    if (this.flags & STREAMING) return;
    this.flags |= STREAMING;
    this.protocol.streamMessages = true;
  }

  /** The streams iterator's `next()`. */
  private nextStream(): Promise<IteratorResult<MessageStream, undefined>> {
    if (this.queue !== undefined) {
      return Promise.resolve({ value: asStream(this.takeMessage()), done: false });
    }
    const info = this.rare?.info;
    if (info !== undefined) {
      return isNormalClosure(info)
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) =>
      this.waitForMessage(true, ((result: IteratorResult<Received> | PromiseLike<never>) =>
        resolve(
          isRejection(result) || result.done === true
            ? (result as PromiseLike<never>)
            : { value: asStream(result.value), done: false },
        )) as Settle),
    );
  }

  private streamReceiver(): StreamReceiver {
    const rare = this.rareState();
    rare.streams ??= new Streaming.Receiver(this);
    return rare.streams;
  }

  /** The connection's {@link StreamReceiver}: the owner its streams report to. */
  private static readonly Receiver = class Receiver implements StreamReceiver {
    receiving: ReceivedStream | undefined;
    readonly #connection: Streaming;
    constructor(connection: Streaming) {
      this.#connection = connection;
    }
    fragmentsTaken(bytes: number): void {
      this.#connection.fragmentsTaken(bytes);
    }
  };
}
