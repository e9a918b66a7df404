/**
 * The frames that steer a connection or a stream rather than carry a
 * message: PRIORITY (RFC 9113 6.3), RST_STREAM (6.4), SETTINGS (6.5),
 * PING (6.7), GOAWAY (6.8) and WINDOW_UPDATE (6.9). Their lengths and
 * stream ids are already checked (frame-rules.ts).
 *
 * @module
 */

import { receiveFrameWithoutStream } from "./absent-streams.js";
import { ClosedBy } from "./closed-streams.js";
import { Http2ErrorCode } from "./error-codes.js";
import { frameError, Http2Error, peerError } from "./errors.js";
import { MAX_WINDOW_BYTES } from "./flow-window.js";
import { FrameFlag, FrameType, MAX_31_BIT } from "./frame-types.js";
import { readU32, writePing, writeRstStream, writeSettingsAck } from "./frame-writer.js";
import type { SessionState } from "./session-state.js";
import { applySettings, DEFAULT_SETTINGS } from "./settings.js";
import type { Http2Stream } from "./stream.js";

const utf8Decoder = new TextDecoder();

/** PRIORITY (RFC 9113 6.3): deprecated and ignored, its length still checked. */
export function receivePriorityFrame(s: SessionState, streamId: number, payload: Uint8Array): void {
  let code = 0;
  let message = "";
  if (payload.length !== 5) {
    code = Http2ErrorCode.FRAME_SIZE_ERROR;
    message = `PRIORITY of ${payload.length} bytes on stream ${streamId}, not 5`;
  } else if ((readU32(payload, 0) & MAX_31_BIT) === streamId) {
    code = Http2ErrorCode.PROTOCOL_ERROR;
    message = `stream ${streamId} depends on itself`;
  } else return;
  const stream = s.streams.get(streamId);
  if (stream !== undefined) s.streamError(stream, code, message);
  else {
    writeRstStream(s.out, streamId, code);
    s.countReply();
  }
}

/** RST_STREAM (RFC 9113 6.4). */
export function receiveRstStreamFrame(
  s: SessionState,
  streamId: number,
  payload: Uint8Array,
): void {
  const stream = s.streams.get(streamId);
  if (stream === undefined) {
    receiveFrameWithoutStream(s, FrameType.RST_STREAM, streamId);
    return;
  }
  const code = readU32(payload, 0);
  s.dropStream(stream, ClosedBy.PEER_RESET);
  s.events.push({ type: "reset", streamId, code, local: false });
  // Opened and reset before we answered: a cheap stream (CVE-2023-44487, calm.ts).
  if (s.isServer && !stream.answered) s.countCheapStream();
}

/** SETTINGS (RFC 9113 6.5): the peer's, applied and ACKed; or the ACK of ours. */
export function receiveSettingsFrame(s: SessionState, flags: number, payload: Uint8Array): void {
  if (flags & FrameFlag.ACK) {
    receiveSettingsAck(s, payload);
    return;
  }
  if (payload.length % 6 !== 0) {
    s.connectionError(
      peerError(
        Http2ErrorCode.FRAME_SIZE_ERROR,
        `Cannot accept frame: SETTINGS of ${payload.length} bytes, not a multiple of 6`,
      ),
    );
    return;
  }
  const next = applySettings(s.peer, payload, !s.isServer);
  if (next instanceof Http2Error) {
    s.connectionError(next);
    return;
  }
  const previous = s.peer;
  const delta = next.initialWindowSize - previous.initialWindowSize;
  if (delta !== 0) {
    // RFC 9113 6.9.2: every stream's send window moves by the difference; past 2^31-1 is an error.
    for (const stream of s.streams.values()) {
      stream.sendWindow += delta;
      if (stream.sendWindow > MAX_WINDOW_BYTES) {
        s.connectionError(
          peerError(
            Http2ErrorCode.FLOW_CONTROL_ERROR,
            `Cannot apply SETTINGS: SETTINGS_INITIAL_WINDOW_SIZE ${next.initialWindowSize} takes stream ${stream.id}'s window past 2^31-1`,
          ),
        );
        return;
      }
    }
  }
  if (next.headerTableSize !== previous.headerTableSize)
    s.encoder.setPeerMaxTableBytes(next.headerTableSize);
  s.peer = Object.freeze(next);
  s.peerSettingsReceived = true;
  writeSettingsAck(s.out);
  s.events.push({ type: "settings", settings: s.peer });
  s.sender.maxFrameSize = next.maxFrameSize;
  if (delta > 0 || next.maxFrameSize > previous.maxFrameSize) s.sender.flushBlocked();
  s.checkReplies();
}

