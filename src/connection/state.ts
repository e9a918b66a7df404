/**
 * Where a connection's state lives, and the map of it: every per-connection
 * field of a {@link Connection} is declared here, on {@link ConnectionState},
 * the first class of the chain that makes a connection (each in its own file,
 * one concept each, one object at run time):
 *
 * ```
 * ConnectionState   state.ts      the fields, the flag bits, the rare state, logging
 *  └ Flushing       flushing.ts   write coalescing: output leaves once per turn
 *   └ Incoming      incoming.ts   the incoming queue and the waiting readers
 *    └ Sending      sending.ts    send(), fragmented sends, backpressure (drain)
 *     └ Pinging     pinging.ts    ping(), keepalive pings and their pongs
 *      └ Closing    closing.ts    close(), the open and close deadlines, the end
 *       └ Streaming  streaming.ts  recvStreaming(): messages as streams of fragments
 *        └ Connection connection.ts the public face; turns protocol events into the above
 * ```
 *
 * A chain of classes rather than one object per concept: a server holds
 * thousands of idle connections, and a helper object per concept would cost
 * each of them an object header and a pointer (16 to 24 bytes per concept);
 * rather than module functions over the state: methods keep `this` calls
 * monomorphic and read as the class did. The fields are `protected` (not
 * `#private`) so that each class of the chain reaches them.
 *
 * # Theory of operation
 *
 * The protocol's `state` (`connecting`, `open`, `closing`, `closed`) is the
 * main state; the connection follows it, and adds what the protocol does not
 * know: the transport's side, the timers, the readers and the senders.
 *
 * | phase                 | `openCloseDeadline`                    | `keepaliveDeadline`                    |
 * |-----------------------|----------------------------------------|----------------------------------------|
 * | connecting            | open deadline (`openTimeoutMs`)        | none                                   |
 * | open                  | none                                   | next ping due, or the {@link KeepalivePing} awaiting its pong |
 * | close expected        | close deadline (`CLOSE_DEADLINE_SET`)  | as when open, until the protocol closes |
 * | protocol closed       | close deadline again, for the transport to close (unless `TRANSPORT_GONE`) | none |
 * | finished              | none                                   | none                                   |
 *
 * Transitions (the method that makes each):
 * - connecting → open: `Connection.protocolOpened` (once, sets `OPENED`):
 *   cancels the open deadline, arms the first keepalive ping, runs `onOpen`.
 * - open → close expected: `Connection.afterProtocol`, when the protocol
 *   sets `closeExpected` (a close sent or received, or a failure): arms the
 *   close deadline, which replaces the open deadline if still set.
 * - → protocol closed: `Closing.protocolClosed`, on the protocol's `closed`
 *   event: sets `rare.info`, cancels both deadlines, settles the waiting
 *   readers, pings and senders, then finishes if the transport is gone, else
 *   arms the close deadline again for the transport's close.
 * - → finished: `Closing.finish` (once, sets `FINISHED`), when both the
 *   protocol is closed (`rare.info`) and the transport reported its close
 *   (`TRANSPORT_GONE`), in whichever order they come: resolves `closed` and
 *   runs `onClosed`.
 * - Any phase → aborted: `Closing.abort` (a deadline expired, `close()`
 *   during the handshake) records `rare.localError`, destroys the transport
 *   and tells the protocol end of input, which closes it.
 *
 * The expiry of a deadline clears its field and leaves its flag:
 * `CLOSE_DEADLINE_SET` still set with no `openCloseDeadline` means the close
 * deadline expired (and is not armed again by `afterProtocol`).
 *
 * Flags (bits of `flags`: a boolean field costs 8 bytes on every idle connection):
 * - `PAUSED`: reads are paused because the incoming queue passed one of its
 *   high marks (`Connection.afterProtocol`); cleared when a read takes it
 *   back under both low marks (`Incoming.takeMessage`).
 * - `USER_PAUSED`: reads are paused by the application
 *   (`Incoming.pauseReading`, ws's `pause()`); cleared by
 *   `Incoming.resumeReading`. The transport reads again only when neither
 *   this nor `PAUSED` is set.
 * - `FLUSH_SCHEDULED`: the connection is in the flush queue for the end of
 *   this turn (`Flushing.scheduleFlush`); cleared when the flush runs or the
 *   transport is gone.
 * - `UNWRITABLE`: a write passed both the transport's mark and
 *   `writeHighWaterBytes`: sends wait for the drain, and the protocol holds
 *   pongs (`Flushing.writeOutput`); cleared by `Sending.releaseDrain`.
 * - `HALF_CLOSED`: we called `transport.end()`; nothing is written after.
 * - `OPENED`: the opening handshake completed (`protocolOpened` ran).
 * - `TRANSPORT_GONE`: the transport called `onClose`; no transport method is
 *   called after it.
 * - `FINISHED`: `closed` resolved and `onClosed` ran.
 * - `ITERATING`: the first waiting reader (`resolveNext`) is an iterator's,
 *   and wants an `IteratorResult`.
 * - `CLOSE_DEADLINE_SET`: the close deadline was armed (see above).
 * - `STREAMING`: `recvStreaming()` or `streamMessages()` was called: the
 *   protocol streams messages, and the queue may hold streams
 *   (`Streaming.startStreaming`); never cleared.
 *
 * @module
 */

