/**
 * An HTTP/2 connection (RFC 9113, with RFC 8441's extended CONNECT setting)
 * as a pure, synchronous machine for either role: bytes in
 * (`receiveData`), events out (`takeEvents`); commands in (`request`,
 * `respond`, `sendData`, `consume`, `reset`, `close`), bytes out
 * (`takeOutput`). No I/O, no clock.
 *
 * Theory of operation:
 * - Input: the server first matches the client's 24-octet preface (RFC 9113
 *   3.4); then a {@link FrameReader} cuts frames (views of the input when
 *   whole) and `#onFrame` dispatches on the type. The peer's first frame must
 *   be SETTINGS. A HEADERS without END_HEADERS starts a held header block;
 *   until its END_HEADERS only CONTINUATIONs of that stream are accepted.
 * - Streams ({@link Http2Stream}) live in a Map by id while open or
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
 *   stream's receive window is 65,535 and the HPACK table 4,096 bytes.
 * - Limits against abuse without a clock (rapid reset, CONTINUATION and
 *   control-frame floods) are in calm.ts.
 * - Errors: a stream error sends RST_STREAM and reports "reset"; a
 *   connection error queues GOAWAY, reports "error" then "reset" for every
 *   open stream, and the session is done (`closeTransport`).
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { InvalidStateError } from "../errors.js";
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
import { Http2Error, peerError } from "./errors.js";
import type { Http2Event } from "./events.js";
import {
  BAD_CONTENT_LENGTH,
  checkRequestFields,
  checkResponseFields,
  checkTrailerFields,
  contentLength,
  methodOf,
  NO_CONTENT_LENGTH,
} from "./fields.js";
import { DEFAULT_WINDOW_BYTES, isUpdateDue, MAX_WINDOW_BYTES } from "./flow-window.js";
import { FrameReader, ReadResult } from "./frame-reader.js";
import { checkFrameRules } from "./frame-rules.js";
import { CLIENT_PREFACE, FrameFlag, FrameType, frameTypeName, MAX_31_BIT } from "./frame-types.js";
import {
  FrameOutput,
  readU32,
  writeGoaway,
  writeHeaders,
  writePing,
  writeRstStream,
  writeSettings,
  writeSettingsAck,
  writeWindowUpdate,
} from "./frame-writer.js";
import { HeaderBlock } from "./header-block.js";
import {
  type HeaderField,
  HeaderListTooLargeError,
  HpackDecoder,
  HpackEncoder,
  HpackError,
} from "./hpack/index.js";
import {
  applySettings,
  DEFAULT_SETTINGS,
  encodeSettings,
  type Http2Settings,
  localSettings,
} from "./settings.js";
import { Body, checkStreamIdLeft, Ended, Head, Http2Stream, STATE_NAMES } from "./stream.js";

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
/** Returned when there are no events: frozen, so it is shared safely. */
const NO_EVENTS: readonly Http2Event[] = Object.freeze([]);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Where the session is in its life. */
const Phase = {
  /** A server waits for the rest of the client's 24-octet preface. */
  PREFACE: 0,
  /** The peer's first frame must be SETTINGS (RFC 9113 3.4). */
  FIRST_SETTINGS: 1,
  /** Frames flow. */
  OPEN: 2,
  /** A connection error or EOF ended it: input is ignored. */
  DONE: 3,
} as const;

/**
 * An HTTP/2 connection, either role, as a sans-I/O machine. See the module
 * documentation for how it works.
 *
 * @example
 * ```ts
 * const client = new Http2Session({ role: "client" });
 * const id = client.request([[":method", "GET"], [":scheme", "https"],
 *   [":authority", "example.com"], [":path", "/"]], true);
 * socket.write(client.takeOutput().chunks);
 * socket.on("data", (bytes) => { client.receiveData(bytes); handle(client.takeEvents()); });
 * ```
 */
export class Http2Session {
  readonly #isServer: boolean;
  readonly #local: Http2Settings;
  #peer: Readonly<Http2Settings> = DEFAULT_SETTINGS;
  #peerSettingsReceived = false;
  /** Our SETTINGS the peer has not ACKed yet (ours take effect on ACK, RFC 9113 6.5.3). */
  #localUnacked = 1;
  /** The window a new stream gives the peer: 65,535 until our SETTINGS are ACKed. */
  #recvInitial = DEFAULT_WINDOW_BYTES;
  #phase: number;
  #prefaceHave = 0;
  readonly #reader: FrameReader;
  readonly #out = new FrameOutput();
  #events: Http2Event[] = [];
  readonly #streams = new Map<number, Http2Stream>();
  /** Our DATA within the peer's windows, and what waits for them. */
  readonly #sender: DataSender;
  readonly #closed = new ClosedStreams();
  readonly #decoder: HpackDecoder;
  readonly #encoder = new HpackEncoder();
  /** Client: the id of the next stream we open. */
  #nextStreamId = 1;
  /** The highest stream id the peer opened (ids at or below it are not idle). */
  #lastPeerStreamId = 0;
  #connRecvWindow: number;
  #connRecvOwed = 0;
  readonly #connWindowBytes: number;
  // A header block held until END_HEADERS (RFC 9113 6.10).
  readonly #headerBlock: HeaderBlock;
  #goawaySent = false;
  #goawayReceived = false;
  /** takeOutput() said closeTransport. */
  #closeReported = false;
  // Rapid-reset accounting (calm.ts): cheap streams vs. answered ones.
  #cheapStreams = 0;
  #answeredStreams = 0;

