/**
 * The client side: the opening handshake of RFC 6455 4.1, then the protocol.
 *
 * @module
 */

import { HandshakeError, InvalidStateError } from "./errors.js";
import { generateKey } from "./handshake/accept-key.js";
import { buildRequest, checkResponse } from "./handshake/http1-client.js";
import type { ClientHandshakeOptions } from "./handshake/options.js";
import { parseWebSocketUrl, type WebSocketUrl } from "./handshake/url.js";
import type { HttpLimits, Request, Response } from "./http1/message.js";
import { ResponseParser } from "./http1/response-parser.js";
import { serializeRequest } from "./http1/serialize.js";
import { type HandshakeDriver, Protocol } from "./protocol.js";
import { type ProtocolOptions, protocolOptions } from "./settings.js";

/** Options of a {@link ClientProtocol}. */
export interface ClientProtocolOptions extends ProtocolOptions, ClientHandshakeOptions {
  /** Limits on the handshake response head and body. */
  httpLimits?: Partial<HttpLimits>;
}

/** The client's handshake in progress (see `ClientProtocol.#Handshake`). */
interface ClientHandshake extends HandshakeDriver {
  /** The key of the latest request `connect()` built before `sendRequest`: the response must answer it. */
  key: string | undefined;
  /** The response parser, from the request's sending on. */
  parser: ResponseParser | undefined;
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
  #request: Request | undefined;

  /** @throws TypeError when `url` is not a valid ws: or wss: URL (RFC 6455 3). */
  constructor(url: string | { readonly href: string }, options: ClientProtocolOptions = {}) {
    super("client", protocolOptions(options));
    this.url = parseWebSocketUrl(typeof url === "string" ? url : url.href);
    this.#options = options;
    // What only the handshake needs is the protocol's handshake driver,
    // dropped when the handshake ends: an open connection keeps none of it.
    this.beginHandshake(new ClientProtocol.#Handshake(this));
  }

  /** The request sent, once `sendRequest` was called. */
  get request(): Request | undefined {
    return this.#request;
  }

  /** Builds the handshake request, with a fresh key (RFC 6455 4.1). Edit it before `sendRequest` if needed. */
  connect(): Request {
    const key = generateKey(this.random);
    const handshake = this.#ongoingHandshake();
    // The key of the request sent is the one its response is checked against.
    if (handshake !== undefined && this.#request === undefined) handshake.key = key;
    return buildRequest(this.url, key, this.#options);
  }

  /** Queues the handshake request for sending; the response is then awaited. */
  sendRequest(request: Request): void {
    const handshake = this.#ongoingHandshake();
    if (handshake?.key === undefined || this.#request !== undefined) {
      throw new InvalidStateError("Cannot send the request: call connect() first, and only once");
    }
    this.#request = request;
    handshake.parser = new ResponseParser(this.#options.httpLimits);
    this.write(serializeRequest(request));
  }

  /** The handshake in progress (the protocol's driver while `connecting`). */
  #ongoingHandshake(): ClientHandshake | undefined {
    return this.handshakeDriver as ClientHandshake | undefined;
  }

  /** The response is in: open, or fail the handshake (RFC 6455 4.1, 4.2.2). */
  #receivedResponse(response: Response, key: string, rest: Uint8Array): void {
    this.concludeHandshake(response, () => checkResponse(response, key, this.#options), rest);
  }

  /** The client's handshake in progress: the key sent, then the response parser. */
  static readonly #Handshake = class implements ClientHandshake {
    readonly #protocol: ClientProtocol;
    key: string | undefined;
    parser: ResponseParser | undefined;

    constructor(protocol: ClientProtocol) {
      this.#protocol = protocol;
    }

    receiveData(bytes: Uint8Array): void {
      const parser = this.parser;
      if (parser === undefined) {
        // 4.1: the server speaks only after the request; bytes before it are an error.
        this.#protocol.failHandshake(
          new HandshakeError("Cannot read the response: data arrived before the request was sent"),
        );
        return;
      }
      let parsed: ReturnType<ResponseParser["feed"]>;
      try {
        parsed = parser.feed(bytes);
      } catch (error) {
        this.#protocol.failHandshake(error as HandshakeError);
        return;
      }
      if (parsed !== undefined)
        this.#protocol.#receivedResponse(parsed.response, this.key!, parsed.rest);
    }

    receiveEof(): void {
      let parsed: ReturnType<ResponseParser["feedEof"]> | undefined;
      try {
        parsed = this.parser?.feedEof();
      } catch (error) {
        this.#protocol.failHandshake(error as HandshakeError);
        return;
      }
      if (parsed === undefined) {
        this.#protocol.failHandshake(
          new HandshakeError("Cannot read the response: the connection closed first"),
        );
      } else {
        // Only a response whose body runs to the end of the stream completes
        // here, and it is not a 101: the handshake fails.
        this.#protocol.#receivedResponse(parsed.response, this.key!, parsed.rest);
      }
    }
  };
}
