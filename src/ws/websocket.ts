/**
 * ws's `WebSocket` class over a {@link Connection}: ws's events, in ws's order
 * and with ws's arguments, its methods and their argument checks, its ready
 * states. The protocol (framing, UTF-8, close handshake, pongs, limits) is the
 * connection's; this class translates names and shapes.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import type { Connection, ConnectionObserver } from "../connection/connection.js";
import type { CloseInfo } from "../connection/errors.js";
import { HandshakeError } from "../core/errors.js";
import type { ProtocolEvent } from "../core/events.js";
import { openClient, type RedirectRequest, type WsClientOptions } from "./client.js";
import { checkClose, notOpen, wsErrorFrom } from "./errors.js";
import {
  addEventListener,
  defineEventAttributes,
  type EventListenerLike,
  removeEventListener,
} from "./event-target.js";
import type { WebSocketServer } from "./server.js";
import type { createWebSocketStream } from "./stream.js";

/** What binary messages are delivered as: ws's `binaryType` values. */
export type BinaryType = "nodebuffer" | "arraybuffer" | "fragments" | "blob";

/** What ws's `send()` takes. */
export type Data = string | Buffer | ArrayBuffer | ArrayBufferView | readonly Buffer[];

/**
 * Options of `send()`. `compress: false` sends the message uncompressed (its
 * first fragment decides). `mask` is accepted and ignored: a client always
 * masks, a server never (RFC 6455 5.1).
 */
export interface SendOptions {
  binary?: boolean;
  compress?: boolean;
  fin?: boolean;
  mask?: boolean;
}

type Callback = (error?: Error) => void;

const BINARY_TYPES: readonly string[] = ["nodebuffer", "arraybuffer", "fragments", "blob"];
const EMPTY_BUFFER = Buffer.alloc(0);
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** ws's conversion of what `send()`, `ping()` and `pong()` take (lib/buffer-util.js `toBuffer`). */
function toBytes(data: unknown): string | Uint8Array {
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Arrays and the like, as Buffer.from takes them (and its TypeError for the rest).
  return Buffer.from(data as Uint8Array);
}

function isBlob(data: unknown): data is Blob {
  return typeof Blob !== "undefined" && data instanceof Blob;
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.length;
}

/**
 * What a listener threw, thrown again as ws's would be: ws emits from a
 * socket's callbacks, so an exception in a listener is an uncaught exception
 * (the process's, or the test runner's that reports it). The facade emits
 * from promise callbacks too, where it would become an unhandled rejection
 * and skip the facade's own work after the emit (the messages after `open`).
 * @internal
 */
export function rethrowLater(error: unknown): void {
  process.nextTick(rethrow, error);
}

