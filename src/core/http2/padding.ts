/**
 * PADDED frames (RFC 9113 6.1, 6.2): DATA and HEADERS may carry a Pad
 * Length octet first and that many octets of padding last, which the
 * handlers cut off before looking at the content.
 *
 * @module
 */

import { frameError } from "./errors.js";
import type { SessionState } from "./session-state.js";

/**
 * Where a PADDED frame's content ends, or -1 after failing the connection
 * when the padding does not fit (a PROTOCOL_ERROR). The content starts at 1.
 */
export function paddedEnd(s: SessionState, payload: Uint8Array): number {
  const length = payload.length;
  const padding = length === 0 ? 0 : payload[0]!;
  if (length === 0 || padding >= length) {
    s.connectionError(frameError(`padding of ${padding} bytes is past the payload of ${length}`));
    return -1;
  }
  return length - padding;
}
