/**
 * A stream of our own HTTP/2 machine as a {@link Transport}: one WebSocket of
 * RFC 8441 per stream, many of them on one socket (see wire-session.ts, which
 * hands each stream its events).
 *
 * - `write` queues DATA in the session (`sendData`), framed at once as far
 *   as the peer's windows allow; the rest is held per stream, and `write`
 *   returns `false` while anything is held (or the socket itself is backed
 *   up); `onDrain` follows the session's "drain" (or the socket's).
 * - `pause` stops handing data on and stops returning the stream's window
 *   (no `consume()`): the peer's window on this stream shuts after at most
 *   one window of data, which is kept here until `resume`. Other streams
 *   keep flowing.
 * - `end` is END_STREAM (the closing handshake is over, RFC 8441 5: the
 *   "TCP close"); `destroy` is RST_STREAM with CANCEL (the abort).
 *
 * @module
 */

import { TransportError } from "../connection/errors.js";
import type { TlsInfo } from "../connection/tls-info.js";
import type { Transport, TransportHandler } from "../connection/transport.js";
import { EMPTY_BYTES } from "../core/bytes.js";
import { errorCodeName, type HeaderField, Http2ErrorCode } from "../core/http2/index.js";
import { tlsInfoOf } from "../node/tls-info.js";
import type { WireSession } from "./wire-session.js";

// Flags (one number per stream rather than booleans: idle memory).
const PAUSED = 1;
/** A server's stream whose response head is not sent yet: the request's end waits for it. */
const AWAITING_HEAD = 2;
/** The peer's END_STREAM came while it could not be told (paused, or awaiting the head). */
const END_PENDING = 4;
/** Closed or reset: no more events, and writes go nowhere. */
const GONE = 8;
/** Our END_STREAM is queued. */
const ENDED = 16;
/** Closed while data was held (paused): told after that data. */
const CLOSE_PENDING = 32;
/** A release of held data is scheduled. */
const RELEASING = 64;

/** What a client's stream waits for: its response head, then maybe a refusal's body. */
interface Receiver {
  head: ((fields: HeaderField[], endStream: boolean) => void) | undefined;
  body:
    | { chunks: Uint8Array[]; size: number; max: number; done: (body: Uint8Array) => void }
    | undefined;
}

/** One HTTP/2 stream of a {@link WireSession}, as a transport. */
export class WireStream implements Transport {
  readonly wire: WireSession;
  readonly id: number;
  #handler: TransportHandler | undefined;
  #flags: number;
  // Data that came while paused (or before start), then null for the end.
  #held: (Uint8Array | null)[] | undefined;
  #receiver: Receiver | undefined;

  /**
   * @param wire the session it belongs to
   * @param id its stream id
   * @param awaitingHead a server's stream whose response head is still to
   *   be sent (with {@link headSent} after it)
   */
  constructor(wire: WireSession, id: number, awaitingHead = false) {
    this.wire = wire;
    this.id = id;
    this.#flags = awaitingHead ? AWAITING_HEAD : 0;
  }