function rethrow(error: unknown): never {
  throw error;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** What a `message` event carries: a Buffer, or as `binaryType` says. */
export type RawData = Buffer | ArrayBuffer | Buffer[];

/** A response as `upgrade` and `unexpected-response` listeners get it (`IncomingMessage`'s fields). */
export interface UpgradeResponse extends NodeJS.ReadableStream {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string>;
  rawHeaders: string[];
}

// ws's typed events (as @types/ws declares them), for code that moves from ws in TypeScript.
export interface WebSocket {
  on(event: "open", listener: (this: WebSocket) => void): this;
  on(event: "message", listener: (this: WebSocket, data: RawData, isBinary: boolean) => void): this;
  on(event: "close", listener: (this: WebSocket, code: number, reason: Buffer) => void): this;
  on(event: "error", listener: (this: WebSocket, error: Error) => void): this;
  on(event: "ping" | "pong", listener: (this: WebSocket, data: Buffer) => void): this;
  on(event: "upgrade", listener: (this: WebSocket, response: UpgradeResponse) => void): this;
  on(
    event: "unexpected-response",
    listener: (this: WebSocket, request: unknown, response: UpgradeResponse) => void,
  ): this;
  on(
    event: "redirect",
    listener: (this: WebSocket, url: string, request: RedirectRequest) => void,
  ): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's catch-all signature
  on(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;
  once(event: "open", listener: (this: WebSocket) => void): this;
  once(
    event: "message",
    listener: (this: WebSocket, data: RawData, isBinary: boolean) => void,
  ): this;
  once(event: "close", listener: (this: WebSocket, code: number, reason: Buffer) => void): this;
  once(event: "error", listener: (this: WebSocket, error: Error) => void): this;
  once(event: "ping" | "pong", listener: (this: WebSocket, data: Buffer) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's catch-all signature
  once(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;
}

/**
 * A WebSocket as ws 8 makes it: a client when built with a URL, a server's
 * connection when `WebSocketServer` hands it over.
 *
 * @example
 * ```ts
 * import WebSocket from "websocket-sansio/ws";
 * const ws = new WebSocket("ws://127.0.0.1:8080/");
 * ws.on("open", () => ws.send("hello"));
 * ws.on("message", (data, isBinary) => console.log(isBinary ? data : data.toString()));
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed overloads of EventEmitter's methods
export class WebSocket extends EventEmitter {
  // Set by the entry point, as require("ws") has them.
  declare static WebSocket: typeof WebSocket;
  declare static WebSocketServer: typeof WebSocketServer;
  declare static Server: typeof WebSocketServer;
  declare static createWebSocketStream: typeof createWebSocketStream;
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  declare onopen: ((event: unknown) => void) | null;
  declare onmessage: ((event: unknown) => void) | null;
  declare onerror: ((event: unknown) => void) | null;
  declare onclose: ((event: unknown) => void) | null;

  /** @internal read by the `close` event of `addEventListener` (wasClean) */
  _closeFrameReceived = false;
  /** @internal read by the `close` event of `addEventListener` (wasClean) */
  _closeFrameSent = false;

  #binaryType: BinaryType = "nodebuffer";
  #connection: Connection | undefined;
  #readyState = CONNECTING;
  #url: string | undefined;
  #paused = false;
  #errorEmitted = false;
  // ws's Sender: the next data frame starts a message (else it continues one sent with fin: false).
  #firstFragment = true;
  // Bytes "sent" after close, which ws counts in bufferedAmount.
  #bufferedAfterClose = 0;
  #aborted = false;
  // A client's events from its handshake until `open` is emitted (see `_observer`).
  #early: ProtocolEvent[] | undefined;
  // Sends waiting for a Blob before them to be read (ws 8.18 sends Blobs, in order).
  #blobWait: Promise<void> | undefined;
  // With `allowSynchronousEvents: false`: the events waiting to be emitted, one
  // message, ping or pong per macrotask (see `_deferEvents`); and the close
  // that waits for them.
  #deferred: ProtocolEvent[] | undefined;
  #closeAfterDeferred: { info: CloseInfo | undefined } | undefined;

  /**
   * @param address the URL to connect to (`ws:`, `wss:`, `http:`, `https:`,
   *   `ws+unix:`), or `null` for a server's connection
   * @param protocols the subprotocols to offer (or the options)
   * @param options ws's client options
   */
  constructor(
    address: string | URL | null,
    protocols?: string | readonly string[] | WsClientOptions,
    options?: WsClientOptions,
  ) {
    super();
    if (address === null) return;
    let list: readonly string[];
    let opts = options;
    if (protocols === undefined) {
      list = opts?.protocols === undefined ? [] : ([] as string[]).concat(opts.protocols);
    } else if (typeof protocols === "string") {
      list = [protocols];
    } else if (Array.isArray(protocols)) {
      list = protocols;
    } else if (typeof protocols === "object" && protocols !== null) {
      opts = protocols as WsClientOptions;
      list = opts.protocols === undefined ? [] : ([] as string[]).concat(opts.protocols);
    } else {
      list = [protocols as unknown as string];
    }
    this.#url = openClient(this, address, list, opts ?? {});
  }

  /** `nodebuffer` (Buffer, the default), `arraybuffer`, `fragments` (an array of Buffers) or `blob`. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(type: BinaryType) {
    if (BINARY_TYPES.includes(type)) this.#binaryType = type;
  }

  /** Bytes sent but not yet handed to the network. */
  get bufferedAmount(): number {
    return (this.#connection?.bufferedAmount ?? 0) + this.#bufferedAfterClose;
  }

  /** The negotiated extensions, as ws gives them (`"permessage-deflate"` or `""`). */
  get extensions(): string {
    const extensions = this.#connection?.extensions;
    return extensions === undefined ? "" : extensions.map((e) => e.name).join();
  }

  /** Whether `pause()` holds the reads. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** The negotiated subprotocol, or `""`. */
  get protocol(): string {
    return this.#connection?.subprotocol ?? "";
  }

  /**
   * 0 (CONNECTING), 1 (OPEN), 2 (CLOSING) or 3 (CLOSED), as the events
   * emitted so far tell it: CLOSING from `close()`, `terminate()`, a close
   * frame or an error on; CLOSED once `close` is emitted.
   */
  get readyState(): number {
    return this.#readyState;
  }

  /** The URL a client connected to (after ws's normalisation); `undefined` on a server. */
  get url(): string | undefined {
    return this.#url;
  }

  /** @internal A server's connection, or a client's whose handshake succeeded: now OPEN. */
  _attach(connection: Connection, beforeOpen?: () => void): void {
    this.#connection = connection;
    void connection.closed.then((info) => {
      try {
        this.#emitClose(info);
      } catch (error) {
        rethrowLater(error);
      }
    });
    try {
      beforeOpen?.();
    } catch (error) {
      rethrowLater(error);
    }
    // `close()` or `terminate()` in an `upgrade` listener: still CONNECTING
    // for ws, so the handshake is aborted (its error and close are on their
    // way) and `open` never comes.
    if (this.#aborted) {
      connection.terminate();
      return;
    }
    this.#readyState = OPEN;
    try {
      this.emit("open");
    } catch (error) {
      rethrowLater(error);
    }
  }

  /**
   * @internal The connection's observer. A client's is set when it connects
   * (`connect({ observer })`), and holds what arrives before `open` is emitted.
   */
  _observer(): ConnectionObserver {
    this.#early = [];
    return (event) => {
      // The end of an attempt refused by its handshake: a redirect followed
      // (the next attempt's connection reports to this observer too), or the
      // last refusal, which `_fail` reports. Replayed after a later attempt
      // opens, it would leave this WebSocket CLOSING for good.
      if (event.type === "closed" && event.error instanceof HandshakeError) return;
      if (this.#early === undefined) this.#dispatch(event);
      else this.#early.push(event);
    };
  }

  /**
   * @internal Starts emitting events, once the listeners of the code that got
   * this WebSocket (`open`, `connection` listeners) are on: what the peer
   * sent meanwhile is emitted first (ws reads it on the next tick).
   */
  _observe(): void {
    const early = this.#early;
    if (early === undefined) {
      this.#connection?.observe((event) => this.#dispatch(event));
      return;
    }
    this.#early = undefined;
    for (const event of early) this.#dispatch(event);
  }

  /**
   * @internal `allowSynchronousEvents: false`: each `message`, `ping` and
   * `pong` is emitted in a macrotask of its own (`setImmediate`), as ws does,
   * so that the microtasks a listener queues run before the next one; `close`
   * waits for them.
   */
  _deferEvents(): void {
    this.#deferred ??= [];
  }

  #dispatch(event: ProtocolEvent): void {
    const deferred = this.#deferred;
    if (deferred === undefined) {
      // No closure per message: the try is free when nothing throws.
      try {
        this.#onEvent(event);
      } catch (error) {
        rethrowLater(error);
      }
      return;
    }
    deferred.push(event);
    if (deferred.length === 1) setImmediate(this.#emitDeferred);
  }

  /** Emits the deferred events up to and including the next message, ping or pong. */
  readonly #emitDeferred = (): void => {
    const deferred = this.#deferred!;
    while (deferred.length > 0) {
      const event = deferred.shift()!;
      this.#onEvent(event);
      const type = event.type;
      if (type === "text" || type === "binary" || type === "ping" || type === "pong") break;
    }
    if (deferred.length > 0) setImmediate(this.#emitDeferred);
    else if (this.#closeAfterDeferred !== undefined) this.#emitClose(this.#closeAfterDeferred.info);
  };

  /** @internal The client's handshake failed: `error` (unless nobody listens), then `close` (1006). */
  _fail(error: Error | undefined): void {
    if (this.#aborted) return;
    this.#readyState = CLOSING;
    try {
      if (error !== undefined) this.#emitError(error);
    } catch (thrown) {
      rethrowLater(thrown);
    }
    try {
      this.#emitClose(undefined);
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }

  /** @internal A client follows a redirect: its URL is the new one, and `redirect` is emitted (with a request to show). */
  _redirected(url: string, request: unknown): void {
    this.#url = url;
    try {
      if (request !== undefined) this.emit("redirect", url, request);
    } catch (error) {
      rethrowLater(error);
    }
  }

  /** @internal Whether `close()` or `terminate()` ended the handshake of this client. */
  get _aborted(): boolean {
    return this.#aborted;
  }

  #emitError(error: Error): void {
    if (this.#errorEmitted) return;
    this.#errorEmitted = true;
    // ws emits `error` with no listener too, which throws out of the socket's
    // callback and ends the process; a peer's mistake must not do that here.
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  #emitClose(info: CloseInfo | undefined): void {
    if (this.#readyState === CLOSED) return;
    if (this.#deferred !== undefined && this.#deferred.length > 0) {
      this.#closeAfterDeferred = { info };
      return;
    }
    this.#readyState = CLOSED;
    if (info?.wasClean) this._closeFrameReceived = this._closeFrameSent = true;
    const code = info?.code ?? 1006;
    const reason =
      info === undefined || info.reason === "" ? EMPTY_BUFFER : Buffer.from(info.reason);
    this.emit("close", code, reason);
  }

  #onEvent(event: ProtocolEvent): void {
    switch (event.type) {
      case "text":
        this.emit("message", Buffer.from(event.data), false);
        return;
      case "binary":
        this.emit("message", this.#binary(event.data), true);
        return;
      case "ping":
        this.emit("ping", asBuffer(event.data));
        return;
      case "pong":
        this.emit("pong", asBuffer(event.data));
        return;
      case "close":
        // The core echoed it already when it was ours to echo.
        this._closeFrameReceived = true;
        this._closeFrameSent = true;
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        return;
      case "closed":
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        if (event.error !== undefined && event.error.name === "ProtocolError") {
          this.#emitError(wsErrorFrom(event.error));
        }
        return;
      default:
        return;
    }
  }

  #binary(data: Uint8Array): unknown {
    switch (this.#binaryType) {
      case "arraybuffer":
        return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
          ? data.buffer
          : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      case "fragments":
        return [asBuffer(data)];
      case "blob":
        // Received bytes are never a SharedArrayBuffer's (DOM-typed checkers want it said).
        return new Blob([data as Uint8Array<ArrayBuffer>]);
      default:
        return asBuffer(data);
    }
  }

  /**
   * Starts the closing handshake; `close` is emitted when it is done (or after
   * the close timeout). Without a code the close frame has no body (the peer
   * sees 1005). Throws ws's `TypeError` for an invalid code and `RangeError`
   * for a reason over 123 bytes.
   */
  close(code?: number, data?: string | Buffer): void {
    const state = this.readyState;
    if (state === CLOSED) return;
    if (state === CONNECTING) {
      this.#abortHandshake("WebSocket was closed before the connection was established");
      return;
    }
    if (state === CLOSING) return;
    const reason = checkClose(code, data);
    this.#readyState = CLOSING;
    this._closeFrameSent = true;
    const connection = this.#connection!;
    // As ws's sender queue: the close frame leaves after the Blobs sent
    // before it (and the sends waiting for them).
    const blobs = this.#blobWait;
    if (blobs !== undefined) {
      void blobs.then(() => connection.close(code ?? null, reason).catch(() => {}));
      return;
    }
    connection.close(code ?? null, reason).catch(() => {});
  }

  /** Closes the connection at once, without a closing handshake. */
  terminate(): void {
    const state = this.readyState;
    if (state === CLOSED) return;
    if (state === CONNECTING) {
      this.#abortHandshake("WebSocket was closed before the connection was established");
      return;
    }
    this.#readyState = CLOSING;
    this.#connection!.terminate();
  }

  #abortHandshake(message: string): void {
    this.#readyState = CLOSING;
    const error = new Error(message);
    // A handshake that ends meanwhile is ignored (see `_fail`, `_aborted`).
    this.#aborted = true;
    process.nextTick(() => {
      this.#emitError(error);
      this.#emitClose(undefined);
    });
  }

  /** Stops reading: no more `message` events until `resume()` (messages already read are still emitted). */
  pause(): void {
    const state = this.readyState;
    if (state === CONNECTING || state === CLOSED) return;
    this.#paused = true;
    this.#connection!.pauseReading();
  }

  /** Resumes reading after `pause()`. */
  resume(): void {
    const state = this.readyState;
    if (state === CONNECTING || state === CLOSED) return;
    this.#paused = false;
    this.#connection!.resumeReading();
  }

  /** Sends a ping (at most 125 bytes); `pong` is emitted when it is answered. */
  ping(data?: unknown, mask?: boolean | Callback, cb?: Callback): void {
    this.#control("ping", data, mask, cb);
  }

  /** Sends a pong (at most 125 bytes); pings are answered automatically. */
  pong(data?: unknown, mask?: boolean | Callback, cb?: Callback): void {
    this.#control("pong", data, mask, cb);
  }

  #control(kind: "ping" | "pong", data: unknown, mask: unknown, cb: Callback | undefined): void {
    if (this.readyState === CONNECTING) throw notOpen(CONNECTING);
    let payload = data;
    let callback = cb;
    if (typeof payload === "function") {
      callback = payload as Callback;
      payload = undefined;
    } else if (typeof mask === "function") {
      callback = mask as Callback;
    }
    if (typeof payload === "number") payload = payload.toString();
    // (The connection may be closing already while the events that tell it wait to be emitted.)
    if (this.#readyState !== OPEN || this.#connection!.state !== "open") {
      this.#sendAfterClose(payload, callback);
      return;
    }
    const bytes = payload === undefined || payload === null ? EMPTY_BUFFER : toBytes(payload);
    if (byteLength(bytes) > 125) {
      throw new RangeError("The data size must not be greater than 125 bytes");
    }
    if (kind === "ping") this.#connection!.sendPing(bytes);
    else this.#connection!.sendPong(bytes);
    if (callback !== undefined) process.nextTick(callback);
  }

  /**
   * Sends a message: text for a string, binary for bytes, unless `binary`
   * says otherwise; `fin: false` sends a fragment, continued by the next
   * sends. `cb` is called once the data is queued for the network (or with
   * the error). Throws when CONNECTING, as ws does.
   */
  send(data: unknown, options?: SendOptions | Callback, cb?: Callback): void {
    if (this.readyState === CONNECTING) throw notOpen(CONNECTING);
    let opts: SendOptions | undefined;
    let callback = cb;
    if (typeof options === "function") callback = options;
    else opts = options;
    let payload = data;
    if (typeof payload === "number") payload = payload.toString();
    if (this.#readyState !== OPEN || this.#connection!.state !== "open") {
      this.#sendAfterClose(payload, callback);
      return;
    }
    if (isBlob(payload) || this.#blobWait !== undefined) {
      this.#sendAfterBlobs(payload, opts, callback);
      return;
    }
    this.#sendNow(payload, opts, callback);
  }

  /**
   * A Blob is read before it is sent, and what is sent after it waits, as in
   * ws: messages leave in call order. ws's error when the connection closed
   * meanwhile.
   */
  #sendAfterBlobs(payload: unknown, opts: SendOptions | undefined, callback?: Callback): void {
    const previous = this.#blobWait ?? Promise.resolve();
    const sent = previous.then(async () => {
      let data = payload;
      if (isBlob(payload)) {
        try {
          data = Buffer.from(await payload.arrayBuffer());
        } catch (error) {
          this.#blobUnreadable(error, callback);
          return;
        }
      }
      // (CLOSING by our own close() is fine: its frame waits for these sends.)
      if (this.#readyState === CLOSED || this.#connection!.state !== "open") {
        const error = new Error("The socket was closed while the blob was being read");
        if (callback !== undefined) process.nextTick(callback, error);
        return;
      }
      this.#sendNow(data, opts, callback);
    });
    this.#blobWait = sent;
    void sent.then(() => {
      if (this.#blobWait === sent) this.#blobWait = undefined;
    });
  }

  /**
   * A Blob that cannot be read (its file changed, say: `NotReadableError`),
   * as ws's sender fails: the send's callback gets the error, the connection
   * ends without a closing handshake (the peer sees 1006), `error` is
   * emitted, then `close` (1006). The sends queued after it get ws's "closed
   * while the blob was being read".
   */
  #blobUnreadable(error: unknown, callback: Callback | undefined): void {
    process.nextTick(() => {
      try {
        callback?.(error as Error);
        if (this.#readyState === CLOSED) return;
        if (this.#readyState === OPEN) this.#readyState = CLOSING;
        this.#connection?.terminate();
        this.#emitError(error as Error);
      } catch (thrown) {
        rethrowLater(thrown);
      }
    });
  }

  #sendNow(payload: unknown, opts: SendOptions | undefined, callback?: Callback): void {
    const bytes =
      payload === undefined || payload === null || payload === "" ? EMPTY_BUFFER : toBytes(payload);
    const isString = typeof bytes === "string";
    const binary = opts?.binary ?? (!isString && payload !== "");
    const fin = opts?.fin ?? true;
    const connection = this.#connection!;
    let sent: Promise<void>;
    const compress = opts?.compress ?? true;
    if (fin && this.#firstFragment && binary !== isString && compress) {
      // The common case: one whole message of the type its data says.
      sent = connection.send(bytes);
    } else {
      const kind = this.#firstFragment ? (binary ? "binary" : "text") : "continuation";
      this.#firstFragment = fin;
      // (A message's first frame decides whether it is compressed, as in ws.)
      sent = connection.sendFrame(bytes, kind, fin, compress);
      if (callback === undefined) sent.catch(() => {});
    }
    if (callback !== undefined) sent.then(() => callback(), callback);
  }

  /** ws's `sendAfterClose`: the bytes count in `bufferedAmount`, and `cb` gets an error. */
  #sendAfterClose(data: unknown, cb: Callback | undefined): void {
    if (isBlob(data)) this.#bufferedAfterClose += data.size;
    else if (data !== undefined && data !== null && data !== "") {
      this.#bufferedAfterClose += byteLength(toBytes(data));
    }
    if (cb !== undefined) {
      const error = notOpen(this.readyState);
      process.nextTick(cb, error);
    }
  }

  /** ws's `addEventListener`: `open`, `message`, `error`, `close`, with ws's event objects. */
  addEventListener(type: string, listener: EventListenerLike, options?: { once?: boolean }): void {
    addEventListener.call(this, type, listener, options);
  }

  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: string, listener: EventListenerLike): void {
    removeEventListener.call(this, type, listener);
  }
}

// As ws: the ready states are read-only, enumerable and not configurable, on
// the class as on its instances (a static field alone is writable).
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  const descriptor = { enumerable: true, writable: false, configurable: false, value };
  Object.defineProperty(WebSocket, name, descriptor);
  Object.defineProperty(WebSocket.prototype, name, descriptor);
}
for (const property of [
  "binaryType",
  "bufferedAmount",
  "extensions",
  "isPaused",
  "protocol",
  "readyState",
  "url",
]) {
  const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, property)!;
  Object.defineProperty(WebSocket.prototype, property, { ...descriptor, enumerable: true });
}
defineEventAttributes(WebSocket.prototype);
