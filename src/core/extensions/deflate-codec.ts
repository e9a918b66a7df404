/**
 * The codec seam of permessage-deflate: raw DEFLATE (RFC 1951) driven
 * synchronously with sync flushes, as RFC 7692 section 7.2 uses it. The core
 * defines the shape; each runtime plugs in an implementation (native zlib on
 * Node in `src/node/zlib-codec.ts`, fflate elsewhere in
 * `src/web/fflate-codec.ts`). Synchronous on purpose: the core is a pure state
 * machine, and a synchronous codec needs no queue, no per-message promise and
 * no buffering of messages waiting for a thread pool.
 *
 * @module
 */

/** Settings of one compressor. */
export interface DeflaterOptions {
  /**
   * The LZ77 window the peer's decompressor allows, 8 to 15 (RFC 7692 7.1.2).
   * The compressor must never refer further back than 2^windowBits bytes. A
   * codec that cannot honour a value (zlib has no 256-byte raw window) must
   * use a representation that stays within it, or list the value out of
   * {@link DeflateCodec.deflateWindowBits}.
   */
  readonly windowBits: number;
  /** zlib memory level, 1 to 9: hash table and pending buffer size. */
  readonly memLevel: number;
  /** Compression level, 0 (stored) to 9, for calls that do not name one. */
  readonly level: number;
}

/** A raw DEFLATE compressor that keeps its window between calls (context takeover). */
export interface Deflater {
  /**
   * Compresses `input` and ends with a sync flush (RFC 7692 7.2.1), so the
   * returned bytes end with the empty stored block `00 00 ff ff`; they may be
   * empty when nothing was written since the last flush. The result is a fresh
   * array the caller owns.
   *
   * `level` (0 to 9) compresses this input at another level than the
   * deflater's own, keeping the window: permessage-deflate uses a faster
   * level for large messages. A codec that cannot change level within a
   * stream may ignore it (any level's output is valid DEFLATE).
   */
  deflate(input: Uint8Array, level?: number): Uint8Array;
  /** Forgets the window: the next output starts a new DEFLATE stream (no context takeover). */
  reset(): void;
  /** Frees native state. The deflater is unusable afterwards. */
  close(): void;
}

/** A raw DEFLATE decompressor that keeps its window between calls. */
export interface Inflater {
  /**
   * Decompresses `input`, and when `end` is true the RFC 7692 7.2.2 tail
   * `00 00 ff ff` after it. Returns the output (a fresh array), or `null`
   * as soon as the output would exceed `maxBytes`: output is bounded while it
   * is produced, so a decompression bomb costs bounded memory and CPU. After
   * `null` or a throw the state is undefined until {@link reset}. Throws
   * (any error) on invalid DEFLATE data. When the stream ends with a final
   * block (BFINAL, allowed by RFC 7692 7.2.3.4), the inflater starts a fresh
   * stream for the next message by itself.
   */
  inflate(input: Uint8Array, end: boolean, maxBytes: number): Uint8Array | null;
  /** Forgets the window. */
  reset(): void;
  /** Frees native state. The inflater is unusable afterwards. */
  close(): void;
}

/** A DEFLATE implementation for permessage-deflate. */
export interface DeflateCodec {
  /** A short name for diagnostics and benchmarks, e.g. `zlib` or `fflate`. */
  readonly name: string;
  /**
   * The window sizes (bits) the compressor can honour, smallest first. A
   * permessage-deflate endpoint never agrees to a compression window outside
   * this list (it declines the offer, or does not offer). Must include 15,
   * the window a peer that sets no limit expects us to stay within.
   */
  readonly deflateWindowBits: readonly number[];
  /** A new compressor. */
  createDeflater(options: DeflaterOptions): Deflater;
  /**
   * A new decompressor for a peer that compresses with a window of at most
   * 2^windowBits bytes (8 to 15); a codec may use a larger window.
   */
  createInflater(windowBits: number): Inflater;
}
