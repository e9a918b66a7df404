/**
 * The outgoing side: `send()` of whole messages and of fragmented ones (never
 * interleaved), `sendFrame()` for APIs that send a message frame by frame,
 * `sendPrepared()` for broadcasts, and backpressure: a send
 * resolves at once while the write buffer is under its marks, else when the
 * transport drains.
 *
 * @module
 */

import type { PreparedMessage } from "../core/prepared-message.js";
import { Incoming } from "./incoming.js";
import {
  type BinaryData,
  bytesView,
  type Fragment,
  type FrameKind,
  type SendData,
} from "./message.js";
import { publishesHeld, queueHeldPublishes } from "./publish-batch.js";
import { HALF_CLOSED, TRANSPORT_GONE, UNWRITABLE } from "./state.js";

const RESOLVED: Promise<void> = Promise.resolve();

/** The fourth class of a connection's chain (see `state.ts`): sending messages. */
export abstract class Sending extends Incoming {
  /**
   * Sends a message: a string as text, bytes (any typed array, `DataView` or
   * `ArrayBuffer`) as binary, or an iterable or async iterable of fragments
   * (all strings or all bytes) as one fragmented message. Messages never
   * interleave: a send waits for a fragmented message in progress.
   *
   * Resolves at once while the write buffer is under the transport's
   * high-water mark, else when it drains; rejects with
   * {@link ConnectionClosed} if the connection is not open.
   *
   * Binary data of 1 KiB or more that a server sends without compression is
   * written without a copy (a client masks a copy, compression makes one,
   * smaller data is copied beside its frame header at once). Such bytes leave
   * at the end of the turn or later, after the returned promise may have
   * resolved: do not modify them until `bufferedAmount` is back to 0 (or
   * send a copy).
   */
  send(data: SendData): Promise<void> {
    // A publish of this turn leaves first (see publish-batch.ts).
    if (publishesHeld) queueHeldPublishes();
    const chain = this.rare?.sendChain;
    if (chain !== undefined) {
      const run = (): Promise<void> => this.sendNow(data);
      const next = chain.then(run, run);
      this.chainSend(next);
      return next;
    }
    return this.sendNow(data);
  }

