/**
 * A socket driven by our own sans-I/O HTTP/2 machine (`src/core/http2/`):
 * reads go into the {@link Http2Session}, its events to the streams
 * ({@link WireStream}) and to the owner (the server's or the client's side),
 * its output to the socket.
 *
 * Output leaves once per turn: the streams' writes (which the connection
 * layer makes from its one end-of-turn flush, see schedule.ts) only queue
 * frames in the session, and one microtask after them takes the session's
 * output and writes it to the socket in one write (a writev when it holds
 * large payloads). So 1,000 WebSockets that answer in one turn cost one
 * system call, not 1,000. What a read makes the session answer by itself
 * (SETTINGS and PING acknowledgements, WINDOW_UPDATE) leaves after that read.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Deadline } from "../connection/deadlines.js";
import { TransportError } from "../connection/errors.js";
import type {
  HeaderField,
  Http2DataEvent,
  Http2Event,
  Http2Session,
  Http2Settings,
} from "../core/http2/index.js";
import { writeChunks } from "./socket-writes.js";
import type { WireStream } from "./wire-stream.js";

// Events handed on between two writes when a read brings many (a power of
// 2). Measured on openings over h2c, 100 at a time, on two cores: without
// it both processes idled about half of the time, each waiting for the
// other's whole batch; with it the opening rate rose about a quarter
// (alternating runs of 8 rounds, Node 24: 15-17k to 17-25k a second).
const SLICE_EVENTS = 32;

// A stream's bytes held by flow control at which write() says "wait": as a
// socket's high-water mark (Node's default).
const HELD_HIGH_WATER_BYTES = 16 * 1024;

// After we closed our side (GOAWAY sent, no stream left), how long the peer
// has to close its side before the socket is destroyed.
const LINGER_MS = 5_000;

/**
 * How long the peer has to acknowledge our SETTINGS before the connection
 * fails with GOAWAY SETTINGS_TIMEOUT (RFC 9113 6.5.3 leaves "a reasonable
 * amount of time" to us): 10 s, as the open timeout, far above any round
 * trip, so only a peer that does not speak HTTP/2 or stalls on purpose
 * meets it. Until the ACK we cannot tell whether our limits bind the peer.
 */
export const SETTINGS_TIMEOUT_MS = 10_000;

/**
 * The SETTINGS_MAX_FRAME_SIZE our sessions advertise (both roles): 64 KiB
 * rather than the 16 KiB default (RFC 9113 6.5.2), so that a 16 KiB
 * WebSocket message with its frame header travels as one DATA frame, not two
 * (one view of the read for the protocol, not two pieces to join). Measured,
 * 1,000 WebSockets over h2c each echoing 16 KiB, alternating runs: server
 * CPU per echo 47 to 36 us, client 55-66 to 53-55 us.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** What a session tells the side that owns it (the server or the client pool). */
export interface WireOwner {
  /** Server: a request on a new stream (create and {@link WireSession.add} its stream). */
  request?(wire: WireSession, streamId: number, fields: HeaderField[], endStream: boolean): void;
  /** The peer's SETTINGS were applied. */
  settings?(wire: WireSession, settings: Readonly<Http2Settings>): void;
  /** The peer's GOAWAY: no new streams on this session. */
  goaway?(wire: WireSession): void;
  /** The connection failed (a GOAWAY of ours with an error, or the socket's error). */
  failed?(wire: WireSession, error: Error): void;
  /** A stream closed or was reset. */
  streamGone?(wire: WireSession, stream: WireStream): void;
  /** The socket closed: the session is over. */
  closed(wire: WireSession): void;
}

