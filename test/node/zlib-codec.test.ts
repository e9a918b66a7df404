import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import {
  createZlibCodec,
  openNative,
  paramsKeepWindow,
  zlibCodec,
} from "../../src/node/zlib-codec.js";
import { assertInflaterRecovers, MiB, SYNC, TAIL, text } from "../helpers/codec.js";

const codecs = [zlibCodec, createZlibCodec({ oneShot: true })];

describe("zlib codec", () => {
  for (const codec of codecs) {
    it(`${codec.name}: compresses with context takeover into a stream zlib inflates`, () => {
      for (const windowBits of [8, 9, 12, 15]) {
        const deflater = codec.createDeflater({ windowBits, memLevel: 5, level: 6 });
        const outputs: Uint8Array[] = [];
        const messages = [
          text(3000, 1),
          text(3000, 1),
          text(10, 2),
          new Uint8Array(0),
          text(70_000, 3),
        ];
        for (const message of messages) {
          const out = deflater.deflate(message);
          if (out.length > 0) assert.deepEqual(Buffer.from(out.subarray(-4)), TAIL);
          outputs.push(out);
        }
        // With a window that holds it, the second copy refers back to the first.
        if (windowBits >= 12) assert.ok(outputs[1]!.length < outputs[0]!.length / 4);
        const all = zlib.inflateRawSync(Buffer.concat(outputs), {
          ...SYNC,
          windowBits: Math.max(windowBits, 9),
        });
        assert.deepEqual(all, Buffer.concat(messages));
        deflater.reset();
        const fresh = deflater.deflate(text(3000, 1));
        assert.deepEqual(zlib.inflateRawSync(fresh, SYNC), Buffer.from(text(3000, 1)));
        deflater.close();
      }
    });

    it(`${codec.name}: changes level per call, keeping the window`, () => {
      const deflater = codec.createDeflater({ windowBits: 15, memLevel: 8, level: 6 });
      // Random bytes: only a reference to an earlier copy can compress them.
      let seed = 7;
      const message = new Uint8Array(20_000).map(() => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed >> 16;
      });
      const outputs: Uint8Array[] = [];
      const sizes: number[] = [];
      // Level 0 stores, so its output is larger than the input: the switch took
      // effect. The repeats at other levels refer back across the switches.
      // (Level 9 is left out: Bun does not change to or from it, see below.)
      for (const level of [undefined, 0, 4, 6, 1, undefined]) {
        const out = deflater.deflate(message, level);
        assert.deepEqual(Buffer.from(out.subarray(-4)), TAIL);
        outputs.push(out);
        sizes.push(out.length);
      }
      assert.ok(sizes[1]! > message.length);
      for (const i of [2, 3, 4, 5]) {
        assert.ok(sizes[i]! < message.length / 10, `repeat ${i}: ${sizes[i]} bytes`);
      }
      const all = zlib.inflateRawSync(Buffer.concat(outputs), SYNC);
      assert.deepEqual(all, Buffer.concat(outputs.map(() => message)));
      // After a reset the level in force is kept, and the stream is valid on its own.
      deflater.reset();
      const fresh = deflater.deflate(message, 0);
      assert.ok(fresh.length > message.length);
      assert.deepEqual(zlib.inflateRawSync(fresh, SYNC), Buffer.from(message));
      deflater.close();
    });

    it(`${codec.name}: decompresses with context takeover, across split input`, () => {
      // The native deflater's output is checked against zlib itself above.
      const deflater = zlibCodec.createDeflater({ windowBits: 12, memLevel: 5, level: 6 });
      const inflater = codec.createInflater(12);
      for (const message of [text(5000, 4), text(5000, 4), text(200_000, 5), text(5000, 4)]) {
        const payload = deflater.deflate(message).subarray(0, -4);
        const parts: Uint8Array[] = [];
        for (let offset = 0; offset < payload.length; offset += 1000) {
          const end = offset + 1000 >= payload.length;
          const out = inflater.inflate(payload.subarray(offset, offset + 1000), end, MiB);
          assert.ok(out);
          parts.push(out);
        }
        assert.deepEqual(Buffer.concat(parts), Buffer.from(message));
      }
      inflater.close();
    });

    it(`${codec.name}: round-trips through its own inflater, split at many positions`, () => {
      const deflater = codec.createDeflater({ windowBits: 15, memLevel: 8, level: 1 });
      const inflater = codec.createInflater(15);
      for (const size of [0, 1, 100, 5000, 70_000]) {
        const message = text(size, size);
        const out = deflater.deflate(message);
        const payload = out.length > 0 ? out.subarray(0, out.length - 4) : new Uint8Array([0]);
        const cut = payload.length >> 1;
        const a = inflater.inflate(payload.subarray(0, cut), false, MiB);
        assert.ok(a);
        const b = inflater.inflate(payload.subarray(cut), true, MiB - a.length);
        assert.ok(b);
        assert.deepEqual(Buffer.concat([a, b]), Buffer.from(message));
      }
    });

    it(`${codec.name}: stops at maxBytes, exactly`, () => {
      const message = text(100_000, 9);
      const payload = zlib.deflateRawSync(message, SYNC).subarray(0, -4);
      assert.equal(codec.createInflater(15).inflate(payload, true, 99_999), null);
      assert.equal(codec.createInflater(15).inflate(payload, true, 100_000)?.length, 100_000);
      assert.equal(codec.createInflater(15).inflate(payload, true, 0), null);
      const empty = new Uint8Array([0]);
      assert.equal(codec.createInflater(15).inflate(empty, true, 0)?.length, 0);
    });

    it(`${codec.name}: throws on invalid data, and works again after reset`, () =>
      assertInflaterRecovers(codec));
  }

  it("finds which level changes keep the window (all on Node; not across 9 on Bun)", () => {
    const bun = "bun" in process.versions;
    assert.equal(paramsKeepWindow(6, 4), true);
    assert.equal(paramsKeepWindow(4, 6), true);
    assert.equal(paramsKeepWindow(6, 0), true);
    assert.equal(paramsKeepWindow(6, 9), !bun);
    assert.equal(paramsKeepWindow(6, 9), !bun, "cached");
    // A deflater keeps its level when the change would lose the window.
    const deflater = zlibCodec.createDeflater({ windowBits: 15, memLevel: 8, level: 6 });
    const message = text(5000, 3);
    const first = deflater.deflate(message);
    const again = deflater.deflate(message, 9);
    assert.ok(again.length < first.length / 10);
    deflater.close();
  });

  it("detects when Node's internal stream handle changes shape", () => {
    const stream = zlib.createDeflateRaw();
    assert.ok(openNative(stream));
    stream.close();
    const fakes = [
      {},
      { _handle: {} },
      { _handle: { writeSync() {} }, _writeState: new Uint32Array(2) },
    ];
    for (const fake of fakes) assert.equal(openNative(fake as zlib.DeflateRaw), null);
    const handle = { writeSync() {}, reset() {}, close() {} };
    assert.equal(openNative({ _handle: handle, _writeState: [0, 0] } as never), null);
    assert.equal(openNative({ _handle: handle, _writeState: new Uint32Array(3) } as never), null);
  });

  it("one-shot fallback: refuses to buffer compressed data past the limit", () => {
    const inflater = createZlibCodec({ oneShot: true }).createInflater(15);
    assert.equal(inflater.inflate(new Uint8Array(2000), false, 100), null);
  });
});