/** The peer's ACK of our SETTINGS (RFC 9113 6.5.3): ours are in force from now. */
function receiveSettingsAck(s: SessionState, payload: Uint8Array): void {
  if (payload.length !== 0) {
    s.connectionError(
      peerError(
        Http2ErrorCode.FRAME_SIZE_ERROR,
        `Cannot accept frame: SETTINGS ACK with a payload of ${payload.length} bytes`,
      ),
    );
    return;
  }
  if (s.localUnacked === 0) return; // an ACK we did not ask for: harmless
  s.localUnacked--;
  if (s.local.headerTableSize < DEFAULT_SETTINGS.headerTableSize)
    s.decoder.setMaxTableBytes(s.local.headerTableSize);
  // Our SETTINGS_INITIAL_WINDOW_SIZE is in force now: open streams
  // change by the difference, as the peer's view of them does (6.9.2).
  const delta = s.local.initialWindowSize - s.recvInitial;
  if (delta !== 0) {
    s.recvInitial = s.local.initialWindowSize;
    for (const stream of s.streams.values()) stream.recvWindow += delta;
  }
}

/** PING (RFC 9113 6.7): answered with the same 8 octets. */
export function receivePingFrame(s: SessionState, flags: number, payload: Uint8Array): void {
  if (flags & FrameFlag.ACK) return; // we send no PINGs of our own yet
  writePing(s.out, payload, true);
  s.checkReplies();
}

/** GOAWAY (RFC 9113 6.8): no new streams; ours above its last stream id were not processed. */
export function receiveGoawayFrame(s: SessionState, payload: Uint8Array): void {
  const lastStreamId = readU32(payload, 0) & MAX_31_BIT;
  const code = readU32(payload, 4);
  const debug = utf8Decoder.decode(payload.subarray(8, 8 + 1024));
  s.goawayReceived = true;
  s.events.push({ type: "goaway", lastStreamId, code, debug });
  // Our streams above lastStreamId were not processed: refused, to retry (6.8).
  const refused: Http2Stream[] = [];
  for (const stream of s.streams.values()) {
    const ours = (stream.id & 1) === (s.isServer ? 0 : 1);
    if (ours && stream.id > lastStreamId) refused.push(stream);
  }
  for (const stream of refused) {
    s.dropStream(stream, ClosedBy.PEER_RESET);
    s.events.push({
      type: "reset",
      streamId: stream.id,
      code: Http2ErrorCode.REFUSED_STREAM,
      local: false,
    });
  }
}

/** WINDOW_UPDATE (RFC 9113 6.9): the peer gives us room to send on the connection or a stream. */
export function receiveWindowUpdateFrame(
  s: SessionState,
  streamId: number,
  payload: Uint8Array,
): void {
  const increment = readU32(payload, 0) & MAX_31_BIT;
  if (streamId === 0) {
    if (increment === 0) {
      s.connectionError(frameError("WINDOW_UPDATE of 0 on the connection"));
      return;
    }
    s.sender.connectionWindow += increment;
    if (s.sender.connectionWindow > MAX_WINDOW_BYTES) {
      s.connectionError(
        peerError(
          Http2ErrorCode.FLOW_CONTROL_ERROR,
          `Cannot accept frame: WINDOW_UPDATE of ${increment} takes the connection window past 2^31-1`,
        ),
      );
      return;
    }
    s.sender.flushBlocked();
    return;
  }
  const stream = s.streams.get(streamId);
  if (stream === undefined) {
    receiveFrameWithoutStream(s, FrameType.WINDOW_UPDATE, streamId);
    return;
  }
  if (increment === 0) {
    s.streamError(
      stream,
      Http2ErrorCode.PROTOCOL_ERROR,
      `WINDOW_UPDATE of 0 on stream ${streamId}`,
    );
    return;
  }
  stream.sendWindow += increment;
  if (stream.sendWindow > MAX_WINDOW_BYTES) {
    s.streamError(
      stream,
      Http2ErrorCode.FLOW_CONTROL_ERROR,
      `WINDOW_UPDATE of ${increment} takes stream ${streamId}'s window past 2^31-1`,
    );
    return;
  }
  if (stream.queuedBytes > 0 || stream.endQueued) s.sender.flush(stream);
}
