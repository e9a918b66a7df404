/**
 * The WHATWG `WebSocket` (the browser's class, WebSockets Standard) over the
 * connection layer: it adapts a `ClientConnection`'s messages, sends and close
 * to the standard's events, states and attributes, and leaves the protocol to
 * the layers below. A runtime's entry point fills in how to connect (see
 * `websocket-sansio/node` and `websocket-sansio/web`).
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import type { CloseInfo } from "../connection/errors.js";
import { answeringBasicChallenge } from "./basic-challenge.js";
import { CloseEvent } from "./close-event.js";
import { connectInTurn } from "./connect-queue.js";
import { defineEventHandlers } from "./event-handlers.js";
import { arrayBufferOf } from "./stream-pair.js";
import { queueTask } from "./task.js";
import { parseProtocols, parseWebSocketUrl, withoutCredentials } from "./url.js";
import {
  checkCloseCode,
  checkCloseReason,
  clampUnsignedShort,
  toUSVString,
  utf8Length,
} from "./webidl.js";

/**
 * Options beyond the standard's, for the library's connection layer
 * (limits, timeouts, TLS on Node...). Browsers have none of these; the
 * defaults are chosen to behave as they do.
 */
export type WebSocketOptions = Omit<ClientOptions, "subprotocols" | "signal">;

/** The `binaryType` values: how binary messages are delivered. */
export type BinaryType = "blob" | "arraybuffer";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

// What browsers do, where the library's defaults differ: no keepalive pings
// (browsers send none), no redirects (the standard's fetch uses redirect mode
// "error"), and messages up to 64 MiB (browsers set no limit short of memory;
// the library's 1 MiB would close with 1009 where a browser would not).
export const BROWSER_DEFAULTS: ClientOptions = {
  pingIntervalMs: null,
  maxRedirects: 0,
  maxMessageBytes: 64 * 1024 * 1024,
};

// Bytes above which a sent buffer is copied: the connection may write 16 KiB
// or more without a copy, and a browser's caller may reuse its buffer as soon
// as send() returns.
const COPY_FROM_BYTES = 16 * 1024;

const CONTEXT_CONSTRUCT = "Failed to construct 'WebSocket'";

/** A message waiting behind a Blob being read (sends keep their order). */
type Pending = string | Uint8Array | Blob;

function sizeOfPending(data: Pending): number {
  return typeof data === "string"
    ? utf8Length(data)
    : data instanceof Blob
      ? data.size
      : data.byteLength;
}

/** Bytes of a BufferSource, copied when the connection might keep a reference to them. */
function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  const view =
    data instanceof Uint8Array
      ? data
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return view.byteLength >= COPY_FROM_BYTES ? view.slice() : view;
}

/**
 * Whether the handshake must fail because subprotocols were offered and the
 * server chose none. RFC 6455 allows it; browsers do not (Chromium: "Sent
 * non-empty 'Sec-WebSocket-Protocol' header but no response was received"),
 * nor does undici, so the WHATWG classes fail the connection, closing it with
 * 1002. (The library's own client accepts it and reports `subprotocol` null.)
 */
export function refusesNoSubprotocol(connection: ClientConnection, offered: boolean): boolean {
  if (!offered || connection.subprotocol !== null) return false;
  void connection.close(1002, "No subprotocol chosen");
  return true;
}

/**
 * The WHATWG `WebSocket`: the browser's API, with the browser's behaviour.
 *
 * @example
 * ```ts
 * import { WebSocket } from "websocket-sansio/node";
 * const socket = new WebSocket("ws://127.0.0.1:8765/", ["chat"]);
 * socket.binaryType = "arraybuffer";
 * socket.onopen = () => socket.send("hello");
 * socket.onmessage = (event) => { console.log(event.data); socket.close(1000, "done"); };
 * socket.onclose = (event) => console.log(event.code, event.reason, event.wasClean);
 * ```
 *
 * `Options` is the type of the third constructor argument: a runtime's
 * subclass narrows it to its own options (`tls` on Node) by this parameter
 * rather than by a constructor of its own, which would have to pass on its
 * arguments with a spread to keep their count (JSR's type check rejects that
 * spread in the declarations it generates).
 */
