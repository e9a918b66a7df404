/**
 * Frame types and flags (RFC 9113 6) as tables, and the fixed sizes of the
 * frame layer.
 *
 * @module
 */

/** Frame type codes (RFC 9113 6.1-6.10). Other types are ignored (RFC 9113 5.5). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

const NAMES: readonly string[] = Object.keys(FrameType);

/** The frame type's name for messages (`DATA`), or `type 0x…` for an unknown one. */
export function frameTypeName(type: number): string {
  return NAMES[type] ?? `frame type 0x${type.toString(16)}`;
}

/** Frame flags (RFC 9113 6). Each applies to the frame types named. */
export const FrameFlag = {
  /** DATA, HEADERS. */
  END_STREAM: 0x1,
  /** SETTINGS, PING. */
  ACK: 0x1,
  /** HEADERS, PUSH_PROMISE, CONTINUATION. */
  END_HEADERS: 0x4,
  /** DATA, HEADERS, PUSH_PROMISE. */
  PADDED: 0x8,
  /** HEADERS. */
  PRIORITY: 0x20,
} as const;

/** Every frame starts with a 9-octet header (RFC 9113 4.1). */
export const FRAME_HEADER_BYTES = 9;

/** The client connection preface (RFC 9113 3.4), before the client's first SETTINGS. */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/** The largest stream id and window: 31 bits (RFC 9113 5.1.1, 6.9.1). */
export const MAX_31_BIT = 0x7fffffff;
