import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteWriter } from "../../../../src/core/http2/hpack/byte-writer.js";

describe("ByteWriter", () => {
  it("grows as needed, hands out a copy and starts over", () => {
    const writer = new ByteWriter(2);
    for (let i = 0; i < 100; i++) {
      writer.reserve(1);
      writer.push(i);
    }
    const first = writer.take();
    assert.deepEqual(
      Array.from(first),
      Array.from({ length: 100 }, (_, i) => i),
    );
    writer.reserve(1);
    writer.push(0xff);
    assert.deepEqual(Array.from(writer.take()), [0xff]);
    assert.equal(first[0], 0, "the first copy is not changed by later writes");
  });

  it("lets a buffer grown past 16 KiB go after the block that needed it", () => {
    const writer = new ByteWriter(16);
    writer.reserve(100_000);
    writer.pos = 100_000;
    assert.equal(writer.take().length, 100_000);
    assert.equal(writer.bytes.length, 16384);
  });
});
