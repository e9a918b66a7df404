/**
 * The server side: the opening handshake of RFC 6455 4.2, then the protocol.
 *
 * @module
 */

import { concatBytes, EMPTY_BYTES } from "./bytes.js";
import { HandshakeError, InvalidStateError } from "./errors.js";
import type { Extension } from "./extension.js";
import { negotiateRequest } from "./handshake/http1-server.js";
import type { Negotiated } from "./handshake/negotiation.js";
import type { ServerHandshakeOptions } from "./handshake/options.js";
import { rejectResponse } from "./handshake/refusal.js";
import { switchingProtocols } from "./handshake/switching-protocols.js";
import { writeSwitchingProtocols } from "./handshake/switching-protocols-fast.js";
import type { HttpLimits, Request, Response } from "./http1/message.js";
import { declaresBody } from "./http1/parsed-request.js";
import { BODY_REFUSED, RequestParser } from "./http1/request-parser.js";
import { serializeResponseInto } from "./http1/serialize.js";
import { type HandshakeDriver, Protocol } from "./protocol.js";
import { type ProtocolOptions, protocolOptions } from "./settings.js";

/** Options of a {@link ServerProtocol}. */
export interface ServerProtocolOptions extends ProtocolOptions, ServerHandshakeOptions {
  /** Limits on the handshake request head. */
  httpLimits?: Partial<HttpLimits>;
}

// Bytes a client may send after its request and before our response: a client
// must wait for the response (4.1), so this only bounds a misbehaving one.
const MAX_EARLY_BYTES = 64 * 1024;

