/**
 * permessage-deflate's codec where `node:zlib` does not exist (browsers,
 * Cloudflare Workers, Deno without Node compatibility): fflate, a small
 * pure-JavaScript DEFLATE with synchronous streaming and a sync flush
 * (`Deflate.flush(true)` writes the `00 00 ff ff` block RFC 7692 needs).
 * The web's own `CompressionStream("deflate-raw")` is asynchronous and has no
 * flush, so it cannot serve a synchronous core.
 *
 * Limits of fflate, and what we do about them:
 * - its compressor always uses a 32 KiB window, so this codec only compresses
 *   with window bits 15: a server declines offers that ask for less, and a
 *   client does not offer `client_max_window_bits`;
 * - its decompressor has no output limit, so input is fed in slices small
 *   enough that one slice cannot inflate far past the limit (DEFLATE expands
 *   at most 1032:1);
 * - its streaming compressor takes its level once, so every message is
 *   compressed at the deflater's level (the per-call level that
 *   permessage-deflate passes for large messages is ignored).
 *
 * @module
 */

import { Deflate, Inflate } from "fflate";
import { concatBytes } from "../core/bytes.js";
import type {
  DeflateCodec,
  Deflater,
  DeflaterOptions,
  Inflater,
} from "../core/extensions/deflate-codec.js";

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** DEFLATE's largest expansion: a 258-byte match costs at least 2 bits. */
const MAX_RATIO = 1032;

/** The smallest input slice fed at once, so that a bomb costs at most ~256 KiB past the limit. */
const MIN_SLICE = 256;

type FflateMem = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
type FflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

class FflateDeflater implements Deflater {
  readonly #options: { level: FflateLevel; mem: FflateMem };
  #deflate: Deflate;
  #chunks: Uint8Array[] = [];
  #total = 0;
  /** Whether anything was written since the last flush. */
  #dirty = true;

  constructor(options: DeflaterOptions) {
    // fflate hashes 12 + mem bits, zlib memLevel + 7: keep zlib's table size
    // (memLevel 5 → 4096 entries) rather than fflate's streaming default of
    // 2^20 entries (2 MiB per connection).
    this.#options = {
      level: options.level as FflateLevel,
      mem: Math.max(0, options.memLevel - 5) as FflateMem,
    };
    this.#deflate = this.#create();
  }

  #create(): Deflate {
    return new Deflate(this.#options, (chunk) => {
      this.#chunks.push(chunk);
      this.#total += chunk.length;
    });
  }

  deflate(input: Uint8Array): Uint8Array {
    if (input.length === 0 && !this.#dirty) return new Uint8Array(0);
    const deflate = this.#deflate;
    deflate.push(input, false);
    // fflate 0.8.3's flush(true) writes the empty stored block at a wrong
    // offset whenever the last byte is partly filled (it passes its whole
    // bit-state word, not the bit position, to the block writer), losing the
    // 00 00 ff ff. So flush the blocks, then end with the stored block
    // ourselves from that state: the partial byte (its upper bits are the
    // block header, all zero), a zero byte if the 3 header bits spill over,
    // then LEN 0000 and NLEN ffff. The state is internal: if it ever changes
    // shape, trust flush(true) (the bug being fixed by then, or tests fail).
    const state = (deflate as unknown as { s?: { r?: number; z?: number } }).s;
    if (typeof state?.z === "number") {
      deflate.flush(false);
      const r = state.r ?? 0; // unset until the first block is written
      const block = (r & 7) > 5 ? [r >> 3, 0, 0, 0, 0xff, 0xff] : [r >> 3, 0, 0, 0xff, 0xff];
      state.r = 0;
      this.#chunks.push(new Uint8Array(block));
      this.#total += block.length;
    } else {
      deflate.flush(true);
    }
    const out = concatBytes(this.#chunks, this.#total);
    this.#chunks = [];
    this.#total = 0;
    this.#dirty = false;
    return out;
  }

  reset(): void {
    this.#deflate = this.#create();
    this.#dirty = true;
  }

  close(): void {
    this.#chunks = [];
  }
}

class FflateInflater implements Inflater {
  #inflate: Inflate;
  #chunks: Uint8Array[] = [];
  #total = 0;

  constructor() {
    this.#inflate = this.#create();
  }

  #create(): Inflate {
    return new Inflate((chunk) => {
      if (chunk.length === 0) return;
      this.#chunks.push(chunk);
      this.#total += chunk.length;
    });
  }

  /** Whether the stream reached a final block (fflate's internal state; false if that changes). */
  #ended(): boolean {
    return (this.#inflate as unknown as { s?: { f?: number } }).s?.f === 1;
  }

  inflate(input: Uint8Array, end: boolean, maxBytes: number): Uint8Array | null {
    this.#chunks = [];
    this.#total = 0;
    for (let offset = 0; offset < input.length && !this.#ended(); ) {
      const slice = Math.max(MIN_SLICE, Math.floor((maxBytes - this.#total) / MAX_RATIO) + 1);
      this.#inflate.push(input.subarray(offset, offset + slice), false);
      offset += slice;
      if (this.#total > maxBytes) return null;
    }
    if (end) {
      if (!this.#ended()) this.#inflate.push(TAIL, false);
      if (this.#total > maxBytes) return null;
      // After a final block (RFC 7692 7.2.3.4) the next message starts a new stream.
      if (this.#ended()) this.reset();
    }
    return concatBytes(this.#chunks, this.#total);
  }

  reset(): void {
    this.#inflate = this.#create();
  }

  close(): void {
    this.#chunks = [];
  }
}

/**
 * A permessage-deflate codec on fflate (pure JavaScript, any runtime).
 *
 * @example
 * ```ts
 * import { ServerPerMessageDeflateFactory } from "websocket-sansio";
 * const deflate = new ServerPerMessageDeflateFactory({ codec: fflateCodec, serverMaxWindowBits: 15 });
 * ```
 */
export const fflateCodec: DeflateCodec = {
  name: "fflate",
  deflateWindowBits: [15],
  createDeflater: (options) => new FflateDeflater(options),
  createInflater: () => new FflateInflater(),
};
