/**
 * Where an HTTP/2 session's state lives, and the map of it: every field of
 * an {@link Http2Session} is declared here, on {@link SessionState}, with the
 * few transitions that every part shares (a stream ending, a stream error, a
 * connection error, the abuse counters). The machine is cut by concept, each
 * file a set of functions over this one state object:
 *
 * ```
 * SessionState     session-state.ts    the fields, the phases, how streams and the session end
 * padding          padding.ts          PADDED frames' content (DATA, HEADERS)
 * absent streams   absent-streams.ts   frames for a stream not in the table: idle or closed
 * headers in       receive-headers.ts  HEADERS, CONTINUATION: requests, responses, trailers
 * DATA in          receive-data.ts     DATA against our receive windows and content-length
 * control in       receive-control.ts  PRIORITY, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE
 * bytes in         receive-frames.ts   the preface, frames cut and dispatched by type, EOF
 * Http2Session     session.ts          the public face: commands in, events and bytes out
 * ```
 *
 * Module functions over one state object, not a chain of classes as in
 * src/connection/state.ts: the frame handlers depend on the state and the
 * small helpers above them in the map, not on one another (a chain would
 * stack them in an arbitrary line, each inheriting the ones above), and the fields stay out of the public class
 * (`Http2Session` holds the state in one private field, so its public face
 * is exactly the commands and getters). The price is one object per HTTP/2
 * connection, not per stream, beside a connection's socket, reader and
 * tables, and one property load per command.
 *
 * # Theory of operation
 *
 * - Input: the server first matches the client's 24-octet preface (RFC 9113
 *   3.4); then a {@link FrameReader} cuts frames (views of the input when
 *   whole) and receive-frames.ts dispatches on the type. The peer's first
 *   frame must be SETTINGS. A HEADERS without END_HEADERS starts a held
 *   header block; until its END_HEADERS only CONTINUATIONs of that stream
 *   are accepted.
 *
 * | `phase`          | what comes in                           | left by                                   |
 * |------------------|-----------------------------------------|-------------------------------------------|
 * | PREFACE          | server: the rest of the client's magic  | its 24th octet (→ FIRST_SETTINGS)         |
 * | FIRST_SETTINGS   | the peer's first frame, SETTINGS        | that SETTINGS (→ OPEN)                    |
 * | OPEN             | frames                                  | a connection error or EOF (→ DONE)        |
 * | DONE             | nothing: input is ignored               | -                                         |
 *
 *   A session also ends without DONE: once a GOAWAY was sent or received
 *   and no stream is left, `takeOutput()` says `closeTransport`
 *   ({@link SessionState.isDone}).
 * - Streams ({@link Http2Stream}) live in `streams` by id while open or
 *   half-closed. Ids above the last one opened by a side are idle; lower ones
 *   not in the Map are closed, and {@link ClosedStreams} remembers how the
 *   last few closed (RFC 9113 5.1): after our RST_STREAM the peer's frames
 *   in flight are ignored, after its RST_STREAM they are a stream error,
 *   after its END_STREAM a connection error.
 * - A stream is "closed" once both END_STREAMs are out (ours in the output);
 *   a server's stream opens with the request's HEADERS, a client's with
 *   `request()`.
 * - Flow control (RFC 9113 5.2, 6.9): {@link DataSender} frames DATA within
 *   the peer's windows and queues the rest (the caller's chunks, referenced)
 *   until WINDOW_UPDATE, then "drain". Received DATA is counted against our
 *   windows: the connection's is returned as DATA arrives, a stream's only as
 *   the caller `consume()`s it, so an unread stream stalls alone.
 * - Our SETTINGS hold from the peer's ACK (RFC 9113 6.5.3): until then a new
 *   stream's receive window is 65,535 and the HPACK table 4,096 bytes. The
 *   I/O layer times the ACK (`awaitingSettingsAck`, `failSettingsTimeout()`).
 * - Our header lists are checked against the peer's
 *   SETTINGS_MAX_HEADER_LIST_SIZE before they are encoded (session.ts).
 * - Limits against abuse without a clock (rapid reset, CONTINUATION and
 *   control-frame floods) are in calm.ts.
 * - Errors: a stream error sends RST_STREAM and reports "reset"; a
 *   connection error queues GOAWAY, reports "error" then "reset" for every
 *   open stream, and the session is done (`closeTransport`).
 *
 * @module
 */

