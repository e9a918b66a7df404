/**
 * Errors of the connection layer, in the library's one error tree (see
 * `src/core/errors.ts`).
 *
 * @module
 */

import { WebSocketError } from "../core/errors.js";

/** How a connection ended, as reported by `Connection.closed`. */
export interface CloseInfo {
  /** The close code the peer sent (1005 if its close frame had no code), or 1006 when none was received. */
  readonly code: number;
  /** The close reason the peer sent. */
  readonly reason: string;
  /** True when close frames went both ways before the transport closed (RFC 6455 7.1.4). */
  readonly wasClean: boolean;
  /** Why the connection failed, when it failed (protocol error, timeout, transport error). */
  readonly error?: Error;
}

/**
 * Close codes of a normal closure: 1000 (normal), 1001 (going away) and 1005
 * (a close frame without a code), as in Python websockets' `ConnectionClosedOK`.
 */
const OK_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

/** Whether a close is a normal closure (clean, with an OK code). */
export function isNormalClosure(info: CloseInfo): boolean {
  return info.wasClean && OK_CLOSE_CODES.has(info.code) && info.error === undefined;
}

/**
 * The connection is closed (or closing), so it cannot be read from or written
 * to. Thrown as one of its two subclasses: {@link ConnectionClosedOK} after a
 * normal closure, {@link ConnectionClosedError} otherwise.
 */
export class ConnectionClosed extends WebSocketError {
  override name = "ConnectionClosed";
  /** See {@link CloseInfo.code}. */
  readonly code: number;
  /** See {@link CloseInfo.reason}. */
  readonly reason: string;
  /** See {@link CloseInfo.wasClean}. */
  readonly wasClean: boolean;
  constructor(message: string, info: CloseInfo, options?: ErrorOptions) {
    super(message, options);
    this.code = info.code;
    this.reason = info.reason;
    this.wasClean = info.wasClean;
  }

  /** Builds the right subclass for `info`, with the action that failed in the message. */
  static from(action: string, info: CloseInfo): ConnectionClosed {
    const detail = `${action}: connection closed with code ${info.code}${
      info.reason === "" ? "" : ` "${info.reason}"`
    }`;
    const options = info.error === undefined ? undefined : { cause: info.error };
    return isNormalClosure(info)
      ? new ConnectionClosedOK(detail, info, options)
      : new ConnectionClosedError(detail, info, options);
  }
}

/** The connection was closed normally (close code 1000, 1001 or 1005, clean close). */
export class ConnectionClosedOK extends ConnectionClosed {
  override name = "ConnectionClosedOK";
}

/** The connection was closed abnormally: an error code, no close frame, a timeout or a transport error. */
export class ConnectionClosedError extends ConnectionClosed {
  override name = "ConnectionClosedError";
}

/** An operation did not complete in time (opening handshake, close handshake, keepalive pong). */
export class TimeoutError extends WebSocketError {
  override name = "TimeoutError";
}

/** A transport failed (connection refused, reset, TLS error); `cause` holds the runtime's error. */
export class TransportError extends WebSocketError {
  override name = "TransportError";
}

/**
 * Makes an error without capturing a stack trace. For errors made in a
 * transport callback, whose stack would show only this layer's internals: the
 * message, the close code and the `cause` (with the runtime's own stack) say
 * what happened. Capturing it costs: a stack per connection reset made a
 * tenth of the server's time in a benchmark of connections reset right after
 * the handshake (closed readers), and 3.5% again for the transport error.
 */
export function withoutStack<T extends Error>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