  /**
   * Sends one frame of a message, for APIs that send messages piece by piece
   * (ws's `send(data, { fin: false })`): `"text"` or `"binary"` starts a
   * message (a whole one when `fin`), `"continuation"` goes on with the one
   * started with `fin` false. Text given as bytes is decoded, binary given as
   * a string is encoded. `compress` false sends the message past the
   * extensions (uncompressed; see `Protocol.sendText`), decided by its first
   * frame. Resolves as {@link Sending.send} does.
   */
  sendFrame(
    data: string | BinaryData,
    kind: FrameKind,
    fin: boolean,
    compress = true,
  ): Promise<void> {
    if (publishesHeld) queueHeldPublishes();
    if (this.protocol.state !== "open") return Promise.reject(this.closedError("send message"));
    try {
      if (kind === "continuation") {
        this.protocol.sendContinuation(typeof data === "string" ? data : bytesView(data), fin);
      } else if (kind === "binary") {
        this.protocol.sendBinary(
          typeof data === "string" ? new TextEncoder().encode(data) : bytesView(data),
          fin,
          compress,
        );
      } else {
        this.protocol.sendText(
          typeof data === "string" ? data : new TextDecoder().decode(bytesView(data)),
          fin,
          compress,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.afterSend();
  }

  /**
   * Sends a message framed once for many connections (see `broadcast`).
   * Returns `false`, sending nothing, when the connection is not open or is
   * in the middle of a fragmented message.
   */
  sendPrepared(message: PreparedMessage): boolean {
    if (publishesHeld) queueHeldPublishes();
    if (!this.#takesPrepared()) return false;
    this.protocol.sendPrepared(message);
    this.afterSend();
    return true;
  }

  /**
   * Sends several messages framed once for many connections (the publishes
   * of a turn to one topic, see `publish-batch.ts`): as one chunk, `frames`,
   * when given and this is a server connection without extensions (its
   * `serverFrame` is every message's frame, one after another), else one by
   * one. With `writeNow`, writes the output at once rather than at the end of
   * the turn: the topics deliver at the end of the turn, and a second pass
   * over thousands of subscribers (the flush queue's) would touch each of
   * them again. Returns `false`, sending nothing, as `sendPrepared` does.
   */
  sendPreparedRun(
    messages: readonly PreparedMessage[],
    frames: PreparedMessage | undefined,
    writeNow: boolean,
  ): boolean {
    if (!this.#takesPrepared()) return false;
    const protocol = this.protocol;
    if (frames !== undefined && protocol.role === "server" && protocol.extensions.length === 0) {
      protocol.sendPrepared(frames);
    } else for (const message of messages) protocol.sendPrepared(message);
    if (writeNow) this.writeOutput(protocol);
    else this.afterSend();
    return true;
  }

  /**
   * Whether a prepared message may be sent now: open, no send waiting in the
   * chain, and no message being sent frame by frame (`sendFrame`) open.
   */
  #takesPrepared(): boolean {
    const protocol = this.protocol;
    return (
      protocol.state === "open" && this.rare?.sendChain === undefined && !protocol.sendingFragments
    );
  }

  /**
   * Writes a run of frames shared by many connections (the publishes of a
   * turn to one topic, see `publish-batch.ts`) at once, as the transport
   * write's only chunk, when nothing else waits to leave on this connection
   * (see `Protocol.sendPreparedAlone`). `chunks` is `[frames.serverFrame]`,
   * one array for every subscriber. Returns false, sending nothing,
   * otherwise: then use {@link sendPreparedRun}. The end-of-turn delivery of
   * a topic of 10,000 subscribers spends most of its time in the socket
   * writes themselves; going through the output queue (a queue object, a
   * chunk array and an output record per subscriber) cost 985 instructions
   * per write in the library, this 248 (see publish-batch.ts).
   */
  sendPreparedRunAlone(frames: PreparedMessage, chunks: readonly Uint8Array[]): boolean {
    if (
      this.rare?.sendChain !== undefined ||
      this.flags & (TRANSPORT_GONE | HALF_CLOSED) ||
      this.protocol.sendPreparedAlone(frames) === undefined
    ) {
      return false;
    }
    this.writeChunks(chunks);
    return true;
  }

  /** Makes `promise` the send that later sends wait for, until it settles. */
  protected chainSend(promise: Promise<void>): void {
    const rare = this.rareState();
    rare.sendChain = promise;
    const clear = (): void => {
      if (rare.sendChain === promise) rare.sendChain = undefined;
    };
    promise.then(clear, clear);
  }

  protected sendNow(data: SendData): Promise<void> {
    if (this.protocol.state !== "open") return Promise.reject(this.closedError("send message"));
    if (typeof data === "string") {
      this.protocol.sendText(data);
      if (this.settings.logDebug) {
        this.log("debug", "send", "Sent text message", { length: data.length });
      }
    } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const bytes = bytesView(data);
      this.protocol.sendBinary(bytes);
      if (this.settings.logDebug) {
        this.log("debug", "send", "Sent binary message", { length: bytes.length });
      }
    } else if (
      data !== null &&
      typeof data === "object" &&
      (Symbol.asyncIterator in data || Symbol.iterator in data)
    ) {
      const sending = this.sendFragments(data);
      this.chainSend(sending);
      return sending;
    } else {
      return Promise.reject(
        new TypeError(`Invalid message data: ${Object.prototype.toString.call(data)}`),
      );
    }
    return this.afterSend();
  }

  protected async sendFragments(
    source: Iterable<Fragment> | AsyncIterable<Fragment>,
  ): Promise<void> {
    let text: boolean | undefined;
    try {
      for await (const fragment of source) {
        if (this.protocol.state !== "open") throw this.closedError("send message fragment");
        const isText = typeof fragment === "string";
        const data = isText ? fragment : bytesView(fragment);
        if (text === undefined) {
          text = isText;
          if (typeof data === "string") this.protocol.sendText(data, false);
          else this.protocol.sendBinary(data, false);
        } else if (text !== isText) {
          throw new TypeError("Invalid message fragments: strings and bytes mixed in one message");
        } else {
          this.protocol.sendContinuation(data, false);
        }
        await this.afterSend();
      }
    } catch (error) {
      // A message cut in the middle cannot be finished or followed by another:
      // fail the connection, as Python websockets does (1011).
      if (text !== undefined && this.protocol.state === "open") {
        this.rareState().localError ??= error as Error;
        this.protocol.fail(1011, "Error in fragmented message");
        this.afterProtocol();
      }
      throw error;
    }
    if (text === undefined) return;
    if (this.protocol.state !== "open") throw this.closedError("send message fragment");
    this.protocol.sendContinuation(new Uint8Array(0), true);
    await this.afterSend();
  }

  /** After queuing output: flush now when a lot is pending, else at the end of the turn. */
  protected afterSend(): Promise<void> {
    if (this.protocol.bufferedBytes >= this.settings.flushThreshold) this.flushThenHeldInput();
    else this.scheduleFlush();
    return this.flags & UNWRITABLE ? this.drainPromise() : RESOLVED;
  }

  protected drainPromise(): Promise<void> {
    const rare = this.rareState();
    if (rare.drain === undefined) {
      rare.drain = new Promise((resolve) => {
        rare.resolveDrain = resolve;
      });
    }
    return rare.drain;
  }

  /** The transport drained (or the connection closed): senders go on, held pongs leave. */
  protected releaseDrain(): void {
    if (this.flags & UNWRITABLE && this.protocol.holdPongs) {
      this.protocol.holdPongs = false;
      if (this.protocol.hasOutput) this.scheduleFlush();
    }
    this.flags &= ~UNWRITABLE;
    const rare = this.rare;
    if (rare === undefined) return;
    const resolve = rare.resolveDrain;
    rare.drain = rare.resolveDrain = undefined;
    resolve?.();
  }
}