/** One HTTP/2 connection: a socket and the machine that speaks over it. */
export class WireSession {
  readonly socket: Socket;
  readonly session: Http2Session;
  readonly streams = new Map<number, WireStream>();
  /** The owner's deadline on this session (the server's open timeout). */
  deadline: Deadline<WireSession> | undefined;
  readonly #owner: WireOwner;
  #scheduled = false;
  #pumping = false;
  #closed = false;
  #eofTold = false;
  // Whether the session may want the socket closed without output to write
  // (a GOAWAY received or sent, a stream gone, EOF): takeOutput() tells.
  #mayClose = true;
  // Why the connection failed, told to each stream it resets.
  #error: Error | undefined;
  // Streams whose write() said "wait" because the socket was backed up.
  #waiting: Set<WireStream> | undefined;
  // Runs while the peer has not acknowledged our SETTINGS (one per
  // connection, for its first round trip only).
  #settingsTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #run = (): void => {
    this.#scheduled = false;
    this.#pump();
  };

  /**
   * @param settingsTimeoutMs how long the peer has to acknowledge our
   *   SETTINGS (default {@link SETTINGS_TIMEOUT_MS}); null: no limit
   */
  constructor(
    socket: Socket,
    session: Http2Session,
    owner: WireOwner,
    settingsTimeoutMs: number | null = SETTINGS_TIMEOUT_MS,
  ) {
    this.socket = socket;
    this.session = session;
    this.#owner = owner;
    if (settingsTimeoutMs !== null) {
      this.#settingsTimer = setTimeout(() => this.#settingsExpired(), settingsTimeoutMs);
      // The socket keeps the process alive while it is open, not this timer.
      this.#settingsTimer.unref();
    }
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("end", () => this.#eof());
    socket.on("drain", () => this.#drained());
    socket.on("error", (error: Error) => {
      this.#error ??= new TransportError(`HTTP/2 connection failed: ${error.message}`, {
        cause: error,
      });
    });
    socket.on("close", () => this.#socketClosed());
    // The preface and our SETTINGS (a client's), or our SETTINGS (a server's).
    this.schedule();
  }

  /** Bytes from the socket (or read before, by whoever told HTTP/2 apart). */
  receive(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.session.receiveData(bytes);
    if (this.#settingsTimer !== undefined && !this.session.awaitingSettingsAck)
      this.#stopSettingsTimer();
    this.#pump();
  }

  /** Registers a stream the owner opened (a client's request, a server's answer to one). */
  add(stream: WireStream): void {
    this.streams.set(stream.id, stream);
  }

  /** Queues DATA (and END_STREAM) on `stream`; says whether the writer may go on. */
  send(stream: WireStream, chunks: readonly Uint8Array[], endStream: boolean): boolean {
    this.session.sendData(stream.id, chunks, endStream);
    this.schedule();
    if (this.session.bufferedAmount(stream.id) >= HELD_HIGH_WATER_BYTES) return false;
    if (this.socket.writableNeedDrain) {
      (this.#waiting ??= new Set()).add(stream);
      return false;
    }
    return true;
  }

  /** Bytes of `stream` not yet handed to the socket, with the socket's own when it is backed up. */
  bufferedAmount(stream: WireStream): number {
    const socket = this.socket;
    const held = this.session.bufferedAmount(stream.id);
    return socket.writableNeedDrain ? held + socket.writableLength : held;
  }

  /** `stream` processed `bytes` of DATA: its window goes back to the peer. */
  consume(stream: WireStream, bytes: number): void {
    this.session.consume(stream.id, bytes);
    this.schedule();
  }

  /** RST_STREAM on `stream`. */
  reset(stream: WireStream, code: number): void {
    this.session.reset(stream.id, code);
    this.schedule();
  }

  /** Graceful: GOAWAY, no new streams; the socket closes once the open ones are gone. */
  close(): void {
    if (this.#closed) return;
    this.session.close();
    this.#mayClose = true;
    this.schedule();
  }

  /** Closes the socket at once: its streams are reset. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Takes the session's events and output at the end of this turn. */
  schedule(): void {
    if (this.#scheduled || this.#pumping) return;
    this.#scheduled = true;
    queueMicrotask(this.#run);
  }

  /**
   * Hands the session's events on and writes its output, until neither is
   * left (handing events on makes output: a response, a window update;
   * taking output makes events: a stream whose last frame left is closed).
   */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const session = this.session;
    try {
      for (;;) {
        const events = session.takeEvents();
        for (let i = 0; i < events.length; i++) {
          const event = events[i]!;
          if (
            event.type === "data" &&
            !event.endStream &&
            isDataOf(events[i + 1], event.streamId)
          ) {
            i = this.#dispatchRun(events, i);
            continue;
          }
          this.#dispatch(event);
          // A read of many requests: their answers leave in slices, so the
          // peer works on the first ones while we answer the rest.
          if ((i & (SLICE_EVENTS - 1)) === SLICE_EVENTS - 1) this.#writeSlice();
        }
        // While the socket is backed up (a peer that does not read), the
        // output stays in the session, which bounds what it queues on its
        // own (replies to a PING or SETTINGS flood: ENHANCE_YOUR_CALM) and
        // holds the streams' DATA behind their windows; the socket's
        // "drain" brings it out. A failed session's GOAWAY goes at once.
        // (Events still go on: a stream reset meanwhile is told its close.)
        const blocked = this.socket.writableNeedDrain && this.#error === undefined;
        if (!blocked && (session.hasOutput || this.#mayClose)) {
          this.#mayClose = false;
          const output = session.takeOutput();
          writeChunks(this.socket, output.chunks);
          if (output.closeTransport) this.#endSocket();
          else if (output.chunks.length > 0) continue;
        }
        if (events.length === 0) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Writes what the session has so far (its close is the pump's to tell), unless the socket is backed up. */
  #writeSlice(): void {
    const session = this.session;
    if (!session.hasOutput || this.socket.writableNeedDrain) return;
    const output = session.takeOutput();
    writeChunks(this.socket, output.chunks);
    if (output.closeTransport) this.#mayClose = true;
  }

  /**
   * Hands a stream's consecutive DATA frames of one read to it as one read
   * (a copy, only then), as TCP would: the WebSocket protocol then sees a
   * message and a bad frame after it in one `receiveData` call and gives the
   * application its turn on the message before failing (Autobahn 3.3 and
   * 4.2.5, strict), where frame by frame it failed within the same turn.
   * Returns the index of the run's last event.
   */
  #dispatchRun(events: readonly Http2Event[], first: number): number {
    const streamId = (events[first] as Http2DataEvent).streamId;
    const parts: Uint8Array[] = [];
    let endStream = false;
    let i = first;
    for (; i < events.length; i++) {
      const event = events[i];
      if (!isDataOf(event, streamId)) break;
      parts.push(event.data);
      if (event.endStream) {
        endStream = true;
        i++;
        break;
      }
    }
    this.streams.get(streamId)?.receiveData(Buffer.concat(parts), endStream);
    return i - 1;
  }

  #dispatch(event: Http2Event): void {
    if (event.type !== "data" && event.type !== "headers") this.#mayClose = true;
    switch (event.type) {
      case "headers": {
        const stream = this.streams.get(event.streamId);
        if (stream !== undefined) stream.receiveHeaders(event.fields, event.endStream);
        else this.#owner.request?.(this, event.streamId, event.fields, event.endStream);
        break;
      }
      case "data":
        this.streams.get(event.streamId)?.receiveData(event.data, event.endStream);
        break;
      case "drain":
        this.streams.get(event.streamId)?.receiveDrain();
        break;
      case "reset": {
        const stream = this.streams.get(event.streamId);
        if (stream === undefined) break;
        this.streams.delete(event.streamId);
        stream.receiveReset(event.code, event.local, event.error ?? this.#error);
        this.#owner.streamGone?.(this, stream);
        break;
      }
      case "closed": {
        const stream = this.streams.get(event.streamId);
        if (stream === undefined) break;
        this.streams.delete(event.streamId);
        stream.receiveClosed();
        this.#owner.streamGone?.(this, stream);
        break;
      }
      case "settings":
        this.#owner.settings?.(this, event.settings);
        break;
      case "goaway":
        this.#owner.goaway?.(this);
        break;
      case "error":
        this.#error ??= new TransportError(`HTTP/2 connection failed: ${event.error.message}`, {
          cause: event.error,
        });
        this.#owner.failed?.(this, event.error);
        break;
    }
  }

  #endSocket(): void {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.socket;
    socket.end();
    // A peer that never closes its side does not hold the socket for ever.
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  /** No ACK of our SETTINGS in time: the connection fails with GOAWAY SETTINGS_TIMEOUT. */
  #settingsExpired(): void {
    this.#settingsTimer = undefined;
    this.session.failSettingsTimeout();
    this.#pump();
  }

  #stopSettingsTimer(): void {
    clearTimeout(this.#settingsTimer);
    this.#settingsTimer = undefined;
  }

  #drained(): void {
    this.#pump();
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    for (const stream of waiting) stream.receiveDrain();
  }

  #eof(): void {
    if (this.#eofTold) return;
    this.#eofTold = true;
    this.#mayClose = true;
    this.session.receiveEof();
    this.#pump();
  }

  #socketClosed(): void {
    this.#stopSettingsTimer();
    this.#eof();
    this.#closed = true;
    // Whatever the machine did not reset (it should have reset them all).
    for (const stream of this.streams.values()) {
      stream.receiveReset(0, false, this.#error);
      this.#owner.streamGone?.(this, stream);
    }
    this.streams.clear();
    this.#owner.closed(this);
  }
}

function isDataOf(event: Http2Event | undefined, streamId: number): event is Http2DataEvent {
  return event?.type === "data" && event.streamId === streamId;
}
