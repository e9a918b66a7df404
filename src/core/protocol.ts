/**
 * The sans-I/O WebSocket protocol (RFC 6455): bytes in, events and bytes out.
 * No sockets, timers, promises or runtime APIs: the I/O layer feeds what it
 * reads to `receiveData`/`receiveEof`, calls the `send*` commands, and pulls
 * `takeEvents()` and `takeOutput()`.
 *
 * @module
 */

import { EMPTY_BYTES } from "./bytes.js";
import { CloseCode, isValidCloseCode } from "./close.js";
import { type HandshakeError, InvalidStateError, ProtocolError } from "./errors.js";
import type { ProtocolEvent } from "./events.js";
import type { Extension } from "./extension.js";
import {
  FIN,
  headerSize,
  MAX_CONTROL_PAYLOAD,
  MAX_SAFE_LENGTH,
  Opcode,
  writeHeader,
} from "./frame.js";
import { applyMask, applyMaskWords, copyMasked, wordsOf } from "./mask.js";
import { perObject } from "./memo.js";
import { MessageParts } from "./message-parts.js";
import { OutputQueue, SLAB_MAX_FRAME } from "./output.js";
import { defaultRandom, MaskPool, type RandomSource } from "./random.js";
import {
  decodeUtf8,
  encodeUtf8,
  encodeUtf8Into,
  UTF8_ACCEPT,
  UTF8_REJECT,
  validateUtf8,
} from "./utf8.js";

/** Which end of the connection this protocol plays. */
export type Role = "client" | "server";

/** The connection state (RFC 6455 4.1, 7.1). */
export type State = "connecting" | "open" | "closing" | "closed";

/**
 * 1 MiB: large enough for most application messages, small enough that a
 * thousand connections each sending one maximal message cannot exhaust memory.
 * Raise it per server for uploads; `Infinity` lifts the limit.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Options shared by every protocol object. */
export interface ProtocolOptions {
  /** Largest message accepted, after decompression (1009 beyond). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest single frame accepted (1009 beyond). Default: `maxMessageBytes`. */
  maxFrameBytes?: number;
  /** Source of masking keys and handshake keys. Default `crypto.getRandomValues`. */
  random?: RandomSource;
}

/** Options of a {@link Protocol} that starts open, its handshake done elsewhere (RFC 8441, frameworks). */
export interface OpenProtocolOptions extends ProtocolOptions {
  /** Extensions negotiated by that handshake. */
  extensions?: readonly Extension[];
  /** Subprotocol negotiated by that handshake. */
  subprotocol?: string | null;
}

/** What to write to the transport, pulled with `takeOutput()`. */
export interface Output {
  /** Bytes to write, in order. Write them in one go (one socket write) where possible. */
  readonly chunks: readonly Uint8Array[];
  /** After writing `chunks`, close (half-close) the transport: the protocol is done sending. */
  readonly closeTransport: boolean;
}

/**
 * A message framed once to be sent on many connections (broadcast). Build it
 * with {@link prepareMessage}; send it with `sendPrepared`.
 */
export class PreparedMessage {
  /** `Opcode.TEXT` or `Opcode.BINARY`. */
  readonly opcode: number;
  /** The payload bytes. */
  readonly payload: Uint8Array;
  #frame: Uint8Array | undefined;
  // Payloads already encoded by shareable extensions, by their keys.
  #encoded: Map<string, { readonly payload: Uint8Array; readonly rsv: number }> | undefined;

  constructor(opcode: number, payload: Uint8Array) {
    this.opcode = opcode;
    this.payload = payload;
  }

  /** The whole unmasked, uncompressed frame, built on first use (servers send it as is). */
  get serverFrame(): Uint8Array {
    if (this.#frame === undefined) {
      const length = this.payload.length;
      const frame = new Uint8Array(headerSize(length, false) + length);
      frame.set(this.payload, writeHeader(frame, 0, FIN | this.opcode, length, false));
      this.#frame = frame;
    }
    return this.#frame;
  }

