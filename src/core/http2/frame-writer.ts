/**
 * The machine's output: frames written in order as a list of chunks for one
 * writev (RFC 9113 4.1 frame layout).
 *
 * Small frames (control frames, frame headers, header blocks) are written
 * into a shared slab and handed out as views of it, so ten frames of a turn
 * become one chunk, not ten allocations and ten writev entries; DATA payloads
 * are the caller's views, never copied. A slab is never written twice: views
 * handed out stay valid until the transport has written them, and a new slab
 * is made when one is full (4 KiB: a turn's control frames and headers
 * usually fit, and a session holds at most one partly used slab).
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { FRAME_HEADER_BYTES, FrameFlag, FrameType } from "./frame-types.js";

const SLAB_BYTES = 4096;

/** An ordered list of output chunks, with small writes packed into slabs. */
export class FrameOutput {
  /** Chunks ready to be handed out. */
  #chunks: Uint8Array[] = [];
  #slab: Uint8Array = EMPTY_BYTES;
  /** The slab's part not yet in #chunks: [#start, #end). */
  #start = 0;
  #end = 0;
  /** Number of ACK frames (SETTINGS, PING) queued and not taken yet. */
  pendingAcks = 0;

  /** True when anything waits to be taken. */
  get hasOutput(): boolean {
    return this.#chunks.length > 0 || this.#end > this.#start;
  }

  /** Hands out every chunk written so far, in order. */
  take(): Uint8Array[] {
    this.#flushSlab();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.pendingAcks = 0;
    return chunks;
  }

  /** Room for `n` bytes in the slab; returns the slab and the offset to write at. */
  reserve(n: number): number {
    if (this.#slab.length - this.#end < n) {
      this.#flushSlab();
      this.#slab = new Uint8Array(Math.max(SLAB_BYTES, n));
      this.#start = 0;
      this.#end = 0;
    }
    const at = this.#end;
    this.#end = at + n;
    return at;
  }

  /** The slab {@link reserve} returned an offset into. */
  get slab(): Uint8Array {
    return this.#slab;
  }

  /** Appends a caller's bytes as a view (a DATA payload): no copy. */
  view(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#flushSlab();
    this.#chunks.push(bytes);
  }

  /** Writes a frame header (RFC 9113 4.1) into the slab. */
  header(length: number, type: number, flags: number, streamId: number): void {
    const at = this.reserve(FRAME_HEADER_BYTES);
    writeHeader(this.#slab, at, length, type, flags, streamId);
  }

  #flushSlab(): void {
    if (this.#end > this.#start) {
      this.#chunks.push(this.#slab.subarray(this.#start, this.#end));
      this.#start = this.#end;
    }
  }
}

/** Writes a 9-octet frame header at `at`. */
export function writeHeader(
  out: Uint8Array,
  at: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  out[at] = length >>> 16;
  out[at + 1] = length >>> 8;
  out[at + 2] = length;
  out[at + 3] = type;
  out[at + 4] = flags;
  writeU32(out, at + 5, streamId);
}

/** Writes a big-endian 32-bit number. */
export function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
}

/** Reads a big-endian 32-bit number (unsigned). */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** SETTINGS (RFC 9113 6.5) with an already encoded payload. */
export function writeSettings(out: FrameOutput, payload: Uint8Array): void {
  const at = out.reserve(FRAME_HEADER_BYTES + payload.length);
  writeHeader(out.slab, at, payload.length, FrameType.SETTINGS, 0, 0);
  out.slab.set(payload, at + FRAME_HEADER_BYTES);
}

/** SETTINGS with ACK (RFC 9113 6.5.3). */
export function writeSettingsAck(out: FrameOutput): void {
  out.header(0, FrameType.SETTINGS, FrameFlag.ACK, 0);
  out.pendingAcks++;
}

/** PING (RFC 9113 6.7): the 8 opaque octets are copied (the input may be reused). */
export function writePing(out: FrameOutput, opaque: Uint8Array, ack: boolean): void {
  const at = out.reserve(FRAME_HEADER_BYTES + 8);
  writeHeader(out.slab, at, 8, FrameType.PING, ack ? FrameFlag.ACK : 0, 0);
  out.slab.set(opaque.subarray(0, 8), at + FRAME_HEADER_BYTES);
  if (ack) out.pendingAcks++;
}

/** WINDOW_UPDATE (RFC 9113 6.9). */
export function writeWindowUpdate(out: FrameOutput, streamId: number, increment: number): void {
  const at = out.reserve(FRAME_HEADER_BYTES + 4);
  writeHeader(out.slab, at, 4, FrameType.WINDOW_UPDATE, 0, streamId);
  writeU32(out.slab, at + FRAME_HEADER_BYTES, increment);
}

/** RST_STREAM (RFC 9113 6.4). */
export function writeRstStream(out: FrameOutput, streamId: number, code: number): void {
  const at = out.reserve(FRAME_HEADER_BYTES + 4);
  writeHeader(out.slab, at, 4, FrameType.RST_STREAM, 0, streamId);
  writeU32(out.slab, at + FRAME_HEADER_BYTES, code);
}

/** GOAWAY (RFC 9113 6.8) with optional debug data (UTF-8, cut to 256 bytes). */
export function writeGoaway(
  out: FrameOutput,
  lastStreamId: number,
  code: number,
  debug: Uint8Array,
): void {
  const data = debug.subarray(0, 256);
  const at = out.reserve(FRAME_HEADER_BYTES + 8 + data.length);
  writeHeader(out.slab, at, 8 + data.length, FrameType.GOAWAY, 0, 0);
  writeU32(out.slab, at + FRAME_HEADER_BYTES, lastStreamId);
  writeU32(out.slab, at + FRAME_HEADER_BYTES + 4, code);
  out.slab.set(data, at + FRAME_HEADER_BYTES + 8);
}

/**
 * A header block as HEADERS and, when it exceeds the peer's max frame size,
 * CONTINUATION frames (RFC 9113 6.2, 6.10), copied into the slab: a head is
 * small, and one chunk beats two writev entries.
 */
export function writeHeaders(
  out: FrameOutput,
  streamId: number,
  block: Uint8Array,
  endStream: boolean,
  maxFrameSize: number,
): void {
  const endFlag = endStream ? FrameFlag.END_STREAM : 0;
  if (block.length <= maxFrameSize) {
    const at = out.reserve(FRAME_HEADER_BYTES + block.length);
    writeHeader(
      out.slab,
      at,
      block.length,
      FrameType.HEADERS,
      endFlag | FrameFlag.END_HEADERS,
      streamId,
    );
    out.slab.set(block, at + FRAME_HEADER_BYTES);
    return;
  }
  let type: number = FrameType.HEADERS;
  let flags = endFlag;
  for (let from = 0; from < block.length; from += maxFrameSize) {
    const part = block.subarray(from, from + maxFrameSize);
    const last = from + maxFrameSize >= block.length;
    const at = out.reserve(FRAME_HEADER_BYTES + part.length);
    writeHeader(
      out.slab,
      at,
      part.length,
      type,
      last ? flags | FrameFlag.END_HEADERS : flags,
      streamId,
    );
    out.slab.set(part, at + FRAME_HEADER_BYTES);
    type = FrameType.CONTINUATION;
    flags = 0;
  }
}
