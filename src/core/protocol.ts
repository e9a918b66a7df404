/**
 * The sans-I/O WebSocket protocol (RFC 6455): bytes in, events and bytes out.
 * No sockets, timers, promises or runtime APIs: the I/O layer feeds what it
 * reads to `receiveData`/`receiveEof`, calls the `send*` commands, and pulls
 * `takeEvents()` and `takeOutput()`. This file is the state machine; the
 * frame header (`frame.ts`), frame writing (`frame-writer.ts`), close bodies
 * (`close.ts`), settings (`settings.ts`) and broadcast messages
 * (`prepared-message.ts`) are pure code beside it.
 *
 * # Theory of operation
 *
 * ## States (`state`, RFC 6455 4.1, 7.1)
 *
 * - `connecting`: the opening handshake runs. Only `ClientProtocol` and
 *   `ServerProtocol` start here; every input goes to their handshake driver
 *   (`#handshakeDriver`, set exactly in this state).
 * - `open`: messages flow both ways.
 * - `closing`: we sent a close frame (`CLOSE_SENT`), and wait for the
 *   peer's close frame and the end of the transport. (The handshake's failure
 *   passes through it on the way to `closed` within one call.)
 * - `closed`: the transport ended (`receiveEof`); the `closed` event was
 *   emitted, once, as the last event. Nothing leaves this state.
 *
 * ## Transitions
 *
 * | From         | On                                        | To        | Also                                                      |
 * |--------------|-------------------------------------------|-----------|-----------------------------------------------------------|
 * | `connecting` | handshake completed (`completeHandshake`) | `open`    | bytes read after the handshake are parsed                 |
 * | `connecting` | handshake failed, `fail()`, `receiveEof`  | `closed`  | close the transport; `closed` with the `HandshakeError`   |
 * | `open`       | `sendClose()`                             | `closing` | close frame queued; `CLOSE_SENT`                          |
 * | `open`       | close frame received                      | `closing` | `close` event; echo queued (5.5.1); `DISCARDING_INPUT`    |
 * | `open`       | peer's error, our extension's, `fail()`   | `closing` | close frame with the code; `DISCARDING_INPUT`; a server closes the transport (7.1.7) |
 * | `closing`    | close frame received                      | `closing` | `close` event; `DISCARDING_INPUT`; a server closes the transport (7.1.1) |
 * | `closing`    | `fail()`, peer's error                    | `closing` | `DISCARDING_INPUT`; a server closes the transport         |
 * | any but `closed` | `receiveEof`                          | `closed`  | `closed` event; close the transport if not asked yet      |
 *
 * Commands that send (`sendText`, `sendPing`, `sendClose`, ...) need `open`
 * and throw `InvalidStateError` otherwise: that is the local caller's mistake.
 * A peer's mistake never throws: it fails the connection (events and output).
 *
 * ## Flags (bits of `#flags`: a field costs 8 bytes on every idle connection)
 *
 * - `CLOSE_TRANSPORT_PENDING`: the next `takeOutput()` says `closeTransport`;
 *   cleared by it.
 * - `CLOSE_TRANSPORT_ASKED`: the I/O layer was asked to close the transport
 *   (set with the above, never cleared): it is asked once.
 * - `SENDING_FRAGMENTS`: we sent the first frame of a fragmented message and
 *   not its last; a new message may not start (5.4).
 * - `CLOSE_SENT`: a close frame was queued; `closeExpected` is true until
 *   `closed`, and no frame follows it (5.5.1).
 * - `VALIDATE_AS_RECEIVED`: the text message arriving (no extension) is
 *   checked for UTF-8 piece by piece, failing fast (8.1).
 * - `DISCARDING_INPUT`: no more input is parsed, after a close frame (5.5.1)
 *   or failing (7.1.7).
 * - `HOLD_PONGS`: pings get no pong at once (`holdPongs`).
 * - `NO_AUTO_PONG`: pings are not answered (`autoPong` false).
 * - `SENDING_RAW`: the fragmented message we are sending skips the
 *   extensions (`sendText`/`sendBinary` with `compress` false).
 * - `STREAM_MESSAGES`: messages that start from now on are streamed
 *   (`streamMessages`).
 * - `STREAMING_MESSAGE`: the message being received is streamed: its
 *   pieces leave as `fragment` events as they arrive (see "Streaming" below).
 *
 * ## Receiving
 *
 * Between frames the parser keeps nothing but the counters of the message
 * being received (`#messageFirstByte` is its first header byte without FIN,
 * 0 when none). A header cut by a read waits in `#header`/`#headerLength`;
 * a payload cut by a read in `#partial`; a fragmented message's data in
 * `#messageParts`. Each is made when needed and dropped after use.
 *
 * Every header goes through one check (`#checkHeader`: the RFC's rules in
 * `checkFrameHeader`, then our limits) before any of its payload is used.
 * Then a whole unfragmented text or binary message with no extension takes
 * a fast path (in `#parse` for binary, `#receiveUnfragmentedText` for
 * text), which skips the message bookkeeping; everything else takes
 * `#startFrame` and `#receiveFrame`.
 *
 * ## Streaming (`streamMessages`)
 *
 * A streamed message is not assembled: each data frame, or each part of one
 * that a read brought (`PartialFrame.streamed`), leaves as a `fragment` event
 * at once, after the same checks (limits at the header, UTF-8 validated as it
 * arrives across frames, `#emitFragment`). Only a message that arrives whole
 * in one frame and one read keeps its `text`/`binary` event (the fast
 * paths). With an extension, frames are still decoded whole, then streamed
 * frame by frame.
 *
 * ## The rare side object (`#rare`, a `RareState`)
 *
 * What few connections need, or need late, lives in one object made on first
 * use instead of five fields on every idle connection: the subprotocol (when
 * one was negotiated), input held back at a faulty frame or a close frame (see
 * `hasHeldInput`), the peer's close frame (once received), the error that
 * failed the connection, and the data of a ping whose pong is pending
 * (`holdPongs`, or `PONG_OUTPUT_LIMIT` reached).
 *
 * ## Settings (`#settings`)
 *
 * Limits and the masking-key pool are derived once per options object and
 * shared by every protocol made with it (`settings.ts`).
 *
 * @module
 */

