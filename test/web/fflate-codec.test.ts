import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { fflateCodec } from "../../src/web/fflate-codec.js";
import { assertInflaterRecovers, MiB, SYNC, TAIL, text } from "../helpers/codec.js";

describe("fflate codec", () => {
  it("compresses only with a 32 KiB window", () => {
    assert.deepEqual(fflateCodec.deflateWindowBits, [15]);
  });

  it("ends every flush with 00 00 ff ff, whatever the bit position (fflate flush bug)", () => {
    for (const level of [0, 1, 6, 9]) {
      const deflater = fflateCodec.createDeflater({ windowBits: 15, memLevel: 5, level });
      const messages: Uint8Array[] = [];
      const outputs: Uint8Array[] = [];
      for (let size = 0; size < 6000; size += 97) {
        const message = text(size, size);
        const out = deflater.deflate(message);
        messages.push(message);
        outputs.push(out);
        if (out.length > 0) assert.deepEqual(Buffer.from(out.subarray(-4)), TAIL, `size ${size}`);
      }
      // Native zlib decodes the whole context-takeover stream.
      assert.deepEqual(zlib.inflateRawSync(Buffer.concat(outputs), SYNC), Buffer.concat(messages));
      deflater.reset();
      const fresh = deflater.deflate(text(500));
      assert.deepEqual(zlib.inflateRawSync(fresh, SYNC), Buffer.from(text(500)));
      assert.equal(deflater.deflate(new Uint8Array(0)).length, 0);
      deflater.close();
    }
  });

  it("decompresses native zlib's context-takeover stream, split across calls", () => {
    const stream = zlib.createDeflateRaw({ windowBits: 15 });
    const handle = (stream as unknown as { _handle: unknown })._handle;
    assert.ok(handle);
    const inflater = fflateCodec.createInflater(15);
    // Compress each message with a fresh dictionary of the previous one (context takeover).
    let previous: Uint8Array | null = null;
    for (const message of [text(5000, 4), text(5000, 4), text(200_000, 5)]) {
      const payload = zlib
        .deflateRawSync(message, previous ? { ...SYNC, dictionary: previous } : SYNC)
        .subarray(0, -4);
      const parts: Uint8Array[] = [];
      for (let offset = 0; offset < payload.length; offset += 3000) {
        const out = inflater.inflate(
          payload.subarray(offset, offset + 3000),
          offset + 3000 >= payload.length,
          MiB,
        );
        assert.ok(out);
        parts.push(out);
      }
      assert.deepEqual(Buffer.concat(parts), Buffer.from(message));
      previous = message.subarray(-32768);
    }
    stream.close();
    inflater.close();
  });

  it("stops a bomb near maxBytes", () => {
    const payload = zlib.deflateRawSync(new Uint8Array(16 * MiB), SYNC).subarray(0, -4);
    const started = performance.now();
    assert.equal(fflateCodec.createInflater(15).inflate(payload, true, MiB), null);
    assert.ok(performance.now() - started < 300);
    const exact = zlib.deflateRawSync(new Uint8Array(MiB), SYNC).subarray(0, -4);
    assert.equal(fflateCodec.createInflater(15).inflate(exact, true, MiB)?.length, MiB);
    assert.equal(fflateCodec.createInflater(15).inflate(exact, true, MiB - 1), null);
  });

  it("throws on invalid data, and works again after reset", () =>
    assertInflaterRecovers(fflateCodec));
});
