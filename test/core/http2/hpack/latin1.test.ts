import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteWriter } from "../../../../src/core/http2/hpack/byte-writer.js";
import { latin1FromBytes, writeLatin1 } from "../../../../src/core/http2/hpack/latin1.js";

describe("latin1: octets as code units", () => {
  it("round-trips ASCII and any octets (0x80-0x9f included), on each side of every fast path", () => {
    const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 4096, 4097, 10_000];
    const octets = [(i: number) => (i * 37) % 256, (i: number) => 32 + (i % 95)];
    for (const [length, octet] of lengths.flatMap((n) => octets.map((f) => [n, f] as const))) {
      const bytes = Uint8Array.from({ length: length + 3 }, (_, i) => octet(i));
      const s = latin1FromBytes(bytes, 3, bytes.length);
      assert.equal(s.length, length);
      for (let i = 0; i < length; i++) assert.equal(s.charCodeAt(i), bytes[i + 3]);
      const writer = new ByteWriter(1);
      writeLatin1(writer, s);
      assert.deepEqual(writer.take(), bytes.subarray(3));
    }
  });

  it("refuses a code unit above 0xff", () => {
    assert.throws(() => writeLatin1(new ByteWriter(), "ok \u0100"), /above U\+00FF at 3/);
  });
});
