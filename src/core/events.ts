/**
 * What the protocol reports, pulled with `takeEvents()`: a discriminated union
 * of plain readonly objects, switched on `type`.
 *
 * @module
 */

import type { ExtensionError, HandshakeError, ProtocolError } from "./errors.js";
import type { Request, Response } from "./http1/message.js";

/**
 * Server: the client's opening handshake request arrived. A request that
 * cannot be parsed gives no such event: the error response is queued in the
 * output and a {@link ClosedEvent} carries the {@link HandshakeError}.
 */
export interface RequestEvent {
  readonly type: "request";
  readonly request: Request;
}

/**
 * Client: the server's handshake response arrived. When `error` is set the
 * handshake failed (the response is kept for its status, headers and body)
 * and the protocol is closed; otherwise the connection is open.
 */
export interface ResponseEvent {
  readonly type: "response";
  readonly response: Response;
  readonly error?: HandshakeError;
}

/** A complete text message. */
export interface TextEvent {
  readonly type: "text";
  readonly data: string;
}

/**
 * A complete binary message. `data` may be a view on the bytes passed to
 * `receiveData` (no copy): it stays valid, but shares their memory.
 */
export interface BinaryEvent {
  readonly type: "binary";
  readonly data: Uint8Array;
}

/**
 * A piece of a message, while `streamMessages` is set (see
 * `Protocol.streamMessages`): a frame of a fragmented message, or the part of
 * a frame that one `receiveData` call brought. Text arrives as a string (a
 * code point cut between pieces is held until it is whole), binary as bytes
 * (a view on the bytes passed to `receiveData`, no copy). `fin` marks the
 * last piece. Pieces are never empty except the last. A message that arrives
 * whole, in one frame and one read, is a {@link TextEvent} or a
 * {@link BinaryEvent} as usual.
 */
export interface FragmentEvent {
  readonly type: "fragment";
  readonly data: string | Uint8Array;
  readonly fin: boolean;
}

/**
 * A ping arrived. Its pong is queued in the output, except while
 * `holdPongs` is set or 64 KiB of output waits: then one pong answers the
 * latest such ping when pongs are released or the output is taken (RFC 6455
 * 5.5.3). No pong is sent after a close frame (5.5.2).
 */
export interface PingEvent {
  readonly type: "ping";
  readonly data: Uint8Array;
}

/** A pong arrived. */
export interface PongEvent {
  readonly type: "pong";
  readonly data: Uint8Array;
}

/**
 * The peer's close frame arrived. `code` is 1005 when the frame had no body.
 * The echo, if one was owed, is already queued in the output.
 */
export interface CloseEvent {
  readonly type: "close";
  readonly code: number;
  readonly reason: string;
}

/**
 * The connection is over (the state is now `closed`); always the last event.
 * `code` and `reason` are what the peer's close frame said (1005 if it had no
 * body), or 1006 when no close frame was received. `wasClean` is true when
 * close frames went both ways before the transport closed. `error` is set when
 * the connection was failed: because of the peer (a `ProtocolError` with the
 * close code we sent), because one of our extensions failed (an
 * `ExtensionError`, 1011), or because the handshake failed.
 */
export interface ClosedEvent {
  readonly type: "closed";
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  readonly error?: ProtocolError | ExtensionError | HandshakeError;
}

/** Every event the protocol reports. */
export type ProtocolEvent =
  | RequestEvent
  | ResponseEvent
  | TextEvent
  | BinaryEvent
  | FragmentEvent
  | PingEvent
  | PongEvent
  | CloseEvent
  | ClosedEvent;
