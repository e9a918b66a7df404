/**
 * One error tree for the whole library. Errors say whose fault it was:
 * {@link ProtocolError} is the peer's (and carries the close code to send),
 * {@link InvalidStateError} is the local caller's, {@link ExtensionError} is
 * ours (an extension failed on data the peer sent correctly), and
 * {@link HandshakeError} is a failed opening handshake (and carries the HTTP
 * status and head).
 *
 * @module
 */

import type { Headers } from "./headers.js";

/** Base class of every error this library throws or reports. */
export class WebSocketError extends Error {
  override name = "WebSocketError";
}

/**
 * The peer broke RFC 6455 (or an extension's RFC), or exceeded a limit.
 * `closeCode` is the close code the connection was failed with
 * (1002, 1007, 1009, 1010 or 1011).
 */
export class ProtocolError extends WebSocketError {
  override name = "ProtocolError";
  readonly closeCode: number;
  constructor(closeCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.closeCode = closeCode;
  }
}

/**
 * One of our extensions failed while decoding a frame the peer sent correctly
 * (permessage-deflate's codec threw something other than a `ProtocolError`):
 * our fault, not the peer's. The connection is failed with 1011 (internal
 * error, RFC 6455 7.4.1); `cause` holds what the extension threw.
 */
export class ExtensionError extends WebSocketError {
  override name = "ExtensionError";
  /** Always 1011. */
  readonly closeCode = 1011;
}

/** The local caller did something the current state does not allow. */
export class InvalidStateError extends WebSocketError {
  override name = "InvalidStateError";
}

/**
 * The opening handshake failed. On the client, `status`, `headers` and `body`
 * hold the server's response when one was received (`status` is 0 when the
 * response could not be parsed). On the server, `status` is the HTTP status
 * the request was answered with.
 */
export class HandshakeError extends WebSocketError {
  override name = "HandshakeError";
  readonly status: number;
  readonly headers: Headers | undefined;
  readonly body: Uint8Array | undefined;
  constructor(
    message: string,
    details: { status?: number; headers?: Headers; body?: Uint8Array } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = details.status ?? 0;
    this.headers = details.headers;
    this.body = details.body;
  }
}
