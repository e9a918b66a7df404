/**
 * The client side of WebSocket over HTTP/2 (RFC 8441) or HTTP/3 (RFC 9220):
 * the request leaves as a head that the I/O layer sends (a HEADERS frame
 * opening a stream), the response arrives the same way, and the stream then
 * carries the protocol's bytes.
 *
 * @module
 */

import { EMPTY_BYTES } from "./bytes.js";
import { HandshakeError, InvalidStateError } from "./errors.js";
import { generateKey } from "./handshake/accept-key.js";
import {
  buildExtendedConnectRequest,
  checkExtendedConnectResponse,
  type ExtendedConnectRequest,
} from "./handshake/extended-connect.js";
import type { ClientHandshakeOptions } from "./handshake/options.js";
import { parseWebSocketUrl, type WebSocketUrl } from "./handshake/url.js";
import type { Response } from "./http1/message.js";
import { Protocol } from "./protocol.js";
import { type ProtocolOptions, protocolOptions } from "./settings.js";

/** Options of an {@link ExtendedConnectClientProtocol}. */
export interface ExtendedConnectClientOptions extends ProtocolOptions, ClientHandshakeOptions {
  /**
   * Whether to send a `sec-websocket-key` (which RFC 8441 does not use) and
   * check the accept when the server answers with one. Default true: it
   * costs a header, and servers that expect it exist.
   */
  sendKey?: boolean;
  /** `"2"` for HTTP/2 (default), `"3"` for HTTP/3. */
  httpVersion?: string;
}

/**
 * A WebSocket client connection over one HTTP/2 stream.
 *
 * @example
 * ```ts
 * const client = new ExtendedConnectClientProtocol("wss://example.com/chat");
 * const request = client.connect();
 * client.sendRequest(request);
 * // open a stream with the request's fields; when its response head arrives:
 * client.receiveResponse(response);
 * ```
 */
export class ExtendedConnectClientProtocol extends Protocol {
  /** The parsed WebSocket URL. */
  readonly url: WebSocketUrl;
  readonly #options: ExtendedConnectClientOptions;
  #key: string | undefined;
  #request: ExtendedConnectRequest | undefined;

  /** @throws TypeError when `url` is not a valid ws: or wss: URL (RFC 6455 3). */
  constructor(url: string | { readonly href: string }, options: ExtendedConnectClientOptions = {}) {
    super("client", protocolOptions(options));
    this.url = parseWebSocketUrl(typeof url === "string" ? url : url.href);
    this.#options = options;
    this.beginHandshake({
      // RFC 8441 5: the server speaks on the stream only after its 2xx head.
      receiveData: (bytes) => {
        if (bytes.length === 0) return;
        this.failHandshake(
          new HandshakeError("Cannot read the response: data arrived before the response head"),
        );
      },
      receiveEof: () =>
        this.failHandshake(
          new HandshakeError("Cannot read the response: the stream ended before it"),
        ),
    });
  }

  /**
   * Yes: a stream has no TIME_WAIT to keep off the server (the reason of RFC
   * 6455 7.1.1), and it closes only once both ends sent END_STREAM, so the
   * client ends its side as soon as close frames went both ways (Hypercorn
   * waits for it, and would otherwise hold the stream until its idle timeout).
   */
  protected override get closesTransportFirst(): boolean {
    return true;
  }

  /** The request sent, once `sendRequest` was called. */
  get request(): ExtendedConnectRequest | undefined {
    return this.#request;
  }

  /** Builds the extended CONNECT request (RFC 8441 4). Edit it before `sendRequest` if needed. */
  connect(): ExtendedConnectRequest {
    this.#key = this.#options.sendKey === false ? undefined : generateKey(this.random);
    return buildExtendedConnectRequest(
      this.url,
      this.#options,
      this.#key,
      this.#options.httpVersion,
    );
  }

  /**
   * Records the request as sent: the I/O layer sends it as the head of a new
   * stream. The response is then awaited with `receiveResponse`.
   */
  sendRequest(request: ExtendedConnectRequest): void {
    if (this.#request !== undefined || this.state !== "connecting") {
      throw new InvalidStateError("Cannot send the request: call connect() first, and only once");
    }
    this.#request = request;
  }

  /**
   * Takes the response head (with its body, for a refusal). Emits a
   * `response` event; a 2xx that passes the checks opens the connection,
   * anything else fails it (the event's `error`).
   */
  receiveResponse(response: Response): void {
    if (this.#request === undefined || this.state !== "connecting") {
      throw new InvalidStateError("Cannot receive the response: no request is waiting for one");
    }
    this.concludeHandshake(
      response,
      () => checkExtendedConnectResponse(response, this.#key, this.#options),
      EMPTY_BYTES,
    );
  }
}
