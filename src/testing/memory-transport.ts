/**
 * An in-memory transport pair: two {@link Transport}s joined by a fake wire,
 * with the behaviour of a TCP connection that matters to the connection layer
 * (ordered delivery, backpressure through a paused reader, half-close, reset).
 *
 * @module
 */

import type { Transport, TransportHandler } from "../connection/transport.js";

/** Options of {@link createTransportPair}. */
export interface MemoryTransportOptions {
  /**
   * Bytes a side may have written and the peer not yet read before `write()`
   * returns `false`. Default 16 KiB, Node's socket default.
   */
  highWaterMark?: number;
}

/**
 * One end of an in-memory wire. Writes are delivered to the peer
 * asynchronously (in a microtask), one `onData` per `write()`. While the peer
 * is paused, data waits and counts in this side's `bufferedAmount`, so the
 * writer sees backpressure as it would with a kernel buffer of size zero.
 */
export class MemoryTransport implements Transport {
  /** The other end of the wire. */
  peer!: MemoryTransport;
  /** See {@link MemoryTransportOptions.highWaterMark}. */
  readonly highWaterMark: number;
  /** Always `"memory"`. */
  readonly remoteAddress: string | undefined = "memory";
  /** Always `undefined`. */
  readonly remotePort: number | undefined = undefined;
  #handler: TransportHandler | undefined;
  #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #paused = false;
  #scheduled = false;
  #needDrain = false;
  #endSent = false;
  #endReceived = false;
  #endDelivered = false;
  #reset: Error | undefined;
  #closed = false;
  /** Total bytes written by this side (for tests asserting coalescing). */
  bytesWritten = 0;
  /** Number of `write()` calls on this side (for tests asserting coalescing). */
  writes = 0;

  constructor(options: MemoryTransportOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? 16 * 1024;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new Error("Cannot start transport: already started");
    this.#handler = handler;
    this.#schedule();
  }

  get bufferedAmount(): number {
    return this.peer.#inboxBytes;
  }

  /** Whether this side is closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#closed || this.#endSent) return false;
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    // One copy per write, as the kernel would make: the receiver owns its bytes.
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    this.writes++;
    this.bytesWritten += length;
    const peer = this.peer;
    if (peer.#closed) return true;
    peer.#inbox.push(bytes);
    peer.#inboxBytes += length;
    peer.#schedule();
    if (peer.#inboxBytes >= this.highWaterMark) {
      this.#needDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  end(): void {
    if (this.#closed || this.#endSent) return;
    this.#endSent = true;
    this.#endPeer();
    this.#schedule();
  }

  /**
   * Closes this side at once. As with a TCP socket closed with nothing unread,
   * the peer still receives what was already written, then an end of data.
   */
  destroy(): void {
    if (this.#closed) return;
    this.#close();
    this.#endPeer();
  }

  /** The peer reads an end of data (a FIN) after what it already holds. */
  #endPeer(): void {
    const peer = this.peer;
    if (peer.#closed) return;
    peer.#endReceived = true;
    peer.#schedule();
  }

  /**
   * Fault injection: closes this side at once and resets the connection, as a
   * TCP RST does. The peer loses unread data and gets an error, then its close.
   */
  reset(): void {
    if (this.#closed) return;
    this.#close();
    const peer = this.peer;
    if (!peer.#closed) {
      peer.#reset = Object.assign(new Error("Connection reset by peer"), { code: "ECONNRESET" });
      peer.#inbox = [];
      peer.#inboxBytes = 0;
      peer.#schedule();
    }
  }

  #close(): void {
    this.#closed = true;
    this.#inbox = [];
    this.#inboxBytes = 0;
    const handler = this.#handler;
    if (handler !== undefined) queueMicrotask(() => handler.onClose());
    else this.#handler = { onClose() {} } as unknown as TransportHandler;
  }

  #schedule(): void {
    if (this.#scheduled || this.#handler === undefined || this.#closed) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#deliver());
  }

  #deliver(): void {
    this.#scheduled = false;
    const handler = this.#handler;
    if (this.#closed || handler === undefined) return;
    if (this.#reset !== undefined) {
      const error = this.#reset;
      this.#closed = true;
      handler.onError(error);
      handler.onClose();
      return;
    }
    while (!this.#paused && this.#inbox.length > 0 && !this.#closed) {
      const chunk = this.#inbox.shift()!;
      this.#inboxBytes -= chunk.length;
      handler.onData(chunk);
    }
    const peer = this.peer;
    if (peer.#needDrain && this.#inboxBytes < peer.highWaterMark && !peer.#closed) {
      peer.#needDrain = false;
      const peerHandler = peer.#handler;
      queueMicrotask(() => {
        if (!peer.#closed) peerHandler?.onDrain();
      });
    }
    if (this.#closed || this.#inbox.length > 0) return;
    if (this.#endReceived && !this.#endDelivered) {
      this.#endDelivered = true;
      handler.onEnd();
      // Like a Node socket with allowHalfOpen false: answer the peer's end with ours.
      this.end();
    }
    if (this.#endSent && this.#endReceived && this.#endDelivered && !this.#closed) {
      this.#close();
    }
  }
}

/** Creates two joined transports: what one writes, the other reads. */
export function createTransportPair(
  options: MemoryTransportOptions = {},
): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(options);
  const b = new MemoryTransport(options);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
