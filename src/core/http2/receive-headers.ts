/**
 * Header blocks in (RFC 9113 4.3, 6.2, 6.10, 8.1-8.3): HEADERS frames, held
 * across CONTINUATION frames until END_HEADERS when they do not fit one
 * frame, decoded, and checked as what they are on their stream: a new
 * request (a server's stream opens), a response head (1xx ones first), or
 * trailers. A malformed one resets its stream; a block the decoder cannot
 * read fails the connection (its HPACK table is out of step).
 *
 * @module
 */

import { closedStreamError } from "./absent-streams.js";
import { ClosedBy } from "./closed-streams.js";
import { Http2ErrorCode } from "./error-codes.js";
import { frameError, Http2Error, peerError } from "./errors.js";
import {
  BAD_CONTENT_LENGTH,
  checkRequestFields,
  checkResponseFields,
  checkTrailerFields,
  contentLength,
  methodOf,
  NO_CONTENT_LENGTH,
} from "./fields.js";
import { FrameFlag, MAX_31_BIT } from "./frame-types.js";
import { readU32 } from "./frame-writer.js";
import { type HeaderField, HeaderListTooLargeError, HpackError } from "./hpack/index.js";
import { paddedEnd } from "./padding.js";
import type { SessionState } from "./session-state.js";
import { Body, Ended, Head, Http2Stream, STATE_NAMES } from "./stream.js";

/**
 * A HEADERS frame: the padding and priority fields are cut off; a block
 * whole in one frame is decoded from the view, without a copy.
 */
export function receiveHeadersFrame(
  s: SessionState,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): void {
  let from = 0;
  let to = payload.length;
  if (flags & FrameFlag.PADDED) {
    to = paddedEnd(s, payload);
    if (to < 0) return;
    from = 1;
  }
  let badPriority = false;
  if (flags & FrameFlag.PRIORITY) {
    if (to - from < 5) {
      s.connectionError(
        peerError(
          Http2ErrorCode.FRAME_SIZE_ERROR,
          `Cannot accept frame: HEADERS on stream ${streamId} is too short for its priority fields`,
        ),
      );
      return;
    }
    // A stream cannot depend on itself (RFC 9113 5.3.1); priority is otherwise ignored.
    badPriority = (readU32(payload, from) & MAX_31_BIT) === streamId;
    from += 5;
  }
  const fragment = payload.subarray(from, to);
  const endStream = (flags & FrameFlag.END_STREAM) !== 0;
  if (flags & FrameFlag.END_HEADERS) {
    receiveHeaderBlock(s, streamId, fragment, endStream, badPriority);
    return;
  }
  // The block goes on in CONTINUATION frames: held as a copy (the input may be reused).
  const error = s.headerBlock.start(streamId, fragment, endStream, badPriority);
  if (error !== undefined) s.connectionError(error);
}

/** A CONTINUATION frame (RFC 9113 6.10). */
export function receiveContinuationFrame(
  s: SessionState,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): void {
  const block = s.headerBlock;
  if (block.streamId === 0 || streamId !== block.streamId) {
    s.connectionError(
      frameError(
        block.streamId === 0
          ? `CONTINUATION on stream ${streamId} without a header block`
          : `CONTINUATION on stream ${streamId} inside the header block of stream ${block.streamId}`,
      ),
    );
    return;
  }
  const error = block.continue(payload);
  if (error !== undefined) {
    s.connectionError(error);
    return;
  }
  if (flags & FrameFlag.END_HEADERS) {
    const { endStream, dependsOnItself } = block;
    receiveHeaderBlock(s, streamId, block.finish(), endStream, dependsOnItself);
  }
}

/** Decodes a header block; `undefined` after a connection error, `null` when the list is too large. */
function decode(
  s: SessionState,
  streamId: number,
  block: Uint8Array,
): HeaderField[] | null | undefined {
  try {
    return s.decoder.decode(block);
  } catch (error) {
    if (error instanceof HeaderListTooLargeError) return null;
    if (error instanceof HpackError) {
      // RFC 9113 4.3: any decoding error is a connection error COMPRESSION_ERROR.
      s.connectionError(
        new Http2Error(
          Http2ErrorCode.COMPRESSION_ERROR,
          `Cannot accept frame: header block on stream ${streamId}: ${error.message}`,
          true,
          { cause: error },
        ),
      );
      return undefined;
    }
    throw error;
  }
}