import type { ProtocolEvent } from "../core/events.js";
import type { Response } from "../core/http1/message.js";
import type { Protocol } from "../core/protocol.js";
import type { Deadline } from "./deadlines.js";
import { type CloseInfo, ConnectionClosed } from "./errors.js";
import type { LogLevel } from "./log.js";
import type { Message } from "./message.js";
import type { Flushable } from "./schedule.js";
import type { Settings } from "./settings.js";
import type { StreamReceiver } from "./streaming.js";
import type { Transport, TransportHandler } from "./transport.js";

export const PAUSED = 1;
export const FLUSH_SCHEDULED = 2;
export const UNWRITABLE = 4;
export const HALF_CLOSED = 8;
export const OPENED = 16;
export const TRANSPORT_GONE = 32;
export const FINISHED = 64;
export const ITERATING = 128;
export const CLOSE_DEADLINE_SET = 256;
export const USER_PAUSED = 512;
export const STREAMING = 1024;

/**
 * A waiting reader's resolve function. It also rejects: given a rejecting
 * thenable (see `incoming.ts`), the promise takes its rejection. Keeping the
 * promise's reject function as well would cost a closure on every idle
 * connection, which waits here for its next message.
 */
export type Settle = (value: Message | IteratorResult<Message> | PromiseLike<never>) => void;

/** A reader waiting besides the first. */
export interface Waiter {
  readonly iterating: boolean;
  readonly resolve: Settle;
}

/** A `ping()` awaiting its pong. */
export interface PendingPing {
  readonly key: string;
  readonly sentAt: number;
  resolve(latencyMs: number): void;
  reject(error: Error): void;
}

/**
 * Told synchronously of each protocol event of a connection, in order: the
 * messages (which then skip the incoming queue), pings, pongs, the peer's
 * close frame and the end of the protocol. For facades with event APIs (the
 * ws-compatible `WebSocket`, the WHATWG one), which push what `recv()` pulls.
 * See `Incoming.observe`.
 */
export type ConnectionObserver = (event: ProtocolEvent) => void;

/**
 * What a connection sees of itself from outside: the transport's handler, the
 * flush queue's entry and the async iterator over messages, in one small
 * object (see `Connection`).
 */
export type Callbacks = TransportHandler & Flushable & AsyncIterator<Message>;

/**
 * The rare state: what an open, idle connection does not need, made on first
 * use (a ping, a second concurrent reader, backpressure, closing, `closed`,
 * an observer).
 * The core's protocol has one too, for the same reason.
 */