import {
  FREE_CHEAP_STREAMS,
  HEADER_BLOCK_FACTOR,
  isStreamAbuse,
  MAX_HEADER_BLOCK_BYTES,
  MAX_PENDING_REPLIES,
} from "./calm.js";
import { ClosedBy, ClosedStreams } from "./closed-streams.js";
import { DataSender } from "./data-sender.js";
import { Http2ErrorCode } from "./error-codes.js";
import { type Http2Error, peerError } from "./errors.js";
import type { Http2Event } from "./events.js";
import { DEFAULT_WINDOW_BYTES, isUpdateDue, MAX_WINDOW_BYTES } from "./flow-window.js";
import { FrameReader } from "./frame-reader.js";
import { CLIENT_PREFACE } from "./frame-types.js";
import {
  FrameOutput,
  writeGoaway,
  writeRstStream,
  writeSettings,
  writeWindowUpdate,
} from "./frame-writer.js";
import { HeaderBlock } from "./header-block.js";
import { HpackDecoder, HpackEncoder } from "./hpack/index.js";
import { DEFAULT_SETTINGS, encodeSettings, type Http2Settings, localSettings } from "./settings.js";
import { Ended, type Http2Stream } from "./stream.js";

/** Which end of the connection a session is. */
export type Http2Role = "client" | "server";

/** Options of {@link Http2Session}. */
export interface Http2SessionOptions {
  /** Client or server. */
  role: Http2Role;
  /**
   * Ours, sent in the first SETTINGS. Defaults: server maxConcurrentStreams
   * 100 (the least RFC 9113 recommends), enableConnectProtocol true on a
   * server; enablePush false; initialWindowSize 65535; maxFrameSize 16384;
   * maxHeaderListSize 16384; headerTableSize 4096.
   */
  settings?: Partial<Http2Settings>;
  /**
   * Our receive window for the whole connection, in bytes: sent as a
   * WINDOW_UPDATE on stream 0 in the preface, so many streams are not held
   * to 64 KiB a round trip between them. Default 4 MiB.
   */
  connectionWindowBytes?: number;
}

const DEFAULT_CONNECTION_WINDOW_BYTES = 4 * 1024 * 1024;
const NO_STREAMS: readonly Http2Stream[] = [];
const utf8 = new TextEncoder();

/** Where the session is in its life (see the table above). */
export const Phase = {
  /** A server waits for the rest of the client's 24-octet preface. */
  PREFACE: 0,
  /** The peer's first frame must be SETTINGS (RFC 9113 3.4). */
  FIRST_SETTINGS: 1,
  /** Frames flow. */
  OPEN: 2,
  /** A connection error or EOF ended it: input is ignored. */
  DONE: 3,
} as const;

