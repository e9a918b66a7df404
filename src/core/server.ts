/**
 * The server side: the opening handshake of RFC 6455 4.2, then the protocol.
 *
 * @module
 */

import { concatBytes, EMPTY_BYTES } from "./bytes.js";
import { HandshakeError, InvalidStateError } from "./errors.js";
import type { Extension } from "./extension.js";
import { acceptRequest, rejectResponse, type ServerHandshakeOptions } from "./handshake.js";
import {
  type HttpLimits,
  type Request,
  RequestParser,
  type Response,
  serializeResponse,
} from "./http1.js";
import { Protocol, type ProtocolOptions, protocolOptions } from "./protocol.js";

/** Options of a {@link ServerProtocol}. */
export interface ServerProtocolOptions extends ProtocolOptions, ServerHandshakeOptions {
  /** Limits on the handshake request head. */
  httpLimits?: Partial<HttpLimits>;
}

// Bytes a client may send after its request and before our response: a client
// must wait for the response (4.1), so this only bounds a misbehaving one.
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * A WebSocket server connection, from the handshake request on.
 *
 * @example
 * ```ts
 * const server = new ServerProtocol({ subprotocols: ["chat"] });
 * server.receiveData(bytes);
 * for (const event of server.takeEvents()) {
 *   if (event.type === "request") server.sendResponse(server.accept(event.request));
 * }
 * ```
 */
export class ServerProtocol extends Protocol {
  readonly #options: ServerProtocolOptions;
  #parser: RequestParser | undefined;
  #request: Request | undefined;
  #early: Uint8Array[] | undefined;
  #earlyBytes = 0;
  // The 101 response `accept` built last, and what it negotiated. (Fields, not
  // a WeakMap: a WeakMap per connection cost more memory than the rest of an
  // idle protocol object.)
  #accepted: Response | undefined;
  #negotiated: { subprotocol: string | null; extensions: Extension[] } | undefined;

  constructor(options: ServerProtocolOptions = {}) {
    super("server", protocolOptions(options));
    this.#options = options;
    this.#parser = new RequestParser(options.httpLimits);
    this.beginHandshake({
      receiveData: (bytes) => this.#receiveRequest(bytes),
      receiveEof: () =>
        this.failHandshake(
          new HandshakeError("Cannot read the request: the connection closed first"),
        ),
    });
  }

  /** The handshake request, once received. */
  get request(): Request | undefined {
    return this.#request;
  }

  /**
   * Validates the request (RFC 6455 4.2.1) and builds the response: 101 with
   * the negotiated subprotocol and extensions, or 400, 403 or 426 when the
   * request is not an acceptable WebSocket handshake. Edit it, then `sendResponse`.
   */
  accept(request: Request): Response {
    const result = acceptRequest(request, this.#options);
    if (result.ok) {
      this.#disposeNegotiated();
      this.#accepted = result.response;
      this.#negotiated = { subprotocol: result.subprotocol, extensions: result.extensions };
    }
    return result.response;
  }

  /** Builds an HTTP error response (or any non-101 response) to refuse the handshake. */
  reject(status: number, body: string | Uint8Array = ""): Response {
    return rejectResponse(status, body);
  }

  /**
   * Queues the response. A 101 response built by `accept` opens the
   * connection; any other response refuses it and closes the transport after it.
   */
  sendResponse(response: Response): void {
    if (this.state !== "connecting" || this.#request === undefined) {
      throw new InvalidStateError("Cannot send the response: no request is waiting for one");
    }
    const negotiated = response === this.#accepted ? this.#negotiated : undefined;
    if (response.status === 101 && negotiated === undefined) {
      throw new InvalidStateError(
        "Cannot send the response: a 101 response must come from accept()",
      );
    }
    this.write(serializeResponse(response));
    if (negotiated === undefined || response.status !== 101) {
      this.#disposeNegotiated();
      this.failHandshake(
        new HandshakeError(`Handshake refused with status ${response.status}`, {
          status: response.status,
        }),
      );
      return;
    }
    const early = this.#early;
    const rest = early === undefined ? EMPTY_BYTES : concatBytes(early, this.#earlyBytes);
    this.#early = undefined;
    this.#accepted = undefined;
    this.#negotiated = undefined;
    this.completeHandshake(negotiated.subprotocol, negotiated.extensions, rest);
  }

  #receiveRequest(bytes: Uint8Array): void {
    const parser = this.#parser;
    if (parser === undefined) {
      // The request is in; keep what follows until the response is sent.
      this.#keepEarly(bytes);
      return;
    }
    let parsed: ReturnType<RequestParser["feed"]>;
    try {
      parsed = parser.feed(bytes);
    } catch (error) {
      // 4.2.1: a request that cannot be parsed is answered with an HTTP error.
      const failure = error as HandshakeError;
      this.write(serializeResponse(rejectResponse(failure.status, `${failure.message}\n`)));
      this.failHandshake(failure);
      return;
    }
    if (parsed === undefined) return;
    this.#parser = undefined;
    this.#request = parsed.request;
    this.emit({ type: "request", request: parsed.request });
    this.#keepEarly(parsed.rest);
  }

  #keepEarly(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#earlyBytes += bytes.length;
    if (this.#earlyBytes > MAX_EARLY_BYTES) {
      this.failHandshake(
        new HandshakeError("Cannot read the request: data sent before the response"),
      );
      return;
    }
    (this.#early ??= []).push(bytes);
  }

  /** Releases extensions negotiated for a response that will not be sent. */
  #disposeNegotiated(): void {
    for (const extension of this.#negotiated?.extensions ?? []) extension.dispose?.();
    this.#accepted = undefined;
    this.#negotiated = undefined;
  }
}