  constructor(options: Http2SessionOptions) {
    const role = options.role;
    if (role !== "client" && role !== "server")
      throw new TypeError(
        `Cannot create HTTP/2 session: role ${String(role)} is not client or server`,
      );
    this.#isServer = role === "server";
    const local = localSettings(role, options.settings);
    this.#local = local;
    const windowBytes = options.connectionWindowBytes ?? DEFAULT_CONNECTION_WINDOW_BYTES;
    if (
      !Number.isInteger(windowBytes) ||
      windowBytes < DEFAULT_WINDOW_BYTES ||
      windowBytes > MAX_WINDOW_BYTES
    )
      throw new RangeError(
        `Cannot create HTTP/2 session: connectionWindowBytes ${windowBytes} is outside 65535..2^31-1`,
      );
    this.#connWindowBytes = windowBytes;
    this.#connRecvWindow = windowBytes;
    this.#reader = new FrameReader(local.maxFrameSize);
    this.#sender = new DataSender(
      this.#out,
      (stream) => this.#events.push({ type: "drain", streamId: stream.id }),
      (stream) => {
        if (stream.ended === Ended.BOTH) this.#closeStream(stream);
      },
    );
    // Until the peer ACKs our SETTINGS its encoder may use the default 4,096
    // bytes; a smaller table of ours holds only from the ACK (RFC 9113 6.5.3).
    this.#decoder = new HpackDecoder({
      maxTableBytes: Math.max(local.headerTableSize, DEFAULT_SETTINGS.headerTableSize),
      maxHeaderListBytes: local.maxHeaderListSize,
    });
    this.#headerBlock = new HeaderBlock(
      Math.min(MAX_HEADER_BLOCK_BYTES, HEADER_BLOCK_FACTOR * local.maxHeaderListSize),
    );
    this.#phase = this.#isServer ? Phase.PREFACE : Phase.FIRST_SETTINGS;
    // Our preface (RFC 9113 3.4): a client's magic, then SETTINGS, then the
    // connection window's growth beyond the 65,535 every connection starts with.
    if (!this.#isServer) this.#out.view(CLIENT_PREFACE);
    writeSettings(this.#out, encodeSettings(local, role));
    if (windowBytes > DEFAULT_WINDOW_BYTES)
      writeWindowUpdate(this.#out, 0, windowBytes - DEFAULT_WINDOW_BYTES);
  }

  /** The peer's settings in force (RFC 9113 defaults until its SETTINGS came). */
  get peerSettings(): Readonly<Http2Settings> {
    return this.#peer;
  }

  /** True once the peer's first SETTINGS came. */
  get peerSettingsReceived(): boolean {
    return this.#peerSettingsReceived;
  }

  /** Our settings, as sent in our first SETTINGS. */
  get localSettings(): Readonly<Http2Settings> {
    return this.#local;
  }

  /** Streams open now (open or half-closed). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * True when `takeOutput()` has bytes to hand out, or has yet to say
   * `closeTransport` (a session can end without a last frame of its own:
   * the peer's END_STREAM closes the last stream after a GOAWAY).
   */
  get hasOutput(): boolean {
    return this.#out.hasOutput || (!this.#closeReported && this.#isDone());
  }

  /** The events since the last call, in order. */
  takeEvents(): Http2Event[] {
    const events = this.#events;
    if (events.length === 0) return NO_EVENTS as Http2Event[];
    this.#events = [];
    return events;
  }

  /**
   * The frames to write, in order (DATA payloads as the caller's views).
   * `closeTransport` is true once the session is done: after a connection
   * error's GOAWAY, after EOF, or when a GOAWAY was exchanged and no stream
   * is left.
   */
  takeOutput(): { chunks: Uint8Array[]; closeTransport: boolean } {
    const closeTransport = this.#isDone();
    if (closeTransport) this.#closeReported = true;
    return { chunks: this.#out.take(), closeTransport };
  }

  #isDone(): boolean {
    return (
      this.#phase === Phase.DONE ||
      ((this.#goawaySent || this.#goawayReceived) && this.#streams.size === 0)
    );
  }

  // ---------------------------------------------------------------- input

  /** Bytes from the transport, split anywhere. */
  receiveData(bytes: Uint8Array): void {
    if (this.#phase === Phase.DONE) return;
    let input = bytes;
    if (this.#phase === Phase.PREFACE) {
      const have = this.#prefaceHave;
      const take = Math.min(CLIENT_PREFACE.length - have, input.length);
      for (let i = 0; i < take; i++) {
        if (input[i] !== CLIENT_PREFACE[have + i]) {
          this.#connectionError(
            peerError(
              Http2ErrorCode.PROTOCOL_ERROR,
              `Cannot read connection preface: octet ${have + i} is 0x${input[i]!.toString(16)}, not the client preface`,
            ),
          );
          return;
        }
      }
      this.#prefaceHave = have + take;
      if (this.#prefaceHave < CLIENT_PREFACE.length) return;
      this.#phase = Phase.FIRST_SETTINGS;
      input = input.subarray(take);
    }
    const reader = this.#reader;
    reader.push(input);
    for (;;) {
      const result = reader.next();
      if (result === ReadResult.FRAME) {
        try {
          this.#onFrame(reader.type, reader.flags, reader.streamId, reader.payload);
        } catch (error) {
          // A bug of ours (no peer input should throw): the connection fails
          // with INTERNAL_ERROR instead of the exception reaching the transport.
          this.#connectionError(
            new Http2Error(
              Http2ErrorCode.INTERNAL_ERROR,
              `Cannot process frame: ${frameTypeName(reader.type)} on stream ${reader.streamId} threw ${String(error)} (our fault)`,
              false,
              { cause: error },
            ),
          );
        }
        if (this.#phase === Phase.DONE) return;
      } else if (result === ReadResult.NEED_MORE) {
        return;
      } else {
        this.#connectionError(
          this.#phase === Phase.FIRST_SETTINGS && reader.type !== FrameType.SETTINGS
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
  receiveEof(): void {
    if (this.#phase === Phase.DONE) return;
    const inside =
      this.#reader.isInsideFrame ||
      this.#headerBlock.streamId !== 0 ||
      (this.#phase === Phase.PREFACE && this.#prefaceHave > 0);
    this.#phase = Phase.DONE;
    if (inside)
      this.#events.push({
        type: "error",
        error: peerError(
          Http2ErrorCode.PROTOCOL_ERROR,
          "Cannot read frame: the connection ended inside a frame",
        ),
      });
    this.#resetAll(Http2ErrorCode.CANCEL, false);
  }

  #onFrame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    if (this.#headerBlock.streamId !== 0 && type !== FrameType.CONTINUATION) {
      // RFC 9113 6.2: a header block is followed only by its CONTINUATIONs.
      this.#connectionError(
        this.#frameError(
          `${frameTypeName(type)} on stream ${streamId} inside the header block of stream ${this.#headerBlock.streamId}`,
        ),
      );
      return;
    }
    if (this.#phase === Phase.FIRST_SETTINGS) {
      if (type !== FrameType.SETTINGS || flags & FrameFlag.ACK) {
        this.#connectionError(
          this.#frameError(`${frameTypeName(type)} before the peer's SETTINGS`),
        );
        return;
      }
      this.#phase = Phase.OPEN;
    }
    const broken = checkFrameRules(type, streamId, payload.length);
    if (broken !== undefined) {
      this.#connectionError(broken);
      return;
    }
    switch (type) {
      case FrameType.DATA:
        this.#onData(flags, streamId, payload);
        return;
      case FrameType.HEADERS:
        this.#onHeaders(flags, streamId, payload);
        return;
      case FrameType.PRIORITY:
        this.#onPriority(streamId, payload);
        return;
      case FrameType.RST_STREAM:
        this.#onRstStream(streamId, payload);
        return;
      case FrameType.SETTINGS:
        this.#onSettings(flags, payload);
        return;
      case FrameType.PUSH_PROMISE:
        // We never enable push (a client sends ENABLE_PUSH 0; a server cannot
        // receive one at all): RFC 9113 8.4, 6.6.
        this.#connectionError(this.#frameError("push is not enabled"));
        return;
      case FrameType.PING:
        this.#onPing(flags, payload);
        return;
      case FrameType.GOAWAY:
        this.#onGoaway(payload);
        return;
      case FrameType.WINDOW_UPDATE:
        this.#onWindowUpdate(streamId, payload);
        return;
      case FrameType.CONTINUATION:
        this.#onContinuation(flags, streamId, payload);
        return;
      default:
        // Unknown frame types are ignored (RFC 9113 4.1, 5.5).
        return;
    }
  }

  /**
   * Where a PADDED frame's content ends (RFC 9113 6.1, 6.2: a Pad Length
   * octet first, that many octets of padding last), or -1 after failing the
   * connection when the padding does not fit (a PROTOCOL_ERROR).
   */
  #paddedEnd(payload: Uint8Array): number {
    const length = payload.length;
    const padding = length === 0 ? 0 : payload[0]!;
    if (length === 0 || padding >= length) {
      this.#connectionError(
        this.#frameError(`padding of ${padding} bytes is past the payload of ${length}`),
      );
      return -1;
    }
    return length - padding;
  }

  // DATA (RFC 9113 6.1). The hot path of a transfer: a few comparisons, one
  // event object and a subarray view; no copy.
  #onData(flags: number, streamId: number, payload: Uint8Array): void {
    const length = payload.length;
    let data = payload;
    if (flags & FrameFlag.PADDED) {
      const end = this.#paddedEnd(payload);
      if (end < 0) return;
      data = payload.subarray(1, end);
    }
    // Every DATA frame counts against the connection window, whatever its
    // stream's state (RFC 9113 6.9), and is returned as it arrives.
    this.#connRecvWindow -= length;
    if (this.#connRecvWindow < 0) {
      this.#connectionError(
        peerError(
          Http2ErrorCode.FLOW_CONTROL_ERROR,
          `Cannot accept frame: DATA of ${length} bytes on stream ${streamId} is past the connection window`,
        ),
      );
      return;
    }
    this.#connRecvOwed += length;
    if (isUpdateDue(this.#connRecvOwed, this.#connWindowBytes)) {
      writeWindowUpdate(this.#out, 0, this.#connRecvOwed);
      this.#connRecvWindow += this.#connRecvOwed;
      this.#connRecvOwed = 0;
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      this.#onFrameWithoutStream(FrameType.DATA, streamId);
      return;
    }
    if (stream.ended & Ended.REMOTE) {
      this.#streamError(
        stream,
        Http2ErrorCode.STREAM_CLOSED,
        `DATA on ${STATE_NAMES[stream.ended]} stream ${streamId}`,
      );
      return;
    }
    if (stream.head === Head.AWAITED) {
      this.#streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `DATA before the response head on stream ${streamId}`,
      );
      return;
    }
    stream.recvWindow -= length;
    if (stream.recvWindow < 0) {
      this.#streamError(
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
        this.#streamError(
          stream,
          Http2ErrorCode.PROTOCOL_ERROR,
          `DATA on stream ${streamId} does not add up to its content-length`,
        );
        return;
      }
    }
    if (data.length > 0 || endStream)
      this.#events.push({ type: "data", streamId, data, endStream });
    if (endStream) {
      stream.ended |= Ended.REMOTE;
      if (stream.ended === Ended.BOTH) this.#closeStream(stream);
    } else if (data.length < length) {
      // Padding is never handed to the caller: it is consumed here.
      this.#returnStreamWindow(stream, length - data.length);
    }
  }

  // HEADERS (RFC 9113 6.2): the padding and priority fields are cut off; a
  // block whole in one frame is decoded from the view, without a copy.
  #onHeaders(flags: number, streamId: number, payload: Uint8Array): void {
    let from = 0;
    let to = payload.length;
    if (flags & FrameFlag.PADDED) {
      to = this.#paddedEnd(payload);
      if (to < 0) return;
      from = 1;
    }
    let badPriority = false;
    if (flags & FrameFlag.PRIORITY) {
      if (to - from < 5) {
        this.#connectionError(
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
      this.#onHeaderBlock(streamId, fragment, endStream, badPriority);
      return;
    }
    // The block goes on in CONTINUATION frames: held as a copy (the input may be reused).
    const error = this.#headerBlock.start(streamId, fragment, endStream, badPriority);
    if (error !== undefined) this.#connectionError(error);
  }

  // CONTINUATION (RFC 9113 6.10).
  #onContinuation(flags: number, streamId: number, payload: Uint8Array): void {
    const block = this.#headerBlock;
    if (block.streamId === 0 || streamId !== block.streamId) {
      this.#connectionError(
        this.#frameError(
          block.streamId === 0
            ? `CONTINUATION on stream ${streamId} without a header block`
            : `CONTINUATION on stream ${streamId} inside the header block of stream ${block.streamId}`,
        ),
      );
      return;
    }
    const error = block.continue(payload);
    if (error !== undefined) {
      this.#connectionError(error);
      return;
    }
    if (flags & FrameFlag.END_HEADERS) {
      const { endStream, dependsOnItself } = block;
      this.#onHeaderBlock(streamId, block.finish(), endStream, dependsOnItself);
    }
  }

  /** Decodes a header block; `undefined` after a connection error, `null` when the list is too large. */
  #decode(streamId: number, block: Uint8Array): HeaderField[] | null | undefined {
    try {
      return this.#decoder.decode(block);
    } catch (error) {
      if (error instanceof HeaderListTooLargeError) return null;
      if (error instanceof HpackError) {
        // RFC 9113 4.3: any decoding error is a connection error COMPRESSION_ERROR.
        this.#connectionError(
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

  #onHeaderBlock(streamId: number, block: Uint8Array, endStream: boolean, badPriority: boolean) {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      this.#onNewHeaderBlock(streamId, block, endStream, badPriority);
      return;
    }
    // The block is decoded whatever becomes of the stream: the HPACK dynamic
    // table must stay in step with the peer's (RFC 9113 4.3).
    const fields = this.#decode(streamId, block);
    if (fields === undefined) return;
    if (stream.ended & Ended.REMOTE) {
      this.#streamError(
        stream,
        Http2ErrorCode.STREAM_CLOSED,
        `HEADERS on ${STATE_NAMES[stream.ended]} stream ${streamId}`,
      );
      return;
    }
    if (fields === null) {
      this.#streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `header list on stream ${streamId} is over our maximum ${this.#local.maxHeaderListSize} bytes`,
      );
      return;
    }
    if (badPriority) {
      this.#streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `stream ${streamId} depends on itself`,
      );
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
          malformed = this.#expectBody(stream, fields, endStream);
      }
    } else {
      // Trailers (RFC 9113 8.1): they end the stream.
      malformed = endStream ? checkTrailerFields(fields) : "trailers without END_STREAM";
      if (malformed === undefined && stream.bodyLeft > 0)
        malformed = `the body ends ${stream.bodyLeft} bytes short of its content-length`;
    }
    if (malformed !== undefined) {
      this.#streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `malformed header block on stream ${streamId}: ${malformed}`,
      );
      return;
    }
    this.#events.push({ type: "headers", streamId, fields, endStream });
    if (endStream) {
      stream.ended |= Ended.REMOTE;
      if (stream.ended === Ended.BOTH) this.#closeStream(stream);
    }
  }

  /** A header block on a stream not in the Map: a new request, or a frame on a closed or idle stream. */
  #onNewHeaderBlock(streamId: number, block: Uint8Array, endStream: boolean, badPriority: boolean) {
    const peerInitiated = (streamId & 1) === (this.#isServer ? 1 : 0);
    if (!this.#isServer || !peerInitiated || streamId <= this.#lastPeerStreamId) {
      let code: number = Http2ErrorCode.PROTOCOL_ERROR;
      let what: string;
      if (this.#isStreamIdle(streamId)) {
        // RFC 9113 5.1.1: a client opens odd ids only; a server opens none here (push is off, 8.4).
        if (this.#isServer) what = `HEADERS on stream ${streamId}, an even id a client cannot open`;
        else if (peerInitiated)
          what = `HEADERS on stream ${streamId}: a server cannot open streams`;
        else what = `HEADERS on idle stream ${streamId}`;
      } else {
        const closedBy = this.#closed.how(streamId);
        if (closedBy === ClosedBy.LOCAL_RESET) {
          // In flight when we reset the stream: decoded (for HPACK) and ignored.
          this.#decode(streamId, block);
          return;
        }
        if (closedBy === ClosedBy.PEER_RESET) {
          // RFC 9113 5.1: a frame after the peer's RST_STREAM is a stream error STREAM_CLOSED.
          if (this.#decode(streamId, block) === undefined) return;
          this.#closedStreamError(streamId);
          return;
        }
        if (closedBy === ClosedBy.ENDED || !this.#isServer) {
          // RFC 9113 5.1: a frame after the peer's END_STREAM is a connection error.
          code = Http2ErrorCode.STREAM_CLOSED;
          what = `HEADERS on closed stream ${streamId}`;
        } else {
          // RFC 9113 5.1.1: a new stream's id must be above every earlier one.
          what = `HEADERS on stream ${streamId}, not above the last stream opened (${this.#lastPeerStreamId})`;
        }
      }
      this.#connectionError(peerError(code, `Cannot accept frame: ${what}`));
      return;
    }
    // A new request (RFC 9113 5.1.1: ids only grow; skipped ones are closed).
    this.#lastPeerStreamId = streamId;
    const fields = this.#decode(streamId, block);
    if (fields === undefined) return;
    if (this.#goawaySent) {
      // RFC 9113 6.8: streams after our GOAWAY are not processed; refused
      // (8.7), so the client knows at once it may retry on a new connection.
      writeRstStream(this.#out, streamId, Http2ErrorCode.REFUSED_STREAM);
      this.#closed.add(streamId, ClosedBy.LOCAL_RESET);
      this.#countReply();
      return;
    }
    if (this.#streams.size >= this.#local.maxConcurrentStreams || fields === null) {
      // Refused, not processed (RFC 9113 5.1.2, 8.7): a client may retry it.
      writeRstStream(this.#out, streamId, Http2ErrorCode.REFUSED_STREAM);
      this.#closed.add(streamId, ClosedBy.LOCAL_RESET);
      this.#countCheapStream();
      this.#countReply();
      return;
    }
    const malformed = badPriority
      ? `stream ${streamId} depends on itself`
      : checkRequestFields(fields, this.#local.enableConnectProtocol);
    if (malformed !== undefined) {
      writeRstStream(this.#out, streamId, Http2ErrorCode.PROTOCOL_ERROR);
      this.#closed.add(streamId, ClosedBy.LOCAL_RESET);
      this.#countReply();
      return;
    }
    // Opening a stream: one small object, one Map entry, one event.
    const stream = new Http2Stream(
      streamId,
      Head.RECEIVED,
      this.#peer.initialWindowSize,
      this.#recvInitial,
    );
    if (endStream) stream.ended = Ended.REMOTE;
    const bad = this.#expectBody(stream, fields, endStream);
    if (bad !== undefined) {
      writeRstStream(this.#out, streamId, Http2ErrorCode.PROTOCOL_ERROR);
      this.#closed.add(streamId, ClosedBy.LOCAL_RESET);
      this.#countReply();
      return;
    }
    this.#streams.set(streamId, stream);
    this.#events.push({ type: "headers", streamId, fields, endStream });
  }

  /**
   * Reads a head's content-length into `stream.bodyLeft` (RFC 9113 8.1.1);
   * returns why the head is malformed, if it is. CONNECT has no
   * content-length semantics (RFC 9113 8.5).
   */
  #expectBody(stream: Http2Stream, fields: readonly HeaderField[], endStream: boolean) {
    const length = contentLength(fields);
    if (length === NO_CONTENT_LENGTH) return undefined;
    if (length === BAD_CONTENT_LENGTH) return "content-length is not one number";
    if (this.#isServer && methodOf(fields) === "CONNECT") return undefined;
    if (endStream && length > 0) return `content-length ${length} but the stream ended`;
    stream.bodyLeft = length;
    return undefined;
  }

  /** True when `streamId` is above every stream its side has opened (RFC 9113 5.1 "idle"). */
  #isStreamIdle(streamId: number): boolean {
    const ours = (streamId & 1) === (this.#isServer ? 0 : 1);
    if (ours) return this.#isServer || streamId >= this.#nextStreamId;
    return streamId > this.#lastPeerStreamId;
  }

  /** A frame other than HEADERS for a stream not in the Map (DATA, WINDOW_UPDATE, RST_STREAM). */
  #onFrameWithoutStream(type: number, streamId: number): void {
    if (this.#isStreamIdle(streamId)) {
      // RFC 9113 5.1: only HEADERS and PRIORITY may come on an idle stream.
      this.#connectionError(this.#frameError(`${frameTypeName(type)} on idle stream ${streamId}`));
      return;
    }
    if (type !== FrameType.DATA) return; // WINDOW_UPDATE, RST_STREAM after close: ignored (5.1).
    const closedBy = this.#closed.how(streamId);
    if (closedBy === ClosedBy.LOCAL_RESET) return; // in flight before our reset
    if (closedBy === ClosedBy.ENDED) {
      // RFC 9113 5.1: DATA after the peer's END_STREAM is a connection error.
      this.#connectionError(
        peerError(
          Http2ErrorCode.STREAM_CLOSED,
          `Cannot accept frame: DATA on closed stream ${streamId}`,
        ),
      );
      return;
    }
    this.#closedStreamError(streamId);
  }

  /** A frame on a closed stream the peer reset, or one closed long ago: RST_STREAM STREAM_CLOSED. */
  #closedStreamError(streamId: number): void {
    writeRstStream(this.#out, streamId, Http2ErrorCode.STREAM_CLOSED);
    this.#closed.add(streamId, ClosedBy.LOCAL_RESET);
    this.#countReply();
  }

  // PRIORITY (RFC 9113 6.3): deprecated and ignored, its length still checked.
  #onPriority(streamId: number, payload: Uint8Array): void {
    let code = 0;
    let message = "";
    if (payload.length !== 5) {
      code = Http2ErrorCode.FRAME_SIZE_ERROR;
      message = `PRIORITY of ${payload.length} bytes on stream ${streamId}, not 5`;
    } else if ((readU32(payload, 0) & MAX_31_BIT) === streamId) {
      code = Http2ErrorCode.PROTOCOL_ERROR;
      message = `stream ${streamId} depends on itself`;
    } else return;
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) this.#streamError(stream, code, message);
    else {
      writeRstStream(this.#out, streamId, code);
      this.#countReply();
    }
  }

  // RST_STREAM (RFC 9113 6.4).
  #onRstStream(streamId: number, payload: Uint8Array): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      this.#onFrameWithoutStream(FrameType.RST_STREAM, streamId);
      return;
    }
    const code = readU32(payload, 0);
    this.#dropStream(stream, ClosedBy.PEER_RESET);
    this.#events.push({ type: "reset", streamId, code, local: false });
    // Opened and reset before we answered: a cheap stream (CVE-2023-44487, calm.ts).
    if (this.#isServer && !stream.answered) this.#countCheapStream();
  }

  // SETTINGS (RFC 9113 6.5).
  #onSettings(flags: number, payload: Uint8Array): void {
    if (flags & FrameFlag.ACK) {
      if (payload.length !== 0) {
        this.#connectionError(
          peerError(
            Http2ErrorCode.FRAME_SIZE_ERROR,
            `Cannot accept frame: SETTINGS ACK with a payload of ${payload.length} bytes`,
          ),
        );
        return;
      }
      if (this.#localUnacked === 0) return; // an ACK we did not ask for: harmless
      this.#localUnacked--;
      if (this.#local.headerTableSize < DEFAULT_SETTINGS.headerTableSize)
        this.#decoder.setMaxTableBytes(this.#local.headerTableSize);
      // Our SETTINGS_INITIAL_WINDOW_SIZE is in force now: open streams
      // change by the difference, as the peer's view of them does (6.9.2).
      const delta = this.#local.initialWindowSize - this.#recvInitial;
      if (delta !== 0) {
        this.#recvInitial = this.#local.initialWindowSize;
        for (const stream of this.#streams.values()) stream.recvWindow += delta;
      }
      return;
    }
    if (payload.length % 6 !== 0) {
      this.#connectionError(
        peerError(
          Http2ErrorCode.FRAME_SIZE_ERROR,
          `Cannot accept frame: SETTINGS of ${payload.length} bytes, not a multiple of 6`,
        ),
      );
      return;
    }
    const next = applySettings(this.#peer, payload, !this.#isServer);
    if (next instanceof Http2Error) {
      this.#connectionError(next);
      return;
    }
    const previous = this.#peer;
    const delta = next.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) {
      // RFC 9113 6.9.2: every stream's send window moves by the difference; past 2^31-1 is an error.
      for (const stream of this.#streams.values()) {
        stream.sendWindow += delta;
        if (stream.sendWindow > MAX_WINDOW_BYTES) {
          this.#connectionError(
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
      this.#encoder.setPeerMaxTableBytes(next.headerTableSize);
    this.#peer = Object.freeze(next);
    this.#peerSettingsReceived = true;
    writeSettingsAck(this.#out);
    this.#events.push({ type: "settings", settings: this.#peer });
    this.#sender.maxFrameSize = next.maxFrameSize;
    if (delta > 0 || next.maxFrameSize > previous.maxFrameSize) this.#sender.flushBlocked();
    this.#checkReplies();
  }

  // PING (RFC 9113 6.7): answered with the same 8 octets.
  #onPing(flags: number, payload: Uint8Array): void {
    if (flags & FrameFlag.ACK) return; // we send no PINGs of our own yet
    writePing(this.#out, payload, true);
    this.#checkReplies();
  }

  // GOAWAY (RFC 9113 6.8).
  #onGoaway(payload: Uint8Array): void {
    const lastStreamId = readU32(payload, 0) & MAX_31_BIT;
    const code = readU32(payload, 4);
    const debug = utf8Decoder.decode(payload.subarray(8, 8 + 1024));
    this.#goawayReceived = true;
    this.#events.push({ type: "goaway", lastStreamId, code, debug });
    // Our streams above lastStreamId were not processed: refused, to retry (6.8).
    const refused: Http2Stream[] = [];
    for (const stream of this.#streams.values()) {
      const ours = (stream.id & 1) === (this.#isServer ? 0 : 1);
      if (ours && stream.id > lastStreamId) refused.push(stream);
    }
    for (const stream of refused) {
      this.#dropStream(stream, ClosedBy.PEER_RESET);
      this.#events.push({
        type: "reset",
        streamId: stream.id,
        code: Http2ErrorCode.REFUSED_STREAM,
        local: false,
      });
    }
  }

  // WINDOW_UPDATE (RFC 9113 6.9).
  #onWindowUpdate(streamId: number, payload: Uint8Array): void {
    const increment = readU32(payload, 0) & MAX_31_BIT;
    if (streamId === 0) {
      if (increment === 0) {
        this.#connectionError(this.#frameError("WINDOW_UPDATE of 0 on the connection"));
        return;
      }
      this.#sender.connectionWindow += increment;
      if (this.#sender.connectionWindow > MAX_WINDOW_BYTES) {
        this.#connectionError(
          peerError(
            Http2ErrorCode.FLOW_CONTROL_ERROR,
            `Cannot accept frame: WINDOW_UPDATE of ${increment} takes the connection window past 2^31-1`,
          ),
        );
        return;
      }
      this.#sender.flushBlocked();
      return;
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      this.#onFrameWithoutStream(FrameType.WINDOW_UPDATE, streamId);
      return;
    }
    if (increment === 0) {
      this.#streamError(
        stream,
        Http2ErrorCode.PROTOCOL_ERROR,
        `WINDOW_UPDATE of 0 on stream ${streamId}`,
      );
      return;
    }
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_BYTES) {
      this.#streamError(
        stream,
        Http2ErrorCode.FLOW_CONTROL_ERROR,
        `WINDOW_UPDATE of ${increment} takes stream ${streamId}'s window past 2^31-1`,
      );
      return;
    }
    if (stream.queuedBytes > 0 || stream.endQueued) this.#sender.flush(stream);
  }

  // -------------------------------------------------------------- commands

  /**
   * Client: opens a stream with a request head; returns its id. Throws
   * `InvalidStateError` (our fault) when the session is going away or the
   * peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached.
   */
  request(fields: readonly HeaderField[], endStream = false): number {
    if (this.#isServer) throw new InvalidStateError("Cannot open stream: a server cannot request");
    if (this.#phase === Phase.DONE || this.#goawaySent || this.#goawayReceived)
      throw new InvalidStateError("Cannot open stream: the session is going away");
    if (this.#streams.size >= this.#peer.maxConcurrentStreams)
      throw new InvalidStateError(
        `Cannot open stream: the peer allows ${this.#peer.maxConcurrentStreams} at once`,
      );
    // RFC 8441 3: :protocol only once the server's SETTINGS enabled it.
    if (!this.#peer.enableConnectProtocol && hasProtocol(fields))
      throw new InvalidStateError(
        "Cannot open stream: the peer has not enabled extended CONNECT (RFC 8441 3)",
      );
    const id = this.#nextStreamId;
    checkStreamIdLeft(id);
    const block = this.#encoder.encode(fields);
    this.#nextStreamId = id + 2;
    // Opening a stream: one small object, one Map entry, one HEADERS frame in the slab.
    const stream = new Http2Stream(
      id,
      Head.AWAITED,
      this.#peer.initialWindowSize,
      this.#recvInitial,
    );
    const method = methodOf(fields);
    if (method === "HEAD" || method === "CONNECT") stream.bodyLeft = Body.IGNORED;
    this.#streams.set(id, stream);
    writeHeaders(this.#out, id, block, endStream, this.#peer.maxFrameSize);
    if (endStream) stream.ended = Ended.LOCAL;
    return id;
  }

  /**
   * Server: the response head of a request stream (call again for a final
   * head after 1xx ones, or with `endStream` for trailers once DATA is sent).
   * A stream already reset or closed is ignored (the "reset" event tells).
   */
  respond(streamId: number, fields: readonly HeaderField[], endStream = false): void {
    if (!this.#isServer) throw new InvalidStateError("Cannot respond: a client does not respond");
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    if (stream.ended & Ended.LOCAL || stream.endQueued)
      throw new InvalidStateError(`Cannot respond: stream ${streamId} has ended our side`);
    if (stream.queuedBytes > 0)
      throw new InvalidStateError(`Cannot respond: stream ${streamId} has DATA queued`);
    const block = this.#encoder.encode(fields);
    if (!stream.answered) {
      stream.answered = true;
      this.#answeredStreams++;
    }
    writeHeaders(this.#out, streamId, block, endStream, this.#peer.maxFrameSize);
    if (endStream) {
      stream.ended |= Ended.LOCAL;
      if (stream.ended === Ended.BOTH) this.#closeStream(stream);
    }
  }

  /**
   * Queues DATA: framed now as far as the stream's and the connection's send
   * windows and the peer's max frame size allow; the rest waits for
   * WINDOW_UPDATE (then "drain"). `endStream` ends our side after what is
   * queued. Chunks are referenced, not copied: do not change them until
   * they were taken and written. A stream already reset or closed is ignored.
   */
  sendData(streamId: number, chunks: readonly Uint8Array[], endStream = false): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    if (stream.ended & Ended.LOCAL || stream.endQueued)
      throw new InvalidStateError(`Cannot send data: stream ${streamId} has ended our side`);
    // RFC 9113 8.1: a response's DATA follows its head.
    if (this.#isServer && !stream.answered)
      throw new InvalidStateError(`Cannot send data: stream ${streamId} has no response head yet`);
    this.#sender.send(stream, chunks, endStream);
  }

  /**
   * Bytes queued on a stream that flow control still holds (backpressure).
   * Output framed but not yet taken by `takeOutput()` is not counted: while
   * the socket is backed up that is the transport's to account for.
   */
  bufferedAmount(streamId: number): number {
    return this.#streams.get(streamId)?.queuedBytes ?? 0;
  }

  /**
   * We processed `bytes` of this stream's DATA: its window goes back to the
   * peer (a WINDOW_UPDATE once half a window is owed). A reader that pauses
   * does not call it, and the peer's window on that stream shuts while other
   * streams flow.
   */
  consume(streamId: number, bytes: number): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined || bytes <= 0) return;
    this.#returnStreamWindow(stream, bytes);
  }

  /** RST_STREAM(`code`, default CANCEL); drops the stream's queued output. No-op on a closed stream. */
  reset(streamId: number, code: number = Http2ErrorCode.CANCEL): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    writeRstStream(this.#out, streamId, code);
    this.#dropStream(stream, ClosedBy.LOCAL_RESET);
    this.#events.push({ type: "reset", streamId, code, local: true });
  }

  /**
   * Graceful close: GOAWAY(NO_ERROR, the last stream the peer opened); new
   * streams are refused; `closeTransport` once the open streams are gone.
   */
  close(): void {
    if (this.#phase === Phase.DONE || this.#goawaySent) return;
    this.#goawaySent = true;
    writeGoaway(this.#out, this.#lastPeerStreamId, Http2ErrorCode.NO_ERROR, EMPTY_BYTES);
  }

  // ------------------------------------------------------------- internals

  #returnStreamWindow(stream: Http2Stream, bytes: number): void {
    if (stream.ended & Ended.REMOTE) return; // the peer sends no more: nothing to reopen
    stream.recvOwed += bytes;
    if (isUpdateDue(stream.recvOwed, this.#local.initialWindowSize)) {
      writeWindowUpdate(this.#out, stream.id, stream.recvOwed);
      stream.recvWindow += stream.recvOwed;
      stream.recvOwed = 0;
    }
  }

  /** Both sides ended: the stream is gone. */
  #closeStream(stream: Http2Stream): void {
    this.#dropStream(stream, ClosedBy.ENDED);
    this.#events.push({ type: "closed", streamId: stream.id });
  }

  #dropStream(stream: Http2Stream, how: number): void {
    this.#streams.delete(stream.id);
    this.#sender.forget(stream);
    this.#closed.add(stream.id, how);
  }

  /** A stream error (RFC 9113 5.4.2): RST_STREAM, and a "reset" event with what went wrong. */
  #streamError(stream: Http2Stream, code: number, message: string): void {
    writeRstStream(this.#out, stream.id, code);
    this.#dropStream(stream, ClosedBy.LOCAL_RESET);
    this.#events.push({
      type: "reset",
      streamId: stream.id,
      code,
      local: true,
      error: peerError(code, `Cannot accept frame: ${message}`),
    });
    this.#countReply();
  }

  /** A connection error (RFC 9113 5.4.1): GOAWAY, "error", every stream "reset"; the session is done. */
  #connectionError(error: Http2Error): void {
    if (this.#phase === Phase.DONE) return;
    this.#phase = Phase.DONE;
    this.#headerBlock.clear();
    writeGoaway(this.#out, this.#lastPeerStreamId, error.code, utf8.encode(error.message));
    this.#events.push({ type: "error", error });
    this.#resetAll(error.code, true);
  }

  #resetAll(code: number, local: boolean): void {
    const streams = this.#streams.size === 0 ? NO_STREAMS : [...this.#streams.values()];
    this.#streams.clear();
    this.#sender.clear();
    for (const stream of streams)
      this.#events.push({ type: "reset", streamId: stream.id, code, local });
  }

  /** A protocol error about a frame: PROTOCOL_ERROR, in the project's voice. */
  #frameError(message: string): Http2Error {
    return peerError(Http2ErrorCode.PROTOCOL_ERROR, `Cannot accept frame: ${message}`);
  }

  #countCheapStream(): void {
    if (isStreamAbuse(++this.#cheapStreams, this.#answeredStreams))
      this.#connectionError(
        peerError(
          Http2ErrorCode.ENHANCE_YOUR_CALM,
          `Cannot accept stream: ${this.#cheapStreams} streams reset before an answer or refused, past ${FREE_CHEAP_STREAMS} + ${this.#answeredStreams} answered (rapid reset)`,
        ),
      );
  }

  #countReply(): void {
    this.#out.pendingAcks++;
    this.#checkReplies();
  }

  #checkReplies(): void {
    if (this.#out.pendingAcks > MAX_PENDING_REPLIES)
      this.#connectionError(
        peerError(
          Http2ErrorCode.ENHANCE_YOUR_CALM,
          `Cannot accept frame: over ${MAX_PENDING_REPLIES} replies (ACKs, RST_STREAMs) queued and not taken`,
        ),
      );
  }
}

function hasProtocol(fields: readonly HeaderField[]): boolean {
  for (const field of fields) if (field[0] === ":protocol") return true;
  return false;
}