  /**
   * The payload encoded by `extensions` (as one frame), computed once per
   * `key`: connections whose extensions have the same shared key get the
   * same bytes, so a broadcast compresses once.
   */
  encodedFor(
    key: string,
    extensions: readonly Extension[],
  ): { readonly payload: Uint8Array; readonly rsv: number } {
    this.#encoded ??= new Map();
    let encoded = this.#encoded.get(key);
    if (encoded === undefined) {
      let payload = this.payload;
      let rsv = 0;
      for (const extension of extensions) {
        const out = extension.encode(payload, true, true);
        payload = out.payload;
        rsv |= out.rsv;
      }
      encoded = { payload, rsv };
      this.#encoded.set(key, encoded);
    }
    return encoded;
  }
}

/** Frames a message once for {@link Protocol.sendPrepared}. Strings are sent as text. */
export function prepareMessage(data: string | Uint8Array): PreparedMessage {
  return typeof data === "string"
    ? new PreparedMessage(Opcode.TEXT, encodeUtf8(data))
    : new PreparedMessage(Opcode.BINARY, data);
}

/** A frame whose payload arrives over several reads (allocated per such frame: idle memory). */
interface PartialFrame {
  /** The first header byte: FIN, RSV, opcode. */
  readonly first: number;
  readonly mask: number;
  /** The payload length the header announced. */
  readonly length: number;
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

/** Drives the opening handshake for a subclass while the state is `connecting`. */
export interface HandshakeDriver {
  receiveData(bytes: Uint8Array): void;
  receiveEof(): void;
}

const EMPTY = EMPTY_BYTES;
const NO_EVENTS: ProtocolEvent[] = [];
const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);
const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);
// Bits of Protocol.#flags.
const CLOSE_TRANSPORT = 1; // takeOutput() tells the I/O layer to close the transport
const TRANSPORT_CLOSED = 2; // ...which it was told already
const SENDING_FRAGMENTS = 4; // a fragmented message is being sent
const CLOSE_SENT = 8; // a close frame was sent
const VALIDATE_AS_RECEIVED = 16; // the text message arriving is validated piece by piece
const DISCARDING = 32; // no more input is processed: after a close frame (RFC 6455 5.5.1) or failing (7.1.7)
const HOLD_PONGS = 64; // pings are not answered at once (see holdPongs)
// A ping that arrives while this much output waits to be taken is answered in
// the next takeOutput(), with one pong for the latest such ping (RFC 6455
// 5.5.3): one read full of pings makes at most this much output in pongs,
// whatever the read's size (Bun's reads of a ping flood made 4 MB of them).
const PONG_OUTPUT_LIMIT = 64 * 1024;

/**
 * What few connections need, or need late: one object made on first use
 * instead of four fields on every idle connection.
 */
class RareState {
  subprotocol: string | null = null;
  // The input held back behind a faulty frame (see `hasDeferredInput`).
  deferred: Uint8Array | undefined;
  closeReceived: { code: number; reason: string } | undefined;
  error: ProtocolError | HandshakeError | undefined;
  // The data of the latest ping received while pongs are held (a copy).
  pendingPong: Uint8Array | undefined;
}
const NO_OUTPUT: Output = Object.freeze({ chunks: Object.freeze([]), closeTransport: false });
const sharedMasks = new MaskPool(defaultRandom);
// Unmasked frames this large are queued as a header plus the caller's payload
// (no copy); smaller ones are copied next to their header so that many small
// frames leave in one write. Copying costs more than an extra chunk from about
// 1 KiB on (measured framing 1 KiB payloads: 1.6 M/s copied, 5-10 M/s not).
const COPY_LIMIT = 1024;
// A frame split across reads gets a buffer of its whole length at once up to
// this size (what one read of Node's brings anyway); a larger one only when a
// quarter of it has come (see PartialFrame). Reassembling small frames in
// pieces first cost 4% of the 16 KiB echo benchmark's CPU.
const EAGER_PAYLOAD = 64 * 1024;
// Longest header: 10 bytes of length plus a 4-byte masking key.
const MAX_HEADER = 14;

/**
 * The options every protocol object takes, picked out of a subclass's
 * options; the same object for the same options (so that the limits derived
 * from it are shared too, see {@link Limits}).
 */
export const protocolOptions: (options: ProtocolOptions) => ProtocolOptions = perObject(
  (options) => {
    const picked: ProtocolOptions = {};
    if (options.maxMessageBytes !== undefined) picked.maxMessageBytes = options.maxMessageBytes;
    if (options.maxFrameBytes !== undefined) picked.maxFrameBytes = options.maxFrameBytes;
    if (options.random !== undefined) picked.random = options.random;
    return picked;
  },
);

