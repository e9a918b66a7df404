/**
 * The server side of WebSocket over HTTP/2 (RFC 8441) or HTTP/3 (RFC 9220):
 * the request arrives as a head the I/O layer decoded (a HEADERS frame), the
 * response head leaves the same way, and the stream then carries the
 * protocol's bytes. Same hooks and answers as {@link ServerProtocol}.
 *
 * @module
 */

import { concatBytes, EMPTY_BYTES } from "./bytes.js";
import { HandshakeError, InvalidStateError } from "./errors.js";
import type { Extension } from "./extension.js";
import {
  type ExtendedConnectRequest,
  extendedConnectResponse,
  negotiateExtendedConnect,
} from "./handshake/extended-connect.js";
import type { ServerHandshakeOptions } from "./handshake/options.js";
import { rejectResponse } from "./handshake/refusal.js";
import type { Request, Response } from "./http1/message.js";
import { type HandshakeDriver, Protocol } from "./protocol.js";
import { type ProtocolOptions, protocolOptions } from "./settings.js";

/** Options of an {@link ExtendedConnectServerProtocol}: those of `ServerProtocol` but the HTTP/1.1 limits. */
export interface ExtendedConnectServerOptions extends ProtocolOptions, ServerHandshakeOptions {}

/**
 * Sends a response head (a HEADERS frame with `:status`). Called at most once,
 * from `sendResponse`, before any of the stream's bytes are in the output;
 * a refusal's body follows in the output, then the signal to close.
 */
export type RespondHead = (response: Response) => void;

// Bytes a client may send before our response: it should wait for it (RFC
// 8441 5 opens the WebSocket on the 2xx), so this only bounds a misbehaving one.
const MAX_EARLY_BYTES = 64 * 1024;

/**
 * A WebSocket server connection over one HTTP/2 stream, from the extended
 * CONNECT request on.
 *
 * @example
 * ```ts
 * const server = new ExtendedConnectServerProtocol({}, (head) => stream.respond(head));
 * server.receiveRequest(requestFromFields(Object.entries(h2headers)));
 * for (const event of server.takeEvents()) {
 *   if (event.type === "request") server.sendResponse(server.accept(event.request));
 * }
 * ```
 */
export class ExtendedConnectServerProtocol extends Protocol {
  readonly #options: ExtendedConnectServerOptions;
  // Dropped once used: an open connection keeps no closure of its I/O layer.
  #respond: RespondHead | undefined;
  #request: ExtendedConnectRequest | undefined;

  constructor(options: ExtendedConnectServerOptions, respond: RespondHead) {
    super("server", protocolOptions(options));
    this.#options = options;
    this.#respond = respond;
    this.beginHandshake(new Early(this));
  }

  /** The extended CONNECT request, once received. */
  get request(): ExtendedConnectRequest | undefined {
    return this.#request;
  }

  /** Takes the request head that the stream opened with; emits a `request` event. */
  receiveRequest(request: ExtendedConnectRequest): void {
    if (this.#request !== undefined || this.state !== "connecting") {
      throw new InvalidStateError("Cannot receive the request: one was received already");
    }
    this.#request = request;
    this.emit({ type: "request", request });
  }

  /**
   * Validates the request (RFC 8441 4 and 5, and RFC 6455 4.2.1 for what they
   * keep) and builds the response: 200 with the negotiated subprotocol and
   * extensions, or 400, 403, 405, 426 or 501. Edit it, then `sendResponse`.
   */
  accept(request: Request): Response {
    const result = negotiateExtendedConnect(request as ExtendedConnectRequest, this.#options);
    if (!result.ok) return result.response;
    const response = extendedConnectResponse(
      request,
      result.subprotocol,
      result.extensionAnswer,
      this.#options,
    );
    const handshake = this.#handshake();
    if (handshake === undefined) {
      for (const extension of result.extensions) extension.dispose?.();
    } else {
      handshake.dispose();
      handshake.accepted = response;
      handshake.negotiated = { subprotocol: result.subprotocol, extensions: result.extensions };
    }
    return response;
  }

  /**
   * `sendResponse(accept(request))`. Returns the response sent, or `null`
   * for a 200 that negotiated no extension, which need not be kept (as
   * `ServerProtocol.acceptAndSend` does for its 101, to save an idle
   * connection's memory): `extendedConnectResponse(request, subprotocol, "",
   * options)` builds it again.
   */
  acceptAndSend(request: Request): Response | null {
    const response = this.accept(request);
    const plain =
      response === this.#handshake()?.accepted &&
      this.#handshake()?.negotiated?.extensions.length === 0;
    this.sendResponse(response);
    return plain ? null : response;
  }

  /** Builds a response that refuses the handshake (or answers a plain request). */
  reject(status: number, body: string | Uint8Array = ""): Response {
    return rejectResponse(status, body);
  }

  /**
   * Sends the response head; a 2xx built by `accept` opens the connection,
   * any other response refuses it: its body is queued, then the stream ends.
   */
  sendResponse(response: Response): void {
    const handshake = this.#handshake();
    if (this.state !== "connecting" || this.#request === undefined || handshake === undefined) {
      throw new InvalidStateError("Cannot send the response: no request is waiting for one");
    }
    const negotiated = response === handshake.accepted ? handshake.negotiated : undefined;
    const ok = negotiated !== undefined && response.status >= 200 && response.status <= 299;
    if (!ok) handshake.dispose();
    const respond = this.#respond!;
    this.#respond = undefined;
    respond(response);
    if (!ok) {
      if (response.body.length > 0) this.write(response.body);
      this.failHandshake(
        new HandshakeError(`Handshake refused with status ${response.status}`, {
          status: response.status,
        }),
      );
      return;
    }
    const rest =
      handshake.early === undefined ? EMPTY_BYTES : concatBytes(handshake.early, handshake.bytes);
    this.completeHandshake(negotiated.subprotocol, negotiated.extensions, rest);
  }

  #handshake(): Early | undefined {
    return this.handshakeDriver as Early | undefined;
  }

  /** @internal the stream ended or sent too much before the response */
  static fail(protocol: ExtendedConnectServerProtocol, message: string): void {
    protocol.#handshake()?.dispose();
    protocol.failHandshake(new HandshakeError(message));
  }
}

/** The handshake in progress: the bytes that arrive before the response, and what `accept` negotiated. */
class Early implements HandshakeDriver {
  readonly #protocol: ExtendedConnectServerProtocol;
  early: Uint8Array[] | undefined;
  bytes = 0;
  accepted: Response | undefined;
  negotiated: { subprotocol: string | null; extensions: Extension[] } | undefined;

  constructor(protocol: ExtendedConnectServerProtocol) {
    this.#protocol = protocol;
  }

  receiveData(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.bytes += bytes.length;
    if (this.bytes > MAX_EARLY_BYTES) {
      ExtendedConnectServerProtocol.fail(
        this.#protocol,
        "Cannot read the request: data sent before the response",
      );
      return;
    }
    (this.early ??= []).push(bytes);
  }

  // The stream closed before the response. (A request that ends its side
  // with its head, as a GET does, is still answered: the I/O layer tells
  // that end after the response head, see Http2StreamTransport.)
  receiveEof(): void {
    ExtendedConnectServerProtocol.fail(
      this.#protocol,
      "Cannot open WebSocket: the stream closed before the response",
    );
  }

  dispose(): void {
    const extensions = this.negotiated?.extensions;
    if (extensions !== undefined) for (const extension of extensions) extension.dispose?.();
    this.accepted = undefined;
    this.negotiated = undefined;
  }
}