export class RareState {
  /** Readers waiting besides the first (concurrent `recv()` calls). */
  waiters: Waiter[] = [];
  /** The `ping()` calls awaiting their pongs, oldest first. */
  pings: PendingPing[] = [];
  latency = 0;
  drain: Promise<void> | undefined;
  resolveDrain: (() => void) | undefined;
  /** The close frame received, else the one sent. */
  closeFrame: { code: number; reason: string } | undefined;
  /** Why we ended the connection, or the transport's failure: a timeout, a `TransportError`. */
  localError: Error | undefined;
  closed: Promise<CloseInfo> | undefined;
  resolveClosed: ((info: CloseInfo) => void) | undefined;
  /** How the connection closed, once the protocol is closed. */
  info: CloseInfo | undefined;
  /** The send a new send waits for (a fragmented message, or sends queued behind it). */
  sendChain: Promise<void> | undefined;
  /** Told of every protocol event instead of the queue (see `Incoming.observe`). */
  observer: ConnectionObserver | undefined;
  /** Streaming receive's state, once `recvStreaming()` was called (see `streaming.ts`). */
  streams: StreamReceiver | undefined;
}

/** The state of a connection, and what every part of it uses (see the module comment). */
export abstract class ConnectionState {
  /** The sans-I/O protocol this connection drives. */
  protected readonly protocol: Protocol;
  /**
   * The handshake response (received by a client, sent by a server), once
   * known; `null` when a server sent it but did not keep it (see
   * `ServerConnection.response`).
   */
  protected handshakeResponse: Response | null | undefined;

  // Every field here is paid for by every idle connection (a server holds
  // thousands): configuration is shared (settings), booleans are bits of
  // flags, and what an idle connection does not use waits in rare.
  protected readonly transport: Transport;
  protected readonly settings: Settings;
  /** Receives the transport's callbacks and the end-of-turn flush (see `Connection`). */
  protected readonly callbacks: Callbacks;
  protected flags = 0;

  // Incoming. A queue read from queueHead (shift() costs a memmove per
  // message, which showed in profiles of echo loads with 32 messages per
  // read), allocated while messages wait.
  protected queue: (Message | undefined)[] | undefined;
  protected queueHead = 0;
  protected queuedBytes = 0;
  /** The first waiting reader (more wait in `rare.waiters`). */
  protected resolveNext: Settle | undefined;

  /** The open deadline, then the close deadline (see the table above). Deadlines, not timers: see deadlines.ts. */
  protected openCloseDeadline: Deadline<ConnectionState> | undefined;
  /** The next keepalive ping's deadline, then its pong's (a `KeepalivePing`). */
  protected keepaliveDeadline: Deadline<ConnectionState> | undefined;

  protected rare: RareState | undefined;

  constructor(
    protocol: Protocol,
    transport: Transport,
    settings: Settings,
    callbacks: (state: ConnectionState) => Callbacks,
  ) {
    this.protocol = protocol;
    this.transport = transport;
    this.settings = settings;
    this.callbacks = callbacks(this);
  }

  /**
   * Handles the protocol's events and arms deadlines after any input or
   * command (see `Connection`).
   */
  protected abstract afterProtocol(): void;

  protected rareState(): RareState {
    this.rare ??= new RareState();
    return this.rare;
  }

  /** The error for an operation that needs an open connection, with how it closed. */
  protected closedError(action: string): ConnectionClosed {
    const rare = this.rare;
    const localError = rare?.localError;
    const info: CloseInfo = rare?.info ?? {
      code: rare?.closeFrame?.code ?? 1006,
      reason: rare?.closeFrame?.reason ?? "",
      wasClean: localError === undefined,
      ...(localError === undefined ? {} : { error: localError }),
    };
    return ConnectionClosed.from(`Cannot ${action}`, info);
  }

  /** Logs a record; callers check `settings.logInfo` or `logDebug` first (an unset logger costs nothing). */
  protected log(
    level: LogLevel,
    event: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ): void {
    this.settings.logger!({
      level,
      event,
      message,
      remoteAddress: this.transport.remoteAddress,
      ...(details === undefined ? {} : { details }),
    });
  }
}