/** A whole header block: on an open stream a response head or trailers, else a new request. */
function receiveHeaderBlock(
  s: SessionState,
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  badPriority: boolean,
): void {
  const stream = s.streams.get(streamId);
  if (stream === undefined) {
    receiveNewHeaderBlock(s, streamId, block, endStream, badPriority);
    return;
  }
  // The block is decoded whatever becomes of the stream: the HPACK dynamic
  // table must stay in step with the peer's (RFC 9113 4.3).
  const fields = decode(s, streamId, block);
  if (fields === undefined) return;
  if (stream.ended & Ended.REMOTE) {
    s.streamError(
      stream,
      Http2ErrorCode.STREAM_CLOSED,
      `HEADERS on ${STATE_NAMES[stream.ended]} stream ${streamId}`,
    );
    return;
  }
  if (fields === null) {
    s.streamError(
      stream,
      Http2ErrorCode.PROTOCOL_ERROR,
      `header list on stream ${streamId} is over our maximum ${s.local.maxHeaderListSize} bytes`,
    );
    return;
  }
  if (badPriority) {
    s.streamError(stream, Http2ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
    return;
  }
  let malformed: string | undefined;
  if (stream.head === Head.AWAITED) {
    // A client's response head (RFC 9113 8.3.2); 1xx heads come before the final one.
    const status = checkResponseFields(fields);
    if (typeof status === "string") malformed = status;
    else if (status < 200) {
      if (endStream) malformed = `informational :status ${status} ends the stream`;
    } else {
      stream.head = Head.RECEIVED;
      // 204 and 304 have no content (RFC 9110 15.3.5, 15.4.5) whatever they say.
      if (stream.bodyLeft === Body.UNCHECKED && status !== 204 && status !== 304)
        malformed = expectBody(s, stream, fields, endStream);
    }
  } else {
    // Trailers (RFC 9113 8.1): they end the stream.
    malformed = endStream ? checkTrailerFields(fields) : "trailers without END_STREAM";
    if (malformed === undefined && stream.bodyLeft > 0)
      malformed = `the body ends ${stream.bodyLeft} bytes short of its content-length`;
  }
  if (malformed !== undefined) {
    s.streamError(
      stream,
      Http2ErrorCode.PROTOCOL_ERROR,
      `malformed header block on stream ${streamId}: ${malformed}`,
    );
    return;
  }
  s.events.push({ type: "headers", streamId, fields, endStream });
  if (endStream) {
    stream.ended |= Ended.REMOTE;
    if (stream.ended === Ended.BOTH) s.closeStream(stream);
  }
}

/** A header block on a stream not in the table: a new request, or a frame on a closed or idle stream. */
function receiveNewHeaderBlock(
  s: SessionState,
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  badPriority: boolean,
): void {
  const peerInitiated = (streamId & 1) === (s.isServer ? 1 : 0);
  if (!s.isServer || !peerInitiated || streamId <= s.lastPeerStreamId) {
    let code: number = Http2ErrorCode.PROTOCOL_ERROR;
    let what: string;
    if (s.isStreamIdle(streamId)) {
      // RFC 9113 5.1.1: a client opens odd ids only; a server opens none here (push is off, 8.4).
      if (s.isServer) what = `HEADERS on stream ${streamId}, an even id a client cannot open`;
      else if (peerInitiated) what = `HEADERS on stream ${streamId}: a server cannot open streams`;
      else what = `HEADERS on idle stream ${streamId}`;
    } else {
      const closedBy = s.closed.how(streamId);
      if (closedBy === ClosedBy.LOCAL_RESET) {
        // In flight when we reset the stream: decoded (for HPACK) and ignored.
        decode(s, streamId, block);
        return;
      }
      if (closedBy === ClosedBy.PEER_RESET) {
        // RFC 9113 5.1: a frame after the peer's RST_STREAM is a stream error STREAM_CLOSED.
        if (decode(s, streamId, block) === undefined) return;
        closedStreamError(s, streamId);
        return;
      }
      if (closedBy === ClosedBy.ENDED || !s.isServer) {
        // RFC 9113 5.1: a frame after the peer's END_STREAM is a connection error.
        code = Http2ErrorCode.STREAM_CLOSED;
        what = `HEADERS on closed stream ${streamId}`;
      } else {
        // RFC 9113 5.1.1: a new stream's id must be above every earlier one.
        what = `HEADERS on stream ${streamId}, not above the last stream opened (${s.lastPeerStreamId})`;
      }
    }
    s.connectionError(peerError(code, `Cannot accept frame: ${what}`));
    return;
  }
  // A new request (RFC 9113 5.1.1: ids only grow; skipped ones are closed).
  s.lastPeerStreamId = streamId;
  const fields = decode(s, streamId, block);
  if (fields === undefined) return;
  if (s.goawaySent) {
    // RFC 9113 6.8: streams after our GOAWAY are not processed; refused
    // (8.7), so the client knows at once it may retry on a new connection.
    s.resetAbsentStream(streamId, Http2ErrorCode.REFUSED_STREAM);
    return;
  }
  if (s.streams.size >= s.local.maxConcurrentStreams || fields === null) {
    // Refused, not processed (RFC 9113 5.1.2, 8.7): a client may retry it.
    // Counted as cheap (calm.ts) before the reply, which may fail the session.
    s.resetAbsentStream(streamId, Http2ErrorCode.REFUSED_STREAM, true);
    return;
  }
  const malformed = badPriority
    ? `stream ${streamId} depends on itself`
    : checkRequestFields(fields, s.local.enableConnectProtocol);
  if (malformed !== undefined) {
    s.resetAbsentStream(streamId, Http2ErrorCode.PROTOCOL_ERROR);
    return;
  }
  // Opening a stream: one small object, one Map entry, one event.
  const stream = new Http2Stream(streamId, Head.RECEIVED, s.peer.initialWindowSize, s.recvInitial);
  if (endStream) stream.ended = Ended.REMOTE;
  if (expectBody(s, stream, fields, endStream) !== undefined) {
    s.resetAbsentStream(streamId, Http2ErrorCode.PROTOCOL_ERROR);
    return;
  }
  s.streams.set(streamId, stream);
  s.events.push({ type: "headers", streamId, fields, endStream });
}

/**
 * Reads a head's content-length into `stream.bodyLeft` (RFC 9113 8.1.1);
 * returns why the head is malformed, if it is. CONNECT has no
 * content-length semantics (RFC 9113 8.5).
 */
function expectBody(
  s: SessionState,
  stream: Http2Stream,
  fields: readonly HeaderField[],
  endStream: boolean,
): string | undefined {
  const length = contentLength(fields);
  if (length === NO_CONTENT_LENGTH) return undefined;
  if (length === BAD_CONTENT_LENGTH) return "content-length is not one number";
  if (s.isServer && methodOf(fields) === "CONNECT") return undefined;
  if (endStream && length > 0) return `content-length ${length} but the stream ended`;
  stream.bodyLeft = length;
  return undefined;
}
