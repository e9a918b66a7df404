/**
 * permessage-deflate's codec on Node: native zlib, driven synchronously.
 *
 * Node documents no synchronous API for a *persistent* zlib stream (the
 * `*Sync` functions are one-shot, and `_processChunk()` without a callback
 * closes the stream after one call). Node's own one-shot functions run each
 * stream through its native handle's `writeSync(flush, in, inOff, inLen, out,
 * outOff, outLen)`, which reports the space left in a shared
 * `Uint32Array [availOut, availIn]` (`_writeState`). We drive that handle
 * directly: one call per frame, no thread pool, no callback, no queue. It has
 * kept this shape since Node 10; {@link zlibCodec} checks it on first use and
 * falls back to the documented one-shot functions (slower: context takeover
 * then replays the window as a preset dictionary) if it ever changes.
 *
 * @module
 */

import zlib from "node:zlib";
import { concatBytes } from "../core/bytes.js";
import type {
  DeflateCodec,
  Deflater,
  DeflaterOptions,
  Inflater,
} from "../core/extensions/deflate-codec.js";

const { Z_SYNC_FLUSH, Z_DEFAULT_STRATEGY } = zlib.constants;

/** The internal native handle of a zlib stream, as far as we use it. */
interface NativeHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  /** `deflateParams()`; absent on inflate handles. */
  params?: (level: number, strategy: number) => void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface StreamInternals {
  _handle?: NativeHandle;
  _writeState?: Uint32Array;
}

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/**
 * One output buffer for every stream of the process: the codec is synchronous
 * and copies what it produced out before returning, so streams need no buffer
 * of their own (Node gives each stream a 16 KiB one; we ask for the minimum).
 * 64 KiB also bounds how far decompression can run past a limit in one step.
 */
const SCRATCH_BYTES = 64 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);

/**
 * zlib settings for a compressor that the peer allows 2^windowBits bytes of
 * window. zlib has no 256-byte raw window (Node silently turns 8 into 9), but
 * 9 is safe for a peer that asked for 8: zlib never refers further back than
 * its window minus MIN_LOOKAHEAD (262 bytes; MAX_DIST in deflate.c), so a
 * 9-bit zlib stream refers at most 250 bytes back, within 256. (That same
 * margin is why zlib cannot do 8 bits: 256 - 262 is negative.)
 */
function zlibDeflateOptions(options: DeflaterOptions): zlib.ZlibOptions {
  return {
    windowBits: Math.max(options.windowBits, 9),
    memLevel: options.memLevel,
    level: options.level,
    chunkSize: 64, // the smallest Node allows: we use the shared scratch buffer
  };
}

/**
 * Native handle and state of a new stream, or null if Node's internals changed.
 * @internal exported for tests
 */
export function openNative(
  stream: zlib.DeflateRaw | zlib.InflateRaw,
): { handle: NativeHandle; state: Uint32Array } | null {
  const { _handle: handle, _writeState: state } = stream as unknown as StreamInternals;
  if (
    typeof handle?.writeSync !== "function" ||
    typeof handle.reset !== "function" ||
    typeof handle.close !== "function" ||
    !(state instanceof Uint32Array) ||
    state.length !== 2
  ) {
    return null;
  }
  return { handle, state };
}

/**
 * Runs `input` through a native handle with a sync flush, collecting output
 * into fresh arrays. Stops when zlib stops filling the output buffer (the
 * input is consumed or the stream ended), or returns null as soon as the
 * output exceeds `maxBytes`. `ended` is set when input was left over, that is
 * when a final block ended the DEFLATE stream.
 */
class NativeStream {
  readonly #handle: NativeHandle;
  readonly #state: Uint32Array;
  #error: Error | null = null;
  /** Leftover input after the last call: the stream reached its final block. */
  ended = false;

  constructor(native: { handle: NativeHandle; state: Uint32Array }) {
    this.#handle = native.handle;
    this.#state = native.state;
    // Replaces Node's handler, which would destroy the (unused) stream object.
    this.#handle.onerror = (message, errno, code) => {
      this.#error = Object.assign(new Error(message), { errno, code });
    };
  }

  /**
   * Changes a compressor's level between flushes (zlib's `deflateParams()`).
   * Every write ends with a sync flush, so nothing is pending: zlib has no
   * input left to compress at the old level and writes no output here.
   * Returns false when the handle cannot do it (the level stays).
   */
  setLevel(from: number, level: number): boolean {
    const handle = this.#handle;
    if (typeof handle.params !== "function" || !paramsKeepWindow(from, level)) return false;
    handle.params(level, Z_DEFAULT_STRATEGY);
    this.#throwError();
    return true;
  }

  #throwError(): void {
    if (this.#error !== null) {
      const error = this.#error;
      this.#error = null;
      throw error;
    }
  }

  write(input: Uint8Array, chunks: Uint8Array[], produced: number, maxBytes: number): number {
    const handle = this.#handle;
    const state = this.#state;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      // Never ask for more than one byte past the limit: output stops growing there.
      const room = Math.min(SCRATCH_BYTES, maxBytes - produced + 1);
      handle.writeSync(Z_SYNC_FLUSH, input, inOff, inLen, scratch, 0, room);
      this.#throwError();
      const availOut = state[0]!;
      const availIn = state[1]!;
      const have = room - availOut;
      if (have > 0) {
        chunks.push(scratch.slice(0, have));
        produced += have;
      }
      if (produced > maxBytes) return -1;
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) {
        this.ended = availIn > 0;
        return produced;
      }
    }
  }

  reset(): void {
    this.#handle.reset();
    this.ended = false;
  }

  close(): void {
    this.#handle.close();
  }
}