import { EMPTY_BYTES } from "./bytes.js";
import { CloseCode, MAX_CLOSE_REASON_BYTES, parseClose, serializeClose } from "./close.js";
import { ExtensionError, type HandshakeError, InvalidStateError, ProtocolError } from "./errors.js";
import type { ProtocolEvent } from "./events.js";
import type { Extension } from "./extension.js";
import {
  checkFrameHeader,
  FIN,
  type HeaderCheck,
  headerProblem,
  headerSizeOf,
  MASK,
  MAX_CONTROL_PAYLOAD,
  MAX_HEADER_SIZE,
  MAX_SAFE_LENGTH,
  Opcode,
  readMaskKey,
  readPayloadLength,
} from "./frame.js";
import { queueFrame, queueFrameBytes, queueTextFrame } from "./frame-writer.js";
import type { Response } from "./http1/message.js";
import { applyMask, applyMaskWords, copyMasked, wordsOf } from "./mask.js";
import { MessageParts } from "./message-parts.js";
import { OutputQueue } from "./output.js";
import { type PreparedMessage, sharedKeyOf } from "./prepared-message.js";
import type { MaskPool, RandomSource } from "./random.js";
import { type OpenProtocolOptions, type ProtocolSettings, protocolSettings } from "./settings.js";
import { decodeUtf8, encodeUtf8, UTF8_ACCEPT, UTF8_REJECT, validateUtf8 } from "./utf8.js";

/** Which end of the connection this protocol plays. */
export type Role = "client" | "server";

/** The connection state (RFC 6455 4.1, 7.1); see the theory of operation above. */
export type State = "connecting" | "open" | "closing" | "closed";

/** What to write to the transport, pulled with `takeOutput()`. */
export interface Output {
  /** Bytes to write, in order. Write them in one go (one socket write) where possible. */
  readonly chunks: readonly Uint8Array[];
  /** After writing `chunks`, close (half-close) the transport: the protocol is done sending. */
  readonly closeTransport: boolean;
}

/** A frame whose payload arrives over several reads (allocated per such frame: idle memory). */
interface PartialFrame {
  /** The first header byte: FIN, RSV, opcode. */
  readonly first: number;
  readonly mask: number;
  /** The payload length the header announced. */
  readonly length: number;
  /** A data frame of a streamed message: its pieces leave as they arrive, nothing is buffered. */
  readonly streamed: boolean;
  /**
   * The payload, unmasked as it arrives: in one buffer of the announced
   * length, or for a frame over EAGER_PAYLOAD, in pieces until a quarter of it
   * is here. A header announcing a megabyte costs ten bytes to send; the
   * receiver holds at most four times what came, not the megabyte (RFC 6455
   * 10.7).
   */
  parts: MessageParts | undefined;
  payload: Uint8Array | undefined;
  received: number;
}

/**
 * Drives the opening handshake for a subclass while the state is
 * `connecting`: `ClientProtocol` and `ServerProtocol` each give one, an object
 * holding what only the handshake needs, dropped when it ends.
 */
export interface HandshakeDriver {
  receiveData(bytes: Uint8Array): void;
  receiveEof(): void;
}

const NO_EVENTS: ProtocolEvent[] = [];
const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);
const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);
const NO_OUTPUT: Output = Object.freeze({ chunks: NO_CHUNKS, closeTransport: false });
// Bits of Protocol.#flags (see the theory of operation above).
const CLOSE_TRANSPORT_PENDING = 1;
const CLOSE_TRANSPORT_ASKED = 2;
const SENDING_FRAGMENTS = 4;
const CLOSE_SENT = 8;
const VALIDATE_AS_RECEIVED = 16;
const DISCARDING_INPUT = 32;
const HOLD_PONGS = 64;
const STREAM_MESSAGES = 128;
const STREAMING_MESSAGE = 256;
const NO_AUTO_PONG = 512;
const SENDING_RAW = 1024;
// What #checkHeader finds beyond HeaderCheck's rules: our limits (10.4, 1009).
const FRAME_TOO_BIG = 8;
const MESSAGE_TOO_BIG = 9;
// A ping that arrives while this much output waits to be taken is answered in
// the next takeOutput(), with one pong for the latest such ping (RFC 6455
// 5.5.3): one read full of pings makes at most this much output in pongs,
// whatever the read's size (Bun's reads of a ping flood made 4 MB of them).
const PONG_OUTPUT_LIMIT = 64 * 1024;
// A frame split across reads gets a buffer of its whole length at once up to
// this size (what one read of Node's brings anyway); a larger one only when a
// quarter of it has come (see PartialFrame). Reassembling small frames in
// pieces first cost 4% of the 16 KiB echo benchmark's CPU.
const EAGER_PAYLOAD = 64 * 1024;
// The reason sent with 1011 when one of our extensions fails: what failed is
// ours to log (the `closed` event's error), not the peer's to read.
const EXTENSION_FAILED_REASON = "Cannot decode message: internal error";

/** What a streamed text message needs of a `TextDecoder` (the type differs between runtimes' typings). */
interface StreamDecoder {
  decode(input: Uint8Array, options: { stream: boolean }): string;
}

/** The rare side object of a protocol (see the theory of operation above). */
class RareState {
  subprotocol: string | null = null;
  // The input held back at a faulty frame or a close frame (see `hasHeldInput`).
  heldInput: Uint8Array | undefined;
  closeReceived: { code: number; reason: string } | undefined;
  error: ProtocolError | ExtensionError | HandshakeError | undefined;
  // The data of the latest ping whose pong is pending (a copy).
  pendingPong: Uint8Array | undefined;
  // The decoder of a streamed text message: holds a code point cut between pieces.
  streamDecoder: StreamDecoder | undefined;
}

/** The payload of a frame given as text (UTF-8 encoded) or as bytes (as they are). */
function payloadBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encodeUtf8(data) : data;
}

/**
 * The WebSocket protocol for one connection. Constructed directly, it starts
 * in the `open` state, for connections whose handshake happened elsewhere
 * (WebSocket over HTTP/2, or a framework that did the upgrade); see
 * `ClientProtocol` and `ServerProtocol` for the HTTP/1.1 handshake.
 *
 * @example
 * ```ts
 * const protocol = new Protocol("server");
 * protocol.receiveData(bytes);
 * for (const event of protocol.takeEvents()) if (event.type === "text") protocol.sendText(event.data);
 * const { chunks, closeTransport } = protocol.takeOutput();
 * ```
 */
export class Protocol {
  /** Which end this is. Clients mask what they send; servers must not (RFC 6455 5.1). */
  readonly role: Role;
  readonly #settings: ProtocolSettings;

  #state: State = "open";
  #extensions: readonly Extension[] = NO_EXTENSIONS;
  #rsvAllowed = 0;
  #handshakeDriver: HandshakeDriver | undefined;