/** The server's handshake in progress (see `ServerProtocol.#Handshake`). */
interface ServerHandshake extends HandshakeDriver {
  takeRequest(request: Request): void;
  /** Whether any byte of the request arrived (and the request is not complete). */
  readonly requestBegun: boolean;
  readonly early: Uint8Array[] | undefined;
  readonly earlyBytes: number;
  accepted: Response | undefined;
  negotiated: { subprotocol: string | null; extensions: Extension[] } | undefined;
  disposeNegotiated(): void;
}

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
  #request: Request | undefined;

  constructor(options: ServerProtocolOptions = {}) {
    super("server", protocolOptions(options));
    this.#options = options;
    // What only the handshake needs is the protocol's handshake driver,
    // dropped when the handshake ends: an open connection keeps none of it.
    this.beginHandshake(new ServerProtocol.#Handshake(this, new RequestParser(options.httpLimits)));
  }

  /** The handshake request, once received. */
  get request(): Request | undefined {
    return this.#request;
  }

  /**
   * Takes the handshake request as a head that another HTTP parser read (see
   * `requestFromHead`), in place of its bytes: a `node:http` server's
   * `upgrade` hands one over parsed. The handshake goes on as when
   * `receiveData` has parsed one, a request with a body answered 400 the
   * same way; what the client sent after the head goes to `receiveData`.
   * Throws {@link InvalidStateError} once a request was received.
   */
  receiveRequest(request: Request): void {
    const handshake = this.#ongoingHandshake();
    if (this.state !== "connecting" || this.#request !== undefined || handshake === undefined) {
      throw new InvalidStateError("Cannot receive the request: a request was already received");
    }
    handshake.takeRequest(request);
  }

  /**
   * For the caller's opening deadline, which passed while the request head
   * was still arriving: answers 408 Request Timeout (RFC 9110 15.5.9) and
   * fails the handshake, as a request that cannot be parsed is answered, so
   * that a slow client learns why it is cut off. Returns whether it did: not
   * before any byte of the request arrived (a silent connection, a TCP
   * probe, is simply closed by the caller), nor once the request is in or
   * the handshake is over.
   */
  refuseIncompleteRequest(): boolean {
    // (While connecting, the handshake driver is there.)
    if (this.state !== "connecting" || !this.#ongoingHandshake()!.requestBegun) return false;
    const message = "Cannot read the request: its head was not complete in time";
    this.#handshakeFailed(
      new HandshakeError(message, { status: 408 }),
      rejectResponse(408, `${message}\n`),
    );
    return true;
  }

  /**
   * Validates the request (RFC 6455 4.2.1) and builds the response: 101 with
   * the negotiated subprotocol and extensions, or 400, 403 or 426 when the
   * request is not an acceptable WebSocket handshake. Edit it, then `sendResponse`.
   */
  accept(request: Request): Response {
    const result = negotiateRequest(request, this.#options);
    return result.ok ? this.#accepted(request, result) : result.response;
  }

  /**
   * `sendResponse(accept(request))` in one step, for a server that sends the
   * response as `accept` builds it. A 101 that negotiated no extension is
   * written straight into the output, with no response built (a fifth of the
   * garbage of a handshake); `null` is returned for it, and
   * `switchingProtocols(request, this.subprotocol, "", options)` builds the
   * same response again when it is wanted. Otherwise returns the response sent.
   */
  acceptAndSend(request: Request): Response | null {
    const handshake = this.#respondable();
    const result = negotiateRequest(request, this.#options);
    if (!result.ok || result.extensions.length > 0) {
      const response = result.ok ? this.#accepted(request, result) : result.response;
      this.sendResponse(response);
      return response;
    }
    handshake.disposeNegotiated();
    writeSwitchingProtocols(request, result.subprotocol, this.#options, (size) =>
      this.reserve(size),
    );
    this.#complete(handshake, result.subprotocol, result.extensions);
    return null;
  }

  /** Keeps what `result` negotiated for the 101 it builds, to open with when that is sent. */
  #accepted(request: Request, result: Negotiated): Response {
    const { subprotocol, extensions } = result;
    const response = switchingProtocols(
      request,
      subprotocol,
      result.extensionAnswer,
      this.#options,
    );
    const handshake = this.#ongoingHandshake();
    if (handshake === undefined) {
      // Too late to send it: release what it negotiated.
      for (const extension of extensions) extension.dispose?.();
    } else {
      handshake.disposeNegotiated();
      handshake.accepted = response;
      handshake.negotiated = { subprotocol, extensions };
    }
    return response;
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
    const handshake = this.#respondable();
    const negotiated = response === handshake.accepted ? handshake.negotiated : undefined;
    if (response.status === 101 && negotiated === undefined) {
      throw new InvalidStateError(
        "Cannot send the response: a 101 response must come from accept()",
      );
    }
    this.#writeResponse(response);
    if (negotiated === undefined || response.status !== 101) {
      handshake.disposeNegotiated();
      this.failHandshake(
        new HandshakeError(`Handshake refused with status ${response.status}`, {
          status: response.status,
        }),
      );
      return;
    }
    this.#complete(handshake, negotiated.subprotocol, negotiated.extensions);
  }

  /** The handshake, if a request waits for its response; else throws. */
  #respondable(): ServerHandshake {
    const handshake = this.#ongoingHandshake();
    if (this.state !== "connecting" || this.#request === undefined || handshake === undefined) {
      throw new InvalidStateError("Cannot send the response: no request is waiting for one");
    }
    return handshake;
  }

  /** The 101 is queued: open, then read what the client sent after its request. */
  #complete(handshake: ServerHandshake, subprotocol: string | null, extensions: Extension[]): void {
    const early = handshake.early;
    const rest = early === undefined ? EMPTY_BYTES : concatBytes(early, handshake.earlyBytes);
    this.completeHandshake(subprotocol, extensions, rest);
  }

  /** The handshake in progress (the protocol's driver while `connecting`). */
  #ongoingHandshake(): ServerHandshake | undefined {
    return this.handshakeDriver as ServerHandshake | undefined;
  }

  /** The request is in. */
  #receivedRequest(request: Request): void {
    this.#request = request;
    this.emit({ type: "request", request });
  }

  /** Writes the response head into the output slab (no array of its own: see serializeResponseInto). */
  #writeResponse(response: Response): void {
    serializeResponseInto(response, (size) => this.reserve(size));
  }

  #handshakeFailed(error: HandshakeError, response?: Response): void {
    this.#ongoingHandshake()?.disposeNegotiated();
    if (response !== undefined) this.#writeResponse(response);
    this.failHandshake(error);
  }

  /** The server's handshake in progress: the request parser, then the bytes that follow the request. */
  static readonly #Handshake = class implements HandshakeDriver {
    readonly #protocol: ServerProtocol;
    #parser: RequestParser | undefined;
    early: Uint8Array[] | undefined;
    earlyBytes = 0;
    // The 101 response `accept` built last, and what it negotiated.
    accepted: Response | undefined;
    negotiated: { subprotocol: string | null; extensions: Extension[] } | undefined;

    constructor(protocol: ServerProtocol, parser: RequestParser) {
      this.#protocol = protocol;
      this.#parser = parser;
    }

    get requestBegun(): boolean {
      return this.#parser?.begun === true;
    }

    receiveData(bytes: Uint8Array): void {
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
        this.#protocol.#handshakeFailed(
          failure,
          rejectResponse(failure.status, `${failure.message}\n`),
        );
        return;
      }
      if (parsed === undefined) return;
      this.#parser = undefined;
      this.#protocol.#receivedRequest(parsed.request);
      this.#keepEarly(parsed.rest);
    }

    /** A request that another parser read: the parser is not needed. */
    takeRequest(request: Request): void {
      this.#parser = undefined;
      if (declaresBody(request.headers)) {
        const message = `Cannot parse HTTP request: ${BODY_REFUSED}`;
        this.#protocol.#handshakeFailed(
          new HandshakeError(message, { status: 400 }),
          rejectResponse(400, `${message}\n`),
        );
        return;
      }
      this.#protocol.#receivedRequest(request);
    }

    receiveEof(): void {
      this.#protocol.#handshakeFailed(
        new HandshakeError("Cannot read the request: the connection closed first"),
      );
    }

    #keepEarly(bytes: Uint8Array): void {
      if (bytes.length === 0) return;
      this.earlyBytes += bytes.length;
      if (this.earlyBytes > MAX_EARLY_BYTES) {
        this.#protocol.#handshakeFailed(
          new HandshakeError("Cannot read the request: data sent before the response"),
        );
        return;
      }
      (this.early ??= []).push(bytes);
    }

    /** Releases extensions negotiated for a response that will not be sent. */
    disposeNegotiated(): void {
      const extensions = this.negotiated?.extensions;
      // (An indexed loop: for-of allocates an iterator in this once-per-connection code.)
      if (extensions !== undefined) {
        for (let i = 0; i < extensions.length; i++) extensions[i]!.dispose?.();
      }
      this.accepted = undefined;
      this.negotiated = undefined;
    }
  };
}