const paramsKeepWindowCache = new Map<number, boolean>();

/**
 * Whether changing a native stream's level from `from` to `to` keeps its
 * window, checked once per pair on a small stream. Node's zlib always does
 * (`deflateParams()`); Bun's zlib-ng hashes differently at level 9 and
 * starts the window afresh when a change crosses it, which would cost the
 * next message its context takeover: there such a change is not made.
 * Level 0 stores and refers to nothing, so changing to it is always kept.
 * @internal exported for tests
 */
export function paramsKeepWindow(from: number, to: number): boolean {
  const key = from * 10 + to;
  let keeps = to === 0 ? true : paramsKeepWindowCache.get(key);
  if (keeps === undefined) {
    const stream = zlib.createDeflateRaw({
      windowBits: 9,
      memLevel: 1,
      level: from,
      chunkSize: 64,
    });
    const native = openNative(stream);
    const params = native?.handle.params;
    keeps = false;
    if (native !== null && typeof params === "function") {
      const { handle, state } = native;
      // 200 bytes with no repeats: the second copy compresses only by referring back.
      const input = new Uint8Array(200).map((_, i) => (i * 151 + (i >> 3)) & 0xff);
      const out = new Uint8Array(512);
      handle.writeSync(Z_SYNC_FLUSH, input, 0, input.length, out, 0, out.length);
      params.call(handle, to, Z_DEFAULT_STRATEGY);
      handle.writeSync(Z_SYNC_FLUSH, input, 0, input.length, out, 0, out.length);
      keeps = out.length - state[0]! < 50;
      handle.close();
    }
    paramsKeepWindowCache.set(key, keeps);
  }
  return keeps;
}

