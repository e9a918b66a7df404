/**
 * Close frame bodies and close codes (RFC 6455 5.5.1, 7.4): parsed and
 * serialized by pure functions, as Python websockets' `Close.parse/serialize`.
 *
 * @module
 */

import { EMPTY_BYTES } from "./bytes.js";
import { ProtocolError } from "./errors.js";
import { MAX_CONTROL_PAYLOAD } from "./frame.js";
import { decodeUtf8, encodeUtf8 } from "./utf8.js";

/** Close codes with a name, for readable code. */
export const CloseCode = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS_RCVD: 1005,
  ABNORMAL_CLOSURE: 1006,
  INVALID_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  TLS_HANDSHAKE: 1015,
} as const;

/**
 * Whether `code` may appear in a close frame, sent or received (RFC 6455
 * 7.4.1, 7.4.2, and the IANA registry for 1012-1014). 1005, 1006 and 1015 are
 * reserved for reporting and never go on the wire; 1004 and 1016-2999 are
 * unassigned; 3000-4999 belong to libraries and applications.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Longest close reason: a close frame's payload is the 2-byte code plus the reason (5.5.1). */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

/** What a close frame said. */
export interface CloseBody {
  /** The status code, 1005 (`NO_STATUS_RCVD`) when the frame had no body. */
  readonly code: number;
  readonly reason: string;
}

/**
 * Parses a received close frame's payload (RFC 6455 5.5.1, 7.4). Returns the
 * code and reason, or for a payload the peer should not have sent, the
 * `ProtocolError` to fail the connection with (returned, not thrown: a peer's
 * mistake is a value the protocol acts on).
 */
export function parseClose(payload: Uint8Array): CloseBody | ProtocolError {
  if (payload.length === 0) return { code: CloseCode.NO_STATUS_RCVD, reason: "" };
  if (payload.length === 1) {
    return new ProtocolError(CloseCode.PROTOCOL_ERROR, "Cannot parse close frame: 1-byte payload");
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidCloseCode(code)) {
    return new ProtocolError(
      CloseCode.PROTOCOL_ERROR,
      `Cannot parse close frame: invalid close code ${code}`,
    );
  }
  const reason = decodeUtf8(payload.subarray(2));
  if (reason === undefined) {
    return new ProtocolError(
      CloseCode.INVALID_DATA,
      "Cannot parse close frame: invalid UTF-8 in the reason",
    );
  }
  return { code, reason };
}

/**
 * Serializes a close frame's payload: empty without a code (the peer sees
 * 1005), else the code and the UTF-8 reason.
 *
 * @throws RangeError for a code that may not be sent or a reason over 123 bytes
 * @throws TypeError for a reason without a code
 */
export function serializeClose(code: number | undefined, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new TypeError("Invalid close reason: a reason requires a close code");
    return EMPTY_BYTES;
  }
  if (!isValidCloseCode(code)) throw new RangeError(`Invalid close code: ${code}`);
  const encoded = encodeUtf8(reason);
  if (encoded.length > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(
      `Invalid close reason: ${encoded.length} bytes, at most ${MAX_CLOSE_REASON_BYTES}`,
    );
  }
  const payload = new Uint8Array(2 + encoded.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(encoded, 2);
  return payload;
}