  /** Whether the stream is closed or reset. */
  get gone(): boolean {
    return (this.#flags & GONE) !== 0;
  }

  /** The response head left: a request's end that came before it is told now. */
  headSent(): void {
    this.#flags &= ~AWAITING_HEAD;
    // After the current call (the protocol is sending its response).
    if (this.#flags & END_PENDING) this.#scheduleRelease();
  }

  /** Client: `head` gets the response head (not trailers) when it comes. */
  expectHead(head: (fields: HeaderField[], endStream: boolean) => void): void {
    this.#receiver = { head, body: undefined };
  }

  /**
   * Reads a refusal's body instead of handing it to the protocol (which
   * expects no data before a 2xx): up to `maxBytes` (the rest is dropped),
   * until the peer's END_STREAM or the stream's end; then calls `done` with it.
   */
  readBody(maxBytes: number, done: (body: Uint8Array) => void): void {
    this.#receiver = { head: undefined, body: { chunks: [], size: 0, max: maxBytes, done } };
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
    if (this.#held !== undefined || this.#flags & CLOSE_PENDING) this.#scheduleRelease();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#flags & (GONE | ENDED)) return false;
    return this.wire.send(this, chunks, false);
  }

  get bufferedAmount(): number {
    return this.#flags & GONE ? 0 : this.wire.bufferedAmount(this);
  }

  pause(): void {
    this.#flags |= PAUSED;
  }

  resume(): void {
    this.#flags &= ~PAUSED;
    if (this.#held !== undefined) this.#scheduleRelease();
  }

  end(): void {
    if (this.#flags & (GONE | ENDED)) return;
    this.#flags |= ENDED;
    this.wire.send(this, [], true);
  }

  destroy(): void {
    if (this.#flags & GONE) return;
    this.wire.reset(this, Http2ErrorCode.CANCEL);
  }

  get remoteAddress(): string | undefined {
    return this.wire.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.wire.socket.remotePort;
  }

  /**
   * The TLS facts of the session's socket, when it is TLS (see
   * `connection.tls`): every stream of a session shares its TLS session, so
   * a hook authenticates by client certificate as over HTTP/1.1.
   */
  get tls(): TlsInfo | undefined {
    return tlsInfoOf(this.wire.socket);
  }

  // ------------------------------------------------ events, from WireSession

  /** @internal A header block: a client's response head, or trailers. */
  receiveHeaders(fields: HeaderField[], endStream: boolean): void {
    const head = this.#receiver?.head;
    if (head !== undefined) {
      this.#receiver = undefined;
      head(fields, endStream);
      if (endStream) this.receiveData(EMPTY_BYTES, true);
      return;
    }
    // Trailers: nothing in them for a WebSocket, but their END_STREAM counts.
    if (endStream) this.receiveData(EMPTY_BYTES, true);
  }

  /** @internal DATA (a view of the socket's read). */
  receiveData(data: Uint8Array, endStream: boolean): void {
    const body = this.#receiver?.body;
    if (body !== undefined) {
      const room = body.max - body.size;
      if (room > 0 && data.length > 0) {
        const kept = data.length > room ? data.subarray(0, room) : data;
        body.chunks.push(kept);
        body.size += kept.length;
      }
      if (data.length > 0) this.wire.consume(this, data.length);
      if (endStream) this.#finishBody();
      return;
    }
    const handler = this.#handler;
    if (this.#held !== undefined || handler === undefined || this.#flags & PAUSED) {
      const held = (this.#held ??= []);
      if (data.length > 0) held.push(data);
      if (endStream) held.push(null);
      return;
    }
    if (data.length > 0) {
      handler.onData(data);
      // Processed: its window goes back to the peer (not while paused above).
      if (!(this.#flags & GONE)) this.wire.consume(this, data.length);
    }
    if (endStream) this.#end(handler);
  }

  /** @internal The stream's held output drained. */
  receiveDrain(): void {
    if (!(this.#flags & GONE)) this.#handler?.onDrain();
  }

  /** @internal Reset (RST_STREAM either way, or the connection failed: `cause`). */
  receiveReset(code: number, local: boolean, cause: Error | undefined): void {
    if (this.#flags & GONE) return;
    this.#flags = (this.#flags | GONE) & ~END_PENDING;
    this.#held = undefined;
    if (this.#receiver?.body !== undefined) this.#finishBody();
    const handler = this.#handler;
    if (handler === undefined) {
      this.#flags |= CLOSE_PENDING; // told by start()
      return;
    }
    if (cause !== undefined) handler.onError(cause);
    else if (!local && code !== Http2ErrorCode.NO_ERROR && code !== Http2ErrorCode.CANCEL) {
      handler.onError(
        new TransportError(`HTTP/2 stream reset by the peer with ${errorCodeName(code)}`),
      );
    }
    handler.onClose();
  }

  /** @internal Both sides ended and our output left. */
  receiveClosed(): void {
    if (this.#flags & GONE) return;
    this.#flags |= GONE;
    if (this.#receiver?.body !== undefined) this.#finishBody();
    if (this.#held !== undefined || this.#handler === undefined) {
      this.#flags |= CLOSE_PENDING;
      return;
    }
    this.#handler.onClose();
  }

  // ------------------------------------------------------------- internals

  #end(handler: TransportHandler): void {
    if (this.#flags & AWAITING_HEAD) this.#flags |= END_PENDING;
    else handler.onEnd();
  }

  #finishBody(): void {
    const body = this.#receiver!.body!;
    this.#receiver = undefined;
    const { chunks, size } = body;
    let bytes: Uint8Array = EMPTY_BYTES;
    if (chunks.length === 1) bytes = chunks[0]!;
    else if (chunks.length > 1) {
      bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.length;
      }
    }
    body.done(bytes);
  }

  #scheduleRelease(): void {
    if (this.#flags & RELEASING) return;
    this.#flags |= RELEASING;
    queueMicrotask(() => this.#release());
  }

  /** Hands on what was held (data, then the end, then the close), as far as not paused. */
  #release(): void {
    this.#flags &= ~RELEASING;
    const handler = this.#handler;
    if (handler === undefined) return;
    const held = this.#held;
    if (held !== undefined) {
      while (held.length > 0 && !(this.#flags & PAUSED)) {
        const data = held.shift()!;
        if (data === null) {
          this.#flags |= END_PENDING;
          continue;
        }
        handler.onData(data);
        if (!(this.#flags & GONE)) this.wire.consume(this, data.length);
      }
      if (held.length > 0) return;
      this.#held = undefined;
    }
    if (this.#flags & END_PENDING && !(this.#flags & AWAITING_HEAD)) {
      this.#flags &= ~END_PENDING;
      handler.onEnd();
    }
    if (this.#flags & CLOSE_PENDING) {
      this.#flags &= ~CLOSE_PENDING;
      handler.onClose();
    }
  }
}
