/**
 * What each frame type requires of its stream id and payload length (RFC
 * 9113 6.1-6.10), as one table checked before a frame is dispatched, so the
 * handlers see only well-formed frames.
 *
 * | type          | stream id       | payload length                | on a bad length |
 * |---------------|-----------------|-------------------------------|-----------------|
 * | DATA          | not 0           | any (padding checked later)   | -               |
 * | HEADERS       | not 0           | any (padding, priority later) | -               |
 * | PRIORITY      | not 0           | 5, checked by its handler     | stream error    |
 * | RST_STREAM    | not 0           | 4                             | connection      |
 * | SETTINGS      | 0               | multiple of 6 (ACK: 0), later | connection      |
 * | PUSH_PROMISE  | not 0           | any (refused anyway)          | -               |
 * | PING          | 0               | 8                             | connection      |
 * | GOAWAY        | 0               | at least 8                    | connection      |
 * | WINDOW_UPDATE | any             | 4                             | connection      |
 * | CONTINUATION  | not 0           | any                           | -               |
 *
 * A stream id that breaks the rule is a connection error PROTOCOL_ERROR, a
 * length that breaks it a connection error FRAME_SIZE_ERROR (RFC 9113 4.2).
 * Unknown types have no rule (they are ignored, RFC 9113 5.5).
 *
 * @module
 */

import { Http2ErrorCode } from "./error-codes.js";
import { type Http2Error, peerError } from "./errors.js";
import { frameTypeName } from "./frame-types.js";

const ANY = 0;
const NOT_ZERO = 1;
const ZERO = 2;

/** [stream rule, exact length (-1: any), least length] by frame type. */
const RULES: readonly (readonly [stream: number, exact: number, least: number])[] = [
  [NOT_ZERO, -1, 0], // DATA
  [NOT_ZERO, -1, 0], // HEADERS
  [NOT_ZERO, -1, 0], // PRIORITY
  [NOT_ZERO, 4, 0], // RST_STREAM
  [ZERO, -1, 0], // SETTINGS
  [NOT_ZERO, -1, 0], // PUSH_PROMISE
  [ZERO, 8, 0], // PING
  [ZERO, -1, 8], // GOAWAY
  [ANY, 4, 0], // WINDOW_UPDATE
  [NOT_ZERO, -1, 0], // CONTINUATION
];

/** The connection error a frame's stream id or length calls for, if any. */
export function checkFrameRules(
  type: number,
  streamId: number,
  length: number,
): Http2Error | undefined {
  const rule = RULES[type];
  if (rule === undefined) return undefined;
  const [stream, exact, least] = rule;
  if (stream === NOT_ZERO ? streamId === 0 : stream === ZERO && streamId !== 0)
    return peerError(
      Http2ErrorCode.PROTOCOL_ERROR,
      `Cannot accept frame: ${frameTypeName(type)} on stream ${streamId}`,
    );
  if ((exact >= 0 && length !== exact) || length < least)
    return peerError(
      Http2ErrorCode.FRAME_SIZE_ERROR,
      `Cannot accept frame: ${frameTypeName(type)} of ${length} bytes on stream ${streamId}, ${exact >= 0 ? `not ${exact}` : `under ${least}`}`,
    );
  return undefined;
}
