/**
 * The end of a connection: `close()`, `terminate()`, the open and close deadlines, the
 * transport's error and close, and `closed`, which resolves once both the
 * protocol and the transport are closed (see the table in `state.ts`).
 *
 * @module
 */

import { WebSocketError } from "../core/errors.js";
import type { ProtocolEvent } from "../core/events.js";
import { Deadline, Deadlines } from "./deadlines.js";
import { publishClose, publishError } from "./diagnostics.js";
import { type CloseInfo, TimeoutError, TransportError, withoutStack } from "./errors.js";
import { Pinging } from "./pinging.js";
import { publishesHeld, queueHeldPublishes } from "./publish-batch.js";
import {
  CLOSE_DEADLINE_SET,
  type ConnectionState,
  FINISHED,
  FLUSH_SCHEDULED,
  TRANSPORT_GONE,
} from "./state.js";

/** The sixth class of a connection's chain (see `state.ts`): closing. */
export abstract class Closing extends Pinging {
  /**
   * Starts the closing handshake (default code 1000; `null` sends a close
   * frame without a code, RFC 6455 5.5.1) and resolves when the connection is
   * closed. If the peer does not answer within the close timeout, the
   * transport is destroyed. During the opening handshake, the transport is
   * closed at once.
   */
  close(code: number | null = 1000, reason = ""): Promise<CloseInfo> {
    // A publish of this turn leaves before the close frame (see publish-batch.ts).
    if (publishesHeld) queueHeldPublishes();
    const state = this.protocol.state;
    if (state === "open") {
      try {
        this.protocol.sendClose(code ?? undefined, reason);
      } catch (error) {
        return Promise.reject(error);
      }
      const rare = this.rareState();
      // No code: the close frame has no body, which the peer reports as 1005.
      rare.closeFrame ??= { code: code ?? 1005, reason };
      if (this.settings.logInfo) this.log("info", "close", "Closing connection", { code, reason });
      this.afterProtocol();
    } else if (state === "connecting") {
      this.abort(new WebSocketError("Cannot open connection: closed during the handshake"));
    }
    return this.closed;
  }

  /**
   * Closes the transport at once, with no closing handshake (ws's
   * `terminate()`): the connection closes with 1006. Does nothing once the
   * transport is closed.
   */
  terminate(): void {
    if (this.flags & TRANSPORT_GONE) return;
    this.abort(new WebSocketError("Cannot keep connection: terminated locally"));
  }

  /**
   * Resolves when the connection is closed (protocol and transport), with the
   * close code and reason and whether the close was clean. Never rejects.
   */
  get closed(): Promise<CloseInfo> {
    const rare = this.rareState();
    if (rare.closed === undefined) {
      if (this.flags & FINISHED) rare.closed = Promise.resolve(rare.info!);
      else {
        rare.closed = new Promise((resolve) => {
          rare.resolveClosed = resolve;
        });
      }
    }
    return rare.closed;
  }

  /** Called once when the connection is closed, as `closed` resolves. `serve()` overrides it. */
  protected onClosed(): void {}

  /** Arms the open deadline (a connection in the `connecting` state, from its constructor). */
  protected armOpenDeadline(): void {
    const settings = this.settings;
    if (settings.openTimeoutMs === null) return;
    settings.openDeadlines ??= new Deadlines(settings.openTimeoutMs, Closing.openExpired);
    this.openCloseDeadline = settings.openDeadlines.add(new Deadline<ConnectionState>(this));
  }

  /** Cancels the open deadline when the connection opens (unless a close deadline replaced it). */
  protected cancelOpenDeadline(): void {
    if (this.flags & CLOSE_DEADLINE_SET) return;
    this.openCloseDeadline?.cancel();
    this.openCloseDeadline = undefined;
  }

  /**
   * Arms the close deadline: for the closing handshake, then (once the
   * protocol is closed) for the transport to finish closing.
   */
  protected armCloseDeadline(): void {
    const settings = this.settings;
    if (settings.closeTimeoutMs === null) return;
    // The open deadline, if still set, gives way: the handshake is over.
    this.openCloseDeadline?.cancel();
    this.flags |= CLOSE_DEADLINE_SET;
    settings.closeDeadlines ??= new Deadlines(settings.closeTimeoutMs, Closing.closeExpired);
    this.openCloseDeadline = settings.closeDeadlines.add(new Deadline<ConnectionState>(this));
  }

  private static readonly openExpired = (state: ConnectionState): void => {
    const connection = state as Closing;
    connection.openCloseDeadline = undefined;
    const error = new TimeoutError(
      `Cannot open connection: no handshake within ${connection.settings.openTimeoutMs} ms`,
    );
    connection.answerOpenTimeout();
    connection.abort(error);
  };

