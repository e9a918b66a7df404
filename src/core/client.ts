/**
 * The client side: the opening handshake of RFC 6455 4.1, then the protocol.
 *
 * @module
 */

import { HandshakeError, InvalidStateError } from "./errors.js";
import {
  buildRequest,
  type ClientHandshakeOptions,
  checkResponse,
  generateKey,
  parseWebSocketUrl,
  type WebSocketUrl,
} from "./handshake.js";
import { type HttpLimits, type Request, ResponseParser, serializeRequest } from "./http1.js";
import { Protocol } from "./protocol.js";
import { type ProtocolOptions, protocolOptions } from "./settings.js";

/** Options of a {@link ClientProtocol}. */
export interface ClientProtocolOptions extends ProtocolOptions, ClientHandshakeOptions {
  /** Limits on the handshake response head and body. */
  httpLimits?: Partial<HttpLimits>;
}

/**
 * A WebSocket client connection, from the handshake request on.
 *
 * @example
 * ```ts
 * const client = new ClientProtocol("ws://example.com/chat");
 * client.sendRequest(client.connect());
 * // write client.takeOutput().chunks to the socket, feed what comes back:
 * client.receiveData(bytes);
 * for (const event of client.takeEvents()) if (event.type === "response") console.log(event.response.status);
 * ```
 */
export class ClientProtocol extends Protocol {
  /** The parsed WebSocket URL. */
  readonly url: WebSocketUrl;
  readonly #options: ClientProtocolOptions;
  #key: string | undefined;
  #request: Request | undefined;
  #parser: ResponseParser | undefined;

  /** @throws TypeError when `url` is not a valid ws: or wss: URL (RFC 6455 3). */
  constructor(url: string | { readonly href: string }, options: ClientProtocolOptions = {}) {
    super("client", protocolOptions(options));
    this.url = parseWebSocketUrl(typeof url === "string" ? url : url.href);
    this.#options = options;
    this.beginHandshake({
      receiveData: (bytes) => this.#receiveResponse(bytes),
      receiveEof: () => this.#receiveEof(),
    });
  }

  /** The request sent, once `sendRequest` was called. */
  get request(): Request | undefined {
    return this.#request;
  }

  /** Builds the handshake request, with a fresh key (RFC 6455 4.1). Edit it before `sendRequest` if needed. */
  connect(): Request {
    this.#key = generateKey(this.random);
    return buildRequest(this.url, this.#key, this.#options);
  }

  /** Queues the handshake request for sending; the response is then awaited. */
  sendRequest(request: Request): void {
    if (this.#key === undefined || this.#request !== undefined || this.state !== "connecting") {
      throw new InvalidStateError("Cannot send the request: call connect() first, and only once");
    }
    this.#request = request;
    this.#parser = new ResponseParser(this.#options.httpLimits);
    this.write(serializeRequest(request));
  }

  #receiveResponse(bytes: Uint8Array): void {
    const parser = this.#parser;
    if (parser === undefined) {
      // 4.1: the server speaks only after the request; bytes before it are an error.
      this.failHandshake(
        new HandshakeError("Cannot read the response: data arrived before the request was sent"),
      );
      return;
    }
    let parsed: ReturnType<ResponseParser["feed"]>;
    try {
      parsed = parser.feed(bytes);
    } catch (error) {
      this.failHandshake(error as HandshakeError);
      return;
    }
    if (parsed !== undefined) this.#handleResponse(parsed.response, parsed.rest);
  }

  #receiveEof(): void {
    let parsed: ReturnType<ResponseParser["feedEof"]> | undefined;
    try {
      parsed = this.#parser?.feedEof();
    } catch (error) {
      this.failHandshake(error as HandshakeError);
      return;
    }
    if (parsed === undefined) {
      this.failHandshake(
        new HandshakeError("Cannot read the response: the connection closed first"),
      );
    } else {
      // Only a response whose body runs to the end of the stream completes
      // here, and it is not a 101: the handshake fails.
      this.#handleResponse(parsed.response, parsed.rest);
    }
  }

  #handleResponse(response: Parameters<typeof checkResponse>[0], rest: Uint8Array): void {
    this.#parser = undefined;
    let negotiated: ReturnType<typeof checkResponse>;
    try {
      negotiated = checkResponse(response, this.#key!, this.#options);
    } catch (error) {
      const failure = error as HandshakeError;
      this.emit({ type: "response", response, error: failure });
      this.failHandshake(failure);
      return;
    }
    this.emit({ type: "response", response });
    this.completeHandshake(negotiated.subprotocol, negotiated.extensions, rest);
  }
}
