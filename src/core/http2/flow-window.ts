/**
 * Flow-control arithmetic (RFC 9113 5.2, 6.9): the limits of a window and
 * when to return the bytes a receiver has processed.
 *
 * @module
 */

import { MAX_31_BIT } from "./frame-types.js";

/** Every window starts at 65,535 bytes until SETTINGS or WINDOW_UPDATE change it (RFC 9113 6.9.2). */
export const DEFAULT_WINDOW_BYTES = 65535;

/** A window may not grow past 2^31-1 (RFC 9113 6.9.1): past it is a FLOW_CONTROL_ERROR. */
export const MAX_WINDOW_BYTES = MAX_31_BIT;

/**
 * Whether `owed` processed bytes are worth a WINDOW_UPDATE for a window of
 * `windowBytes`: once half of it is owed. Returning every read would cost a
 * 13-byte frame per DATA frame; returning at half keeps the peer sending
 * without a stall as long as it has half a window in flight (the rule
 * nghttp2 and Go's x/net/http2 use).
 */
export function isUpdateDue(owed: number, windowBytes: number): boolean {
  return owed > 0 && owed * 2 >= windowBytes;
}
