/**
 * Bytes in: a server's check of the client's 24-octet preface (RFC 9113
 * 3.4), frames cut by the {@link FrameReader} and checked against the
 * rules every frame type shares (the peer's first frame is SETTINGS, a held
 * header block takes only its CONTINUATIONs, frame-rules.ts), then handed
 * to the handler of their type; and the transport's EOF.
 *
 * @module
 */

import { Http2ErrorCode } from "./error-codes.js";
import { frameError, Http2Error, peerError } from "./errors.js";
import { ReadResult } from "./frame-reader.js";
import { checkFrameRules } from "./frame-rules.js";
import { CLIENT_PREFACE, FrameFlag, FrameType, frameTypeName } from "./frame-types.js";
import {
  receiveGoawayFrame,
  receivePingFrame,
  receivePriorityFrame,
  receiveRstStreamFrame,
  receiveSettingsFrame,
  receiveWindowUpdateFrame,
} from "./receive-control.js";
import { receiveDataFrame } from "./receive-data.js";
import { receiveContinuationFrame, receiveHeadersFrame } from "./receive-headers.js";
import { Phase, type SessionState } from "./session-state.js";

/** Bytes from the transport, split anywhere. */
export function receiveBytes(s: SessionState, bytes: Uint8Array): void {
  if (s.phase === Phase.DONE) return;
  let input = bytes;
  if (s.phase === Phase.PREFACE) {
    const have = s.prefaceHave;
    const take = Math.min(CLIENT_PREFACE.length - have, input.length);
    for (let i = 0; i < take; i++) {
      if (input[i] !== CLIENT_PREFACE[have + i]) {
        s.connectionError(
          peerError(
            Http2ErrorCode.PROTOCOL_ERROR,
            `Cannot read connection preface: octet ${have + i} is 0x${input[i]!.toString(16)}, not the client preface`,
          ),
        );
        return;
      }
    }
    s.prefaceHave = have + take;
    if (s.prefaceHave < CLIENT_PREFACE.length) return;
    s.phase = Phase.FIRST_SETTINGS;
    input = input.subarray(take);
  }
  const reader = s.reader;
  reader.push(input);
  for (;;) {
    const result = reader.next();
    if (result === ReadResult.FRAME) {
      try {
        receiveFrame(s, reader.type, reader.flags, reader.streamId, reader.payload);
      } catch (error) {
        // A bug of ours (no peer input should throw): the connection fails
        // with INTERNAL_ERROR instead of the exception reaching the transport.
        s.connectionError(
          new Http2Error(
            Http2ErrorCode.INTERNAL_ERROR,
            `Cannot process frame: ${frameTypeName(reader.type)} on stream ${reader.streamId} threw ${String(error)} (our fault)`,
            false,
            { cause: error },
          ),
        );
      }
      if (s.phase === Phase.DONE) return;
    } else if (result === ReadResult.NEED_MORE) {
      return;
    } else {
      s.connectionError(
        s.phase === Phase.FIRST_SETTINGS && reader.type !== FrameType.SETTINGS
          ? // Likely no HTTP/2 at all (an HTTP/1.1 answer to an h2c preface):
            // say so rather than name a frame size.
            peerError(
              Http2ErrorCode.PROTOCOL_ERROR,
              "Cannot read preface: the peer's first frame is not SETTINGS (it does not speak HTTP/2)",
            )
          : peerError(
              Http2ErrorCode.FRAME_SIZE_ERROR,
              `Cannot accept frame: ${frameTypeName(reader.type)} of ${reader.length} bytes is over our maximum frame size ${reader.maxFrameSize}`,
            ),
      );
      return;
    }
  }
}

/** The transport's EOF: open streams are reset (CANCEL, not local); EOF inside a frame is an "error". */
export function receiveEof(s: SessionState): void {
  if (s.phase === Phase.DONE) return;
  const inside =
    s.reader.isInsideFrame ||
    s.headerBlock.streamId !== 0 ||
    (s.phase === Phase.PREFACE && s.prefaceHave > 0);
  s.phase = Phase.DONE;
  if (inside)
    s.events.push({
      type: "error",
      error: peerError(
        Http2ErrorCode.PROTOCOL_ERROR,
        "Cannot read frame: the connection ended inside a frame",
      ),
    });
  s.resetAll(Http2ErrorCode.CANCEL, false);
}

/** One whole frame: the rules every type shares, then its type's handler. */
function receiveFrame(
  s: SessionState,
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): void {
  if (s.headerBlock.streamId !== 0 && type !== FrameType.CONTINUATION) {
    // RFC 9113 6.2: a header block is followed only by its CONTINUATIONs.
    s.connectionError(
      frameError(
        `${frameTypeName(type)} on stream ${streamId} inside the header block of stream ${s.headerBlock.streamId}`,
      ),
    );
    return;
  }
  if (s.phase === Phase.FIRST_SETTINGS) {
    if (type !== FrameType.SETTINGS || flags & FrameFlag.ACK) {
      s.connectionError(frameError(`${frameTypeName(type)} before the peer's SETTINGS`));
      return;
    }
    s.phase = Phase.OPEN;
  }
  const broken = checkFrameRules(type, streamId, payload.length);
  if (broken !== undefined) {
    s.connectionError(broken);
    return;
  }
  switch (type) {
    case FrameType.DATA:
      receiveDataFrame(s, flags, streamId, payload);
      return;
    case FrameType.HEADERS:
      receiveHeadersFrame(s, flags, streamId, payload);
      return;
    case FrameType.PRIORITY:
      receivePriorityFrame(s, streamId, payload);
      return;
    case FrameType.RST_STREAM:
      receiveRstStreamFrame(s, streamId, payload);
      return;
    case FrameType.SETTINGS:
      receiveSettingsFrame(s, flags, payload);
      return;
    case FrameType.PUSH_PROMISE:
      // We never enable push (a client sends ENABLE_PUSH 0; a server cannot
      // receive one at all): RFC 9113 8.4, 6.6.
      s.connectionError(frameError("push is not enabled"));
      return;
    case FrameType.PING:
      receivePingFrame(s, flags, payload);
      return;
    case FrameType.GOAWAY:
      receiveGoawayFrame(s, payload);
      return;
    case FrameType.WINDOW_UPDATE:
      receiveWindowUpdateFrame(s, streamId, payload);
      return;
    case FrameType.CONTINUATION:
      receiveContinuationFrame(s, flags, streamId, payload);
      return;
    default:
      // Unknown frame types are ignored (RFC 9113 4.1, 5.5).
      return;
  }
}
