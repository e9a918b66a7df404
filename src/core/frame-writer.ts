/**
 * Writing frames into a connection's output queue (RFC 6455 5.2, 5.3).
 *
 * {@link queueFrame} is the reference: a header, a masking key when masked,
 * the payload copied behind them. The fast variants beside it each skip one
 * cost, for the measured reason given with it, and are tested to write the
 * same bytes as the reference.
 *
 * @module
 */

import { headerSize, MAX_HEADER_SIZE, writeHeader } from "./frame.js";
import { applyMask } from "./mask.js";
import { type OutputQueue, SLAB_MAX_FRAME } from "./output.js";
import type { MaskPool } from "./random.js";
import { encodeUtf8, encodeUtf8Into } from "./utf8.js";

// Unmasked frames this large are queued as a header plus the caller's payload
// (no copy); smaller ones are copied next to their header so that many small
// frames leave in one write. Copying costs more than an extra chunk from about
// 1 KiB on (measured framing 1 KiB payloads: 1.6 M/s copied, 5-10 M/s not).
/** Unmasked payloads of at least this many bytes are queued without a copy. */
export const COPY_LIMIT = 1024;

/**
 * Queues one frame. `first` is the first header byte (FIN, RSV, opcode);
 * `masks` gives the masking key of a client's frame, and is `undefined` for a
 * server's, which are not masked (5.1, 5.3). The payload is copied, except
 * that a large unmasked one is queued as it is ({@link queueFrameUncopied}):
 * the caller must not change it afterwards.
 */
export function queueFrame(
  out: OutputQueue,
  first: number,
  payload: Uint8Array,
  masks: MaskPool | undefined,
): void {
  const length = payload.length;
  if (masks === undefined && length >= COPY_LIMIT) {
    queueFrameUncopied(out, first, payload);
    return;
  }
  const masked = masks !== undefined;
  const size = headerSize(length, masked);
  const { buffer, offset } = out.reserve(size + length);
  let at = writeHeader(buffer, offset, first, length, masked);
  if (masks !== undefined) {
    const key = writeMaskKey(buffer, at, masks);
    at += 4;
    buffer.set(payload, at);
    applyMask(buffer, at, at + length, key, 0);
  } else {
    buffer.set(payload, at);
  }
}

/**
 * Fast variant of {@link queueFrame} for an unmasked payload of at least
 * {@link COPY_LIMIT} bytes: skips the copy, queuing the header and then the
 * payload itself (see COPY_LIMIT for the measurement).
 */
function queueFrameUncopied(out: OutputQueue, first: number, payload: Uint8Array): void {
  const length = payload.length;
  const { buffer, offset } = out.reserve(headerSize(length, false));
  writeHeader(buffer, offset, first, length, false);
  out.push(payload);
}

/**
 * Fast variant of `queueFrame(out, first, encodeUtf8(text), masks)`: skips
 * the intermediate byte array of the common small text message by encoding
 * the string straight into the output. Space for the worst case (3 bytes per
 * UTF-16 unit) is reserved, then the unused tail given back (see
 * `OutputQueue.release`). A text whose worst case does not fit a slab frame
 * takes the reference path.
 */
export function queueTextFrame(
  out: OutputQueue,
  first: number,
  text: string,
  masks: MaskPool | undefined,
): void {
  const worst = text.length * 3;
  if (worst + MAX_HEADER_SIZE > SLAB_MAX_FRAME) {
    queueFrame(out, first, encodeUtf8(text), masks);
    return;
  }
  const masked = masks !== undefined;
  const reserved = headerSize(worst, masked);
  const { buffer, offset } = out.reserve(reserved + worst);
  const written = encodeUtf8Into(
    text,
    buffer.subarray(0, offset + reserved + worst),
    offset + reserved,
  );
  const size = headerSize(written, masked);
  if (size < reserved) {
    buffer.copyWithin(offset + size, offset + reserved, offset + reserved + written);
  }
  let at = writeHeader(buffer, offset, first, written, masked);
  if (masks !== undefined) {
    const key = writeMaskKey(buffer, at, masks);
    at += 4;
    applyMask(buffer, at, at + written, key, 0);
  }
  out.release(reserved + worst - size - written);
}

/**
 * Queues a whole frame built beforehand (a prepared message's server frame):
 * copied next to what precedes it when small, else queued as it is (see
 * {@link COPY_LIMIT}).
 */
export function queueFrameBytes(out: OutputQueue, frame: Uint8Array): void {
  if (frame.length >= COPY_LIMIT) out.push(frame);
  else {
    const { buffer, offset } = out.reserve(frame.length);
    buffer.set(frame, offset);
  }
}

/** Writes a fresh masking key at `at` (5.3) and returns it. */
function writeMaskKey(buffer: Uint8Array, at: number, masks: MaskPool): number {
  const key = masks.next();
  buffer[at] = key >>> 24;
  buffer[at + 1] = (key >>> 16) & 0xff;
  buffer[at + 2] = (key >>> 8) & 0xff;
  buffer[at + 3] = key & 0xff;
  return key;
}
