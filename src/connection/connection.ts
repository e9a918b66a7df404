/**
 * `Connection`: the async API over one {@link Protocol} and one
 * {@link Transport}, the same on every runtime. It owns the incoming message
 * queue (bounded: reads pause when it is full), write coalescing (all output
 * of one event-loop turn leaves in one transport write), backpressure on
 * sends, pings and keepalive, and the open and close timeouts.
 *
 * @module
 */

import { InvalidStateError, WebSocketError } from "../core/errors.js";
import type { ProtocolEvent, RequestEvent, ResponseEvent } from "../core/events.js";
import type { Extension } from "../core/extension.js";
import type { Request, Response } from "../core/http1.js";
import { perObject } from "../core/memo.js";
import type { PreparedMessage, Protocol, State } from "../core/protocol.js";
import { Deadline, Deadlines } from "./deadlines.js";
import { type CloseInfo, ConnectionClosed, isNormalClosure, TimeoutError } from "./errors.js";
import { type Logger, type LogLevel, logs } from "./log.js";
import { defaultDefer, type Flushable, type FlushQueue, flushQueue } from "./schedule.js";
import type { Defer, Transport, TransportHandler } from "./transport.js";

/** A received message: text as a string, binary as bytes. */
export type Message = string | Uint8Array;

/** Bytes of a binary message or fragment: any typed array, DataView or ArrayBuffer. */
export type BinaryData = ArrayBufferView | ArrayBuffer;

/** A fragment of a message sent with `send(iterable)`. */
export type Fragment = string | BinaryData;

/** What `send()` takes: a whole message, or an (async) iterable of fragments sent as one message. */
export type SendData = string | BinaryData | Iterable<Fragment> | AsyncIterable<Fragment>;

/** Options of a {@link Connection}: timeouts, queue size, logging. */
export interface ConnectionOptions {
  /**
   * Deadline of the opening handshake. Default 10 s: generous for a slow
   * network, short enough that silent peers do not pile up. `null` disables.
   */
  openTimeoutMs?: number | null;
  /**
   * How long to wait for the closing handshake (and the transport's close)
   * before destroying the transport. Default 10 s. `null` disables.
   */
  closeTimeoutMs?: number | null;
  /**
   * Interval of keepalive pings. Default 20 s, under the idle timeout of most
   * proxies and load balancers (often 30 to 60 s). `null` disables keepalive.
   */
  pingIntervalMs?: number | null;
  /**
   * How long to wait for the pong of a keepalive ping before failing the
   * connection with 1011. Default 20 s. `null` waits forever.
   */
  pingTimeoutMs?: number | null;
  /**
   * Received messages queued before reads pause (backpressure to the peer).
   * Reads resume when the queue is down to a quarter. Default 16.
   */
  maxQueuedMessages?: number;
  /**
   * Received bytes queued (a text message counts its characters) above which
   * reads pause too, whichever mark comes first; they resume at a quarter.
   * Default 1 MiB: with 16 messages of up to `maxMessageBytes` (1 MiB), a
   * handler that stops reading would otherwise hold 16 MiB per connection.
   */
  maxQueuedBytes?: number;
  /**
   * Bytes waiting in the transport above which `send()` waits for them to
   * drain. The transport's own mark applies too (the higher of the two
   * wins). Default 64 KiB: a few large messages or thousands of small ones in
   * flight per connection, so that a sender awaiting each `send()` is not held
   * to one write per event-loop turn (Node's socket mark is 16 KiB), while a
   * peer that stops reading costs a bounded amount of memory.
   */
  writeHighWaterBytes?: number;
  /** Logging and diagnostics hook. Costs nothing when unset. */
  logger?: Logger;
  /** The least severe level passed to `logger`. Default `"info"`; `"debug"` adds one record per message. */
  logLevel?: LogLevel;
  /** The runtime's after-this-turn primitive for write coalescing (see {@link Defer}). */
  defer?: Defer;
}

const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const DEFAULT_PING_INTERVAL_MS = 20_000;
const DEFAULT_PING_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_QUEUED_MESSAGES = 16;
const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
const DEFAULT_WRITE_HIGH_WATER_BYTES = 64 * 1024;
// Output that sends may pile up in the protocol before it is handed to the
// transport without waiting for the end of the turn. A loop awaiting each
// send never leaves the turn (its promises are already resolved), so without
// this it would never see the transport's backpressure. 64 KiB, the default
// write high-water mark: the echoes of one 64 KiB read of 16 KiB messages
// leave in one writev (with 16 KiB, one writev per message: about 12% more
// server CPU per message in the 16 KiB echo benchmark), and small messages
// batch by thousands. A lower `writeHighWaterBytes` lowers it too.
const FLUSH_THRESHOLD_BYTES = 64 * 1024;

const RESOLVED: Promise<void> = Promise.resolve();

/** A queued message's size for the queue's byte mark: bytes, or a text's characters. */
function sizeOf(message: Message): number {
  return typeof message === "string" ? message.length : message.byteLength;
}

/**
 * A waiting reader's resolve function. It also rejects: given a
 * {@link rejecting} thenable, the promise takes its rejection. Keeping the
 * promise's reject function as well would cost a closure on every idle
 * connection, which waits here for its next message.
 */
