// Shared by the codec tests (zlib, fflate): sample text and zlib's raw-stream settings.

import zlib from "node:zlib";

/** The empty stored block a sync flush ends with (RFC 7692 7.2.1 strips it). */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
export const MiB = 1024 * 1024;
/** Options for zlib's one-shot raw inflate of a sync-flushed stream. */
export const SYNC = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

/** Word salad of `length` bytes, the same for the same seed. */
export function text(length: number, seed = 1): Uint8Array {
  const words = ["lorem", "ipsum", "dolor", "sit", "amet", "frame", "socket", "window"];
  let s = seed;
  let out = "";
  while (out.length < length) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += `${words[(s >>> 16) % words.length]} `;
  }
  return new TextEncoder().encode(out.slice(0, length));
}
