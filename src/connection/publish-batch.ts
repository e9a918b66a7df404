/**
 * Publishes held until the end of the turn, and delivered together: the
 * messages published to one topic in one turn of the event loop go to each
 * subscriber in one step, as one run of frames made once for all of them.
 *
 * Why. Fanning a message out to 10,000 subscribers one publish at a time
 * touched each subscriber's connection, protocol and output once per message,
 * copied the frame into its output and cut a view of it, then concatenated
 * the pieces again for its write: with 14 messages per subscriber per turn
 * (what the 10,000-subscriber benchmark settles at), 43 % of the server's CPU
 * was that bookkeeping (perf, against 20 % in Bun's server, whose uWebSockets
 * holds a topic's messages for the end of the loop iteration the same way).
 * Held, the run of frames is built once per topic per turn, and each
 * subscriber gets it as one chunk and one socket write, with no copy.
 *
 * The write itself. At 10,000 subscribers the delivery is then one socket
 * write per subscriber per turn, and the write is most of the server's time
 * (about three quarters of it in the kernel, as in Bun's server, which makes
 * as many `send`s). Of the rest, a subscriber with nothing else to send (all
 * of them but a few) went through its protocol's output queue: a queue
 * object, a chunk array and an output record per subscriber per turn, only
 * to hand the same chunk to the transport. It now gets the run written at
 * once, the same one-chunk array for every subscriber
 * (`Sending.sendPreparedRunAlone`): 985 instructions per write in the
 * library before, 248 after (callgrind, bench/publish-fixed.ts), and about a
 * sixth less user CPU per socket write in the 10,000-subscriber benchmark
 * (3.6 µs to 3.0 µs, median of 8 alternating runs on a shared machine),
 * which leaves Node's `socket.write` as most of what is left in user space
 * (a delivery loop calling only `socket.write` measured the same).
 *
 * Order is as if each publish were sent at once:
 * - a send, a `sendFrame()`, a `sendPrepared()` or a `close()` on any
 *   connection first queues every held publish on its subscribers
 *   ({@link queueHeldPublishes}), so that a message sent after a publish
 *   leaves after it;
 * - subscribing and unsubscribing do the same, so that a connection gets the
 *   publishes of the turn made while it was subscribed, and only those.
 * Control frames the protocol sends by itself (pongs, the echo of a peer's
 * close) do not wait for held publishes.
 *
 * @module
 */

import { FIN, headerSize, writeHeader } from "../core/frame.js";
import { PreparedMessage } from "../core/prepared-message.js";
import type { SlowConsumers } from "./broadcast.js";
import type { Connection } from "./connection.js";

/** Something that holds publishes until the end of the turn (a `Topics`). */
export interface HoldsPublishes {
  /** Queues every held publish on its subscribers now (flushed at the end of the turn). */
  queueHeld(): void;
}

const holders: HoldsPublishes[] = [];

/**
 * Whether publishes are held somewhere. Every send reads it first, so it is
 * one boolean: the echo path pays one load and one branch for it.
 */
export let publishesHeld = false;

/** `holder` holds publishes now: sends must queue them first. */
export function holdPublishes(holder: HoldsPublishes): void {
  holders.push(holder);
  publishesHeld = true;
}

/** `holder` holds no publish any more. */
export function releasePublishes(holder: HoldsPublishes): void {
  const i = holders.indexOf(holder);
  if (i >= 0) holders.splice(i, 1);
  publishesHeld = holders.length > 0;
}

/** Queues every held publish on its subscribers, so that what is sent next leaves after them. */
export function queueHeldPublishes(): void {
  // Each holder releases itself (so this ends), and holds again only on a
  // new publish.
  while (holders.length > 0) holders[holders.length - 1]!.queueHeld();
}

/**
 * A server's frames of several whole messages, one after another: what a
 * server connection without extensions sends for a {@link PublishBatch}. Only
 * `serverFrame` is meaningful (`Sending.sendPreparedRun` checks that the
 * connection sends server frames as they are before using it).
 */
class FrameRun extends PreparedMessage {
  readonly #frames: Uint8Array;

  constructor(frames: Uint8Array) {
    super(0, frames);
    this.#frames = frames;
  }

  override get serverFrame(): Uint8Array {
    return this.#frames;
  }
}

/** The messages published to one topic in this turn, in order. */
export class PublishBatch {
  readonly topic: string;
  readonly messages: PreparedMessage[] = [];
  /** Per message, the connection that does not hear it (its publisher), if any. */
  #except: (Connection | undefined)[] | undefined;
  #run: PreparedMessage | undefined;

  constructor(topic: string) {
    this.topic = topic;
  }

  /** Adds a message; returns its payload's size, for the holder's bound on what it holds. */
  add(message: PreparedMessage, except: Connection | undefined): number {
    if (except !== undefined) {
      this.#except ??= new Array(this.messages.length).fill(undefined);
      this.#except.push(except);
    } else this.#except?.push(undefined);
    this.messages.push(message);
    return message.payload.length;
  }

  /**
   * Sends the batch to each of `subscribers` that is open and keeping up;
   * with `writeNow`, writes each one's output at once (the end-of-turn
   * delivery), else leaves it for the end of the turn. Slow subscribers are
   * handled by `policy`, once for the whole batch. Returns how many
   * subscribers got it.
   */
  deliver(subscribers: Iterable<Connection>, policy: SlowConsumers, writeNow: boolean): number {
    const messages = this.messages;
    const except = this.#except;
    const publishers = except === undefined ? undefined : new Set(except);
    const limit = policy.maxBufferedBytes;
    const run = this.#frameRun();
    // One array for every subscriber's write (transports neither keep nor
    // change the array they are given).
    const chunks = writeNow ? [run.serverFrame] : undefined;
    let sent = 0;
    for (const connection of subscribers) {
      if (connection.state !== "open") continue;
      if (connection.bufferedAmount > limit) {
        if (policy.closesSlow) void connection.close(1008, "Too slow to keep up").catch(() => {});
        continue;
      }
      if (publishers?.has(connection)) {
        // A publisher of this turn: the batch without its own messages
        // (a slow path: publishers are few beside those who listen).
        const others = messages.filter((_, i) => except![i] !== connection);
        if (others.length > 0 && connection.sendPreparedRun(others, undefined, writeNow)) sent++;
      } else if (
        // At the end of the turn, a subscriber with nothing else to send
        // (nearly all of them) gets the run as its write's one chunk at once.
        (chunks !== undefined && connection.sendPreparedRunAlone(run, chunks)) ||
        connection.sendPreparedRun(messages, run, writeNow)
      ) {
        sent++;
      }
    }
    return sent;
  }

  /** The messages' server frames as one run (made on first use, once for all subscribers). */
  #frameRun(): PreparedMessage {
    if (this.#run !== undefined) return this.#run;
    const messages = this.messages;
    if (messages.length === 1) return (this.#run = messages[0]!);
    let size = 0;
    for (const message of messages) {
      const length = message.payload.length;
      size += headerSize(length, false) + length;
    }
    const frames = new Uint8Array(size);
    let at = 0;
    for (const message of messages) {
      const payload = message.payload;
      at = writeHeader(frames, at, FIN | message.opcode, payload.length, false);
      frames.set(payload, at);
      at += payload.length;
    }
    return (this.#run = new FrameRun(frames));
  }
}