  #eventQueue: ProtocolEvent[] = NO_EVENTS;
  // Created when output is queued, dropped when it is taken: an idle
  // connection holds no queue (idle memory).
  #out: OutputQueue | undefined;
  #flags = 0;

  // Receiving.
  #header: Uint8Array | undefined;
  #headerLength = 0;
  #partial: PartialFrame | undefined;
  // The first header byte of the message being received, without FIN: its
  // opcode and RSV bits (`b0 & 0x7f`); 0 when no message is being received.
  #messageFirstByte = 0;
  #messageFrames = 0;
  #messageBytes = 0;
  // Allocated while a fragmented message arrives (idle memory).
  #messageParts: MessageParts | undefined;
  #utf8State = UTF8_ACCEPT;
  // Messages emitted by the current receiveData call.
  #messagesThisCall = 0;
  #rare: RareState | undefined;

  constructor(role: Role, options: OpenProtocolOptions = {}) {
    if (role !== "client" && role !== "server") throw new TypeError(`Invalid role: "${role}"`);
    this.role = role;
    this.#settings = protocolSettings(options);
    this.#setNegotiated(options.subprotocol ?? null, options.extensions ?? []);
  }

  /** Largest message accepted, after decompression. */
  get maxMessageBytes(): number {
    return this.#settings.maxMessageBytes;
  }

  /** Largest frame accepted. */
  get maxFrameBytes(): number {
    return this.#settings.maxFrameBytes;
  }

  /** The random source given in the options. */
  protected get random(): RandomSource {
    return this.#settings.random;
  }

  /** The connection state. */
  get state(): State {
    return this.#state;
  }

  /** The negotiated subprotocol, or `null`. */
  get subprotocol(): string | null {
    return this.#rare?.subprotocol ?? null;
  }

  /** The negotiated extensions, in the order they apply when sending. */
  get extensions(): readonly Extension[] {
    return this.#extensions;
  }

