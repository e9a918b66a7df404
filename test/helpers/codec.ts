// Shared by the codec tests (zlib, fflate): sample text and zlib's raw-stream settings.

import assert from "node:assert/strict";
import zlib from "node:zlib";
import type { DeflateCodec } from "../../src/core/extensions/deflate-codec.js";

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

/** Asserts that `codec`'s inflater throws on invalid data, and decodes again after `reset()`. */
export function assertInflaterRecovers(codec: DeflateCodec): void {
  const inflater = codec.createInflater(15);
  assert.throws(() => inflater.inflate(new Uint8Array([0xff, 0xff, 0xff]), true, MiB));
  inflater.reset();
  // "Hello", deflated raw with a sync flush and its tail stripped.
  const ok = inflater.inflate(
    new Uint8Array([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
    true,
    MiB,
  );
  assert.equal(new TextDecoder().decode(ok!), "Hello");
}
