/**
 * A `node:net` (or `node:tls`) socket as a {@link Transport}.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { TlsInfo } from "../connection/tls-info.js";
import type { Transport, TransportHandler } from "../connection/transport.js";
import { type Detachable, primeAllocator } from "./allocator.js";
import { tlsInfoOf } from "./tls-info.js";

// Batches up to this size are copied into one buffer and written with one
// `socket.write` (one syscall, no writev bookkeeping); larger ones hold big
// payloads that the core queued without a copy, so they are corked and leave
// in a single writev, still without a copy.
const CONCAT_LIMIT = 16 * 1024;

const kHandler = Symbol("websocket-sansio.handler");
type HandledSocket = Socket & { [kHandler]: TransportHandler };

function onData(this: HandledSocket, chunk: Buffer): void {
  if (this[kHandler].onData(chunk) === true) release(this, chunk);
}

/**
 * Frees a read's memory at once when the connection kept nothing of it (its
 * bytes were copied into a large message being assembled), by detaching its
 * ArrayBuffer: the allocator hands the same memory to the next read, where
 * otherwise it waits for a garbage collection.
 *
 * Measured reason (1 MiB echo, bench/large-alloc.ts and docs/benchmarks.md):
 * on Node 24, V8 13.6 collects external (ArrayBuffer) memory only with
 * mark-compacts, no longer with scavenges as on Node 20 and 22; between two,
 * tens of megabytes of reads pile up, are freed together, and the C
 * allocator gives the heap's top back to the kernel, so the next reads fault
 * their pages in again. On this benchmark machine a page fault costs about
 * 25 µs. Detaching the reads cut the mark-compacts per message by a third
 * (0.045 to 0.03); the faults come down with primeAllocator (allocator.ts),
 * done here, on the first large message. Only a read that is its whole
 * ArrayBuffer (Node's reads are; a pooled or sliced buffer is not) and that
 * no other `data` listener sees is detached.
 */
function release(socket: Socket, chunk: Buffer): void {
  primeAllocator();
  const buffer = chunk.buffer as Detachable;
  if (
    buffer.transfer !== undefined &&
    chunk.byteOffset === 0 &&
    chunk.byteLength === buffer.byteLength &&
    socket.listenerCount("data") === 1
  ) {
    buffer.transfer(0);
  }
}
function onEnd(this: HandledSocket): void {
  this[kHandler].onEnd();
}
function onDrain(this: HandledSocket): void {
  this[kHandler].onDrain();
}
function onError(this: HandledSocket, error: Error): void {
  this[kHandler].onError(error);
}
function onClose(this: HandledSocket): void {
  this[kHandler].onClose();
}

/** Wraps a connected Node socket. */
export class SocketTransport implements Transport {
  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    // We coalesce writes ourselves; Nagle would only add latency. (Not every
    // stream handed over is a socket: handleUpgrade takes any Duplex.)
    if (typeof socket.setNoDelay === "function") socket.setNoDelay(true);
  }

  start(handler: TransportHandler): void {
    const socket = this.socket as HandledSocket;
    // Shared listeners that find the handler on the socket: no closures per
    // connection (idle memory).
    socket[kHandler] = handler;
    socket.on("data", onData);
    // A socket that is not half-open (net.Server's and net.connect's
    // default) ends its side when the peer's FIN arrives and then closes, so
    // `close` tells us as much as `end` would; one listener less keeps its
    // `end` listeners from growing into an array (idle memory). Sockets from
    // node:http are half-open and need it.
    if (socket.allowHalfOpen) socket.on("end", onEnd);
    socket.on("drain", onDrain);
    socket.on("error", onError);
    socket.on("close", onClose);
    // A socket handed over already destroyed (the peer left during the upgrade).
    if (socket.destroyed) queueMicrotask(() => handler.onClose());
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed) return false;
    if (chunks.length === 1) return socket.write(chunks[0]!);
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    if (length <= CONCAT_LIMIT) {
      return socket.write(Buffer.concat(chunks as Uint8Array[], length));
    }
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
    return !socket.writableNeedDrain;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  /** The TLS facts when the socket is a `tls.TLSSocket` (see `connection.tls`). */
  get tls(): TlsInfo | undefined {
    return tlsInfoOf(this.socket);
  }
}