class NativeDeflater implements Deflater {
  readonly #stream: NativeStream;
  readonly #defaultLevel: number;
  /** The level zlib compresses at now. */
  #level: number;
  constructor(stream: NativeStream, level: number) {
    this.#stream = stream;
    this.#defaultLevel = level;
    this.#level = level;
  }
  deflate(input: Uint8Array, level = this.#defaultLevel): Uint8Array {
    if (level !== this.#level && this.#stream.setLevel(this.#level, level)) this.#level = level;
    const chunks: Uint8Array[] = [];
    const total = this.#stream.write(input, chunks, 0, Number.MAX_SAFE_INTEGER);
    return concatBytes(chunks, total);
  }
  reset(): void {
    this.#stream.reset();
  }
  close(): void {
    this.#stream.close();
  }
}

class NativeInflater implements Inflater {
  readonly #stream: NativeStream;
  constructor(stream: NativeStream) {
    this.#stream = stream;
  }
  inflate(input: Uint8Array, end: boolean, maxBytes: number): Uint8Array | null {
    const stream = this.#stream;
    const chunks: Uint8Array[] = [];
    let total = 0;
    // After a final block (RFC 7692 7.2.3.4) the rest of the message is not DEFLATE data.
    if (!stream.ended) total = stream.write(input, chunks, 0, maxBytes);
    if (total >= 0 && end && !stream.ended) total = stream.write(TAIL, chunks, total, maxBytes);
    if (total < 0) return null;
    if (end && stream.ended) stream.reset();
    return concatBytes(chunks, total);
  }
  reset(): void {
    this.#stream.reset();
  }
  close(): void {
    this.#stream.close();
  }
}

/** Keeps the last `size` bytes written, for the one-shot fallback's preset dictionary. */
class History {
  #bytes = new Uint8Array(0);
  readonly #size: number;
  constructor(size: number) {
    this.#size = size;
  }
  get bytes(): Uint8Array {
    return this.#bytes;
  }
  push(data: Uint8Array): void {
    if (data.length >= this.#size) {
      this.#bytes = data.slice(data.length - this.#size);
      return;
    }
    const keep = Math.min(this.#bytes.length, this.#size - data.length);
    const next = new Uint8Array(keep + data.length);
    next.set(this.#bytes.subarray(this.#bytes.length - keep));
    next.set(data, keep);
    this.#bytes = next;
  }
  clear(): void {
    this.#bytes = new Uint8Array(0);
  }
}

/**
 * Fallback compressor on Node's documented one-shot API. Each call is a new
 * raw stream; after a sync flush the output is byte-aligned, so a new stream
 * continues the old one, and context takeover is kept by presetting the last
 * window of input as the dictionary (the peer's window holds the same bytes).
 */
class OneShotDeflater implements Deflater {
  readonly #options: zlib.ZlibOptions;
  readonly #history: History;
  constructor(options: DeflaterOptions) {
    this.#options = { ...zlibDeflateOptions(options), finishFlush: Z_SYNC_FLUSH };
    // zlib refers at most window - 262 bytes back (MAX_DIST), so the window is enough.
    this.#history = new History(1 << (this.#options.windowBits ?? 15));
  }
  deflate(input: Uint8Array, level = this.#options.level): Uint8Array {
    const history = this.#history.bytes;
    const out = zlib.deflateRawSync(input, {
      ...this.#options,
      level,
      ...(history.length > 0 ? { dictionary: history } : {}),
    });
    this.#history.push(input);
    // A new stream always emits a block; keep the "empty when nothing new" contract.
    return input.length === 0 && history.length > 0 ? new Uint8Array(0) : new Uint8Array(out);
  }
  reset(): void {
    this.#history.clear();
  }
  close(): void {
    this.#history.clear();
  }
}

/**
 * Fallback decompressor on Node's documented one-shot API. A message's
 * frames may end mid-block, so its compressed data is buffered until the
 * last frame (bounded: past maxBytes plus stored-block overhead, it cannot be
 * a valid message of at most maxBytes), then inflated with the window so far
 * as preset dictionary, `maxOutputLength` bounding the output as it grows.
 */
class OneShotInflater implements Inflater {
  readonly #windowBits: number;
  readonly #history: History;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  constructor(windowBits: number) {
    this.#windowBits = windowBits;
    this.#history = new History(1 << windowBits);
  }
  inflate(input: Uint8Array, end: boolean, maxBytes: number): Uint8Array | null {
    this.#pending.push(input, ...(end ? [TAIL] : []));
    this.#pendingBytes += input.length;
    if (this.#pendingBytes > maxBytes + (maxBytes >> 6) + 1024) return null;
    if (!end) return new Uint8Array(0);
    const data = concatBytes(this.#pending, this.#pendingBytes + TAIL.length);
    this.#pending = [];
    this.#pendingBytes = 0;
    const history = this.#history.bytes;
    let out: Uint8Array;
    try {
      out = zlib.inflateRawSync(data, {
        windowBits: this.#windowBits,
        finishFlush: Z_SYNC_FLUSH,
        maxOutputLength: Math.max(maxBytes, 1),
        ...(history.length > 0 ? { dictionary: history } : {}),
      });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return null;
      throw error;
    }
    if (out.length > maxBytes) return null;
    this.#history.push(out);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#history.clear();
  }
  close(): void {
    this.reset();
  }
}

/** Options of {@link createZlibCodec}. */
export interface ZlibCodecOptions {
  /**
   * Use only Node's documented one-shot zlib functions, never the native
   * stream handle (for testing the fallback; slower).
   */
  readonly oneShot?: boolean;
}

/**
 * A permessage-deflate codec on Node's native zlib.
 *
 * @example
 * ```ts
 * const codec = createZlibCodec();
 * const deflater = codec.createDeflater({ windowBits: 12, memLevel: 5, level: 6 });
 * deflater.deflate(new TextEncoder().encode("Hello")); // ends with 00 00 ff ff
 * ```
 */
export function createZlibCodec(options: ZlibCodecOptions = {}): DeflateCodec {
  let native = options.oneShot !== true;
  return {
    name: native ? "zlib" : "zlib-oneshot",
    deflateWindowBits: [8, 9, 10, 11, 12, 13, 14, 15],
    createDeflater(deflaterOptions: DeflaterOptions): Deflater {
      if (native) {
        const handle = openNative(zlib.createDeflateRaw(zlibDeflateOptions(deflaterOptions)));
        if (handle !== null) {
          return new NativeDeflater(new NativeStream(handle), deflaterOptions.level);
        }
        native = false;
      }
      return new OneShotDeflater(deflaterOptions);
    },
    createInflater(windowBits: number): Inflater {
      if (native) {
        const handle = openNative(zlib.createInflateRaw({ windowBits, chunkSize: 64 }));
        if (handle !== null) return new NativeInflater(new NativeStream(handle));
        native = false;
      }
      return new OneShotInflater(windowBits);
    },
  };
}

/** The process-wide native zlib codec (shared codecs are keyed by codec object). */
export const zlibCodec: DeflateCodec = createZlibCodec();