/**
 * A protocol's limits and random source: derived once per options object and
 * shared by every protocol built with it (a server's connections), rather
 * than four fields in each.
 */
interface Limits {
  readonly maxMessageBytes: number;
  readonly maxFrameBytes: number;
  readonly random: RandomSource;
  readonly masks: MaskPool;
}

const limitsFor = perObject((options: ProtocolOptions): Limits => {
  const maxMessageBytes = checkLimit(
    "maxMessageBytes",
    options.maxMessageBytes,
    DEFAULT_MAX_MESSAGE_BYTES,
  );
  return {
    maxMessageBytes,
    maxFrameBytes: checkLimit("maxFrameBytes", options.maxFrameBytes, maxMessageBytes),
    random: options.random ?? defaultRandom,
    masks: options.random === undefined ? sharedMasks : new MaskPool(options.random),
  };
});

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`Invalid ${name}: ${value}`);
  return value;
}

function toBytes(data: Uint8Array | string): Uint8Array {
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
  readonly #limits: Limits;

  #state: State = "open";
  #extensions: readonly Extension[] = NO_EXTENSIONS;
  #rsvAllowed = 0;
  #handshake: HandshakeDriver | undefined;

  #events: ProtocolEvent[] = NO_EVENTS;
  // Created when output is queued, dropped when it is taken: an idle
  // connection holds no queue (idle memory).
  #out: OutputQueue | undefined;
  // Booleans packed in one number (see CLOSE_TRANSPORT...): every field
  // costs 8 bytes on every idle connection.
  #flags = 0;

  // Receiving.
  #header: Uint8Array | undefined;
  #headerLength = 0;
  // The frame whose payload is arriving in pieces.
  #partial: PartialFrame | undefined;
  // The message being received: the opcode and RSV bits of its first frame
  // (`b0 & 0x7f`), 0 when none.
  #message = 0;
  #messageFrames = 0;
  #messageBytes = 0;
  // Allocated while a fragmented message arrives (idle memory).
  #messageParts: MessageParts | undefined;
  #utf8State = UTF8_ACCEPT;
  // Messages delivered by the current receiveData call.
  #deliveredThisCall = 0;
  #rare: RareState | undefined;

  constructor(role: Role, options: OpenProtocolOptions = {}) {
    if (role !== "client" && role !== "server") throw new TypeError(`Invalid role: "${role}"`);
    this.role = role;
    this.#limits = limitsFor(options);
    this.#setNegotiated(options.subprotocol ?? null, options.extensions ?? []);
  }

  /** Largest message accepted, after decompression. */
  get maxMessageBytes(): number {
    return this.#limits.maxMessageBytes;
  }

  /** Largest frame accepted. */
  get maxFrameBytes(): number {
    return this.#limits.maxFrameBytes;
  }

  /** The random source given in the options. */
  protected get random(): RandomSource {
    return this.#limits.random;
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

  /** Whether `takeOutput()` has something to return. */
  get hasOutput(): boolean {
    return (
      (this.#out !== undefined && this.#out.bytes > 0) || (this.#flags & CLOSE_TRANSPORT) !== 0
    );
  }

  /** Bytes queued for the transport and not yet taken. */
  get bufferedBytes(): number {
    return this.#out === undefined ? 0 : this.#out.bytes;
  }

  // ---------------------------------------------------------------- pulled

  /** The events since the last call, oldest first. */
  takeEvents(): ProtocolEvent[] {
    const events = this.#events;
    this.#events = NO_EVENTS;
    return events;
  }

  /** The bytes to write since the last call, and whether to close the transport after them. */
  takeOutput(): Output {
    // A pong deferred by PONG_OUTPUT_LIMIT leaves now, unless pongs are held.
    if (!(this.#flags & HOLD_PONGS)) this.#sendPendingPong();
    if (!this.hasOutput) return NO_OUTPUT;
    const closeTransport = (this.#flags & CLOSE_TRANSPORT) !== 0;
    this.#flags &= ~CLOSE_TRANSPORT;
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
   */
  receiveData(bytes: Uint8Array): void {
    if (this.#handshake !== undefined) this.#handshake.receiveData(bytes);
    else if ((this.#flags & DISCARDING) === 0 && this.#rare?.deferred === undefined) {
      // (Input after held-back input is dropped: the connection fails at the
      // held frame, and nothing after a failure is processed.)
      this.#deliveredThisCall = 0;
      this.#parse(bytes);
    }
  }

  /**
   * Whether input is held back: a frame that breaks the protocol followed
   * messages delivered by the same `receiveData` call, and failing at once
   * would close the connection before the application could answer them (an
   * echo, say: Autobahn calls that strict). Give the application its turn,
   * write what it sent, then call {@link receiveDeferred}, which fails the
   * connection. Data received meanwhile is dropped, as any input after a
   * failure would be.
   */
  get hasDeferredInput(): boolean {
    return this.#rare?.deferred !== undefined;
  }

  /** Processes the input held back (see {@link hasDeferredInput}). */
  receiveDeferred(): void {
    const deferred = this.#rare?.deferred;
    if (deferred === undefined) return;
    this.#rare!.deferred = undefined;
    this.receiveData(deferred);
  }

  /** Reports that the transport ended (or was destroyed): the connection is closed. */
  receiveEof(): void {
    if (this.#handshake !== undefined) {
      this.#handshake.receiveEof();
      return;
    }
    this.receiveDeferred();
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#flags |= DISCARDING;
    if (!(this.#flags & TRANSPORT_CLOSED)) this.#flags |= CLOSE_TRANSPORT | TRANSPORT_CLOSED;
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

  /** Sends a text message, or its first fragment when `fin` is false. Lone surrogates become U+FFFD. */
  sendText(text: string, fin = true): void {
    this.#startMessage(fin);
    this.#sendData(Opcode.TEXT, text, fin);
  }

  /** Sends a binary message, or its first fragment when `fin` is false. */
  sendBinary(data: Uint8Array, fin = true): void {
    this.#startMessage(fin);
    this.#sendData(Opcode.BINARY, data, fin);
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
    this.#sendData(Opcode.CONTINUATION, data, fin);
  }

  /** Sends a prepared (already framed) message; see {@link prepareMessage}. */
  sendPrepared(message: PreparedMessage): void {
    this.#startMessage(true);
    if (this.role === "server" && this.#extensions.length === 0) {
      const frame = message.serverFrame;
      if (frame.length >= COPY_LIMIT) this.#output().push(frame);
      else {
        const { buffer, offset } = this.#output().reserve(frame.length);
        buffer.set(frame, offset);
      }
    } else {
      const key = this.#sharedKey();
      if (key === null) this.#sendData(message.opcode, message.payload, true);
      else {
        const encoded = message.encodedFor(key, this.#extensions);
        this.#frame(FIN | encoded.rsv | message.opcode, encoded.payload);
      }
    }
  }

  /** The extensions' shared keys joined, or `null` when one of them cannot share. */
  #sharedKey(): string | null {
    if (this.#extensions.length === 0) return "";
    let key = "";
    for (const extension of this.#extensions) {
      const part = extension.sharedKey;
      if (part === undefined || part === null) return null;
      key += `${extension.name}=${part};`;
    }
    return key;
  }

  /** Sends a ping (at most 125 bytes of data). */
  sendPing(data: Uint8Array | string = EMPTY): void {
    this.#checkOpen("send a ping");
    this.#sendControl(Opcode.PING, toBytes(data));
  }

  /** Sends a pong (at most 125 bytes of data); pings are answered automatically. */
  sendPong(data: Uint8Array | string = EMPTY): void {
    this.#checkOpen("send a pong");
    this.#sendControl(Opcode.PONG, toBytes(data));
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
      this.#handshake = undefined;
      this.#state = "closing";
      this.receiveEof();
      return;
    }
    if (this.#state === "open") this.#sendClose(code, reason);
    this.#flags |= DISCARDING;
    if (this.closesTransportFirst && this.#state !== "closed") this.#endTransport();
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
    if (this.#events === NO_EVENTS) this.#events = [event];
    else this.#events.push(event);
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
    return this.#handshake;
  }

  /** Enters the `connecting` state; input goes to `driver` until the handshake ends. */
  protected beginHandshake(driver: HandshakeDriver): void {
    this.#state = "connecting";
    this.#handshake = driver;
  }

  /** Ends the handshake successfully: the connection is open; `rest` are bytes already read after it. */
  protected completeHandshake(
    subprotocol: string | null,
    extensions: readonly Extension[],
    rest: Uint8Array,
  ): void {
    this.#handshake = undefined;
    this.#state = "open";
    this.#setNegotiated(subprotocol, extensions);
    if (rest.length > 0) this.#parse(rest);
  }

  /** Ends the handshake with a failure: the connection is closed and the transport must close. */
  protected failHandshake(error: HandshakeError): void {
    this.#handshake = undefined;
    this.#rareState().error = error;
    this.#state = "closing";
    this.receiveEof();
  }

  // ---------------------------------------------------------------- internals

  #setNegotiated(subprotocol: string | null, extensions: readonly Extension[]): void {
    if (subprotocol !== null || this.#rare !== undefined)
      this.#rareState().subprotocol = subprotocol;
    // The shared empty list when none: one array less per connection.
    this.#extensions = extensions.length === 0 ? NO_EXTENSIONS : extensions;
    let rsv = 0;
    for (let i = 0; i < extensions.length; i++) rsv |= extensions[i]!.rsvBits;
    this.#rsvAllowed = rsv;
  }

  /** Queues the pong for the latest ping held back, if any (5.5.2: none after a close frame). */
  #sendPendingPong(): void {
    const rare = this.#rare;
    const pending = rare?.pendingPong;
    if (pending === undefined) return;
    rare!.pendingPong = undefined;
    if (this.#state === "open") this.#frame(FIN | Opcode.PONG, pending);
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

  #startMessage(fin: boolean): void {
    this.#checkOpen("send a message");
    if (this.#flags & SENDING_FRAGMENTS) {
      throw new InvalidStateError(
        "Cannot send a message: a fragmented message is still open (RFC 6455 5.4)",
      );
    }
    this.#setFlag(SENDING_FRAGMENTS, !fin);
  }

  #endTransport(): void {
    if (!(this.#flags & TRANSPORT_CLOSED)) this.#flags |= CLOSE_TRANSPORT | TRANSPORT_CLOSED;
  }

  /** Fails the connection because of the peer (or a limit) and records why. */
  #failPeer(code: number, message: string): void {
    this.#rareState().error = new ProtocolError(code, message);
    // The reason travels in the close frame; a short one is enough for the
    // peer, and a close frame holds at most 123 bytes of reason (5.5.1).
    this.fail(code, encodeUtf8(message).length <= MAX_CONTROL_PAYLOAD - 2 ? message : "");
  }

  #sendClose(code: number | undefined, reason: string): void {
    let payload = EMPTY;
    if (code !== undefined) {
      if (!isValidCloseCode(code)) throw new RangeError(`Invalid close code: ${code}`);
      const encoded = encodeUtf8(reason);
      if (encoded.length > MAX_CONTROL_PAYLOAD - 2) {
        throw new RangeError(`Invalid close reason: ${encoded.length} bytes, at most 123`);
      }
      payload = new Uint8Array(2 + encoded.length);
      payload[0] = code >>> 8;
      payload[1] = code & 0xff;
      payload.set(encoded, 2);
    } else if (reason !== "") {
      throw new TypeError("Invalid close reason: a reason requires a close code");
    }
    this.#frame(FIN | Opcode.CLOSE, payload);
    this.#flags |= CLOSE_SENT;
    this.#state = "closing";
    if (this.#rare?.closeReceived !== undefined && this.closesTransportFirst) this.#endTransport();
  }

  #sendControl(opcode: number, payload: Uint8Array): void {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new RangeError(`Invalid control frame payload: ${payload.length} bytes, at most 125`);
    }
    this.#frame(FIN | opcode, payload);
  }

  #sendData(opcode: number, data: Uint8Array | string, fin: boolean): void {
    let first = (fin ? FIN : 0) | opcode;
    if (this.#extensions.length === 0) {
      if (typeof data === "string") this.#frameText(first, data);
      else this.#frame(first, data);
      return;
    }
    let payload = toBytes(data);
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
    const masked = this.role === "client";
    const length = payload.length;
    const size = headerSize(length, masked);
    if (!masked && length >= COPY_LIMIT) {
      const { buffer, offset } = this.#output().reserve(size);
      writeHeader(buffer, offset, first, length, false);
      this.#output().push(payload);
      return;
    }
    const { buffer, offset } = this.#output().reserve(size + length);
    let at = writeHeader(buffer, offset, first, length, masked);
    if (masked) {
      const key = this.#writeKey(buffer, at);
      at += 4;
      buffer.set(payload, at);
      applyMask(buffer, at, at + length, key, 0);
    } else {
      buffer.set(payload, at);
    }
  }

  /**
   * Queues a text frame, encoding the string straight into the output: no
   * intermediate byte array for the common small message. Space for the
   * worst case (3 bytes per UTF-16 unit) is reserved, then given back.
   */
  #frameText(first: number, text: string): void {
    const worst = text.length * 3;
    if (worst + MAX_HEADER > SLAB_MAX_FRAME) {
      this.#frame(first, encodeUtf8(text));
      return;
    }
    const masked = this.role === "client";
    const reserved = headerSize(worst, masked);
    const { buffer, offset } = this.#output().reserve(reserved + worst);
    const written = encodeUtf8Into(
      text,
      buffer.subarray(0, offset + reserved + worst),
      offset + reserved,
    );
    const size = headerSize(written, masked);
    if (size < reserved) {
      buffer.copyWithin(offset + size, offset + reserved, offset + reserved + written);
    }
    let at = writeHeader(buffer, offset, first, written, masked);
    if (masked) {
      const key = this.#writeKey(buffer, at);
      at += 4;
      applyMask(buffer, at, at + written, key, 0);
    }
    this.#out!.release(reserved + worst - size - written);
  }

  #writeKey(buffer: Uint8Array, at: number): number {
    const key = this.#limits.masks.next();
    buffer[at] = key >>> 24;
    buffer[at + 1] = (key >>> 16) & 0xff;
    buffer[at + 2] = (key >>> 8) & 0xff;
    buffer[at + 3] = key & 0xff;
    return key;
  }

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
    while (pos < end && (this.#flags & DISCARDING) === 0) {
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
        const take = Math.min(MAX_HEADER - kept, available);
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
      const masked = (b1 & 0x80) !== 0;
      const length7 = b1 & 0x7f;
      const size = (length7 < 126 ? 2 : length7 === 126 ? 4 : 10) + (masked ? 4 : 0);
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

      let length = length7;
      let index = at + 2;
      if (length7 === 126) {
        length = (source[index]! << 8) | source[index + 1]!;
        index += 2;
      } else if (length7 === 127) {
        const high =
          ((source[index]! << 24) |
            (source[index + 1]! << 16) |
            (source[index + 2]! << 8) |
            source[index + 3]!) >>>
          0;
        const low =
          ((source[index + 4]! << 24) |
            (source[index + 5]! << 16) |
            (source[index + 6]! << 8) |
            source[index + 7]!) >>>
          0;
        if (high >= 0x80000000) {
          this.#failPeer(
            CloseCode.PROTOCOL_ERROR,
            "Cannot parse frame header: 64-bit length with the most significant bit set",
          );
          return;
        }
        length = high * 0x100000000 + low;
        index += 8;
      }
      const key = masked
        ? ((source[index]! << 24) |
            (source[index + 1]! << 16) |
            (source[index + 2]! << 8) |
            source[index + 3]!) >>>
          0
        : 0;

      // Fast path for the common frame: a whole unfragmented binary message,
      // no message open, no extension, within the limits, payload all here.
      // One comparison of the first byte checks FIN, RSV and the opcode.
      // (Receiving 64-byte frames: about a quarter faster than the general path.)
      if (
        b0 === (FIN | Opcode.BINARY) &&
        this.#message === 0 &&
        this.#rsvAllowed === 0 &&
        masked === (this.role === "server") &&
        length <= this.maxFrameBytes &&
        length <= this.maxMessageBytes &&
        end - pos >= length
      ) {
        if (key !== 0) {
          words ??= wordsOf(data);
          applyMaskWords(data, words, pos, pos + length, key, 0);
        }
        this.#deliver({ type: "binary", data: data.subarray(pos, pos + length) });
        pos += length;
        continue;
      }

      const error = this.#checkHeader(b0, masked, length);
      if (error !== undefined) {
        if (this.#deliveredThisCall > 0 && kept === 0) {
          this.#rareState().deferred = data.subarray(pos - size);
        } else {
          this.#failPeer(error.code, `Cannot parse frame: ${error.message}`);
        }
        return;
      }
      this.#startFrame(b0);

      if (end - pos >= length) {
        // The whole payload is here: unmask in place and use it without a copy.
        if (masked && key !== 0) {
          words ??= wordsOf(data);
          applyMaskWords(data, words, pos, pos + length, key, 0);
        }
        const payload = data.subarray(pos, pos + length);
        pos += length;
        this.#receiveFrame(b0, payload, false);
      } else {
        // The payload arrives in pieces: buffer it (its size was checked
        // against the limits above), unmasking and validating as it comes.
        this.#partial = {
          first: b0,
          mask: key,
          length,
          parts: undefined,
          payload: length <= EAGER_PAYLOAD ? new Uint8Array(length) : undefined,
          received: 0,
        };
      }
    }
  }

  #keepHeader(data: Uint8Array, pos: number, end: number, available: number): void {
    if (this.#headerLength === 0) {
      this.#header ??= new Uint8Array(MAX_HEADER);
      this.#header.set(data.subarray(pos, end));
    }
    this.#headerLength = available;
  }

  /** Copies the next piece of a payload that arrives in pieces; returns the new position. */
  #receivePayload(data: Uint8Array, pos: number): number {
    const partial = this.#partial!;
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
        this.#failPeer(CloseCode.INVALID_DATA, "Cannot decode text message: invalid UTF-8");
        return end;
      }
    }
    if (partial.received === partial.length) {
      this.#partial = undefined;
      this.#receiveFrame(partial.first, payload!, validate);
    }
    return end;
  }

  /**
   * Checks a frame header before any of its payload is buffered (RFC 6455
   * 5.2, 5.4, 5.5, 10.4). Returns false after failing the connection.
   */
  #checkHeader(
    b0: number,
    masked: boolean,
    length: number,
  ): { readonly code: number; readonly message: string } | undefined {
    const opcode = b0 & 0x0f;
    const rsv = b0 & 0x70;
    const fin = (b0 & FIN) !== 0;
    const control = opcode >= Opcode.CLOSE;
    let error: string | undefined;
    let code: number = CloseCode.PROTOCOL_ERROR;
    if (masked !== (this.role === "server")) {
      // 5.1: a server fails unmasked frames; a client fails masked ones.
      error = masked ? "masked frame from the server" : "unmasked frame from the client";
    } else if ((opcode > Opcode.BINARY && !control) || opcode > Opcode.PONG) {
      error = `reserved opcode 0x${opcode.toString(16)}`; // 5.2
    } else if ((rsv & (control ? 0x70 : ~this.#rsvAllowed)) !== 0) {
      // 5.2: RSV bits are 0 unless a negotiated extension defines them, and
      // extensions here only ever apply to data frames.
      error = `reserved bits 0x${(rsv >> 4).toString(16)} set`;
    } else if (control && !fin) {
      error = "fragmented control frame"; // 5.5
    } else if (control && length > MAX_CONTROL_PAYLOAD) {
      error = `control frame of ${length} bytes, at most 125`; // 5.5
    } else if (opcode === Opcode.CONTINUATION && this.#message === 0) {
      error = "continuation frame without a message to continue"; // 5.4
    } else if (opcode !== Opcode.CONTINUATION && !control && this.#message !== 0) {
      error = "new message before the previous one ended"; // 5.4
    } else if (length > this.maxFrameBytes || length > MAX_SAFE_LENGTH) {
      code = CloseCode.MESSAGE_TOO_BIG; // 10.4
      error = `frame of ${length} bytes, limit ${this.maxFrameBytes}`;
    } else if (
      opcode === Opcode.CONTINUATION &&
      this.#messageBytes + length > this.maxMessageBytes
    ) {
      code = CloseCode.MESSAGE_TOO_BIG;
      error = `message over ${this.maxMessageBytes} bytes`;
    }
    return error === undefined ? undefined : { code, message: error };
  }

  /** A frame header was accepted: a text or binary frame starts a message. */
  #startFrame(b0: number): void {
    const opcode = b0 & 0x0f;
    if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      const rsv = b0 & 0x70;
      this.#message = opcode | rsv;
      this.#messageFrames = 0;
      this.#messageBytes = 0;
      this.#utf8State = UTF8_ACCEPT;
      // Extensions transform whole frames; UTF-8 is then checked on their output.
      this.#setFlag(VALIDATE_AS_RECEIVED, opcode === Opcode.TEXT && this.#extensions.length === 0);
    }
  }

  #receiveFrame(b0: number, payload: Uint8Array, validated: boolean): void {
    const opcode = b0 & 0x0f;
    if (opcode === Opcode.PING) {
      this.emit({ type: "ping", data: payload });
      // 5.5.2: answer with the same data, unless a close frame was sent.
      if (this.#state !== "open") return;
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
    let data = payload;
    if (this.#extensions.length > 0) {
      const limit = this.maxMessageBytes - this.#messageBytes;
      try {
        // Received data goes through the extensions in reverse order (RFC 6455 9).
        for (let i = this.#extensions.length - 1; i >= 0; i--) {
          data = this.#extensions[i]!.decode(
            data,
            first ? this.#message & 0x70 : b0 & 0x70,
            first,
            fin,
            limit,
          );
        }
      } catch (error) {
        const code = error instanceof ProtocolError ? error.closeCode : CloseCode.INTERNAL_ERROR;
        this.#failPeer(code, (error as Error).message);
        return;
      }
      if (data.length > limit) {
        this.#failPeer(
          CloseCode.MESSAGE_TOO_BIG,
          `Cannot decode message: over ${this.maxMessageBytes} bytes`,
        );
        return;
      }
    }
    this.#messageBytes += data.length;
    const text = (this.#message & 0x0f) === Opcode.TEXT;
    if (fin && first && !validated) {
      // The common case, one unfragmented message in one read: decode at once.
      this.#message = 0;
      if (!text) {
        this.#deliver({ type: "binary", data });
        return;
      }
      const decoded = decodeUtf8(data);
      if (decoded === undefined)
        this.#failPeer(CloseCode.INVALID_DATA, "Cannot decode text message: invalid UTF-8");
      else this.#deliver({ type: "text", data: decoded });
      return;
    }
    if (text && !validated) {
      this.#utf8State = validateUtf8(data, 0, data.length, this.#utf8State);
      if (this.#utf8State === UTF8_REJECT) {
        this.#failPeer(CloseCode.INVALID_DATA, "Cannot decode text message: invalid UTF-8");
        return;
      }
    }
    if (data.length > 0) (this.#messageParts ??= new MessageParts()).add(data);
    if (!fin) return;
    const parts = this.#messageParts;
    this.#messageParts = undefined;
    this.#message = 0;
    const whole = parts === undefined ? EMPTY : parts.join();
    if (!text) {
      this.#deliver({ type: "binary", data: whole });
    } else if (this.#utf8State !== UTF8_ACCEPT) {
      // 8.1: the message ended inside a code point.
      this.#failPeer(
        CloseCode.INVALID_DATA,
        "Cannot decode text message: truncated UTF-8 sequence",
      );
    } else {
      this.#deliver({ type: "text", data: decodeUtf8(whole)! });
    }
  }

  #deliver(event: ProtocolEvent): void {
    this.#deliveredThisCall++;
    this.emit(event);
  }

  /** A close frame arrived (RFC 6455 5.5.1, 7.1.5, 7.4). */
  #receiveClose(payload: Uint8Array): void {
    let code: number = CloseCode.NO_STATUS_RCVD;
    let reason = "";
    if (payload.length === 1) {
      this.#failPeer(CloseCode.PROTOCOL_ERROR, "Cannot parse close frame: 1-byte payload");
      return;
    }
    if (payload.length >= 2) {
      code = (payload[0]! << 8) | payload[1]!;
      if (!isValidCloseCode(code)) {
        this.#failPeer(
          CloseCode.PROTOCOL_ERROR,
          `Cannot parse close frame: invalid close code ${code}`,
        );
        return;
      }
      const decoded = decodeUtf8(payload.subarray(2));
      if (decoded === undefined) {
        this.#failPeer(
          CloseCode.INVALID_DATA,
          "Cannot parse close frame: invalid UTF-8 in the reason",
        );
        return;
      }
      reason = decoded;
    }
    this.#rareState().closeReceived = { code, reason };
    this.#flags |= DISCARDING;
    this.emit({ type: "close", code, reason });
    if (this.#state === "open") {
      // 5.5.1: answer with a close frame, echoing the status code.
      this.#sendClose(code === CloseCode.NO_STATUS_RCVD ? undefined : code, "");
    } else if (this.closesTransportFirst) {
      // 7.1.1: once close frames went both ways, the server closes TCP first.
      this.#endTransport();
    }
  }
}
