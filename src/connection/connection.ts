/**
 * `Connection`: the async API over one {@link Protocol} and one
 * {@link Transport}, the same on every runtime. It owns the incoming message
 * queue (bounded: reads pause when it is full), write coalescing (all output
 * of one event-loop turn leaves in one transport write), backpressure on
 * sends, pings and keepalive, and the open and close timeouts.
 *
 * Each of these lives in a file of its own, as one class of the chain that
 * makes a connection; `state.ts` holds the fields and the map of the state.
 * This file holds the public face and the dispatch of the protocol's events.
 *
 * @module
 */

import type { ProtocolEvent, RequestEvent, ResponseEvent } from "../core/events.js";
import type { Extension } from "../core/extension.js";
import type { Request, Response } from "../core/http1/message.js";
import type { Protocol, State } from "../core/protocol.js";
import { publishOpen } from "./diagnostics.js";
import type { Message } from "./message.js";
import { type ConnectionOptions, settingsFor } from "./settings.js";
import { type Callbacks, CLOSE_DEADLINE_SET, type ConnectionState, OPENED } from "./state.js";
import { Streaming } from "./streaming.js";
import type { TlsInfo } from "./tls-info.js";
import type { Transport } from "./transport.js";

export type { BinaryData, Fragment, FrameKind, Message, SendData } from "./message.js";
export type { ConnectionOptions } from "./settings.js";
export type { ConnectionObserver } from "./state.js";
export type { BinaryMessageStream, MessageStream, TextMessageStream } from "./streaming.js";

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
export class Connection extends Streaming implements AsyncIterable<Message> {
  /**
   * @param protocol the protocol to drive; in the `connecting` state for a
   *   handshake run by a subclass (`serve`, `connect`), or `open`
   * @param transport the transport to drive it over; started here
   */
  constructor(protocol: Protocol, transport: Transport, options: ConnectionOptions = {}) {
    super(protocol, transport, settingsFor(options), Connection.makeCallbacks);
    if (protocol.state === "connecting") this.armOpenDeadline();
    transport.start(this.callbacks);
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
    return this.transport.remoteAddress;
  }

  /** The peer's port, when the transport has one. */
  get remotePort(): number | undefined {
    return this.transport.remotePort;
  }

  /**
   * The TLS session's facts (the peer's certificate, whether it was
   * verified, the ALPN protocol), when the transport is TLS and can tell
   * them (Node's); undefined otherwise. Built on each read.
   *
   * @example
   * ```ts
   * processRequest: (request, connection) =>
   *   connection.tls?.authorized ? undefined : connection.reject(403, "Client certificate required\n")
   * ```
   */
  get tls(): TlsInfo | undefined {
    return this.transport.tls;
  }

  /**
   * Whether pings are answered automatically (see `Protocol.autoPong`).
   * Default true; false is for an application that answers them itself with
   * `sendPong()` (ws's `autoPong: false`).
   */
  get autoPong(): boolean {
    return this.protocol.autoPong;
  }

  set autoPong(answer: boolean) {
    this.protocol.autoPong = answer;
  }

  /** Bytes sent but not yet handed to the network (queued in the protocol or the transport). */
  get bufferedAmount(): number {
    return this.protocol.bufferedBytes + this.transport.bufferedAmount;
  }

  /**
   * Iterates over received messages until the connection closes. The loop
   * ends after a normal closure, and throws `ConnectionClosedError` after an
   * abnormal one. Breaking out of the loop leaves the connection open.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    // The iterator is the connection's callbacks object (see Callbacks): one
    // object less per connection in a `for await` loop. Iterators of one
    // connection all read the same queue anyway.
    return this.callbacks;
  }

  // ---------------------------------------------------------------- driving the protocol

  /**
   * Handles the protocol's events and arms deadlines after any input or
   * command. Subclasses call it after driving the handshake.
   */
  protected afterProtocol(): void {
    const protocol = this.protocol;
    // Until none are left: handling an event may produce more (a server's
    // response lets the frames that followed the request through).
    for (let events = protocol.takeEvents(); events.length > 0; events = protocol.takeEvents()) {
      for (let i = 0; i < events.length; i++) this.handleEvent(events[i]!);
    }
    const flags = this.flags;
    if (!(flags & OPENED) && protocol.state === "open") this.protocolOpened();
    if (!(flags & CLOSE_DEADLINE_SET) && protocol.closeExpected) this.armCloseDeadline();
    // Input held back at a faulty frame or a close frame (see Protocol.hasHeldInput)
    // is processed at the end of the turn, after the application has answered
    // the messages that came before it.
    if (protocol.hasOutput || protocol.hasHeldInput) this.scheduleFlush();
    this.pauseIfQueueFull();
  }

