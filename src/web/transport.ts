/**
 * A pair of WHATWG byte streams as a {@link Transport}: what Deno's
 * `Deno.connect`/`Deno.connectTls`/`Deno.listen` connections and Cloudflare's
 * `connect()` (`cloudflare:sockets`) hand out, or any `readable`/`writable`
 * pair (Node's `Duplex.toWeb(socket)`, a `TransformStream` pair in a test).
 *
 * Only structural types are used, so the module type-checks without DOM,
 * Deno or Workers types and runs wherever web streams exist.
 *
 * @module
 */

import type { Transport, TransportHandler } from "../connection/transport.js";
import { concatBytes } from "../core/bytes.js";

/** The part of a `ReadableStreamDefaultReader<Uint8Array>` the transport uses. */
export interface ByteReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

/** The part of a `WritableStreamDefaultWriter<Uint8Array>` the transport uses. */
export interface ByteWriter {
  readonly desiredSize: number | null;
  readonly ready: Promise<unknown>;
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/**
 * A bidirectional byte stream as web runtimes give it: Deno's `Deno.Conn`
 * (`TcpConn`, `TlsConn`, `UnixConn`) and Cloudflare's `Socket` fit as they are.
 */
export interface ByteStreams {
  readonly readable: { getReader(): ByteReader };
  readonly writable: { getWriter(): ByteWriter };
  /**
   * Half-closes (TCP FIN) and leaves the readable open: Deno's
   * `conn.closeWrite()`. Deno's writable closes the whole connection when it
   * is closed, so it must not be used to half-close there. Without this
   * method, {@link StreamTransport.end} closes the writable stream, which
   * half-closes a Cloudflare socket.
   */
  closeWrite?(): unknown;
  /** Releases the connection both ways (Deno's `conn.close()`, Cloudflare's `socket.close()`). */
  close?(): unknown;
}

/** Options of {@link StreamTransport}. */
export interface StreamTransportOptions {
  /**
   * Bytes handed to the writable and not yet written out before `write()`
   * returns `false`. Default 16 KiB, Node's socket default: Deno's and
   * Cloudflare's socket streams count chunks (high-water mark 1), not bytes,
   * so the transport also counts bytes itself.
   */
  highWaterMark?: number;
  /** The peer's IP address, if the runtime told it. */
  remoteAddress?: string;
  /** The peer's port, if the runtime told it. */
  remotePort?: number;
  /**
   * Bytes already read from the streams that come before their own (what a
   * proxy sent after its reply), delivered first.
   */
  head?: Uint8Array;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Wraps a pair of byte streams. Reading starts at {@link StreamTransport.start}
 * and stops pulling while paused, so the stream's own queue fills and its
 * source stops reading from the network: the peer sees TCP backpressure.
 * Each {@link StreamTransport.write} is one `writer.write()` of all its
 * chunks (copied into one buffer when there are several).
 */
export class StreamTransport implements Transport {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly #streams: ByteStreams;
  readonly #highWaterMark: number;
  #head: Uint8Array | undefined;
  #handler: TransportHandler | undefined;
  #reader: ByteReader | undefined;
  #writer: ByteWriter | undefined;
  #paused = false;
  #resume: (() => void) | undefined;
  #buffered = 0;
  #needDrain = false;
  #lastWrite: Promise<void> = Promise.resolve();
  #readDone = false;
  #writeDone = false;
  #ending = false;
  #destroyed = false;
  #closed = false;