/** Every field of a session, and the transitions its parts share. Internal: not exported by index.ts. */
export class SessionState {
  readonly isServer: boolean;
  /** Our settings, as sent in our first SETTINGS. */
  readonly local: Http2Settings;
  /** The peer's settings in force (RFC 9113 defaults until its SETTINGS came). */
  peer: Readonly<Http2Settings> = DEFAULT_SETTINGS;
  peerSettingsReceived = false;
  /** Our SETTINGS the peer has not ACKed yet (ours take effect on ACK, RFC 9113 6.5.3). */
  localUnacked = 1;
  /** The window a new stream gives the peer: 65,535 until our SETTINGS are ACKed. */
  recvInitial = DEFAULT_WINDOW_BYTES;
  /** {@link Phase}. */
  phase: number;
  /** Server: octets of the client's preface matched so far. */
  prefaceHave = 0;
  readonly reader: FrameReader;
  readonly out = new FrameOutput();
  events: Http2Event[] = [];
  /** Open and half-closed streams by id. */
  readonly streams = new Map<number, Http2Stream>();
  /** Our DATA within the peer's windows, and what waits for them. */
  readonly sender: DataSender;
  readonly closed = new ClosedStreams();
  readonly decoder: HpackDecoder;
  readonly encoder = new HpackEncoder();
  /** Client: the id of the next stream we open. */
  nextStreamId = 1;
  /** The highest stream id the peer opened (ids at or below it are not idle). */
  lastPeerStreamId = 0;
  connRecvWindow: number;
  connRecvOwed = 0;
  readonly connWindowBytes: number;
  /** A header block held until END_HEADERS (RFC 9113 6.10). */
  readonly headerBlock: HeaderBlock;
  goawaySent = false;
  goawayReceived = false;
  /** takeOutput() said closeTransport. */
  closeReported = false;
  // Rapid-reset accounting (calm.ts): cheap streams vs. answered ones.
  cheapStreams = 0;
  answeredStreams = 0;

  constructor(options: Http2SessionOptions) {
    const role = options.role;
    if (role !== "client" && role !== "server")
      throw new TypeError(
        `Cannot create HTTP/2 session: role ${String(role)} is not client or server`,
      );
    this.isServer = role === "server";
    const local = localSettings(role, options.settings);
    this.local = local;
    const windowBytes = options.connectionWindowBytes ?? DEFAULT_CONNECTION_WINDOW_BYTES;
    if (
      !Number.isInteger(windowBytes) ||
      windowBytes < DEFAULT_WINDOW_BYTES ||
      windowBytes > MAX_WINDOW_BYTES
    )
      throw new RangeError(
        `Cannot create HTTP/2 session: connectionWindowBytes ${windowBytes} is outside 65535..2^31-1`,
      );
    this.connWindowBytes = windowBytes;
    this.connRecvWindow = windowBytes;
    this.reader = new FrameReader(local.maxFrameSize);
    this.sender = new DataSender(
      this.out,
      (stream) => this.events.push({ type: "drain", streamId: stream.id }),
      (stream) => {
        if (stream.ended === Ended.BOTH) this.closeStream(stream);
      },
    );
    // Until the peer ACKs our SETTINGS its encoder may use the default 4,096
    // bytes; a smaller table of ours holds only from the ACK (RFC 9113 6.5.3).
    this.decoder = new HpackDecoder({
      maxTableBytes: Math.max(local.headerTableSize, DEFAULT_SETTINGS.headerTableSize),
      maxHeaderListBytes: local.maxHeaderListSize,
    });
    this.headerBlock = new HeaderBlock(
      Math.min(MAX_HEADER_BLOCK_BYTES, HEADER_BLOCK_FACTOR * local.maxHeaderListSize),
    );
    this.phase = this.isServer ? Phase.PREFACE : Phase.FIRST_SETTINGS;
    // Our preface (RFC 9113 3.4): a client's magic, then SETTINGS, then the
    // connection window's growth beyond the 65,535 every connection starts with.
    if (!this.isServer) this.out.view(CLIENT_PREFACE);
    writeSettings(this.out, encodeSettings(local, role));
    if (windowBytes > DEFAULT_WINDOW_BYTES)
      writeWindowUpdate(this.out, 0, windowBytes - DEFAULT_WINDOW_BYTES);
  }

  /** After a connection error or EOF, or once a GOAWAY went either way and no stream is left. */
  isDone(): boolean {
    return (
      this.phase === Phase.DONE ||
      ((this.goawaySent || this.goawayReceived) && this.streams.size === 0)
    );
  }

  /** True when `streamId` is above every stream its side has opened (RFC 9113 5.1 "idle"). */
  isStreamIdle(streamId: number): boolean {
    const ours = (streamId & 1) === (this.isServer ? 0 : 1);
    if (ours) return this.isServer || streamId >= this.nextStreamId;
    return streamId > this.lastPeerStreamId;
  }

