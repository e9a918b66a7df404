/**
 * Frames for a stream that is not in the session's table (RFC 9113 5.1):
 * an idle one (its id above every stream its side opened) or a closed one,
 * told apart by how it closed ({@link ClosedStreams}): frames in flight
 * when we reset it are ignored, frames after the peer's own RST_STREAM are
 * a stream error, frames after the peer's END_STREAM a connection error.
 * HEADERS for such a stream are the header handler's (receive-headers.ts):
 * their block is decoded first, to keep HPACK in step.
 *
 * @module
 */

import { ClosedBy } from "./closed-streams.js";
import { Http2ErrorCode } from "./error-codes.js";
import { frameError, peerError } from "./errors.js";
import { FrameType, frameTypeName } from "./frame-types.js";
import type { SessionState } from "./session-state.js";

/** A frame other than HEADERS for a stream not in the table (DATA, WINDOW_UPDATE, RST_STREAM). */
export function receiveFrameWithoutStream(s: SessionState, type: number, streamId: number): void {
  if (s.isStreamIdle(streamId)) {
    // RFC 9113 5.1: only HEADERS and PRIORITY may come on an idle stream.
    s.connectionError(frameError(`${frameTypeName(type)} on idle stream ${streamId}`));
    return;
  }
  if (type !== FrameType.DATA) return; // WINDOW_UPDATE, RST_STREAM after close: ignored (5.1).
  const closedBy = s.closed.how(streamId);
  if (closedBy === ClosedBy.LOCAL_RESET) return; // in flight before our reset
  if (closedBy === ClosedBy.ENDED) {
    // RFC 9113 5.1: DATA after the peer's END_STREAM is a connection error.
    s.connectionError(
      peerError(
        Http2ErrorCode.STREAM_CLOSED,
        `Cannot accept frame: DATA on closed stream ${streamId}`,
      ),
    );
    return;
  }
  closedStreamError(s, streamId);
}

/** A frame on a closed stream the peer reset, or one closed long ago: RST_STREAM STREAM_CLOSED. */
export function closedStreamError(s: SessionState, streamId: number): void {
  s.resetAbsentStream(streamId, Http2ErrorCode.STREAM_CLOSED);
}
