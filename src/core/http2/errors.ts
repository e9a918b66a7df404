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
 * sent in GOAWAY or RST_STREAM (or received in GOAWAY; NO_ERROR for a command
 * of ours refused before anything was sent); `peer` is true when the peer
 * broke RFC 9113 (or exceeded a limit), false when it was ours.
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

/**
 * A header list of ours (a request's or a response's head, or trailers) is
 * larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 6.5.2,
 * 10.5.1), counted as that setting counts: name + value + 32 octets per
 * field. The local caller's fault (`peer` false): the command throws before
 * anything is encoded or sent, so the HPACK tables, the stream and the
 * session are as they were. `code` is NO_ERROR: no frame carries it.
 */
export class HeaderListTooLargeForPeerError extends Http2Error {
  override name = "HeaderListTooLargeForPeerError";
  /** The size of the refused list, in octets as RFC 9113 6.5.2 counts them. */
  readonly headerListBytes: number;
  /** The peer's SETTINGS_MAX_HEADER_LIST_SIZE. */
  readonly maxHeaderListBytes: number;
  constructor(what: string, headerListBytes: number, maxHeaderListBytes: number) {
    super(
      Http2ErrorCode.NO_ERROR,
      `Cannot send ${what}: its header list is ${headerListBytes} bytes, over the peer's SETTINGS_MAX_HEADER_LIST_SIZE ${maxHeaderListBytes} (our fault)`,
      false,
    );
    this.headerListBytes = headerListBytes;
    this.maxHeaderListBytes = maxHeaderListBytes;
  }
}

/** Names the code in a message: `PROTOCOL_ERROR`. */
export { errorCodeName };
