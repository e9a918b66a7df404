/**
 * What the HTTP/2 machine reports: one small union of plain objects, taken
 * with `Http2Session.takeEvents()`.
 *
 * @module
 */

import type { Http2Error } from "./errors.js";
import type { HeaderField } from "./hpack/index.js";
import type { Http2Settings } from "./settings.js";

/**
 * The peer's SETTINGS were applied (and ACKed). The first one tells a client
 * whether extended CONNECT is enabled (RFC 8441 3).
 */
export interface Http2SettingsEvent {
  readonly type: "settings";
  readonly settings: Readonly<Http2Settings>;
}

/**
 * A whole header block on a stream: on a server a new request (the stream is
 * open now) or its trailers, on a client a response head (1xx ones too) or
 * trailers. Fields as decoded, in order, validated per RFC 9113 8.2/8.3; a
 * malformed block never gets here (its stream is reset with PROTOCOL_ERROR).
 */
export interface Http2HeadersEvent {
  readonly type: "headers";
  readonly streamId: number;
  readonly fields: HeaderField[];
  readonly endStream: boolean;
}

/**
 * DATA for a stream: a view of the bytes given to `receiveData()` (valid as
 * long as the caller keeps those), never empty unless `endStream`. Call
 * `consume()` once it is processed, to reopen the peer's window.
 */
export interface Http2DataEvent {
  readonly type: "data";
  readonly streamId: number;
  readonly data: Uint8Array;
  readonly endStream: boolean;
}

/** The stream's queued output drained to nothing after flow control had held it. */
export interface Http2DrainEvent {
  readonly type: "drain";
  readonly streamId: number;
}

/**
 * The stream is closed by a reset: the peer's RST_STREAM (`local` false) or
 * ours, after a stream error, a connection error or `reset()` (`local` true).
 * `error` says what went wrong when the machine reset it for a stream error.
 * No more events for the stream follow.
 */
export interface Http2ResetEvent {
  readonly type: "reset";
  readonly streamId: number;
  readonly code: number;
  readonly local: boolean;
  readonly error?: Http2Error;
}

/** Both sides sent END_STREAM (ours is in the output): the stream is gone. */
export interface Http2ClosedEvent {
  readonly type: "closed";
  readonly streamId: number;
}

/**
 * The peer's GOAWAY: no new streams may be opened; our streams above
 * `lastStreamId` were not processed (their "reset" events with
 * REFUSED_STREAM follow, so a client may retry them).
 */
export interface Http2GoawayEvent {
  readonly type: "goaway";
  readonly lastStreamId: number;
  readonly code: number;
  readonly debug: string;
}

/**
 * A connection error, the peer's or ours (`error.peer`): a GOAWAY is queued
 * when it was detected here, every open stream's "reset" event follows, and
 * `takeOutput()` then says `closeTransport`.
 */
export interface Http2ErrorEvent {
  readonly type: "error";
  readonly error: Http2Error;
}

/** Everything {@link Http2Session.takeEvents} returns. */
export type Http2Event =
  | Http2SettingsEvent
  | Http2HeadersEvent
  | Http2DataEvent
  | Http2DrainEvent
  | Http2ResetEvent
  | Http2ClosedEvent
  | Http2GoawayEvent
  | Http2ErrorEvent;

export type { HeaderField };