  constructor(streams: ByteStreams, options: StreamTransportOptions = {}) {
    this.#streams = streams;
    this.#highWaterMark = options.highWaterMark ?? 16 * 1024;
    if (options.head !== undefined && options.head.length > 0) this.#head = options.head;
    this.remoteAddress = options.remoteAddress;
    this.remotePort = options.remotePort;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new Error("Cannot start transport: already started");
    this.#handler = handler;
    if (this.#destroyed) {
      this.#finish();
      return;
    }
    try {
      this.#reader = this.#streams.readable.getReader();
      this.#writer = this.#streams.writable.getWriter();
    } catch (error) {
      // Streams already locked or errored: report it as a transport failure.
      queueMicrotask(() => this.#fail(error));
      return;
    }
    void this.#readLoop(this.#reader);
  }

  async #readLoop(reader: ByteReader): Promise<void> {
    const handler = this.#handler!;
    try {
      const head = this.#head;
      if (head !== undefined) {
        this.#head = undefined;
        await Promise.resolve(); // delivered after start(), as every chunk is
        if (!this.#destroyed) handler.onData(head);
      }
      for (;;) {
        const result = await reader.read();
        // Paused while this read was pending: hold the chunk (or the end).
        // Not reading any further lets the stream's queue fill and the
        // runtime stop reading the socket, so the peer's writes back up.
        while (this.#paused && !this.#destroyed) {
          await new Promise<void>((resolve) => {
            this.#resume = resolve;
          });
        }
        if (this.#destroyed) return;
        if (result.done) break;
        handler.onData(result.value);
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#readDone = true;
    handler.onEnd();
    this.#maybeClosed();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    const writer = this.#writer;
    if (writer === undefined || this.#destroyed || this.#ending) return false;
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    const bytes = concatBytes(chunks, length);
    this.#buffered += length;
    this.#lastWrite = writer.write(bytes).then(
      () => {
        this.#buffered -= length;
        this.#checkDrain();
      },
      (error: unknown) => this.#fail(error),
    );
    if (this.#buffered < this.#highWaterMark && (writer.desiredSize ?? 1) > 0) return true;
    if (!this.#needDrain) {
      this.#needDrain = true;
      // The stream's own signal: `ready` settles when its queue is below its
      // high-water mark again.
      writer.ready.then(
        () => this.#checkDrain(),
        () => {},
      );
    }
    return false;
  }

  #checkDrain(): void {
    if (!this.#needDrain || this.#destroyed || this.#buffered >= this.#highWaterMark) return;
    if ((this.#writer!.desiredSize ?? 1) <= 0) return; // `ready` will call again
    this.#needDrain = false;
    this.#handler!.onDrain();
  }

  get bufferedAmount(): number {
    return this.#buffered;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  end(): void {
    if (this.#ending || this.#destroyed || this.#writer === undefined) return;
    this.#ending = true;
    const writer = this.#writer;
    const streams = this.#streams;
    // After every write has reached the network: FIN. A peer that already
    // sent its FIN may have taken the connection down (Deno closes a
    // connection whose readable reached its end); nothing is lost then.
    void this.#lastWrite
      .then(() => (streams.closeWrite === undefined ? writer.close() : streams.closeWrite()))
      .then(
        () => {
          this.#writeDone = true;
          this.#maybeClosed();
        },
        () => {
          this.#writeDone = true;
          if (this.#readDone) this.#maybeClosed();
          else this.destroy();
        },
      );
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#release();
    this.resume();
    this.#finish();
  }

  #fail(error: unknown): void {
    if (this.#destroyed) return;
    this.#handler?.onError(toError(error));
    this.destroy();
  }

  #maybeClosed(): void {
    if (this.#readDone && this.#writeDone && !this.#destroyed) {
      this.#destroyed = true;
      this.#release();
      this.#finish();
    }
  }

  #release(): void {
    // Each of these may throw or reject when the other side already went
    // down; the connection is being dropped either way.
    this.#reader?.cancel().catch(() => {});
    if (!this.#writeDone) this.#writer?.abort().catch(() => {});
    try {
      const closing = this.#streams.close?.();
      if (closing instanceof Promise) closing.catch(() => {});
    } catch {}
  }

  #finish(): void {
    if (this.#closed || this.#handler === undefined) return;
    this.#closed = true;
    this.#buffered = 0;
    const handler = this.#handler;
    queueMicrotask(() => handler.onClose());
  }
}
