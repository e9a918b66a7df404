/**
 * The seam between the connection layer and a runtime: how bytes move. A
 * runtime adapter (Node sockets, web streams, an HTTP/2 stream, the in-memory
 * pair of `websocket-sansio/testing`) implements {@link Transport}; everything
 * else (protocol, queues, backpressure policy, coalescing, timeouts) is written
 * once in this layer.
 *
 * Nothing here is Node-shaped: no streams, no events, no Buffer.
 *
 * @module
 */

import type { TlsInfo } from "./tls-info.js";

/** What a transport reports to its owner. Set once with {@link Transport.start}. */
export interface TransportHandler {
  /**
   * Bytes arrived. The owner takes ownership of `chunk` (it may modify it in
   * place). Returns `true` when the owner kept no reference to `chunk`: the
   * transport may then free or reuse its memory at once (the Node transport
   * does, see src/node/transport.ts); anything else says nothing either way.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing (void) stays valid.
  onData(chunk: Uint8Array): boolean | void;
  /** The peer half-closed: no more data will arrive (TCP FIN). */
  onEnd(): void;
  /**
   * The write buffer went back under the high-water mark after a
   * {@link Transport.write} returned `false`.
   */
  onDrain(): void;
  /** The transport failed (reset, TLS error...). {@link TransportHandler.onClose} follows. */
  onError(error: Error): void;
  /** The transport is closed both ways; called exactly once, and nothing is called after it. */
  onClose(): void;
}

/**
 * A bidirectional byte stream with backpressure, as the connection layer needs
 * it. Implementations must call {@link TransportHandler.onClose} exactly once,
 * whatever happens (end, destroy, error).
 */
export interface Transport {
  /**
   * Starts delivering events to `handler`. Called once, before any other
   * method; data that arrived before the call is delivered after it.
   */
  start(handler: TransportHandler): void;
  /**
   * Writes `chunks` in order, as one write to the runtime where it can (one
   * `writev` or one concatenated buffer): the connection layer hands over all
   * the output of one event-loop turn in a single call. The transport owns the
   * chunks afterwards, but not the array: the same array (and chunk) may be
   * given to many transports (a topic's publishes, see publish-batch.ts), so
   * it must not be changed or kept. Returns `false` when the write buffer is at or over the
   * high-water mark: the owner should stop writing until
   * {@link TransportHandler.onDrain}.
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Bytes accepted by {@link Transport.write} and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Stops delivering data (reads pause, so the peer's writes back up). */
  pause(): void;
  /** Resumes delivering data after {@link Transport.pause}. */
  resume(): void;
  /** Half-closes: flushes what was written, then signals end of data to the peer. */
  end(): void;
  /** Closes at once, discarding unwritten data. Idempotent. */
  destroy(): void;
  /** The peer's address (an IP address), when the transport has one. */
  readonly remoteAddress: string | undefined;
  /** The peer's port, when the transport has one. */
  readonly remotePort: number | undefined;
  /**
   * The TLS session's facts, for a transport over TLS that can tell them;
   * undefined (or absent) otherwise. Read when asked, not kept.
   */
  readonly tls?: TlsInfo | undefined;
}

/**
 * Calls `callback` once after the current event-loop turn, when every pending
 * microtask has run. The default is `setImmediate` where the runtime has it
 * (Node, Bun), else `setTimeout(callback, 0)` (browsers, Workers); pass
 * another primitive in the `defer` option. Write coalescing depends on it: a
 * microtask would run before a consumer awaiting each message has produced
 * its replies.
 */
export type Defer = (callback: () => void) => void;
