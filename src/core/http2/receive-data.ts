/**
 * DATA in (RFC 9113 6.1), the hot path of a transfer: counted against our
 * receive windows (the connection's, returned as it arrives; the stream's,
 * returned as the caller consumes it, see `Http2Session.consume`) and
 * against the content-length of its message, then handed on as a view of
 * the input: a few comparisons, one event object and a subarray; no copy.
 *
 * @module
 */

import { receiveFrameWithoutStream } from "./absent-streams.js";
import { Http2ErrorCode } from "./error-codes.js";
import { peerError } from "./errors.js";
import { isUpdateDue } from "./flow-window.js";
import { FrameFlag, FrameType } from "./frame-types.js";
import { writeWindowUpdate } from "./frame-writer.js";
import { paddedEnd } from "./padding.js";
import type { SessionState } from "./session-state.js";
import { Ended, Head, STATE_NAMES } from "./stream.js";

/** A DATA frame (its stream id checked non-zero by frame-rules.ts). */
export function receiveDataFrame(
  s: SessionState,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): void {
  const length = payload.length;
  let data = payload;
  if (flags & FrameFlag.PADDED) {
    const end = paddedEnd(s, payload);
    if (end < 0) return;
    data = payload.subarray(1, end);
  }
  // Every DATA frame counts against the connection window, whatever its
  // stream's state (RFC 9113 6.9), and is returned as it arrives.
  s.connRecvWindow -= length;
  if (s.connRecvWindow < 0) {
    s.connectionError(
      peerError(
        Http2ErrorCode.FLOW_CONTROL_ERROR,
        `Cannot accept frame: DATA of ${length} bytes on stream ${streamId} is past the connection window`,
      ),
    );
    return;
  }
  s.connRecvOwed += length;
  if (isUpdateDue(s.connRecvOwed, s.connWindowBytes)) {
    writeWindowUpdate(s.out, 0, s.connRecvOwed);
    s.connRecvWindow += s.connRecvOwed;
    s.connRecvOwed = 0;
  }
  const stream = s.streams.get(streamId);
  if (stream === undefined) {
    receiveFrameWithoutStream(s, FrameType.DATA, streamId);
    return;
  }
  if (stream.ended & Ended.REMOTE) {
    s.streamError(
      stream,
      Http2ErrorCode.STREAM_CLOSED,
      `DATA on ${STATE_NAMES[stream.ended]} stream ${streamId}`,
    );
    return;
  }
  if (stream.head === Head.AWAITED) {
    s.streamError(
      stream,
      Http2ErrorCode.PROTOCOL_ERROR,
      `DATA before the response head on stream ${streamId}`,
    );
    return;
  }
  stream.recvWindow -= length;
  if (stream.recvWindow < 0) {
    s.streamError(
      stream,
      Http2ErrorCode.FLOW_CONTROL_ERROR,
      `DATA of ${length} bytes on stream ${streamId} is past its window`,
    );
    return;
  }
  const endStream = (flags & FrameFlag.END_STREAM) !== 0;
  if (stream.bodyLeft >= 0) {
    // RFC 9113 8.1.1: DATA must add up to the content-length.
    stream.bodyLeft -= data.length;
    if (stream.bodyLeft < 0 || (endStream && stream.bodyLeft > 0)) {
      s.streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `DATA on stream ${streamId} does not add up to its content-length`,
      );
      return;
    }
  }
  if (data.length > 0 || endStream) s.events.push({ type: "data", streamId, data, endStream });
  if (endStream) {
    stream.ended |= Ended.REMOTE;
    if (stream.ended === Ended.BOTH) s.closeStream(stream);
  } else if (data.length < length) {
    // Padding is never handed to the caller: it is consumed here.
    s.returnStreamWindow(stream, length - data.length);
  }
}