  /**
   * Whether the I/O layer should expect the transport to close, and arm its
   * close timer: true once a close frame was sent, until the connection is
   * closed. When the timer fires, destroy the transport and call `receiveEof()`.
   */
  get closeExpected(): boolean {
    return (this.#flags & CLOSE_SENT) !== 0 && this.#state !== "closed";
  }

  /**
   * Whether automatic pongs are held back. While true, a ping is answered
   * with no pong at once: the latest ping's data is kept, and setting this
   * back to false queues one pong for it (RFC 6455 5.5.3 lets an endpoint
   * answer only the most recent of several pings). The I/O layer holds pongs
   * while the peer does not read what it is sent: a peer that sends pings and
   * never reads would otherwise make the output grow without bound.
   */
  get holdPongs(): boolean {
    return (this.#flags & HOLD_PONGS) !== 0;
  }

  set holdPongs(hold: boolean) {
    this.#setFlag(HOLD_PONGS, hold);
    if (!hold) this.#sendPendingPong();
  }

  /**
   * Whether messages are streamed: while true, a message that starts is
   * reported piece by piece as it arrives, in `fragment` events (see
   * {@link FragmentEvent}), instead of being assembled into one `text` or
   * `binary` event. Memory then holds a piece, not the message: a large
   * message can be processed as it comes. The checks stay the same: the
   * message and frame limits apply at each header, and the UTF-8 of a text
   * message is validated as it arrives, failing with 1007 at the first
   * invalid byte. A message that arrives whole (one frame in one read) is
   * still one `text` or `binary` event. Changing it applies from the next
   * message on. Default false.
   */
  get streamMessages(): boolean {
    return (this.#flags & STREAM_MESSAGES) !== 0;
  }

  set streamMessages(stream: boolean) {
    this.#setFlag(STREAM_MESSAGES, stream);
  }

  /**
   * Whether pings are answered with a pong automatically (RFC 6455 5.5.2).
   * Default true. Set it to false only when the application answers them
   * itself (`sendPong`), as ws's `autoPong: false` lets it: a peer that
   * pings and gets no pong will usually close the connection.
   */
  get autoPong(): boolean {
    return (this.#flags & NO_AUTO_PONG) === 0;
  }

  set autoPong(answer: boolean) {
    this.#setFlag(NO_AUTO_PONG, !answer);
  }

  /**
   * Whether a fragmented message we send is open: until its last frame, no
   * other message may be sent (RFC 6455 5.4), and `sendPrepared` throws.
   */
  get sendingFragments(): boolean {
    return (this.#flags & SENDING_FRAGMENTS) !== 0;
  }

  /** Whether `takeOutput()` has something to return. */
  get hasOutput(): boolean {
    return (
      (this.#out !== undefined && this.#out.bytes > 0) ||
      (this.#flags & CLOSE_TRANSPORT_PENDING) !== 0
    );
  }

  /** Bytes queued for the transport and not yet taken. */
  get bufferedBytes(): number {
    return this.#out === undefined ? 0 : this.#out.bytes;
  }

  // ---------------------------------------------------------------- pulled

  /** The events since the last call, oldest first. */
  takeEvents(): ProtocolEvent[] {
    const events = this.#eventQueue;
    this.#eventQueue = NO_EVENTS;
    return events;
  }

  /** The bytes to write since the last call, and whether to close the transport after them. */
  takeOutput(): Output {
    // A pong left pending by PONG_OUTPUT_LIMIT leaves now, unless pongs are held.
    if (!(this.#flags & HOLD_PONGS)) this.#sendPendingPong();
    if (!this.hasOutput) return NO_OUTPUT;
    const closeTransport = (this.#flags & CLOSE_TRANSPORT_PENDING) !== 0;
    this.#flags &= ~CLOSE_TRANSPORT_PENDING;
    const out = this.#out;
    this.#out = undefined;
    return { chunks: out === undefined ? NO_CHUNKS : out.take(), closeTransport };
  }

  // ---------------------------------------------------------------- input

  /**
   * Processes bytes read from the transport. The protocol takes ownership of
   * `bytes`: they are unmasked in place, and binary events may be views on them.
   * A peer's protocol error never throws; it fails the connection (events and
   * output tell).
   *
   * Returns `true` when nothing keeps a reference to `bytes` after the call
   * (all of them were copied into a message being assembled): the caller may
   * then reuse or free their memory at once (see `src/node/transport.ts`).
   * `false` says nothing either way.
   */
  receiveData(bytes: Uint8Array): boolean {
    if (this.#handshakeDriver !== undefined) this.#handshakeDriver.receiveData(bytes);
    else if ((this.#flags & DISCARDING_INPUT) === 0 && this.#rare?.heldInput === undefined) {
      // (Input after held-back input is dropped: the connection fails at the
      // held frame, and nothing after a failure is processed.)
      this.#messagesThisCall = 0;
      const partial = this.#partial;
      if (
        partial !== undefined &&
        !partial.streamed &&
        bytes.length <= partial.length - partial.received &&
        (partial.payload !== undefined || (partial.received + bytes.length) * 4 >= partial.length)
      ) {
        // All of the input is payload of a frame being assembled in its own
        // buffer (#receivePayload copies it there): no view on it survives.
        // Freeing such reads at once took a third of the mark-compacts off
        // the 1 MiB echo on Node 24 (0.045 to 0.03 per message).
        this.#parse(bytes);
        return true;
      }
      this.#parse(bytes);
    }
    return false;
  }

  /**
   * Whether input is held back: a frame that breaks the protocol, or the
   * peer's close frame, followed messages delivered by the same
   * `receiveData` call, and failing or answering the close at once would
   * close the connection before the application could answer them (an echo,
   * say: Autobahn calls that strict). Give the application its turn, write
   * what it sent, then call {@link receiveHeldInput}, which fails the
   * connection or answers the close. Data received meanwhile is dropped, as
   * any input after a failure or a close frame would be.
   */
  get hasHeldInput(): boolean {
    return this.#rare?.heldInput !== undefined;
  }

  /** Processes the input held back (see {@link hasHeldInput}). */
  receiveHeldInput(): void {
    const held = this.#rare?.heldInput;
    if (held === undefined) return;
    this.#rare!.heldInput = undefined;
    this.receiveData(held);
  }

  /** Reports that the transport ended (or was destroyed): the connection is closed. */
  receiveEof(): void {
    if (this.#handshakeDriver !== undefined) {
      this.#handshakeDriver.receiveEof();
      return;
    }
    this.receiveHeldInput();
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#flags |= DISCARDING_INPUT;
    this.#closeTransport();
    const received = this.#rare?.closeReceived;
    const error = this.#rare?.error;
    const closed = {
      type: "closed",
      code: received?.code ?? CloseCode.ABNORMAL_CLOSURE,
      reason: received?.reason ?? "",
      wasClean: (this.#flags & CLOSE_SENT) !== 0 && received !== undefined,
    } as const;
    this.emit(error === undefined ? closed : { ...closed, error });
    // (Indexed loops in per-connection code: for-of allocates an iterator
    // until the function is optimized, and these run once per connection.)
    const extensions = this.#extensions;
    for (let i = 0; i < extensions.length; i++) extensions[i]!.dispose?.();
  }

  // ---------------------------------------------------------------- commands

  /**
   * Sends a text message, or its first fragment when `fin` is false. Lone
   * surrogates become U+FFFD. `compress` false sends the message past the
   * extensions, as is (permessage-deflate: uncompressed, RSV1 clear, which
   * RFC 7692 6 allows for any message), its continuation frames too.
   */
  sendText(text: string, fin = true, compress = true): void {
    this.#startMessage(fin, compress);
    this.#sendData(Opcode.TEXT, text, fin, compress);
  }

  /** Sends a binary message, or its first fragment when `fin` is false. `compress` as for {@link sendText}. */
  sendBinary(data: Uint8Array, fin = true, compress = true): void {
    this.#startMessage(fin, compress);
    this.#sendData(Opcode.BINARY, data, fin, compress);
  }

  /** Sends the next fragment of the message started by `sendText`/`sendBinary` with `fin` false. */
  sendContinuation(data: Uint8Array | string, fin: boolean): void {
    this.#checkOpen("send a continuation frame");
    if (!(this.#flags & SENDING_FRAGMENTS)) {
      throw new InvalidStateError(
        "Cannot send a continuation frame: no fragmented message is open",
      );
    }
    this.#setFlag(SENDING_FRAGMENTS, !fin);
    this.#sendData(Opcode.CONTINUATION, data, fin, (this.#flags & SENDING_RAW) === 0);
  }

  /**
   * Sends a prepared message by handing back its frame for the caller to
   * write at once, when that frame is all `sendPrepared` then `takeOutput`
   * would give: a server without extensions, open, no fragmented message
   * open, no output waiting (no pong held back either; a close of the
   * transport is asked for only once the state has left open). Returns `undefined`, sending nothing, otherwise (then use
   * `sendPrepared`). For the topics' end-of-turn delivery to thousands of
   * connections (connection/publish-batch.ts): it skips the output queue,
   * chunk array and output record that `takeOutput` makes per connection.
   */
  sendPreparedAlone(message: PreparedMessage): Uint8Array | undefined {
    if (
      this.#state !== "open" ||
      this.role !== "server" ||
      this.#extensions.length !== 0 ||
      (this.#flags & SENDING_FRAGMENTS) !== 0 ||
      (this.#out !== undefined && this.#out.bytes > 0) ||
      this.#rare?.pendingPong !== undefined
    ) {
      return undefined;
    }
    // What #startMessage(true) leaves: no fragmented message, not raw.
    this.#flags &= ~SENDING_RAW;
    return message.serverFrame;
  }

  /** Sends a prepared (already framed) message; see `prepareMessage`. */
  sendPrepared(message: PreparedMessage): void {
    this.#startMessage(true);
    if (this.role === "server" && this.#extensions.length === 0) {
      const out = this.#output();
      // The frame is shared by every connection it goes to: alone in the
      // output it leaves as the write's one chunk, uncopied (copying pays only
      // to join other small frames in one chunk; see COPY_LIMIT). A topic's
      // publishes of one turn go to each subscriber as one such run of frames
      // (connection/publish-batch.ts): without this, each of 10,000
      // subscribers copied it into the slab and cut a view of it again.
      if (out.bytes === 0) out.push(message.serverFrame);
      else queueFrameBytes(out, message.serverFrame);
      return;
    }
    const key = sharedKeyOf(this.#extensions);
    if (key === null) this.#sendData(message.opcode, message.payload, true);
    else {
      const encoded = message.encodedFor(key, this.#extensions);
      this.#frame(FIN | encoded.rsv | message.opcode, encoded.payload);
    }
  }

  /** Sends a ping (at most 125 bytes of data). */
  sendPing(data: Uint8Array | string = EMPTY_BYTES): void {
    this.#checkOpen("send a ping");
    this.#sendControl(Opcode.PING, payloadBytes(data));
  }

  /** Sends a pong (at most 125 bytes of data); pings are answered automatically. */
  sendPong(data: Uint8Array | string = EMPTY_BYTES): void {
    this.#checkOpen("send a pong");
    this.#sendControl(Opcode.PONG, payloadBytes(data));
  }

  /**
   * Starts the closing handshake (RFC 6455 7.1.2). Without a code the close
   * frame has no body (the peer sees 1005). The reason is at most 123 bytes of
   * UTF-8.
   */
  sendClose(code?: number, reason = ""): void {
    this.#checkOpen("send a close frame");
    this.#sendClose(code, reason);
  }

  /**
   * Fails the connection (RFC 6455 7.1.7): sends a close frame with `code` if
   * the connection is open, then stops processing input. A server closes the
   * transport at once; a client waits for the server to do it.
   */
  fail(code: number, reason = ""): void {
    if (this.#state === "connecting") {
      // Failing during the handshake: just close the transport (RFC 6455 7.1.7).
      this.#handshakeDriver = undefined;
      this.#state = "closing";
      this.receiveEof();
      return;
    }
    if (this.#state === "open") this.#sendClose(code, reason);
    this.#flags |= DISCARDING_INPUT;
    if (this.closesTransportFirst && this.#state !== "closed") this.#closeTransport();
  }

  // ---------------------------------------------------------------- for subclasses

  /**
   * Whether this end closes the transport once close frames went both ways,
   * rather than wait for the peer to: the server over TCP (RFC 6455 7.1.1,
   * so that TIME_WAIT stays on its side). A subclass over a transport with
   * no TIME_WAIT (an HTTP/2 stream, RFC 8441) says yes for the client too.
   */
  protected get closesTransportFirst(): boolean {
    return this.role === "server";
  }

  /** Queues an event. */
  protected emit(event: ProtocolEvent): void {
    if (this.#eventQueue === NO_EVENTS) this.#eventQueue = [event];
    else this.#eventQueue.push(event);
  }

  /** Queues bytes to write as they are. */
  protected write(bytes: Uint8Array): void {
    this.#output().push(bytes);
  }

  /**
   * Reserves `size` bytes at the end of the output, in the shared output
   * slab when they fit (see output.ts), for a subclass to write into.
   */
  protected reserve(size: number): { buffer: Uint8Array; offset: number } {
    return this.#output().reserve(size);
  }

  /** The handshake driver given to {@link beginHandshake}, while the state is `connecting`. */
  protected get handshakeDriver(): HandshakeDriver | undefined {
    return this.#handshakeDriver;
  }

  /** Enters the `connecting` state; input goes to `driver` until the handshake ends. */
  protected beginHandshake(driver: HandshakeDriver): void {
    this.#state = "connecting";
    this.#handshakeDriver = driver;
  }

  /** Ends the handshake successfully: the connection is open; `rest` are bytes already read after it. */
  protected completeHandshake(
    subprotocol: string | null,
    extensions: readonly Extension[],
    rest: Uint8Array,
  ): void {
    this.#handshakeDriver = undefined;
    this.#state = "open";
    this.#setNegotiated(subprotocol, extensions);
    if (rest.length > 0) this.#parse(rest);
  }

  /**
   * Ends a client's handshake on the server's response, over HTTP/1.1 or
   * HTTP/2 alike: `check` validates it (RFC 6455 4.1, RFC 8441 5) and returns
   * what was negotiated, or throws the HandshakeError that fails it. Either
   * way the `response` event comes first, carrying that error.
   */
  protected concludeHandshake(
    response: Response,
    check: () => { subprotocol: string | null; extensions: readonly Extension[] },
    rest: Uint8Array,
  ): void {
    let negotiated: ReturnType<typeof check>;
    try {
      negotiated = check();
    } catch (error) {
      const failure = error as HandshakeError;
      this.emit({ type: "response", response, error: failure });
      this.failHandshake(failure);
      return;
    }
    this.emit({ type: "response", response });
    this.completeHandshake(negotiated.subprotocol, negotiated.extensions, rest);
  }

  /** Ends the handshake with a failure: the connection is closed and the transport must close. */
  protected failHandshake(error: HandshakeError): void {
    this.#handshakeDriver = undefined;
    this.#rareState().error = error;
    this.#state = "closing";
    this.receiveEof();
  }

  // ---------------------------------------------------------------- state

  #setNegotiated(subprotocol: string | null, extensions: readonly Extension[]): void {
    if (subprotocol !== null || this.#rare !== undefined)
      this.#rareState().subprotocol = subprotocol;
    // The shared empty list when none: one array less per connection, and
    // the receiver's fast path tells "no extension" by it.
    this.#extensions = extensions.length === 0 ? NO_EXTENSIONS : extensions;
    let rsv = 0;
    for (let i = 0; i < extensions.length; i++) rsv |= extensions[i]!.rsvBits;
    this.#rsvAllowed = rsv;
  }

  #rareState(): RareState {
    if (this.#rare === undefined) this.#rare = new RareState();
    return this.#rare;
  }

  #output(): OutputQueue {
    if (this.#out === undefined) this.#out = new OutputQueue();
    return this.#out;
  }

  #setFlag(flag: number, on: boolean): void {
    if (on) this.#flags |= flag;
    else this.#flags &= ~flag;
  }

  #checkOpen(action: string): void {
    if (this.#state !== "open") {
      throw new InvalidStateError(`Cannot ${action}: the connection is ${this.#state}`);
    }
  }

  /** Asks the I/O layer (once) to close the transport after the output. */
  #closeTransport(): void {
    if (!(this.#flags & CLOSE_TRANSPORT_ASKED)) {
      this.#flags |= CLOSE_TRANSPORT_PENDING | CLOSE_TRANSPORT_ASKED;
    }
  }

  /**
   * Fails the connection because of the peer (a `ProtocolError`, a limit
   * included) or of our extension (an `ExtensionError`), and records why.
   */
  #failWith(error: ProtocolError | ExtensionError): void {
    this.#rareState().error = error;
    const message = error.message;
    // The reason travels in the close frame; a short one is enough for the
    // peer, and a close frame holds at most 123 bytes of reason (5.5.1).
    const reason =
      error instanceof ExtensionError
        ? EXTENSION_FAILED_REASON
        : encodeUtf8(message).length <= MAX_CLOSE_REASON_BYTES
          ? message
          : "";
    this.fail(error.closeCode, reason);
  }

  // ---------------------------------------------------------------- sending

  #startMessage(fin: boolean, compress = true): void {
    this.#checkOpen("send a message");
    if (this.#flags & SENDING_FRAGMENTS) {
      throw new InvalidStateError(
        "Cannot send a message: a fragmented message is still open (RFC 6455 5.4)",
      );
    }
    this.#setFlag(SENDING_FRAGMENTS, !fin);
    this.#setFlag(SENDING_RAW, !compress);
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#frame(FIN | Opcode.CLOSE, serializeClose(code, reason));
    this.#flags |= CLOSE_SENT;
    this.#state = "closing";
    if (this.#rare?.closeReceived !== undefined && this.closesTransportFirst)
      this.#closeTransport();
  }

  /** Queues the pong for the latest ping held back, if any (5.5.2: none after a close frame). */
  #sendPendingPong(): void {
    const rare = this.#rare;
    const pending = rare?.pendingPong;
    if (pending === undefined) return;
    rare!.pendingPong = undefined;
    if (this.#state === "open") this.#frame(FIN | Opcode.PONG, pending);
  }

  #sendControl(opcode: number, payload: Uint8Array): void {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`Invalid control frame payload: ${payload.length} bytes, at most 125`);
    }
    this.#frame(FIN | opcode, payload);
  }

  #sendData(opcode: number, data: Uint8Array | string, fin: boolean, compress = true): void {
    let first = (fin ? FIN : 0) | opcode;
    if (this.#extensions.length === 0 || !compress) {
      if (typeof data === "string") queueTextFrame(this.#output(), first, data, this.#masks());
      else this.#frame(first, data);
      return;
    }
    let payload = payloadBytes(data);
    const isFirst = opcode !== Opcode.CONTINUATION;
    for (const extension of this.#extensions) {
      const encoded = extension.encode(payload, isFirst, fin);
      payload = encoded.payload;
      first |= encoded.rsv;
    }
    this.#frame(first, payload);
  }

  /** Queues one frame. `first` is the first header byte (FIN, RSV, opcode). */
  #frame(first: number, payload: Uint8Array): void {
    queueFrame(this.#output(), first, payload, this.#masks());
  }

  /** The masking keys of what we send: a client masks its frames, a server does not (5.1). */
  #masks(): MaskPool | undefined {
    return this.role === "client" ? this.#settings.masks : undefined;
  }

  // ---------------------------------------------------------------- receiving

  /** Parses frames out of `data` (RFC 6455 5.2), resuming where the last call stopped. */
  #parse(input: Uint8Array): void {
    // A plain Uint8Array view of the input: subarray on it makes plain views
    // (Node hands us Buffers, whose subarray costs half as much again).
    const data =
      input.constructor === Uint8Array
        ? input
        : new Uint8Array(input.buffer, input.byteOffset, input.length);
    const end = data.length;
    let pos = 0;
    let words: Uint32Array | undefined;
    while (pos < end && (this.#flags & DISCARDING_INPUT) === 0) {
      if (this.#partial !== undefined) {
        pos = this.#receivePayload(data, pos);
        continue;
      }

      // The header, from `data` directly or, when a previous read ended
      // inside it, from the bytes kept in `#header`.
      let source = data;
      let at = pos;
      let available = end - pos;
      const kept = this.#headerLength;
      if (kept > 0) {
        const header = this.#header!;
        const take = Math.min(MAX_HEADER_SIZE - kept, available);
        header.set(data.subarray(pos, pos + take), kept);
        source = header;
        at = 0;
        available = kept + take;
      }
      if (available < 2) {
        this.#keepHeader(data, pos, end, available);
        return;
      }
      const b0 = source[at]!;
      const b1 = source[at + 1]!;
      const size = headerSizeOf(b1);
      if (available < size) {
        this.#keepHeader(data, pos, end, available);
        return;
      }
      pos += size - kept;
      if (kept > 0) {
        this.#headerLength = 0;
        // Dropped once used: a connection keeps no buffer between frames.
        this.#header = undefined;
      }
      const length = readPayloadLength(source, at);
      if (length < 0) {
        this.#failWith(
          new ProtocolError(
            CloseCode.PROTOCOL_ERROR,
            "Cannot parse frame header: 64-bit length with the most significant bit set",
          ),
        );
        return;
      }
      const masked = (b1 & MASK) !== 0;
      const key = masked ? readMaskKey(source, at, size) : 0;

      const check = this.#checkHeader(b0, masked, length);
      // A frame that breaks the protocol, or the peer's close frame (whole,
      // still masked), behind messages of this read waits for the
      // application's turn: failing or answering the close at once would
      // close the connection before the application could answer those
      // messages (Autobahn calls that strict; RFC 6455 5.5.1 lets an endpoint
      // send its current message before its close, and ws, whose listeners
      // see the messages first, sends those answers).
      if (
        this.#messagesThisCall > 0 &&
        kept === 0 &&
        (check !== 0 /* HeaderCheck.OK */ ||
          ((b0 & 0x0f) === Opcode.CLOSE && this.#state === "open" && end - pos >= length))
      ) {
        this.#rareState().heldInput = data.subarray(pos - size);
        return;
      }
      if (check !== 0 /* HeaderCheck.OK */) {
        this.#failWith(this.#headerError(check, b0, masked, length));
        return;
      }

      if (end - pos >= length) {
        // The whole payload is here: unmask in place and use it without a copy.
        if (key !== 0) {
          words ??= wordsOf(data);
          applyMaskWords(data, words, pos, pos + length, key, 0);
        }
        const payload = data.subarray(pos, pos + length);
        pos += length;
        if (this.#extensions !== NO_EXTENSIONS || (b0 !== 0x82 && b0 !== 0x81)) {
          this.#startFrame(b0);
          this.#receiveFrame(b0, payload, false);
        } else if (b0 === 0x82 /* FIN | BINARY */) {
          // Fast path for the most common frame, a whole binary message with
          // no extension: skips #startFrame's message bookkeeping and
          // #receiveFrame's dispatch. Written out here rather than called:
          // as a function it fell outside V8's inlining budget for this loop
          // (callgrind, 64-byte frames: 1453 instructions a frame called,
          // 1322 written out).
          this.#messagesThisCall++;
          this.emit({ type: "binary", data: payload });
        } else {
          this.#receiveUnfragmentedText(payload);
        }
      } else {
        // The payload arrives in pieces: buffer it (its size was checked
        // against the limits above), unmasking and validating as it comes;
        // or, for a streamed message, pass each piece on as it comes.
        this.#startFrame(b0);
        const streamed =
          (this.#flags & STREAMING_MESSAGE) !== 0 &&
          (b0 & 0x0f) < Opcode.CLOSE &&
          this.#extensions === NO_EXTENSIONS;
        this.#partial = {
          first: b0,
          mask: key,
          length,
          streamed,
          parts: undefined,
          payload: !streamed && length <= EAGER_PAYLOAD ? new Uint8Array(length) : undefined,
          received: 0,
        };
      }
    }
  }

  #keepHeader(data: Uint8Array, pos: number, end: number, available: number): void {
    if (this.#headerLength === 0) {
      this.#header ??= new Uint8Array(MAX_HEADER_SIZE);
      this.#header.set(data.subarray(pos, end));
    }
    this.#headerLength = available;
  }

  /**
   * Checks a frame header before any of its payload is buffered: the rules of
   * RFC 6455 5.1, 5.2, 5.4 and 5.5 (`checkFrameHeader`), then our limits
   * (10.4). Returns `HeaderCheck.OK`, or what is wrong as a number (kept
   * small for the JIT to inline it into #parse: see `HeaderCheck`), which
   * {@link #headerError} turns into the error.
   */
  #checkHeader(b0: number, masked: boolean, length: number): number {
    const settings = this.#settings;
    return (
      checkFrameHeader(
        b0,
        masked,
        length,
        this.role === "server",
        this.#rsvAllowed,
        this.#messageFirstByte !== 0,
      ) ||
      (length > settings.maxFrameBytes || length > MAX_SAFE_LENGTH
        ? FRAME_TOO_BIG
        : (b0 & 0x0f) === 0 && this.#messageBytes + length > settings.maxMessageBytes
          ? MESSAGE_TOO_BIG
          : 0)
    );
  }

  /** The error for what {@link #checkHeader} found (not `OK`). */
  #headerError(check: number, b0: number, masked: boolean, length: number): ProtocolError {
    if (check === FRAME_TOO_BIG) {
      return new ProtocolError(
        CloseCode.MESSAGE_TOO_BIG,
        `Cannot parse frame: frame of ${length} bytes, limit ${this.maxFrameBytes}`,
      );
    }
    if (check === MESSAGE_TOO_BIG) {
      return new ProtocolError(
        CloseCode.MESSAGE_TOO_BIG,
        `Cannot parse frame: message over ${this.maxMessageBytes} bytes`,
      );
    }
    const problem = headerProblem(check as Exclude<HeaderCheck, 0>, b0, masked, length);
    return new ProtocolError(CloseCode.PROTOCOL_ERROR, `Cannot parse frame: ${problem}`);
  }

  /**
   * Fast path for a whole text message with no extension (FIN, opcode 0x1, no
   * RSV bit): skips #startFrame's message bookkeeping and #receiveFrame's
   * dispatch, and decodes the UTF-8 in one pass. Tested to give the events and
   * output of the general path (split reads take that one). Receiving 64-byte
   * text frames: about 8% faster than the general path (A/B in one process).
   */
  #receiveUnfragmentedText(payload: Uint8Array): void {
    const text = decodeUtf8(payload);
    if (text === undefined) this.#failInvalidUtf8();
    else this.#emitMessage({ type: "text", data: text });
  }

  /** Copies the next piece of a payload that arrives in pieces; returns the new position. */
  #receivePayload(data: Uint8Array, pos: number): number {
    const partial = this.#partial!;
    if (partial.streamed) return this.#streamPayload(data, pos);
    const at = partial.received;
    const end = pos + Math.min(partial.length - at, data.length - pos);
    let payload = partial.payload;
    if (payload === undefined && (at + end - pos) * 4 >= partial.length) {
      payload = partial.payload = new Uint8Array(partial.length);
      partial.parts?.copyTo(payload);
      partial.parts = undefined;
    }
    if (payload !== undefined) {
      // Copied and unmasked in one pass (frames are masked exactly when a
      // server receives them, checked at the header; a zero key changes nothing).
      if (partial.mask !== 0) copyMasked(data, pos, end, payload, at, partial.mask, at);
      else payload.set(data.subarray(pos, end), at);
    } else {
      // Unmasked in place (the input is ours), at the key's phase for this offset.
      if (partial.mask !== 0) applyMask(data, pos, end, partial.mask, at);
      (partial.parts ??= new MessageParts()).add(data.subarray(pos, end));
    }
    partial.received = at + end - pos;
    // Fail fast (RFC 6455 8.1; Autobahn 6.4.3, 6.4.4): invalid UTF-8 fails
    // the connection as soon as it arrives, before the frame is complete.
    const validate = (this.#flags & VALIDATE_AS_RECEIVED) !== 0;
    if (validate && (partial.first & 0x0f) < Opcode.CLOSE) {
      this.#utf8State =
        payload === undefined
          ? validateUtf8(data, pos, end, this.#utf8State)
          : validateUtf8(payload, at, partial.received, this.#utf8State);
      if (this.#utf8State === UTF8_REJECT) {
        this.#failInvalidUtf8();
        return end;
      }
    }
    if (partial.received === partial.length) {
      this.#partial = undefined;
      this.#receiveFrame(partial.first, payload!, validate);
    }
    return end;
  }

  /** A frame header was accepted: a text or binary frame starts a message. */
  #startFrame(b0: number): void {
    const opcode = b0 & 0x0f;
    if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      this.#messageFirstByte = b0 & 0x7f;
      this.#messageFrames = 0;
      this.#messageBytes = 0;
      this.#utf8State = UTF8_ACCEPT;
      // Extensions transform whole frames; UTF-8 is then checked on their output.
      this.#setFlag(VALIDATE_AS_RECEIVED, opcode === Opcode.TEXT && this.#extensions.length === 0);
      const streaming = (this.#flags & STREAM_MESSAGES) !== 0;
      this.#setFlag(STREAMING_MESSAGE, streaming);
      if (streaming && this.#rare !== undefined) this.#rare.streamDecoder = undefined;
    }
  }

  #receiveFrame(b0: number, payload: Uint8Array, validated: boolean): void {
    const opcode = b0 & 0x0f;
    if (opcode === Opcode.PING) {
      this.emit({ type: "ping", data: payload });
      // 5.5.2: answer with the same data, unless a close frame was sent.
      if (this.#state !== "open" || this.#flags & NO_AUTO_PONG) return;
      if (this.#flags & HOLD_PONGS || this.bufferedBytes >= PONG_OUTPUT_LIMIT) {
        this.#rareState().pendingPong = payload.slice();
      } else {
        this.#frame(FIN | Opcode.PONG, payload);
      }
    } else if (opcode === Opcode.PONG) {
      this.emit({ type: "pong", data: payload });
    } else if (opcode === Opcode.CLOSE) {
      this.#receiveClose(payload);
    } else {
      this.#receiveDataFrame(b0, payload, validated);
    }
  }

  #receiveDataFrame(b0: number, payload: Uint8Array, validated: boolean): void {
    const fin = (b0 & FIN) !== 0;
    const first = this.#messageFrames === 0;
    this.#messageFrames++;
    const data = this.#extensions.length === 0 ? payload : this.#decode(b0, payload, first, fin);
    if (data === undefined) return;
    this.#messageBytes += data.length;
    if (this.#flags & STREAMING_MESSAGE && !(fin && first)) {
      this.#emitFragment(data, fin);
      return;
    }
    const text = (this.#messageFirstByte & 0x0f) === Opcode.TEXT;
    if (fin && first && !validated) {
      // One unfragmented message (with extensions, or cut by reads): decode at once.
      this.#messageFirstByte = 0;
      if (!text) {
        this.#emitMessage({ type: "binary", data });
        return;
      }
      const decoded = decodeUtf8(data);
      if (decoded === undefined) this.#failInvalidUtf8();
      else this.#emitMessage({ type: "text", data: decoded });
      return;
    }
    if (text && !validated) {
      this.#utf8State = validateUtf8(data, 0, data.length, this.#utf8State);
      if (this.#utf8State === UTF8_REJECT) {
        this.#failInvalidUtf8();
        return;
      }
    }
    if (data.length > 0) (this.#messageParts ??= new MessageParts()).add(data);
    if (!fin) return;
    const parts = this.#messageParts;
    this.#messageParts = undefined;
    this.#messageFirstByte = 0;
    const whole = parts === undefined ? EMPTY_BYTES : parts.join();
    if (!text) {
      this.#emitMessage({ type: "binary", data: whole });
    } else if (this.#utf8State !== UTF8_ACCEPT) {
      // 8.1: the message ended inside a code point.
      this.#failWith(
        new ProtocolError(
          CloseCode.INVALID_DATA,
          "Cannot decode text message: truncated UTF-8 sequence",
        ),
      );
    } else {
      this.#emitMessage({ type: "text", data: decodeUtf8(whole)! });
    }
  }

  /**
   * Passes the next piece of a streamed frame on (see "Streaming" above):
   * unmasked in place (the input is ours) and emitted as a view, with no copy.
   * Returns the new position.
   */
  #streamPayload(data: Uint8Array, pos: number): number {
    const partial = this.#partial!;
    const at = partial.received;
    const end = pos + Math.min(partial.length - at, data.length - pos);
    if (partial.mask !== 0) applyMask(data, pos, end, partial.mask, at);
    partial.received = at + end - pos;
    const frameEnd = partial.received === partial.length;
    if (frameEnd) {
      this.#partial = undefined;
      this.#messageFrames++;
    }
    this.#messageBytes += end - pos;
    this.#emitFragment(data.subarray(pos, end), frameEnd && (partial.first & FIN) !== 0);
    return end;
  }

  /**
   * Emits a piece of a streamed message: a `fragment` event, text validated
   * first (RFC 6455 8.1: failing at the first invalid byte, across pieces)
   * and decoded with a code point cut between pieces held for the next one.
   */
  #emitFragment(piece: Uint8Array, fin: boolean): void {
    let data: string | Uint8Array = piece;
    if ((this.#messageFirstByte & 0x0f) === Opcode.TEXT) {
      const state = validateUtf8(piece, 0, piece.length, this.#utf8State);
      this.#utf8State = state;
      if (state === UTF8_REJECT) {
        this.#failInvalidUtf8();
        return;
      }
      if (fin && state !== UTF8_ACCEPT) {
        // 8.1: the message ended inside a code point.
        this.#failWith(
          new ProtocolError(
            CloseCode.INVALID_DATA,
            "Cannot decode text message: truncated UTF-8 sequence",
          ),
        );
        return;
      }
      const rare = this.#rareState();
      rare.streamDecoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
      data = rare.streamDecoder.decode(piece, { stream: !fin });
    }
    if (fin) {
      this.#messageFirstByte = 0;
      this.#messagesThisCall++;
    } else if (data.length === 0) {
      return;
    }
    this.emit({ type: "fragment", data, fin });
  }

  /**
   * Passes a data frame's payload through the extensions, in reverse order
   * (RFC 6455 9), bounded by what is left of the message limit. Returns
   * `undefined` after failing the connection: with the extension's
   * `ProtocolError` when the peer's data is at fault, with an
   * `ExtensionError` (1011, the thrown error as its cause) when the extension
   * itself failed.
   */
  #decode(b0: number, payload: Uint8Array, first: boolean, fin: boolean): Uint8Array | undefined {
    const extensions = this.#extensions;
    const limit = this.maxMessageBytes - this.#messageBytes;
    const rsv = first ? this.#messageFirstByte & 0x70 : b0 & 0x70;
    let data = payload;
    let i = extensions.length - 1;
    try {
      for (; i >= 0; i--) data = extensions[i]!.decode(data, rsv, first, fin, limit);
    } catch (error) {
      this.#failWith(
        error instanceof ProtocolError
          ? error
          : new ExtensionError(
              `Cannot decode message: ${extensions[i]!.name} failed: ${(error as Error)?.message ?? String(error)}`,
              { cause: error },
            ),
      );
      return undefined;
    }
    if (data.length > limit) {
      this.#failWith(
        new ProtocolError(
          CloseCode.MESSAGE_TOO_BIG,
          `Cannot decode message: over ${this.maxMessageBytes} bytes`,
        ),
      );
      return undefined;
    }
    return data;
  }

  /** Emits a message event, counting it for `hasHeldInput`. */
  #emitMessage(event: ProtocolEvent): void {
    this.#messagesThisCall++;
    this.emit(event);
  }

  #failInvalidUtf8(): void {
    this.#failWith(
      new ProtocolError(CloseCode.INVALID_DATA, "Cannot decode text message: invalid UTF-8"),
    );
  }

  /** A close frame arrived (RFC 6455 5.5.1, 7.1.5, 7.4). */
  #receiveClose(payload: Uint8Array): void {
    const close = parseClose(payload);
    if (close instanceof ProtocolError) {
      this.#failWith(close);
      return;
    }
    this.#rareState().closeReceived = close;
    this.#flags |= DISCARDING_INPUT;
    this.emit({ type: "close", code: close.code, reason: close.reason });
    if (this.#state === "open") {
      // 5.5.1: answer with a close frame, echoing the status code. The
      // reason too, as ws and Python websockets do: the peer that closed
      // then sees its own reason in the close it gets back.
      this.#sendClose(
        close.code === CloseCode.NO_STATUS_RCVD ? undefined : close.code,
        close.reason,
      );
    } else if (this.closesTransportFirst) {
      // 7.1.1: once close frames went both ways, the server closes TCP first.
      this.#closeTransport();
    }
  }
}
