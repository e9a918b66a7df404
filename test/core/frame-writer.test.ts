import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FIN, Opcode } from "../../src/core/frame.js";
import {
  COPY_LIMIT,
  queueFrame,
  queueFrameBytes,
  queueTextFrame,
} from "../../src/core/frame-writer.js";
import { OutputQueue, SLAB_MAX_FRAME } from "../../src/core/output.js";
import { MaskPool } from "../../src/core/random.js";
import { encodeUtf8 } from "../../src/core/utf8.js";
import { bytes, concat, parseFrames, text } from "../helpers/wire.js";

/** Two pools that hand out the same keys: one for the reference, one for the fast variant. */
function twinPools(seed: number): [MaskPool, MaskPool] {
  const random = (b: Uint8Array) => {
    for (let i = 0; i < b.length; i++) b[i] = (seed + i * 31) & 0xff;
  };
  return [new MaskPool(random), new MaskPool(random)];
}

function written(write: (out: OutputQueue) => void): { chunks: Uint8Array[]; bytes: Uint8Array } {
  const out = new OutputQueue();
  write(out);
  const chunks = out.take();
  return { chunks, bytes: concat(chunks) };
}

describe("queueFrame: the reference writer (RFC 6455 5.2, 5.3)", () => {
  it("writes a server's frame unmasked and a client's masked with the pool's next key", () => {
    const server = written((out) => queueFrame(out, FIN | Opcode.TEXT, bytes("hi"), undefined));
    assert.deepEqual([...server.bytes], [0x81, 2, 0x68, 0x69]);
    const [masks] = twinPools(1);
    const client = written((out) => queueFrame(out, FIN | Opcode.TEXT, bytes("hi"), masks));
    const [f] = parseFrames(client.bytes);
    assert.equal(f!.masked, true);
    assert.deepEqual([...f!.key!], [1, 32, 63, 94]);
    assert.equal(text(f!.payload), "hi");
  });

  it(`queues an unmasked payload of ${COPY_LIMIT} bytes or more without a copy; smaller ones are copied`, () => {
    const large = new Uint8Array(COPY_LIMIT).fill(1);
    const big = written((out) => queueFrame(out, FIN | Opcode.BINARY, large, undefined));
    assert.equal(big.chunks.length, 2);
    assert.equal(big.chunks[1], large, "the caller's own bytes");
    const small = new Uint8Array(COPY_LIMIT - 1);
    const copied = written((out) => queueFrame(out, FIN | Opcode.BINARY, small, undefined));
    assert.equal(copied.chunks.length, 1);
    assert.notEqual(copied.chunks[0]!.buffer, small.buffer);
    const [masks] = twinPools(2);
    const masked = written((out) => queueFrame(out, FIN | Opcode.BINARY, large, masks));
    assert.equal(
      masked.chunks.length,
      1,
      "masked frames are always copied (the mask is applied to the copy)",
    );
    assert.deepEqual(
      [...large.slice(0, 3)],
      [1, 1, 1],
      "the caller's payload is not masked in place",
    );
  });
});

describe("queueTextFrame: the fast variant for text, checked against the reference", () => {
  const sample = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.string({ unit: "grapheme", minLength: 40, maxLength: 60 }),
    fc.constantFrom(
      "",
      "a".repeat(125),
      "é".repeat(63),
      "€".repeat(42),
      "a".repeat(65535 / 3 + 10),
    ),
  );

  it("writes the same bytes as queueFrame(encodeUtf8(text)), masked or not", () => {
    fc.assert(
      fc.property(sample, fc.boolean(), fc.integer({ min: 0, max: 255 }), (s, masked, seed) => {
        const [a, b] = twinPools(seed);
        const reference = written((out) =>
          queueFrame(out, FIN | Opcode.TEXT, encodeUtf8(s), masked ? a : undefined),
        );
        const fast = written((out) =>
          queueTextFrame(out, FIN | Opcode.TEXT, s, masked ? b : undefined),
        );
        assert.deepEqual(fast.bytes, reference.bytes);
      }),
    );
  });

  it("gives back the unused worst-case space: the next frame follows at once", () => {
    const out = new OutputQueue();
    queueTextFrame(out, FIN | Opcode.TEXT, "ab", undefined);
    queueTextFrame(out, FIN | Opcode.TEXT, "cd", undefined);
    assert.equal(out.bytes, 8);
    const chunks = out.take();
    assert.equal(chunks.length, 1, "both frames in one run of the slab");
    assert.deepEqual(
      parseFrames(chunks[0]!).map((f) => text(f.payload)),
      ["ab", "cd"],
    );
  });

  it("takes the reference path for a text whose worst case does not fit a slab frame", () => {
    const long = "x".repeat(Math.ceil(SLAB_MAX_FRAME / 3));
    const out = written((o) => queueTextFrame(o, FIN | Opcode.TEXT, long, undefined));
    assert.equal(out.chunks.length, 2, "header, then the encoded text as its own chunk");
    assert.equal(text(parseFrames(out.bytes)[0]!.payload), long);
  });
});

describe("queueFrameBytes", () => {
  it("copies a small built frame next to the output, queues a large one as it is", () => {
    const small = Uint8Array.from([0x82, 1, 7]);
    const s = written((out) => queueFrameBytes(out, small));
    assert.deepEqual([...s.bytes], [0x82, 1, 7]);
    assert.notEqual(s.chunks[0]!.buffer, small.buffer);
    const large = new Uint8Array(COPY_LIMIT);
    const l = written((out) => queueFrameBytes(out, large));
    assert.equal(l.chunks[0], large);
  });
});