  /**
   * Called when the open deadline passes, before the transport is destroyed:
   * writes what the protocol has to say about it, if anything (a server
   * answers a request head still arriving with 408, see `ServerConnection`).
   */
  protected answerOpenTimeout(): void {}

  private static readonly closeExpired = (state: ConnectionState): void => {
    const connection = state as Closing;
    connection.openCloseDeadline = undefined;
    if (connection.rare?.info !== undefined) {
      // The protocol is done and the transport did not finish closing in time.
      connection.transport.destroy();
      return;
    }
    connection.abort(
      new TimeoutError(
        `Cannot close connection: no close handshake within ${connection.settings.closeTimeoutMs} ms`,
      ),
    );
  };

  /** Destroys the transport now, recording `error` as the reason. */
  protected abort(error: Error): void {
    this.rareState().localError ??= error;
    if (this.settings.logWarn) this.log("warn", "error", error.message, { error });
    if (!(this.flags & TRANSPORT_GONE)) this.transport.destroy();
    // The transport reports its close asynchronously; the protocol learns now.
    this.protocol.receiveEof();
    this.afterProtocol();
  }

  /** The protocol's `closed` event: everything waiting is settled (see `state.ts`). */
  protected protocolClosed(event: Extract<ProtocolEvent, { type: "closed" }>): void {
    // A local cause (timeout, transport error) explains more than the
    // protocol's view of it (a handshake cut short).
    const localError = this.rare?.localError;
    const error = localError ?? event.error;
    const info: CloseInfo = {
      code: event.code,
      reason: event.reason,
      wasClean: event.wasClean && localError === undefined,
      ...(error === undefined ? {} : { error }),
    };
    this.rareState().info = info;
    this.cancelDeadlines();
    // Whoever set it (a timeout, the transport, the peer, the handshake), the
    // error a connection closes with is published here, once, before its close.
    if (error !== undefined) publishError(this, error);
    publishClose(this, info.code, info.reason, info.wasClean, error);
    if (error === undefined ? this.settings.logInfo : this.settings.logWarn) {
      this.log(error === undefined ? "info" : "warn", "closed", "Connection closed", {
        code: info.code,
        reason: info.reason,
        wasClean: info.wasClean,
        error,
      });
    }
    this.releaseWaiters(info);
    this.rejectPings(info);
    // Senders waiting for a drain are let go; their next send rejects.
    this.releaseDrain();
    if (this.flags & TRANSPORT_GONE) this.finish(info);
    else this.armCloseDeadline();
  }

  private cancelDeadlines(): void {
    this.openCloseDeadline?.cancel();
    this.keepaliveDeadline?.cancel();
    this.openCloseDeadline = this.keepaliveDeadline = undefined;
    this.flags &= ~CLOSE_DEADLINE_SET;
  }

  private finish(info: CloseInfo): void {
    if (this.flags & FINISHED) return;
    this.flags |= FINISHED;
    this.rare?.resolveClosed?.(info);
    this.onClosed();
  }

  /**
   * The transport failed. The runtime's error is kept as the `cause` of a
   * {@link TransportError}, so that `closed` and the errors of waiting
   * readers say whose failure it was (the runtime's, not the peer's); an
   * error of this library's own (a transport's `TransportError`) is kept as
   * it is.
   */
  protected transportFailed(error: Error): void {
    const rare = this.rareState();
    if (rare.localError === undefined) {
      rare.localError =
        error instanceof WebSocketError
          ? error
          : // The runtime's error, kept as the cause, has the stack worth having.
            withoutStack(
              () => new TransportError(`Cannot use transport: ${error.message}`, { cause: error }),
            );
    }
    if (this.settings.logWarn) {
      this.log("warn", "error", `Transport error: ${error.message}`, { error });
    }
  }

  /** The transport closed (its last callback): completes the close. */
  protected transportClosed(): void {
    this.flags |= TRANSPORT_GONE;
    this.protocol.receiveEof();
    this.afterProtocol();
    // Normally the protocol closed first; the transport's close completes it.
    this.flags &= ~FLUSH_SCHEDULED;
    if (this.flags & CLOSE_DEADLINE_SET) {
      this.openCloseDeadline?.cancel();
      this.openCloseDeadline = undefined;
      this.flags &= ~CLOSE_DEADLINE_SET;
    }
    const info = this.rare?.info;
    if (info !== undefined) this.finish(info);
  }
}