  /**
   * Whether info records are logged: callers check it before building a
   * record, so that an unused logger costs nothing (not even the message).
   */
  protected get logsInfo(): boolean {
    return this.settings.logInfo;
  }

  /** Logs an info record, when a logger is set and takes info records. */
  protected logInfo(
    event: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ): void {
    if (this.settings.logInfo) this.log("info", event, message, details);
  }

  /** Called with the handshake events; `serve()` and `connect()` override it. */
  protected onHandshake(_event: RequestEvent | ResponseEvent): void {}

  /** Called once when the connection opens, after the events that opened it; `serve()` overrides it. */
  protected onOpen(): void {}

  /** Feeds bytes to the protocol as if the transport had read them (bytes read before the handover). */
  protected receiveBytes(bytes: Uint8Array): void {
    this.protocol.receiveData(bytes);
    this.afterProtocol();
  }

  /**
   * Turns one protocol event into the state changes above; an observer (see
   * `observe`) is then told of it, and takes the messages instead of the
   * incoming queue. Handshake events are the subclasses' own.
   */
  private handleEvent(event: ProtocolEvent): void {
    switch (event.type) {
      case "text":
      case "binary": {
        if (this.settings.logDebug) {
          this.log("debug", "recv", `Received ${event.type} message`, {
            length: event.data.length,
          });
        }
        const observer = this.rare?.observer;
        if (observer === undefined) this.pushMessage(event.data);
        else observer(event);
        return;
      }
      case "fragment":
        // Only in streaming mode (see streaming.ts), which event APIs do not use.
        this.receiveFragment(event);
        return;
      case "ping":
        if (this.settings.logDebug) this.log("debug", "ping", "Received ping");
        break;
      case "pong":
        if (this.settings.logDebug) this.log("debug", "pong", "Received pong");
        this.pongReceived(event.data);
        break;
      case "close":
        this.rareState().closeFrame = { code: event.code, reason: event.reason };
        if (this.settings.logInfo) {
          this.log("info", "close", "Received close frame", {
            code: event.code,
            reason: event.reason,
          });
        }
        break;
      case "closed":
        this.protocolClosed(event);
        break;
      case "request":
      case "response":
        this.onHandshake(event);
        return;
    }
    this.rare?.observer?.(event);
  }

  /** The protocol is open: the connecting → open transition of `state.ts`. */
  private protocolOpened(): void {
    this.flags |= OPENED;
    this.cancelOpenDeadline();
    if (this.settings.logInfo) {
      this.log("info", "open", "Connection open", { subprotocol: this.protocol.subprotocol });
    }
    publishOpen(this);
    this.armKeepalive();
    this.onOpen();
    // The handshake's last bytes (a server's 101, with whatever the handler
    // sent at once) leave now rather than at the end of the turn: connections
    // that open one per turn then schedule no end-of-turn flush, whose
    // callback and queue were about 0.5 KB of garbage per handshake (idle
    // memory, via the young generation's resident pages).
    if (this.protocol.hasOutput) this.flushThenHeldInput();
  }

  private static makeCallbacks(this: void, state: ConnectionState): Callbacks {
    return new Connection.Callbacks(state as Connection);
  }

  /**
   * The connection's face to the runtime: the transport's handler, the flush
   * queue's entry and the async iterator over messages, in one small object
   * instead of a closure per callback (idle memory).
   */
  private static readonly Callbacks = class ConnectionCallbacks implements Callbacks {
    readonly #connection: Connection;
    constructor(connection: Connection) {
      this.#connection = connection;
    }
    next(): Promise<IteratorResult<Message>> {
      return this.#connection.nextMessage();
    }
    return(): Promise<IteratorResult<Message>> {
      return Promise.resolve({ value: undefined, done: true });
    }
    onData(chunk: Uint8Array): boolean {
      const connection = this.#connection;
      const released = connection.protocol.receiveData(chunk);
      connection.afterProtocol();
      return released;
    }
    onEnd(): void {
      const connection = this.#connection;
      connection.protocol.receiveEof();
      connection.afterProtocol();
    }
    onDrain(): void {
      this.#connection.releaseDrain();
    }
    onError(error: Error): void {
      this.#connection.transportFailed(error);
    }
    onClose(): void {
      this.#connection.transportClosed();
    }
    flush(): void {
      this.#connection.flushThenHeldInput();
    }
  };
}
