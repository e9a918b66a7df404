/**
 * `WebSocketStream` (WHATWG WebSockets Standard; the explainer as Chromium
 * ships it): a WebSocket client as a readable and a writable stream, with
 * backpressure both ways, over the connection layer. A runtime's entry point
 * fills in how to connect, as for `WebSocket`.
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import { answeringBasicChallenge } from "./basic-challenge.js";
import { connectInTurn } from "./connect-queue.js";
import {
  type WebSocketClosed,
  type WebSocketOpenInfo,
  type WebSocketStreams,
  webSocketStreams,
} from "./stream-pair.js";
import { parseProtocols, parseWebSocketUrl, withoutCredentials } from "./url.js";
import { BROWSER_DEFAULTS, refusesNoSubprotocol, type WebSocketOptions } from "./websocket.js";
import { checkCloseInfo, type WebSocketCloseInfo, webSocketError } from "./websocket-error.js";

/** Options of the `WebSocketStream` constructor. */
export interface WebSocketStreamOptions {
  /** Subprotocols to offer, in order of preference. */
  protocols?: readonly string[];
  /** Aborts the opening handshake (no effect once open). */
  signal?: AbortSignal;
}

const CONTEXT_CONSTRUCT = "Failed to construct 'WebSocketStream'";

/**
 * A WebSocket client as streams.
 *
 * @example
 * ```ts
 * import { WebSocketStream } from "websocket-sansio/node";
 * const stream = new WebSocketStream("ws://127.0.0.1:8765/");
 * const { readable, writable } = await stream.opened;
 * const writer = writable.getWriter();
 * await writer.write("hello");
 * for await (const message of readable) console.log(message);
 * ```
 *
 * `Extra` is the type of the third constructor argument, which a runtime's
 * subclass narrows to its own options (see `WebSocket`).
 */
export class WebSocketStream<Extra extends WebSocketOptions = WebSocketOptions> {
  /** How this class opens connections; a runtime's entry point overrides it. */
  protected static connect(_url: URL, _options: ClientOptions): Promise<ClientConnection> {
    return Promise.reject(
      new TypeError("Cannot open WebSocketStream: use the class of a runtime's entry point"),
    );
  }

  readonly #url: URL;
  readonly #opened: Promise<WebSocketOpenInfo>;
  readonly #closed: Promise<WebSocketClosed>;
  #resolveOpened!: (info: WebSocketOpenInfo) => void;
  #rejectOpened!: (reason: unknown) => void;
  #resolveClosed!: (info: WebSocketClosed | Promise<WebSocketClosed>) => void;
  #rejectClosed!: (reason: unknown) => void;
  /** Set once open. */
  #streams: WebSocketStreams | undefined;
  /** Set when the handshake was given up (abort, close()): a late connection is closed. */
  #abandoned = false;
  /** Aborts the opening handshake; dropped once settled. */
  #abort: AbortController | undefined;

  /**
   * @param url a `ws:`, `wss:`, `http:` or `https:` URL without a fragment
   * @param options subprotocols and an abort signal; the library's connection
   *   options may be passed as a third argument (not in the standard)
   * @throws {DOMException} `SyntaxError` for a bad URL or subprotocol
   */
  constructor(url: string | URL, options: WebSocketStreamOptions = {}, extra?: Extra) {
    this.#url = parseWebSocketUrl(url, CONTEXT_CONSTRUCT);
    const subprotocols = parseProtocols(options?.protocols ?? [], CONTEXT_CONSTRUCT);
    this.#opened = new Promise((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    this.#closed = new Promise((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    // Handled: a caller that watches only one of them must not see the
    // other's rejection reported as unhandled.
    this.#opened.catch(() => {});
    this.#closed.catch(() => {});

    // Chromium rejects with an AbortError whatever the signal's reason.
    const aborted = (): DOMException =>
      new DOMException("WebSocket handshake aborted", "AbortError");
    const signal = options?.signal;
    if (signal?.aborted) {
      this.#abandon(aborted(), aborted());
      return;
    }
    const onAbort = (): void => this.#abandon(aborted(), aborted());
    signal?.addEventListener("abort", onAbort, { once: true });
    // Aborted by the signal or by close() while connecting: the transport is reset.
    const abort = new AbortController();
    this.#abort = abort;
    const failed = (): void => {
      this.#abort = undefined;
      signal?.removeEventListener("abort", onAbort);
      if (this.#abandoned) return;
      this.#abandoned = true;
      this.#rejectOpened(webSocketError("Cannot open WebSocket connection", null, ""));
      this.#rejectClosed(webSocketError("Cannot open WebSocket connection", 1006, ""));
    };
    const connect = (new.target as typeof WebSocketStream).connect;
    const target = withoutCredentials(this.#url);
    const connectOptions = { ...BROWSER_DEFAULTS, ...extra, subprotocols, signal: abort.signal };
    connectInTurn(target, abort.signal, () =>
      answeringBasicChallenge(this.#url, connectOptions, (options) => connect(target, options)),
    ).then(
      (connection) => {
        this.#abort = undefined;
        signal?.removeEventListener("abort", onAbort);
        if (this.#abandoned) {
          void connection.close();
          return;
        }
        if (refusesNoSubprotocol(connection, subprotocols.length > 0)) {
          failed();
          return;
        }
        const streams = webSocketStreams(connection);
        this.#streams = streams;
        this.#resolveOpened({
          readable: streams.readable,
          writable: streams.writable,
          extensions: streams.extensions,
          protocol: streams.protocol,
        });
        this.#resolveClosed(streams.closed);
      },
      () => failed(),
    );
  }

  /** Gives up the opening handshake: `opened` and `closed` reject. */
  #abandon(openedReason: unknown, closedReason: unknown): void {
    if (this.#abandoned || this.#streams !== undefined) return;
    this.#abandoned = true;
    this.#abort?.abort();
    this.#rejectOpened(openedReason);
    this.#rejectClosed(closedReason);
  }

  /** The URL, after parsing (`http:` shown as `ws:`). */
  get url(): string {
    return this.#url.href;
  }

  /** Resolves with the streams once open; rejects if the connection cannot be opened. */
  get opened(): Promise<WebSocketOpenInfo> {
    return this.#opened;
  }

  /** Resolves with the close code and reason after a clean close; rejects with a `WebSocketError` otherwise. */
  get closed(): Promise<WebSocketClosed> {
    return this.#closed;
  }

  /**
   * Closes the connection (no code: a close frame without one); while
   * connecting, gives up the handshake.
   *
   * @throws {DOMException} `InvalidAccessError` for a code other than 1000 or
   *   3000 to 4999; `SyntaxError` for a reason over 123 bytes of UTF-8
   */
  close(closeInfo?: WebSocketCloseInfo): void {
    const { code, reason } = checkCloseInfo(
      closeInfo,
      "Failed to execute 'close' on 'WebSocketStream'",
    );
    if (this.#streams !== undefined) {
      this.#streams.close(code, reason);
      return;
    }
    const message = "WebSocket closed before the connection was established";
    this.#abandon(webSocketError(message, null, ""), webSocketError(message, 1006, ""));
  }
}

Object.defineProperty(WebSocketStream.prototype, Symbol.toStringTag, {
  value: "WebSocketStream",
  configurable: true,
});