  /**
   * We processed `bytes` of the stream's DATA (or its padding): the window
   * goes back to the peer, in a WINDOW_UPDATE once half a window is owed.
   */
  returnStreamWindow(stream: Http2Stream, bytes: number): void {
    if (stream.ended & Ended.REMOTE) return; // the peer sends no more: nothing to reopen
    stream.recvOwed += bytes;
    if (isUpdateDue(stream.recvOwed, this.local.initialWindowSize)) {
      writeWindowUpdate(this.out, stream.id, stream.recvOwed);
      stream.recvWindow += stream.recvOwed;
      stream.recvOwed = 0;
    }
  }

  /** Both sides ended: the stream is gone. */
  closeStream(stream: Http2Stream): void {
    this.dropStream(stream, ClosedBy.ENDED);
    this.events.push({ type: "closed", streamId: stream.id });
  }

  /** Takes the stream out of the table, remembering how it closed ({@link ClosedBy}). */
  dropStream(stream: Http2Stream, how: number): void {
    this.streams.delete(stream.id);
    this.sender.forget(stream);
    this.closed.add(stream.id, how);
  }

  /** A stream error (RFC 9113 5.4.2): RST_STREAM, and a "reset" event with what went wrong. */
  streamError(stream: Http2Stream, code: number, message: string): void {
    writeRstStream(this.out, stream.id, code);
    this.dropStream(stream, ClosedBy.LOCAL_RESET);
    this.events.push({
      type: "reset",
      streamId: stream.id,
      code,
      local: true,
      error: peerError(code, `Cannot accept frame: ${message}`),
    });
    this.countReply();
  }

  /**
   * RST_STREAM on a stream not in the table (a request refused or malformed,
   * a frame on a closed stream), remembered as reset by us; `isCheap` counts
   * it against the rapid-reset budget (calm.ts).
   */
  resetAbsentStream(streamId: number, code: number, isCheap = false): void {
    writeRstStream(this.out, streamId, code);
    this.closed.add(streamId, ClosedBy.LOCAL_RESET);
    if (isCheap) this.countCheapStream();
    this.countReply();
  }

  /** A connection error (RFC 9113 5.4.1): GOAWAY, "error", every stream "reset"; the session is done. */
  connectionError(error: Http2Error): void {
    if (this.phase === Phase.DONE) return;
    this.phase = Phase.DONE;
    this.headerBlock.clear();
    writeGoaway(this.out, this.lastPeerStreamId, error.code, utf8.encode(error.message));
    this.events.push({ type: "error", error });
    this.resetAll(error.code, true);
  }

  /** Every open stream is gone: a "reset" event each. */
  resetAll(code: number, local: boolean): void {
    const streams = this.streams.size === 0 ? NO_STREAMS : [...this.streams.values()];
    this.streams.clear();
    this.sender.clear();
    for (const stream of streams)
      this.events.push({ type: "reset", streamId: stream.id, code, local });
  }

  /** A stream the peer made us work for and then dropped, or that we refused (calm.ts). */
  countCheapStream(): void {
    if (isStreamAbuse(++this.cheapStreams, this.answeredStreams))
      this.connectionError(
        peerError(
          Http2ErrorCode.ENHANCE_YOUR_CALM,
          `Cannot accept stream: ${this.cheapStreams} streams reset before an answer or refused, past ${FREE_CHEAP_STREAMS} + ${this.answeredStreams} answered (rapid reset)`,
        ),
      );
  }

  /** A reply frame (RST_STREAM) queued: counted against MAX_PENDING_REPLIES (calm.ts). */
  countReply(): void {
    this.out.pendingAcks++;
    this.checkReplies();
  }

  /** Fails the connection once the replies queued and not taken pass MAX_PENDING_REPLIES. */
  checkReplies(): void {
    if (this.out.pendingAcks > MAX_PENDING_REPLIES)
      this.connectionError(
        peerError(
          Http2ErrorCode.ENHANCE_YOUR_CALM,
          `Cannot accept frame: over ${MAX_PENDING_REPLIES} replies (ACKs, RST_STREAMs) queued and not taken`,
        ),
      );
  }
}