export class WebSocket<Options extends WebSocketOptions = WebSocketOptions> extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  declare onopen: ((this: WebSocket, event: Event) => unknown) | null;
  declare onmessage: ((this: WebSocket, event: MessageEvent) => unknown) | null;
  declare onerror: ((this: WebSocket, event: Event) => unknown) | null;
  declare onclose: ((this: WebSocket, event: CloseEvent) => unknown) | null;

  /**
   * How this class opens connections. A runtime's entry point overrides it;
   * on this runtime-neutral class it throws.
   */
  protected static connect(_url: URL, _options: ClientOptions): Promise<ClientConnection> {
    return Promise.reject(
      new TypeError("Cannot open WebSocket: use the class of a runtime's entry point"),
    );
  }

  readonly #url: URL;
  readonly #origin: string;
  #readyState: number = CONNECTING;
  #binaryType: BinaryType = "blob";
  #protocol = "";
  #extensions = "";
  #connection: ClientConnection | undefined;
  /** Aborts the opening handshake; dropped once open. */
  #abort: AbortController | undefined;

  // bufferedAmount (see the getter): all bytes sent and not known to be
  // written, and the part of them handed to the connection.
  #bufferedAmount = 0;
  #inFlight = 0;
  #checkScheduled = false;
  // Messages received whose tasks are queued, oldest at #incomingHead: one
  // shared task function instead of a closure per message.
  #incoming: (string | Uint8Array)[] = [];
  #incomingHead = 0;
  // Messages waiting behind a Blob being read; undefined when none is.
  #sendQueue: Pending[] | undefined;

  /**
   * @param url a `ws:`, `wss:`, `http:` or `https:` URL without a fragment
   * @param protocols subprotocols to offer, one or a list, in order of preference
   * @param options the library's connection options (not in the standard)
   * @throws {DOMException} `SyntaxError` for a bad URL or subprotocol
   */
  constructor(url: string | URL, protocols?: string | readonly string[], options?: Options) {
    super();
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments passed, not their values
    if (arguments.length === 0) {
      throw new TypeError(`${CONTEXT_CONSTRUCT}: 1 argument required, but only 0 present.`);
    }
    this.#url = parseWebSocketUrl(url, CONTEXT_CONSTRUCT);
    const subprotocols = parseProtocols(protocols, CONTEXT_CONSTRUCT);
    this.#origin = this.#url.origin;
    const connect = (new.target as typeof WebSocket).connect;
    // close() while connecting aborts the handshake (the transport is reset).
    const abort = new AbortController();
    this.#abort = abort;
    const target = withoutCredentials(this.#url);
    const connectOptions = { ...BROWSER_DEFAULTS, ...options, subprotocols, signal: abort.signal };
    connectInTurn(target, abort.signal, () =>
      answeringBasicChallenge(this.#url, connectOptions, (options) => connect(target, options)),
    ).then(
      (connection) => this.#connected(connection, subprotocols.length > 0),
      () => this.#failed(),
    );
  }

  // ---------------------------------------------------------------- attributes

  /** The URL, after parsing (`http:` shown as `ws:`). */
  get url(): string {
    return this.#url.href;
  }

  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): number {
    return this.#readyState;
  }

  /**
   * Bytes of application data (UTF-8 text and binary) passed to `send()` and
   * not yet written to the network as of the last task; sends after the
   * closing handshake started count and never leave.
   */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  /** The extensions the server accepted (its `Sec-WebSocket-Extensions`), once open. */
  get extensions(): string {
    return this.#extensions;
  }

  /** The subprotocol the server chose, once open; `""` for none. */
  get protocol(): string {
    return this.#protocol;
  }

  /** How binary messages are delivered: `"blob"` (default) or `"arraybuffer"`. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    // An enumeration attribute ignores values outside the enumeration (Web IDL).
    if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a message: a string as text, an `ArrayBuffer`, a view or a `Blob`
   * as binary. Messages leave in the order of the calls, Blobs included.
   * After the closing handshake has started, the data is discarded and
   * counted in `bufferedAmount`.
   *
   * @throws {DOMException} `InvalidStateError` while connecting
   */
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    // biome-ignore lint/complexity/noArguments: Web IDL counts the arguments passed, not their values
    if (arguments.length === 0) {
      throw new TypeError(
        "Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.",
      );
    }
    if (this.#readyState === CONNECTING) {
      throw new DOMException(
        "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.",
        "InvalidStateError",
      );
    }
    let message: Pending;
    if (typeof data === "string") message = toUSVString(data);
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) message = bytesOf(data);
    else if (data instanceof Blob) message = data;
    else message = toUSVString(data);
    const size = sizeOfPending(message);
    this.#bufferedAmount += size;
    const connection = this.#connection;
    // "If the closing handshake has not yet started": ours or the server's.
    if (this.#readyState !== OPEN || connection === undefined || connection.state !== "open")
      return;
    if (this.#sendQueue !== undefined) {
      // It waits behind a Blob being read, and the caller may change its
      // buffer as soon as send() returns: keep the bytes as they are now
      // (Web IDL takes a copy of a BufferSource's bytes at the call).
      this.#sendQueue.push(
        message instanceof Uint8Array && message.byteLength < COPY_FROM_BYTES
          ? message.slice()
          : message,
      );
      return;
    }
    if (message instanceof Blob) {
      this.#sendQueue = [message];
      void this.#sendQueued(connection);
      return;
    }
    this.#transmit(connection, message, size);
  }

  #transmit(connection: ClientConnection, message: string | Uint8Array, size: number): void {
    // The state was checked: send() rejects only when the connection is not open.
    void connection.send(message);
    this.#inFlight += size;
    this.#scheduleCheck();
  }

  /** Sends the queue in order, reading each Blob as its turn comes. */
  async #sendQueued(connection: ClientConnection): Promise<void> {
    const queue = this.#sendQueue!;
    while (queue.length > 0) {
      let message = queue.shift()!;
      const size = sizeOfPending(message);
      if (message instanceof Blob) {
        try {
          message = new Uint8Array(await message.arrayBuffer());
        } catch {
          // A Blob that cannot be read fails the connection, as in Chromium.
          this.#sendQueue = undefined;
          if (connection.state === "open") void connection.close(1011, "");
          return;
        }
      }
      // Closed while the Blob was read: the data stays counted, unsent.
      if (connection.state !== "open") continue;
      this.#transmit(connection, message, size);
    }
    this.#sendQueue = undefined;
  }

  /**
   * Lowers bufferedAmount, in a task of its own (it changes only between
   * tasks), by what the connection has written since. The connection counts
   * frames, not application data, so the application bytes still in flight
   * are at most the connection's buffered bytes.
   */
  #scheduleCheck(): void {
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    queueTask(this.#check);
  }

  readonly #check = (): void => {
    this.#checkScheduled = false;
    const connection = this.#connection;
    const waiting = connection === undefined ? 0 : connection.bufferedAmount;
    const written = this.#inFlight - Math.min(this.#inFlight, waiting);
    this.#inFlight -= written;
    this.#bufferedAmount -= written;
    if (this.#inFlight > 0 && connection !== undefined && connection.state !== "closed") {
      // Still queued: the peer reads slowly. Look again shortly.
      this.#checkScheduled = true;
      setTimeout(this.#check, 5);
    }
  };

  // ---------------------------------------------------------------- closing

  /**
   * Starts the closing handshake (no code: a close frame without one, which
   * the server answers with 1005). While connecting, fails the connection:
   * `error`, then `close` with 1006.
   *
   * @throws {DOMException} `InvalidAccessError` for a code other than 1000 or
   *   3000 to 4999; `SyntaxError` for a reason over 123 bytes of UTF-8
   */
  close(code?: number, reason?: string): void {
    const context = "Failed to execute 'close' on 'WebSocket'";
    let closeCode: number | null = null;
    if (code !== undefined) {
      closeCode = clampUnsignedShort(code);
      checkCloseCode(closeCode, context);
    }
    let closeReason = "";
    if (reason !== undefined) {
      closeReason = toUSVString(reason);
      checkCloseReason(closeReason, context);
    }
    const state = this.#readyState;
    if (state === CLOSING || state === CLOSED) return;
    this.#readyState = CLOSING;
    if (state === CONNECTING) {
      // Fail the connection (WHATWG "close the WebSocket", step 2).
      this.#abort?.abort();
      queueTask(() => this.#finish(true, 1006, "", false));
      return;
    }
    if (closeCode === null && closeReason !== "") closeCode = 1000;
    const connection = this.#connection!;
    if (connection.state === "open") void connection.close(closeCode, closeReason);
  }

  // ---------------------------------------------------------------- the connection's side

  #connected(connection: ClientConnection, offered: boolean): void {
    this.#abort = undefined;
    if (this.#readyState !== CONNECTING) {
      // close() was called while connecting: the events were sent already.
      void connection.close();
      return;
    }
    if (refusesNoSubprotocol(connection, offered)) {
      this.#failed();
      return;
    }
    this.#connection = connection;
    const response = connection.response;
    const extensions = response?.headers.get("sec-websocket-extensions") ?? "";
    queueTask(() => {
      if (this.#readyState !== CONNECTING) return;
      this.#readyState = OPEN;
      this.#extensions = extensions;
      this.#protocol = connection.subprotocol ?? "";
      this.dispatchEvent(new Event("open"));
    });
    this.#receive(connection);
  }

  /**
   * Queues a task per message as the connection reads it, then the close.
   * Told of each message synchronously (`observe`) rather than through
   * `for await`: no promise, iterator result and resumption per message, and
   * no pause and resume of the socket each time a read brings more messages
   * than the incoming queue's mark (the loop emptied the queue within the
   * turn anyway: a browser's WebSocket has no backpressure on receive).
   * Garbage collection was 14% of the client's profile in the 64 B echo
   * benchmark; alternating runs on a busy shared machine were too noisy to
   * put a figure on the gain.
   */
  #receive(connection: ClientConnection): void {
    connection.observe((event) => {
      if (event.type === "text" || event.type === "binary") {
        this.#incoming.push(event.data);
        queueTask(this.#nextMessage);
      }
    });
    void connection.closed.then((info: CloseInfo) =>
      queueTask(() =>
        this.#finish(info.error !== undefined, info.code, info.reason, info.wasClean),
      ),
    );
  }

  /** The task of the oldest message received (tasks run in the order they were queued). */
  readonly #nextMessage = (): void => {
    const incoming = this.#incoming;
    const message = incoming[this.#incomingHead]!;
    incoming[this.#incomingHead++] = undefined as never;
    if (this.#incomingHead === incoming.length) {
      incoming.length = 0;
      this.#incomingHead = 0;
    }
    this.#message(message);
  };

  #message(message: string | Uint8Array): void {
    // Messages that arrive after close() are not delivered.
    if (this.#readyState !== OPEN) return;
    const data =
      typeof message === "string"
        ? message
        : this.#binaryType === "arraybuffer"
          ? arrayBufferOf(message)
          : // Received bytes are never a SharedArrayBuffer's (DOM-typed checkers want it said).
            new Blob([message as Uint8Array<ArrayBuffer>]);
    this.dispatchEvent(new MessageEvent("message", { data, origin: this.#origin }));
  }

  #failed(): void {
    this.#abort = undefined;
    if (this.#readyState !== CONNECTING) return;
    queueTask(() => this.#finish(true, 1006, "", false));
  }

  /** WHATWG "the WebSocket connection is closed": CLOSED, `error` if it failed, `close`. */
  #finish(failed: boolean, code: number, reason: string, wasClean: boolean): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    if (failed) this.dispatchEvent(new Event("error"));
    this.dispatchEvent(new CloseEvent("close", { wasClean, code, reason }));
  }
}

for (const [name, value] of [
  ["CONNECTING", CONNECTING],
  ["OPEN", OPEN],
  ["CLOSING", CLOSING],
  ["CLOSED", CLOSED],
] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
defineEventHandlers(WebSocket.prototype, ["open", "message", "error", "close"]);
Object.defineProperty(WebSocket.prototype, Symbol.toStringTag, {
  value: "WebSocket",
  configurable: true,
});