type Settle = (value: Message | IteratorResult<Message> | PromiseLike<never>) => void;

interface Waiter {
  readonly iterating: boolean;
  readonly resolve: Settle;
}

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

type ConnectionEvents = TransportHandler & Flushable & AsyncIterator<Message>;

/**
 * What a connection needs from its options, validated once per options
 * object and shared by every connection made with it (a server's thousands
 * of connections hold one pointer instead of ten fields each).
 */
interface Settings {
  readonly flushQueue: FlushQueue;
  // The deadline queues of the connections made with these options, created on first use.
  openDeadlines?: Deadlines<Connection>;
  closeDeadlines?: Deadlines<Connection>;
  pingDeadlines?: Deadlines<Connection>;
  pongDeadlines?: Deadlines<Connection>;
  readonly logger: Logger | undefined;
  readonly logDebug: boolean;
  readonly logInfo: boolean;
  readonly openTimeoutMs: number | null;
  readonly closeTimeoutMs: number | null;
  readonly pingIntervalMs: number | null;
  readonly pingTimeoutMs: number | null;
  readonly highQueue: number;
  readonly lowQueue: number;
  readonly highQueueBytes: number;
  readonly lowQueueBytes: number;
  readonly writeHighWater: number;
  /** Output queued in the protocol above which a send flushes at once (see FLUSH_THRESHOLD_BYTES). */
  readonly flushThreshold: number;
}

const settingsFor = perObject((options: ConnectionOptions): Settings => {
  const logger = options.logger;
  const level = options.logLevel ?? "info";
  const writeHighWater = options.writeHighWaterBytes ?? DEFAULT_WRITE_HIGH_WATER_BYTES;
  if (!(writeHighWater >= 0)) {
    throw new RangeError(`Invalid writeHighWaterBytes: ${writeHighWater}`);
  }
  const maxQueued = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
  if (!(maxQueued >= 1)) throw new RangeError(`Invalid maxQueuedMessages: ${maxQueued}`);
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (!(maxQueuedBytes >= 0)) throw new RangeError(`Invalid maxQueuedBytes: ${maxQueuedBytes}`);
  return {
    flushQueue: flushQueue(options.defer ?? defaultDefer),
    logger,
    logDebug: logger !== undefined && logs("debug", level),
    logInfo: logger !== undefined && logs("info", level),
    openTimeoutMs: option(options.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS),
    closeTimeoutMs: option(options.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS),
    pingIntervalMs: option(options.pingIntervalMs, DEFAULT_PING_INTERVAL_MS),
    pingTimeoutMs: option(options.pingTimeoutMs, DEFAULT_PING_TIMEOUT_MS),
    highQueue: maxQueued,
    lowQueue: Math.floor(maxQueued / 4),
    highQueueBytes: maxQueuedBytes,
    lowQueueBytes: Math.floor(maxQueuedBytes / 4),
    writeHighWater,
    // Never above the write mark: what waits in the protocol counts as buffered.
    flushThreshold: Math.min(writeHighWater, FLUSH_THRESHOLD_BYTES),
  };
});

// Boolean state, packed in one number (`Connection.#flags`): each boolean
// field costs 8 bytes on every idle connection.
const PAUSED = 1; // reads paused: the incoming queue is full
const FLUSH_SCHEDULED = 2; // in the flush queue for the end of this turn
const UNWRITABLE = 4; // both write marks passed: sends wait for a drain
const ENDED = 8; // the transport was half-closed by us
const OPENED = 16; // the opening handshake completed
const TRANSPORT_CLOSED = 32; // the transport reported its close
const FINISHED = 64; // `closed` resolved
const ITERATING = 128; // the waiting reader is an iterator (wants IteratorResult)
const CLOSE_TIMER = 256; // `#timer` is the close deadline (else the open deadline)

/** The keepalive ping awaiting its pong. */
class KeepalivePing extends Deadline<Connection> {
  constructor(
    connection: Connection,
    readonly key: string,
    readonly sentAt: number,
  ) {
    super(connection);
  }
}

/**
 * State an open, idle connection does not need: allocated on first use
 * (a ping, a second concurrent reader, backpressure, closing, `closed`).
 */
class ColdState {
  /** Readers waiting besides the first (concurrent `recv()` calls). */
  waiters: Waiter[] = [];
  pings: PendingPing[] = [];
  latency = 0;
  drain: Promise<void> | undefined;
  resolveDrain: (() => void) | undefined;
  /** The close frame received, else the one sent. */
  closeFrame: { code: number; reason: string } | undefined;
  localError: Error | undefined;
  closed: Promise<CloseInfo> | undefined;
  resolveClosed: ((info: CloseInfo) => void) | undefined;
  /** How the connection closed, once the protocol is closed. */
  info: CloseInfo | undefined;
  /** The send a new send waits for (a fragmented message, or sends queued behind it). */
  sendChain: Promise<void> | undefined;
}

interface PendingPing {
  readonly key: string;
  readonly sentAt: number;
  resolve(latencyMs: number): void;
  reject(error: Error): void;
}

