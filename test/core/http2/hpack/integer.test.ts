import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BlockReader } from "../../../../src/core/http2/hpack/block-reader.js";
import { ByteWriter } from "../../../../src/core/http2/hpack/byte-writer.js";
import { HpackError } from "../../../../src/core/http2/hpack/errors.js";
import {
  MAX_INTEGER,
  readInteger,
  writeInteger,
} from "../../../../src/core/http2/hpack/integer.js";
import { toHex } from "./rfc-examples.js";

function write(value: number, prefixBits: number, pattern = 0): Uint8Array {
  const writer = new ByteWriter(1);
  writeInteger(writer, value, prefixBits, pattern);
  return writer.take();
}

describe("HPACK integers (RFC 7541 5.1)", () => {
  it("C.1.1: 10 with a 5-bit prefix is one byte", () => {
    assert.equal(toHex(write(10, 5)), "0a");
    assert.equal(readInteger(new BlockReader(Uint8Array.of(0xea)), 5), 10); // high bits ignored
  });

  it("C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a", () => {
    assert.equal(toHex(write(1337, 5)), "1f9a0a");
    const reader = new BlockReader(Uint8Array.of(0xff, 0x9a, 0x0a, 0x42));
    assert.equal(readInteger(reader, 5), 1337);
    assert.equal(reader.pos, 3);
  });

  it("C.1.3: 42 starting at an octet boundary (8-bit prefix) is 2a", () => {
    assert.equal(toHex(write(42, 8)), "2a");
    assert.equal(readInteger(new BlockReader(Uint8Array.of(0x2a)), 8), 42);
  });

  it("keeps the pattern bits above the prefix", () => {
    assert.equal(toHex(write(62, 7, 0x80)), "be");
    assert.equal(toHex(write(127, 7, 0x80)), "ff00");
    assert.equal(toHex(write(4096, 5, 0x20)), "3fe11f");
  });

  it("round-trips every prefix size and value up to 2^31 - 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_INTEGER })),
        (prefixBits, value) => {
          const bytes = write(value, prefixBits);
          const reader = new BlockReader(bytes);
          assert.equal(readInteger(reader, prefixBits), value);
          assert.equal(reader.pos, bytes.length);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads 2^31 - 1 with a 1-bit prefix (5 continuation bytes) and rejects 2^31", () => {
    const max = write(MAX_INTEGER, 1);
    assert.equal(max.length, 6);
    assert.equal(readInteger(new BlockReader(max), 1), MAX_INTEGER);
    // 2^31 = 1 + (2^31 - 1): the same bytes with the low group one higher.
    const over = max.slice();
    over[1]! += 1;
    assert.throws(() => readInteger(new BlockReader(over), 1), /larger than 2147483647/);
  });

  it("rejects a sixth continuation byte, and a block that ends inside an integer", () => {
    assert.throws(
      () =>
        readInteger(new BlockReader(Uint8Array.of(0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)), 5),
      (error: unknown) =>
        error instanceof HpackError && /more than 5 continuation/.test(error.message),
    );
    for (const bytes of [[], [0x1f], [0x1f, 0x9a]]) {
      assert.throws(
        () => readInteger(new BlockReader(Uint8Array.from(bytes)), 5),
        /ends inside an integer/,
      );
    }
  });

  it("refuses to write what it would refuse to read (our caller's fault)", () => {
    assert.throws(() => write(MAX_INTEGER + 1, 5), RangeError);
    assert.throws(() => write(-1, 5), RangeError);
    assert.throws(() => write(1.5, 5), RangeError);
  });
});
