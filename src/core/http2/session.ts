/**
 * An HTTP/2 connection (RFC 9113, with RFC 8441's extended CONNECT setting)
 * as a pure, synchronous machine for either role: bytes in
 * (`receiveData`), events out (`takeEvents`); commands in (`request`,
 * `respond`, `sendData`, `consume`, `reset`, `close`), bytes out
 * (`takeOutput`). No I/O, no clock.
 *
 * This file is the public face and the commands (our side's frames); the
 * state, its map and the theory of operation are in session-state.ts, the
 * peer's frames in the receive-*.ts files.
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { InvalidStateError } from "../errors.js";
import { ClosedBy } from "./closed-streams.js";
import { Http2ErrorCode } from "./error-codes.js";
import { HeaderListTooLargeForPeerError, peerError } from "./errors.js";
import type { Http2Event } from "./events.js";
import { headerListBytes, methodOf } from "./fields.js";
import { writeGoaway, writeHeaders, writeRstStream } from "./frame-writer.js";
import type { HeaderField } from "./hpack/index.js";
import { receiveBytes, receiveEof } from "./receive-frames.js";
import { type Http2SessionOptions, Phase, SessionState } from "./session-state.js";
import type { Http2Settings } from "./settings.js";
import { Body, checkStreamIdLeft, Ended, Head, Http2Stream } from "./stream.js";

export type { Http2Role, Http2SessionOptions } from "./session-state.js";

/** Returned when there are no events: frozen, so it is shared safely. */
const NO_EVENTS: readonly Http2Event[] = Object.freeze([]);

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
  readonly #s: SessionState;

  constructor(options: Http2SessionOptions) {
    this.#s = new SessionState(options);
  }

  /** The peer's settings in force (RFC 9113 defaults until its SETTINGS came). */
  get peerSettings(): Readonly<Http2Settings> {
    return this.#s.peer;
  }

  /** True once the peer's first SETTINGS came. */
  get peerSettingsReceived(): boolean {
    return this.#s.peerSettingsReceived;
  }

  /** Our settings, as sent in our first SETTINGS. */
  get localSettings(): Readonly<Http2Settings> {
    return this.#s.local;
  }

  /**
   * True while the peer has not acknowledged our SETTINGS (RFC 9113 6.5.3):
   * the I/O layer's SETTINGS timer runs meanwhile (see
   * {@link failSettingsTimeout}).
   */
  get awaitingSettingsAck(): boolean {
    return this.#s.localUnacked > 0;
  }

  /** Streams open now (open or half-closed). */
  get streamCount(): number {
    return this.#s.streams.size;
  }

  /**
   * True when `takeOutput()` has bytes to hand out, or has yet to say
   * `closeTransport` (a session can end without a last frame of its own:
   * the peer's END_STREAM closes the last stream after a GOAWAY).
   */
  get hasOutput(): boolean {
    const s = this.#s;
    return s.out.hasOutput || (!s.closeReported && s.isDone());
  }

  /** The events since the last call, in order. */
  takeEvents(): Http2Event[] {
    const s = this.#s;
    const events = s.events;
    if (events.length === 0) return NO_EVENTS as Http2Event[];
    s.events = [];
    return events;
  }

  /**
   * The frames to write, in order (DATA payloads as the caller's views).
   * `closeTransport` is true once the session is done: after a connection
   * error's GOAWAY, after EOF, or when a GOAWAY was exchanged and no stream
   * is left.
   */
  takeOutput(): { chunks: Uint8Array[]; closeTransport: boolean } {
    const s = this.#s;
    const closeTransport = s.isDone();
    if (closeTransport) s.closeReported = true;
    return { chunks: s.out.take(), closeTransport };
  }

  /** Bytes from the transport, split anywhere. */
  receiveData(bytes: Uint8Array): void {
    receiveBytes(this.#s, bytes);
  }

  /** The transport's EOF: open streams are reset (CANCEL, not local); EOF inside a frame is an "error". */
  receiveEof(): void {
    receiveEof(this.#s);
  }

  // -------------------------------------------------------------- commands

  /**
   * Client: opens a stream with a request head; returns its id. Throws
   * `InvalidStateError` (our fault) when the session is going away or the
   * peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached, and
   * `HeaderListTooLargeForPeerError` when the head is over the peer's
   * SETTINGS_MAX_HEADER_LIST_SIZE; nothing is sent then.
   */
  request(fields: readonly HeaderField[], endStream = false): number {
    const s = this.#s;
    if (s.isServer) throw new InvalidStateError("Cannot open stream: a server cannot request");
    if (s.phase === Phase.DONE || s.goawaySent || s.goawayReceived)
      throw new InvalidStateError("Cannot open stream: the session is going away");
    if (s.streams.size >= s.peer.maxConcurrentStreams)
      throw new InvalidStateError(
        `Cannot open stream: the peer allows ${s.peer.maxConcurrentStreams} at once`,
      );
    // RFC 8441 3: :protocol only once the server's SETTINGS enabled it.
    if (!s.peer.enableConnectProtocol && hasProtocol(fields))
      throw new InvalidStateError(
        "Cannot open stream: the peer has not enabled extended CONNECT (RFC 8441 3)",
      );
    const id = s.nextStreamId;
    checkStreamIdLeft(id);
    checkHeaderListForPeer(s, fields, 0);
    const block = s.encoder.encode(fields);
    s.nextStreamId = id + 2;
    // Opening a stream: one small object, one Map entry, one HEADERS frame in the slab.
    const stream = new Http2Stream(id, Head.AWAITED, s.peer.initialWindowSize, s.recvInitial);
    const method = methodOf(fields);
    if (method === "HEAD" || method === "CONNECT") stream.bodyLeft = Body.IGNORED;
    s.streams.set(id, stream);
    writeHeaders(s.out, id, block, endStream, s.peer.maxFrameSize);
    if (endStream) stream.ended = Ended.LOCAL;
    return id;
  }

  /**
   * Server: the response head of a request stream (call again for a final
   * head after 1xx ones, or with `endStream` for trailers once DATA is sent).
   * A stream already reset or closed is ignored (the "reset" event tells).
   * Throws `HeaderListTooLargeForPeerError` when the fields are over the
   * peer's SETTINGS_MAX_HEADER_LIST_SIZE: nothing is sent, and the stream
   * waits for a head that fits (or `reset()`).
   */
  respond(streamId: number, fields: readonly HeaderField[], endStream = false): void {
    const s = this.#s;
    if (!s.isServer) throw new InvalidStateError("Cannot respond: a client does not respond");
    const stream = s.streams.get(streamId);
    if (stream === undefined) return;
    if (stream.ended & Ended.LOCAL || stream.endQueued)
      throw new InvalidStateError(`Cannot respond: stream ${streamId} has ended our side`);
    if (stream.queuedBytes > 0)
      throw new InvalidStateError(`Cannot respond: stream ${streamId} has DATA queued`);
    checkHeaderListForPeer(s, fields, streamId);
    const block = s.encoder.encode(fields);
    if (!stream.answered) {
      stream.answered = true;
      s.answeredStreams++;
    }
    writeHeaders(s.out, streamId, block, endStream, s.peer.maxFrameSize);
    if (endStream) {
      stream.ended |= Ended.LOCAL;
      if (stream.ended === Ended.BOTH) s.closeStream(stream);
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
    const s = this.#s;
    const stream = s.streams.get(streamId);
    if (stream === undefined) return;
    if (stream.ended & Ended.LOCAL || stream.endQueued)
      throw new InvalidStateError(`Cannot send data: stream ${streamId} has ended our side`);
    // RFC 9113 8.1: a response's DATA follows its head.
    if (s.isServer && !stream.answered)
      throw new InvalidStateError(`Cannot send data: stream ${streamId} has no response head yet`);
    s.sender.send(stream, chunks, endStream);
  }

  /**
   * Bytes queued on a stream that flow control still holds (backpressure).
   * Output framed but not yet taken by `takeOutput()` is not counted: while
   * the socket is backed up that is the transport's to account for.
   */
  bufferedAmount(streamId: number): number {
    return this.#s.streams.get(streamId)?.queuedBytes ?? 0;
  }

  /**
   * We processed `bytes` of this stream's DATA: its window goes back to the
   * peer (a WINDOW_UPDATE once half a window is owed). A reader that pauses
   * does not call it, and the peer's window on that stream shuts while other
   * streams flow.
   */
  consume(streamId: number, bytes: number): void {
    const s = this.#s;
    const stream = s.streams.get(streamId);
    if (stream === undefined || bytes <= 0) return;
    s.returnStreamWindow(stream, bytes);
  }

  /** RST_STREAM(`code`, default CANCEL); drops the stream's queued output. No-op on a closed stream. */
  reset(streamId: number, code: number = Http2ErrorCode.CANCEL): void {
    const s = this.#s;
    const stream = s.streams.get(streamId);
    if (stream === undefined) return;
    writeRstStream(s.out, streamId, code);
    s.dropStream(stream, ClosedBy.LOCAL_RESET);
    s.events.push({ type: "reset", streamId, code, local: true });
  }

  /**
   * The peer left our SETTINGS unacknowledged longer than the I/O layer
   * waits (RFC 9113 6.5.3: the sender MAY then issue a connection error
   * SETTINGS_TIMEOUT): GOAWAY(SETTINGS_TIMEOUT), an "error" event (the
   * peer's fault), every open stream "reset"; the session is done. The core
   * has no clock: the I/O layer arms a timer while
   * {@link awaitingSettingsAck} is true. No-op once the peer acknowledged
   * them or the session is done.
   */
  failSettingsTimeout(): void {
    const s = this.#s;
    if (s.localUnacked === 0) return;
    s.connectionError(
      peerError(
        Http2ErrorCode.SETTINGS_TIMEOUT,
        "Cannot settle SETTINGS: the peer did not acknowledge ours in time (RFC 9113 6.5.3)",
      ),
    );
  }

  /**
   * Graceful close: GOAWAY(NO_ERROR, the last stream the peer opened); new
   * streams are refused; `closeTransport` once the open streams are gone.
   */
  close(): void {
    const s = this.#s;
    if (s.phase === Phase.DONE || s.goawaySent) return;
    s.goawaySent = true;
    writeGoaway(s.out, s.lastPeerStreamId, Http2ErrorCode.NO_ERROR, EMPTY_BYTES);
  }
}

function hasProtocol(fields: readonly HeaderField[]): boolean {
  for (const field of fields) if (field[0] === ":protocol") return true;
  return false;
}

/**
 * Refuses a header list over the peer's SETTINGS_MAX_HEADER_LIST_SIZE (RFC
 * 9113 6.5.2, 10.5.1) before it is encoded: the peer would refuse it anyway
 * (a 431, a reset, or a connection error from a strict one), and told here
 * the caller learns why, with the session untouched. `streamId` 0: a
 * request, whose stream is not open yet.
 */
function checkHeaderListForPeer(
  s: SessionState,
  fields: readonly HeaderField[],
  streamId: number,
): void {
  const max = s.peer.maxHeaderListSize;
  const bytes = headerListBytes(fields);
  if (bytes > max)
    throw new HeaderListTooLargeForPeerError(
      streamId === 0 ? "request" : `response on stream ${streamId}`,
      bytes,
      max,
    );
}