function option(value: number | null | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (value === null || value === Number.POSITIVE_INFINITY) return null;
  if (!(value >= 0)) throw new RangeError(`Invalid timeout: ${value}`);
  return value;
}

function toBytes(data: BinaryData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`Invalid message data: ${Object.prototype.toString.call(data)}`);
}

function pingKey(data: Uint8Array): string {
  let key = "";
  for (const byte of data) key += String.fromCharCode(byte);
  return key;
}

/**
 * The error for readers still waiting when the connection closes. It is made
 * in a transport callback, so its stack trace would show only this layer's
 * internals; capturing it cost about a tenth of the server's time in a
 * benchmark of connections reset right after the handshake. The error's
 * message, code, reason and `cause` say what happened.
 */
function closedWithoutStack(action: string, info: CloseInfo): ConnectionClosed {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return ConnectionClosed.from(action, info);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * One WebSocket connection, either side, on any transport.
 *
 * Normally created by `serve()` (handed to the handler) or `connect()`. It can
 * also be built directly on a {@link Protocol} that starts open, when another
 * layer did the handshake (a framework, HTTP/2).
 *
 * @example
 * ```ts
 * for await (const message of connection) {
 *   await connection.send(message); // echo
 * }
 * console.log(await connection.closed); // { code: 1000, reason: "", wasClean: true }
 * ```
 */
export class Connection implements AsyncIterable<Message> {
  /** The sans-I/O protocol this connection drives. */
  protected readonly protocol: Protocol;
  /**
   * The handshake response (received by a client, sent by a server), once
   * known; `null` when a server sent it but did not keep it (see
   * `ServerConnection.response`).
   */
  protected handshakeResponse: Response | null | undefined;

  // Every field here is paid for by every idle connection (a server holds
  // thousands): configuration is shared (#settings), booleans are bits of
  // #flags, and what an idle connection does not use waits in #cold.
  readonly #transport: Transport;
  readonly #settings: Settings;
  // Receives the transport's callbacks and the end-of-turn flush: one small
  // object per connection instead of a closure per callback (idle memory).
  readonly #events: ConnectionEvents;
  #flags = 0;

  // Incoming. A queue read from #queueHead (shift() costs a memmove per
  // message, which showed in profiles of echo loads with 32 messages per
  // read), allocated while messages wait.
  #queue: (Message | undefined)[] | undefined;
  #queueHead = 0;
  #queuedBytes = 0;
  // The first waiting reader (more wait in #cold.waiters).
  #resolveNext: Settle | undefined;

  // Outgoing.

  // The open deadline, then the close deadline (see CLOSE_TIMER); the
  // keepalive deadline waits for the next ping, then for its pong (a
  // KeepalivePing). Deadlines, not timers: see deadlines.ts.
  #timer: Deadline<Connection> | undefined;
  #keepaliveTimer: Deadline<Connection> | undefined;

  #cold: ColdState | undefined;

  /**
   * @param protocol the protocol to drive; in the `connecting` state for a
   *   handshake run by a subclass (`serve`, `connect`), or `open`
   * @param transport the transport to drive it over; started here
   */
  constructor(protocol: Protocol, transport: Transport, options: ConnectionOptions = {}) {
    this.protocol = protocol;
    this.#transport = transport;
    const settings = settingsFor(options);
    this.#settings = settings;
    this.#events = new Connection.#Events(this);

    if (protocol.state === "connecting" && settings.openTimeoutMs !== null) {
      settings.openDeadlines ??= new Deadlines(settings.openTimeoutMs, Connection.#openExpired);
      this.#timer = settings.openDeadlines.add(new Deadline<Connection>(this));
    }
    transport.start(this.#events);
    this.afterProtocol();
  }

  // ---------------------------------------------------------------- properties

  /** The connection state: `connecting`, `open`, `closing` or `closed`. */
  get state(): State {
    return this.protocol.state;
  }

  /** The negotiated subprotocol, or `null`. */
  get subprotocol(): string | null {
    return this.protocol.subprotocol;
  }

  /** The negotiated extensions. */
  get extensions(): readonly Extension[] {
    return this.protocol.extensions;
  }

  /**
   * The opening handshake request (sent by a client, received by a server).
   * The protocol keeps it: `serve()` and `connect()` connections read it from
   * there (no second reference per connection); a bare connection has none.
   */
  get request(): Request | undefined {
    return undefined;
  }

  /** The opening handshake response (received by a client, sent by a server). */
  get response(): Response | undefined {
    return this.handshakeResponse ?? undefined;
  }

  /** The peer's IP address, when the transport has one. */
  get remoteAddress(): string | undefined {
    return this.#transport.remoteAddress;
  }

  /** The peer's port, when the transport has one. */
  get remotePort(): number | undefined {
    return this.#transport.remotePort;
  }

  /** Round-trip time of the last ping answered, in milliseconds; 0 before the first. */
  get latency(): number {
    return this.#cold?.latency ?? 0;
  }

  /** Bytes sent but not yet handed to the network (queued in the protocol or the transport). */
  get bufferedAmount(): number {
    return this.protocol.bufferedBytes + this.#transport.bufferedAmount;
  }

  /**
   * Resolves when the connection is closed (protocol and transport), with the
   * close code and reason and whether the close was clean. Never rejects.
   */
  get closed(): Promise<CloseInfo> {
    const cold = this.#coldState();
    if (cold.closed === undefined) {
      if (this.#flags & FINISHED) cold.closed = Promise.resolve(cold.info!);
      else {
        cold.closed = new Promise((resolve) => {
          cold.resolveClosed = resolve;
        });
      }
    }
    return cold.closed;
  }

  #coldState(): ColdState {
    this.#cold ??= new ColdState();
    return this.#cold;
  }

  // ---------------------------------------------------------------- receiving

  /**
   * The next message. Rejects with {@link ConnectionClosed} once the
   * connection is closed and every message received before has been read:
   * `ConnectionClosedOK` after a normal closure, `ConnectionClosedError`
   * otherwise.
   */
  recv(): Promise<Message> {
    if (this.#queue !== undefined) return Promise.resolve(this.#take());
    const info = this.#cold?.info;
    if (info !== undefined) {
      return Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) => this.#wait(false, resolve as Settle));
  }

  /**
   * Iterates over received messages until the connection closes. The loop
   * ends after a normal closure, and throws `ConnectionClosedError` after an
   * abnormal one. Breaking out of the loop leaves the connection open.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    // The iterator is the connection's internal object (see #Events): one
    // object less per connection in a `for await` loop. Iterators of one
    // connection all read the same queue anyway.
    return this.#events;
  }

  #next(): Promise<IteratorResult<Message>> {
    if (this.#queue !== undefined) {
      return Promise.resolve({ value: this.#take(), done: false });
    }
    const info = this.#cold?.info;
    if (info !== undefined) {
      return isNormalClosure(info)
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(ConnectionClosed.from("Cannot receive message", info));
    }
    return new Promise((resolve) => this.#wait(true, resolve as Settle));
  }

  #wait(iterating: boolean, resolve: Settle): void {
    if (this.#resolveNext === undefined) {
      this.#resolveNext = resolve;
      if (iterating) this.#flags |= ITERATING;
      else this.#flags &= ~ITERATING;
    } else {
      this.#coldState().waiters.push({ iterating, resolve });
    }
  }

  /** Takes the oldest queued message; the queue is not empty. */
  #take(): Message {
    const queue = this.#queue!;
    const message = queue[this.#queueHead]!;
    queue[this.#queueHead++] = undefined;
    this.#queuedBytes -= sizeOf(message);
    if (this.#queueHead === queue.length) {
      this.#queue = undefined;
      this.#queueHead = 0;
    }
    if (
      this.#flags & PAUSED &&
      (this.#queue === undefined ? 0 : queue.length - this.#queueHead) <= this.#settings.lowQueue &&
      this.#queuedBytes <= this.#settings.lowQueueBytes
    ) {
      this.#flags &= ~PAUSED;
      if (!(this.#flags & TRANSPORT_CLOSED)) this.#transport.resume();
    }
    return message;
  }

  #deliver(message: Message): void {
    const resolve = this.#resolveNext;
    if (resolve === undefined) {
      if (this.#queue === undefined) this.#queue = [message];
      else this.#queue.push(message);
      this.#queuedBytes += sizeOf(message);
      return;
    }
    const iterating = (this.#flags & ITERATING) !== 0;
    this.#shiftWaiter();
    if (iterating) resolve({ value: message, done: false });
    else resolve(message);
  }

  /** Drops the first waiting reader; the next one (if any) takes its place. */
  #shiftWaiter(): void {
    const next = this.#cold?.waiters.shift();
    if (next === undefined) {
      this.#resolveNext = undefined;
      return;
    }
    this.#resolveNext = next.resolve;
    if (next.iterating) this.#flags |= ITERATING;
    else this.#flags &= ~ITERATING;
  }

  /** Settles every waiting reader: end of iteration after a normal closure, else an error. */
  #releaseWaiters(info: CloseInfo): void {
    const normal = isNormalClosure(info);
    let error: ConnectionClosed | undefined;
    while (this.#resolveNext !== undefined) {
      const resolve = this.#resolveNext;
      const iterating = (this.#flags & ITERATING) !== 0;
      this.#shiftWaiter();
      if (iterating && normal) resolve({ value: undefined, done: true });
      else resolve(rejecting((error ??= closedWithoutStack("Cannot receive message", info))));
    }
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a message: a string as text, bytes (any typed array, `DataView` or
   * `ArrayBuffer`) as binary, or an iterable or async iterable of fragments
   * (all strings or all bytes) as one fragmented message. Messages never
   * interleave: a send waits for a fragmented message in progress.
   *
   * Resolves at once while the write buffer is under the transport's
   * high-water mark, else when it drains; rejects with
   * {@link ConnectionClosed} if the connection is not open. Bytes of 16 KiB
   * or more may be written without a copy: do not modify them until the
   * returned promise resolves.
   */
  send(data: SendData): Promise<void> {
    const chain = this.#cold?.sendChain;
    if (chain !== undefined) {
      const run = (): Promise<void> => this.#sendNow(data);
      const next = chain.then(run, run);
      this.#chain(next);
      return next;
    }
    return this.#sendNow(data);
  }

  /**
   * Sends a message framed once for many connections (see `broadcast`).
   * Returns `false`, sending nothing, when the connection is not open or is
   * in the middle of a fragmented message.
   */
  sendPrepared(message: PreparedMessage): boolean {
    if (this.protocol.state !== "open" || this.#cold?.sendChain !== undefined) return false;
    this.protocol.sendPrepared(message);
    this.#afterSend();
    return true;
  }

  #chain(promise: Promise<void>): void {
    const cold = this.#coldState();
    cold.sendChain = promise;
    const clear = (): void => {
      if (cold.sendChain === promise) cold.sendChain = undefined;
    };
    promise.then(clear, clear);
  }

  #sendNow(data: SendData): Promise<void> {
    if (this.protocol.state !== "open") return Promise.reject(this.#closedError("send message"));
    if (typeof data === "string") {
      this.protocol.sendText(data);
      if (this.#settings.logDebug) {
        this.#log("debug", "send", "Sent text message", { length: data.length });
      }
    } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const bytes = toBytes(data);
      this.protocol.sendBinary(bytes);
      if (this.#settings.logDebug) {
        this.#log("debug", "send", "Sent binary message", { length: bytes.length });
      }
    } else if (
      data !== null &&
      typeof data === "object" &&
      (Symbol.asyncIterator in data || Symbol.iterator in data)
    ) {
      const sending = this.#sendFragments(data);
      this.#chain(sending);
      return sending;
    } else {
      return Promise.reject(
        new TypeError(`Invalid message data: ${Object.prototype.toString.call(data)}`),
      );
    }
    return this.#afterSend();
  }

  async #sendFragments(source: Iterable<Fragment> | AsyncIterable<Fragment>): Promise<void> {
    let text: boolean | undefined;
    try {
      for await (const fragment of source) {
        if (this.protocol.state !== "open") throw this.#closedError("send message fragment");
        const isText = typeof fragment === "string";
        const data = isText ? fragment : toBytes(fragment);
        if (text === undefined) {
          text = isText;
          if (typeof data === "string") this.protocol.sendText(data, false);
          else this.protocol.sendBinary(data, false);
        } else if (text !== isText) {
          throw new TypeError("Invalid message fragments: strings and bytes mixed in one message");
        } else {
          this.protocol.sendContinuation(data, false);
        }
        await this.#afterSend();
      }
    } catch (error) {
      // A message cut in the middle cannot be finished or followed by another:
      // fail the connection, as Python websockets does (1011).
      if (text !== undefined && this.protocol.state === "open") {
        this.#coldState().localError ??= error as Error;
        this.protocol.fail(1011, "Error in fragmented message");
        this.afterProtocol();
      }
      throw error;
    }
    if (text === undefined) return;
    if (this.protocol.state !== "open") throw this.#closedError("send message fragment");
    this.protocol.sendContinuation(new Uint8Array(0), true);
    await this.#afterSend();
  }

  /** After queuing output: flush now when a lot is pending, else at the end of the turn. */
  #afterSend(): Promise<void> {
    if (this.protocol.bufferedBytes >= this.#settings.flushThreshold) this.#flushNow();
    else this.#scheduleFlush();
    return this.#flags & UNWRITABLE ? this.#drainPromise() : RESOLVED;
  }

  #drainPromise(): Promise<void> {
    const cold = this.#coldState();
    if (cold.drain === undefined) {
      cold.drain = new Promise((resolve) => {
        cold.resolveDrain = resolve;
      });
    }
    return cold.drain;
  }

  #releaseDrain(): void {
    if (this.#flags & UNWRITABLE && this.protocol.holdPongs) {
      this.protocol.holdPongs = false;
      if (this.protocol.hasOutput) this.#scheduleFlush();
    }
    this.#flags &= ~UNWRITABLE;
    const cold = this.#cold;
    if (cold === undefined) return;
    const resolve = cold.resolveDrain;
    cold.drain = cold.resolveDrain = undefined;
    resolve?.();
  }

  /**
   * Sends a ping and resolves with the round-trip time in milliseconds when
   * its pong arrives (a pong also answers every earlier ping, RFC 6455 5.5.3).
   * Without `data`, 4 random bytes are sent. Rejects with
   * {@link ConnectionClosed} if the connection closes first.
   */
  ping(data?: string | BinaryData): Promise<number> {
    if (this.protocol.state !== "open") return Promise.reject(this.#closedError("send ping"));
    let bytes: Uint8Array;
    if (data === undefined) {
      bytes = new Uint8Array(4);
      crypto.getRandomValues(bytes);
    } else {
      bytes = typeof data === "string" ? new TextEncoder().encode(data) : toBytes(data);
    }
    const key = pingKey(bytes);
    const pings = this.#coldState().pings;
    if (pings.some((ping) => ping.key === key)) {
      return Promise.reject(
        new InvalidStateError("Cannot send ping: a ping with the same data awaits its pong"),
      );
    }
    try {
      this.protocol.sendPing(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#scheduleFlush();
    return new Promise((resolve, reject) => {
      pings.push({ key, sentAt: performance.now(), resolve, reject });
    });
  }

  #pong(data: Uint8Array): void {
    const cold = this.#cold;
    const pings = cold?.pings;
    const timer = this.#keepaliveTimer;
    const keepalive = timer instanceof KeepalivePing ? timer : undefined;
    // An unsolicited pong (RFC 6455 5.5.3 allows them) answers nothing.
    if (keepalive === undefined && (pings === undefined || pings.length === 0)) return;
    const key = pingKey(data);
    const now = performance.now();
    const index = pings === undefined ? -1 : pings.findIndex((ping) => ping.key === key);
    // A pong answers its ping and every ping sent before it (RFC 6455 5.5.3).
    if (
      keepalive !== undefined &&
      (keepalive.key === key || (index >= 0 && pings![index]!.sentAt >= keepalive.sentAt))
    ) {
      keepalive.cancel();
      this.#keepaliveTimer = undefined;
      this.#coldState().latency = now - keepalive.sentAt;
      this.#armPing();
    }
    if (index < 0) return;
    const answered = pings!.splice(0, index + 1);
    cold!.latency = now - answered[index]!.sentAt;
    for (const ping of answered) ping.resolve(now - ping.sentAt);
  }

  // ---------------------------------------------------------------- closing

  /**
   * Starts the closing handshake (default code 1000) and resolves when the
   * connection is closed. If the peer does not answer within the close
   * timeout, the transport is destroyed. During the opening handshake, the
   * transport is closed at once. A `null` code sends a close frame without a
   * body (the peer sees 1005), as the WHATWG `close()` without arguments does.
   */
  close(code: number | null = 1000, reason = ""): Promise<CloseInfo> {
    const state = this.protocol.state;
    if (state === "open") {
      try {
        this.protocol.sendClose(code ?? undefined, reason);
      } catch (error) {
        return Promise.reject(error);
      }
      const cold = this.#coldState();
      cold.closeFrame ??= { code: code ?? 1005, reason };
      if (this.#settings.logInfo)
        this.#log("info", "close", "Closing connection", { code, reason });
      this.afterProtocol();
    } else if (state === "connecting") {
      this.#abort(new WebSocketError("Cannot open connection: closed during the handshake"));
    }
    return this.closed;
  }

  /** Destroys the transport now, recording `error` as the reason. */
  #abort(error: Error): void {
    this.#coldState().localError ??= error;
    if (this.#settings.logInfo) this.#log("warn", "error", error.message, { error });
    if (!(this.#flags & TRANSPORT_CLOSED)) this.#transport.destroy();
    // The transport reports its close asynchronously; the protocol learns now.
    this.protocol.receiveEof();
    this.afterProtocol();
  }

  #closedError(action: string): ConnectionClosed {
    const cold = this.#cold;
    const localError = cold?.localError;
    const info: CloseInfo = cold?.info ?? {
      code: cold?.closeFrame?.code ?? 1006,
      reason: cold?.closeFrame?.reason ?? "",
      wasClean: localError === undefined,
      ...(localError === undefined ? {} : { error: localError }),
    };
    return ConnectionClosed.from(`Cannot ${action}`, info);
  }

  // ---------------------------------------------------------------- driving the protocol

  /**
   * Handles the protocol's events and arms timers after any input or command.
   * Subclasses call it after driving the handshake.
   */
  protected afterProtocol(): void {
    const protocol = this.protocol;
    // Until none are left: handling an event may produce more (a server's
    // response lets the frames that followed the request through).
    for (let events = protocol.takeEvents(); events.length > 0; events = protocol.takeEvents()) {
      for (let i = 0; i < events.length; i++) this.#handle(events[i]!);
    }
    const flags = this.#flags;
    if (!(flags & OPENED) && protocol.state === "open") this.#open();
    if (!(flags & CLOSE_TIMER) && protocol.closeExpected) this.#armCloseTimer();
    // Input held back behind a faulty frame (see Protocol.hasDeferredInput)
    // is processed at the end of the turn, after the application has answered
    // the messages that came before it.
    if (protocol.hasOutput || protocol.hasDeferredInput) this.#scheduleFlush();
    const queue = this.#queue;
    if (
      queue !== undefined &&
      !(this.#flags & (PAUSED | TRANSPORT_CLOSED)) &&
      (queue.length - this.#queueHead > this.#settings.highQueue ||
        this.#queuedBytes > this.#settings.highQueueBytes)
    ) {
      this.#flags |= PAUSED;
      this.#transport.pause();
    }
  }

  /**
   * Whether info records are logged: callers check it before building a
   * record, so that an unused logger costs nothing (not even the message).
   */
  protected get logsInfo(): boolean {
    return this.#settings.logInfo;
  }

  /** Logs an info record, when a logger is set and takes info records. */
  protected logInfo(
    event: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ): void {
    if (this.#settings.logInfo) this.#log("info", event, message, details);
  }

  /** Called with the handshake events; `serve()` and `connect()` override it. */
  protected onHandshake(_event: RequestEvent | ResponseEvent): void {}

  /** Called once when the connection opens, after the events that opened it; `serve()` overrides it. */
  protected onOpen(): void {}

  #handle(event: ProtocolEvent): void {
    switch (event.type) {
      case "text":
      case "binary":
        if (this.#settings.logDebug) {
          this.#log("debug", "recv", `Received ${event.type} message`, {
            length: event.data.length,
          });
        }
        this.#deliver(event.data);
        break;
      case "ping":
        if (this.#settings.logDebug) this.#log("debug", "ping", "Received ping");
        break;
      case "pong":
        if (this.#settings.logDebug) this.#log("debug", "pong", "Received pong");
        this.#pong(event.data);
        break;
      case "close":
        this.#coldState().closeFrame = { code: event.code, reason: event.reason };
        if (this.#settings.logInfo) {
          this.#log("info", "close", "Received close frame", {
            code: event.code,
            reason: event.reason,
          });
        }
        break;
      case "closed":
        this.#protocolClosed(event);
        break;
      case "request":
      case "response":
        this.onHandshake(event);
        break;
    }
  }

  #open(): void {
    this.#flags |= OPENED;
    if (!(this.#flags & CLOSE_TIMER)) {
      this.#timer?.cancel();
      this.#timer = undefined;
    }
    if (this.#settings.logInfo) {
      this.#log("info", "open", "Connection open", { subprotocol: this.protocol.subprotocol });
    }
    this.#armPing();
    this.onOpen();
    // The handshake's last bytes (a server's 101, with whatever the handler
    // sent at once) leave now rather than at the end of the turn: connections
    // that open one per turn then schedule no deferred flush, whose callback
    // and queue were about 0.5 KB of garbage per handshake (idle memory, via
    // the young generation's resident pages).
    if (this.protocol.hasOutput) this.#flushNow();
  }

  #protocolClosed(event: Extract<ProtocolEvent, { type: "closed" }>): void {
    // A local cause (timeout, transport error) explains more than the
    // protocol's view of it (a handshake cut short).
    const localError = this.#cold?.localError;
    const error = localError ?? event.error;
    const info: CloseInfo = {
      code: event.code,
      reason: event.reason,
      wasClean: event.wasClean && localError === undefined,
      ...(error === undefined ? {} : { error }),
    };
    this.#coldState().info = info;
    this.#clearTimers();
    if (this.#settings.logInfo) {
      this.#log(error === undefined ? "info" : "warn", "closed", "Connection closed", {
        code: info.code,
        reason: info.reason,
        wasClean: info.wasClean,
        error,
      });
    }
    this.#releaseWaiters(info);
    const cold = this.#cold;
    if (cold !== undefined && cold.pings.length > 0) {
      const pings = cold.pings.splice(0);
      const error = closedWithoutStack("Cannot receive pong", info);
      for (const ping of pings) ping.reject(error);
    }
    // Senders waiting for a drain are let go; their next send rejects.
    this.#releaseDrain();
    if (this.#flags & TRANSPORT_CLOSED) this.#finish(info);
    else this.#armCloseTimer();
  }

  static readonly #openExpired = (connection: Connection): void => {
    connection.#timer = undefined;
    connection.#abort(
      new TimeoutError(
        `Cannot open connection: no handshake within ${connection.#settings.openTimeoutMs} ms`,
      ),
    );
  };

  static readonly #closeExpired = (connection: Connection): void => {
    connection.#timer = undefined;
    if (connection.#cold?.info !== undefined) {
      // The protocol is done and the transport did not finish closing in time.
      connection.#transport.destroy();
      return;
    }
    connection.#abort(
      new TimeoutError(
        `Cannot close connection: no close handshake within ${connection.#settings.closeTimeoutMs} ms`,
      ),
    );
  };

  static readonly #pingDue = (connection: Connection): void => {
    connection.#keepaliveTimer = undefined;
    connection.#keepalive();
  };

  static readonly #pongExpired = (connection: Connection): void => {
    connection.#keepaliveTimer = undefined;
    connection.#pongTimedOut();
  };

  /**
   * Arms the close deadline: for the closing handshake, then (once the
   * protocol is closed) for the transport to finish closing.
   */
  #armCloseTimer(): void {
    const settings = this.#settings;
    if (settings.closeTimeoutMs === null) return;
    // The open deadline, if still set, gives way: the handshake is over.
    this.#timer?.cancel();
    this.#flags |= CLOSE_TIMER;
    settings.closeDeadlines ??= new Deadlines(settings.closeTimeoutMs, Connection.#closeExpired);
    this.#timer = settings.closeDeadlines.add(new Deadline<Connection>(this));
  }

  #armPing(): void {
    const settings = this.#settings;
    if (settings.pingIntervalMs === null || this.protocol.state !== "open") return;
    settings.pingDeadlines ??= new Deadlines(settings.pingIntervalMs, Connection.#pingDue);
    this.#keepaliveTimer = settings.pingDeadlines.add(new Deadline<Connection>(this));
  }

  #keepalive(): void {
    if (this.protocol.state !== "open") return;
    const bytes = new Uint8Array(4);
    crypto.getRandomValues(bytes);
    this.protocol.sendPing(bytes);
    this.#scheduleFlush();
    // The ping is remembered by its deadline, not in the pings of ping():
    // an idle connection allocates nothing else for it.
    const ping = new KeepalivePing(this, pingKey(bytes), performance.now());
    this.#keepaliveTimer = ping;
    const settings = this.#settings;
    if (settings.pingTimeoutMs === null) return;
    settings.pongDeadlines ??= new Deadlines(settings.pingTimeoutMs, Connection.#pongExpired);
    settings.pongDeadlines.add(ping);
  }

  #pongTimedOut(): void {
    if (this.protocol.state !== "open") return;
    this.#coldState().localError ??= new TimeoutError(
      `Cannot keep connection alive: no pong within ${this.#settings.pingTimeoutMs} ms`,
    );
    if (this.#settings.logInfo) this.#log("warn", "error", "Keepalive ping timed out");
    // RFC 6455 7.4.1: 1011, the server (or client) met a condition that
    // prevented it from going on; the reason tells the peer which.
    this.protocol.fail(1011, "keepalive ping timeout");
    this.afterProtocol();
  }

  #clearTimers(): void {
    this.#timer?.cancel();
    this.#keepaliveTimer?.cancel();
    this.#timer = this.#keepaliveTimer = undefined;
    this.#flags &= ~CLOSE_TIMER;
  }

  // ---------------------------------------------------------------- transport

  #scheduleFlush(): void {
    if (!(this.#flags & FLUSH_SCHEDULED)) {
      this.#flags |= FLUSH_SCHEDULED;
      this.#settings.flushQueue.add(this.#events);
    }
  }

  /** Writes all pending output in one transport write; half-closes if the protocol says so. */
  #flushNow(): void {
    this.#flags &= ~FLUSH_SCHEDULED;
    const protocol = this.protocol;
    if (protocol.hasDeferredInput) {
      // Write the answers first, then fail on the held-back frame.
      this.#write(protocol);
      protocol.receiveDeferred();
      this.afterProtocol();
      return;
    }
    this.#write(protocol);
  }

  #write(protocol: Protocol): void {
    if (!protocol.hasOutput) return;
    const output = protocol.takeOutput();
    if (this.#flags & (TRANSPORT_CLOSED | ENDED)) return;
    if (
      output.chunks.length > 0 &&
      !this.#transport.write(output.chunks) &&
      this.#transport.bufferedAmount >= this.#settings.writeHighWater
    ) {
      // Both marks are passed: the transport's (so it will call onDrain) and ours.
      // Until the peer reads, pings get one pong, for the latest: a peer that
      // sends pings and never reads cannot grow the output without bound.
      this.#flags |= UNWRITABLE;
      protocol.holdPongs = true;
    }
    if (output.closeTransport) {
      this.#flags |= ENDED;
      this.#transport.end();
    }
  }

  /** Feeds bytes to the protocol as if the transport had read them (bytes read before the handover). */
  protected receiveBytes(bytes: Uint8Array): void {
    this.protocol.receiveData(bytes);
    this.afterProtocol();
  }

  /**
   * The connection's internal face: the transport's handler, the flush
   * queue's entry and the async iterator over messages, in one small object.
   */
  static readonly #Events = class implements TransportHandler, Flushable, AsyncIterator<Message> {
    readonly #connection: Connection;
    constructor(connection: Connection) {
      this.#connection = connection;
    }
    next(): Promise<IteratorResult<Message>> {
      return this.#connection.#next();
    }
    return(): Promise<IteratorResult<Message>> {
      return Promise.resolve({ value: undefined, done: true });
    }
    onData(chunk: Uint8Array): void {
      const connection = this.#connection;
      connection.protocol.receiveData(chunk);
      connection.afterProtocol();
    }
    onEnd(): void {
      const connection = this.#connection;
      connection.protocol.receiveEof();
      connection.afterProtocol();
    }
    onDrain(): void {
      this.#connection.#releaseDrain();
    }
    onError(error: Error): void {
      this.#connection.#transportError(error);
    }
    onClose(): void {
      this.#connection.#transportClose();
    }
    flush(): void {
      this.#connection.#flushNow();
    }
  };

  #finish(info: CloseInfo): void {
    if (this.#flags & FINISHED) return;
    this.#flags |= FINISHED;
    this.#cold?.resolveClosed?.(info);
    this.onClosed();
  }

  /** Called once when the connection is closed, as `closed` resolves. `serve()` overrides it. */
  protected onClosed(): void {}

  #transportError(error: Error): void {
    this.#coldState().localError ??= error;
    if (this.#settings.logInfo) {
      this.#log("warn", "error", `Transport error: ${error.message}`, { error });
    }
  }

  #transportClose(): void {
    this.#flags |= TRANSPORT_CLOSED;
    this.protocol.receiveEof();
    this.afterProtocol();
    // Normally the protocol closed first; the transport's close completes it.
    this.#flags &= ~FLUSH_SCHEDULED;
    if (this.#flags & CLOSE_TIMER) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#flags &= ~CLOSE_TIMER;
    }
    const info = this.#cold?.info;
    if (info !== undefined) this.#finish(info);
  }

  #log(
    level: LogLevel,
    event: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ): void {
    this.#settings.logger!({
      level,
      event,
      message,
      remoteAddress: this.#transport.remoteAddress,
      ...(details === undefined ? {} : { details }),
    });
  }
}
