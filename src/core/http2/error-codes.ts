/**
 * HTTP/2 error codes (RFC 9113 7): the 32-bit codes carried by RST_STREAM and
 * GOAWAY, and their names for messages.
 *
 * @module
 */

/** The error codes of RFC 9113 7. Unknown codes a peer sends are kept as numbers. */
export const Http2ErrorCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  SETTINGS_TIMEOUT: 4,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  CONNECT_ERROR: 10,
  ENHANCE_YOUR_CALM: 11,
  INADEQUATE_SECURITY: 12,
  HTTP_1_1_REQUIRED: 13,
} as const;

/** One of {@link Http2ErrorCode}'s values. */
export type Http2ErrorCodeValue = (typeof Http2ErrorCode)[keyof typeof Http2ErrorCode];

const NAMES: readonly string[] = Object.keys(Http2ErrorCode);

/** The name of an error code (`PROTOCOL_ERROR`), or `0x…` for one RFC 9113 does not define. */
export function errorCodeName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16)}`;
}
