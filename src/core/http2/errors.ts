/**
 * The one error type of the HTTP/2 machine. It says whose fault it was
 * (`peer`) and carries the RFC 9113 7 error code the connection or stream was
 * failed with, as `ProtocolError` carries a close code for WebSocket.
 *
 * @module
 */

import { WebSocketError } from "../errors.js";
import { errorCodeName, Http2ErrorCode } from "./error-codes.js";

/**
 * An HTTP/2 connection or stream error. `code` is the {@link Http2ErrorCode}
 * sent in GOAWAY or RST_STREAM (or received in GOAWAY); `peer` is true when the
 * peer broke RFC 9113 (or exceeded a limit), false when it was ours.
 */
export class Http2Error extends WebSocketError {
  override name = "Http2Error";
  /** The {@link Http2ErrorCode}. */
  readonly code: number;
  /** True when the peer is at fault. */
  readonly peer: boolean;
  constructor(code: number, message: string, peer: boolean, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.peer = peer;
  }
}

/** A peer's violation: the message gets the project's `(peer's fault)` suffix. */
export function peerError(code: number, message: string, cause?: unknown): Http2Error {
  return new Http2Error(
    code,
    `${message} (peer's fault)`,
    true,
    cause === undefined ? undefined : { cause },
  );
}

/** A peer's protocol error about a frame: PROTOCOL_ERROR, `Cannot accept frame: ${message}`. */
export function frameError(message: string): Http2Error {
  return peerError(Http2ErrorCode.PROTOCOL_ERROR, `Cannot accept frame: ${message}`);
}

/** Names the code in a message: `PROTOCOL_ERROR`. */
export { errorCodeName };
