/**
 * An HTTP/2 stream (`node:http2`) as a {@link Transport}: one WebSocket of
 * RFC 8441 per stream, many of them on one connection.
 *
 * - Writes go to the stream, which sends DATA frames as its flow-control
 *   window allows and holds the rest: `write` returns `false` once it holds
 *   more than its high-water mark, and `onDrain` follows when the peer's
 *   WINDOW_UPDATE let it drain. A peer that stops reading one stream thus
 *   backs up that stream's `send()` only.
 * - Reads pause by not consuming the stream: Node stops returning its
 *   window to the peer, whose window on this stream then shuts.
 * - `end` is END_STREAM (the closing handshake is over, RFC 8441 5: the
 *   "TCP close"); `destroy` is RST_STREAM with CANCEL (the abort).
 *
 * @module
 */

import { constants, type Http2Stream } from "node:http2";
import type { Socket } from "node:net";
import type { TlsInfo } from "../connection/tls-info.js";
import type { Transport, TransportHandler } from "../connection/transport.js";
import { tlsInfoOf } from "../node/tls-info.js";

const kHandler = Symbol("websocket-sansio.handler");
// As in SocketTransport: batches up to this size are copied into one buffer.
const CONCAT_LIMIT = 16 * 1024;
// Set on a server's stream until its response head is sent: then `true` if
// the request's END_STREAM came meanwhile (see onEnd).
const kEndHeld = Symbol("websocket-sansio.endHeld");
type HandledStream = Http2Stream & {
  [kHandler]: TransportHandler;
  [kEndHeld]?: boolean | undefined;
};

// Shared listeners that find the handler on the stream: no closures per
// stream (idle memory, as in SocketTransport).
function onData(this: HandledStream, chunk: Buffer): void {
  this[kHandler].onData(chunk);
}
// The peer's END_STREAM. Our side ends when the protocol says so (it asks
// to close the transport once it read the end, after what it still had to
// send: Chromium sends END_STREAM with its close frame, and the echo must
// still go out).
// A request may end its side with its head (a GET does) and still wait for
// an answer: on a server's stream, that end is told after the response head.
function onEnd(this: HandledStream): void {
  if (this[kEndHeld] === false) this[kEndHeld] = true;
  else this[kHandler].onEnd();
}
function onDrain(this: HandledStream): void {
  this[kHandler].onDrain();
}
function onError(this: HandledStream, error: Error): void {
  this[kHandler].onError(error);
}
function onClose(this: HandledStream): void {
  this[kHandler].onClose();
}

/** Wraps an HTTP/2 stream whose handshake (extended CONNECT and its 2xx) is done or under way. */
export class Http2StreamTransport implements Transport {
  readonly stream: Http2Stream;

  /**
   * @param stream the stream
   * @param awaitingHead a server's stream whose response head is still to be
   *   sent (with {@link headSent} after it)
   */
  constructor(stream: Http2Stream, awaitingHead = false) {
    this.stream = stream;
    if (awaitingHead) (stream as HandledStream)[kEndHeld] = false;
  }

  /** The response head left: a request's end that came before it is told now. */
  headSent(): void {
    const stream = this.stream as HandledStream;
    const held = stream[kEndHeld];
    stream[kEndHeld] = undefined;
    // After the current call (the protocol is sending its response).
    if (held === true) queueMicrotask(() => stream[kHandler].onEnd());
  }

  start(handler: TransportHandler): void {
    const stream = this.stream as HandledStream;
    stream[kHandler] = handler;
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
    if (stream.destroyed) queueMicrotask(() => handler.onClose());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded) return false;
    if (chunks.length === 1) return stream.write(chunks[0]!);
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    // Small batches: one buffer, one trip through the stream (nghttp2 cuts
    // it into DATA frames as the window and the frame size allow). Large
    // ones hold payloads the core queued without a copy: corked, they leave
    // in one writev, still without a copy (profiled: copying a 16 KiB echo
    // took a quarter of the server's time), as on a socket (SocketTransport).
    if (length <= CONCAT_LIMIT) return stream.write(Buffer.concat(chunks as Uint8Array[], length));
    stream.cork();
    for (const chunk of chunks) stream.write(chunk);
    stream.uncork();
    return !stream.writableNeedDrain;
  }

  /**
   * Reads a refusal's body instead of handing it to the protocol (which
   * expects no data before a 2xx): up to `maxBytes` (the rest is dropped),
   * until the peer's END_STREAM or the stream's end; then calls `done` with
   * it, and tells the handler of an end or close that came meanwhile.
   */
  readBody(maxBytes: number, done: (body: Uint8Array) => void): void {
    const stream = this.stream as HandledStream;
    const chunks: Buffer[] = [];
    let size = 0;
    let closed = false;
    let finished = false;
    const collect = (chunk: Buffer): void => {
      const room = maxBytes - size;
      if (room <= 0) return;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      size += kept.length;
    };
    const onClosed = (): void => {
      closed = true;
      finish();
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      stream.off("data", collect);
      stream.off("end", finish);
      stream.off("close", onClosed);
      stream.off("error", finish);
      stream.on("close", onClose);
      stream.on("error", onError);
      done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      if (closed) stream[kHandler].onClose();
    };
    // While the body is read, an end, a reset or an error only ends it:
    // the refusal is what the caller reports.
    stream.off("data", onData);
    stream.off("end", onEnd);
    stream.off("close", onClose);
    stream.off("error", onError);
    stream.on("data", collect);
    stream.once("end", finish);
    stream.once("close", onClosed);
    stream.once("error", finish);
  }

  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  end(): void {
    const stream = this.stream;
    if (!stream.destroyed && !stream.writableEnded) stream.end();
  }

  destroy(): void {
    const stream = this.stream;
    if (stream.closed || stream.destroyed) return;
    stream.close(constants.NGHTTP2_CANCEL);
  }

  get remoteAddress(): string | undefined {
    return this.stream.session?.socket?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.stream.session?.socket?.remotePort;
  }

  /**
   * The TLS facts of the session's socket, when it is TLS (see
   * `connection.tls`): every stream of a session shares its TLS session,
   * so a hook authenticates by client certificate as over HTTP/1.1. Read
   * when asked; undefined over h2c, and once the stream or its session is
   * gone (Node's `session.socket` then throws ERR_HTTP2_SOCKET_UNBOUND).
   */
  get tls(): TlsInfo | undefined {
    try {
      const socket = this.stream.session?.socket;
      return socket === undefined ? undefined : tlsInfoOf(socket as Socket);
    } catch {
      return undefined;
    }
  }
}
