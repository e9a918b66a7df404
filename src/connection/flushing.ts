/**
 * Write coalescing: the output a connection's protocol produces in one turn
 * of the event loop leaves in one transport write, at the end of the turn
 * (see `schedule.ts`), or at once when a lot is pending (see
 * `FLUSH_THRESHOLD_BYTES`).
 *
 * @module
 */

import type { Protocol } from "../core/protocol.js";
import {
  ConnectionState,
  FLUSH_SCHEDULED,
  HALF_CLOSED,
  TRANSPORT_GONE,
  UNWRITABLE,
} from "./state.js";

/** The second class of a connection's chain (see `state.ts`): flushing output. */
export abstract class Flushing extends ConnectionState {
  /** Puts the connection in the flush queue for the end of this turn, once. */
  protected scheduleFlush(): void {
    if (!(this.flags & FLUSH_SCHEDULED)) {
      this.flags |= FLUSH_SCHEDULED;
      this.settings.flushQueue.add(this.callbacks);
    }
  }

  /**
   * The end-of-turn flush (also run early by a send with a lot pending):
   * writes the pending output, then, if the protocol held input back behind
   * a faulty frame or a close frame (see `Protocol.hasHeldInput`), processes it, so that
   * the answers to the messages before that frame leave before the failure.
   */
  protected flushThenHeldInput(): void {
    this.flags &= ~FLUSH_SCHEDULED;
    const protocol = this.protocol;
    const heldInput = protocol.hasHeldInput;
    this.writeOutput(protocol);
    if (heldInput) {
      protocol.receiveHeldInput();
      this.afterProtocol();
    }
  }

  /** Writes `chunks` in one transport write, and notes when both write marks are passed. */
  protected writeChunks(chunks: readonly Uint8Array[]): void {
    if (
      !this.transport.write(chunks) &&
      this.transport.bufferedAmount >= this.settings.writeHighWater
    ) {
      // Both marks are passed: the transport's (so it will call onDrain) and ours.
      // Until the peer reads, pings get one pong, for the latest: a peer that
      // sends pings and never reads cannot grow the output without bound.
      this.flags |= UNWRITABLE;
      this.protocol.holdPongs = true;
    }
  }

  /** Writes all pending output in one transport write; half-closes if the protocol says so. */
  protected writeOutput(protocol: Protocol): void {
    if (!protocol.hasOutput) return;
    const output = protocol.takeOutput();
    if (this.flags & (TRANSPORT_GONE | HALF_CLOSED)) return;
    if (output.chunks.length > 0) this.writeChunks(output.chunks);
    if (output.closeTransport) {
      this.flags |= HALF_CLOSED;
      this.transport.end();
    }
  }
}
