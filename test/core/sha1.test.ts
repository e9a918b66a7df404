import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sha1 } from "../../src/core/sha1.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("sha1", () => {
  // FIPS 180-2 appendix A and the NIST example vectors for SHA-1.
  const vectors: [string, Uint8Array, string][] = [
    ["empty", new Uint8Array(0), "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["abc (one block)", ascii("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d"],
    [
      "448-bit message (two blocks)",
      ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    ],
    [
      "896-bit message",
      ascii(
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      ),
      "a49b2446a02c645bf419f995b67091253a04a259",
    ],
    [
      "one million 'a'",
      new Uint8Array(1_000_000).fill(0x61),
      "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
    ],
  ];
  for (const [name, input, expected] of vectors) {
    it(`matches the FIPS 180 vector: ${name}`, () => {
      assert.equal(hex(sha1(input)), expected);
    });
  }

  it("agrees with node:crypto at every length around the padding boundaries", () => {
    for (let n = 0; n <= 200; n++) {
      const input = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      assert.equal(hex(sha1(input)), createHash("sha1").update(input).digest("hex"), `length ${n}`);
    }
  });

  it("agrees with node:crypto on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (input) => {
        assert.equal(hex(sha1(input)), createHash("sha1").update(input).digest("hex"));
      }),
    );
  });

  it("writes the digest into the array it is given", () => {
    const out = new Uint8Array(24).fill(7);
    assert.equal(sha1(ascii("abc"), out.subarray(2, 22)).byteOffset, 2);
    assert.equal(hex(out.subarray(2, 22)), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert.deepEqual([out[0], out[1], out[22], out[23]], [7, 7, 7, 7]);
  });

  it("reads only the view it is given", () => {
    const backing = new Uint8Array([1, 2, 0x61, 0x62, 0x63, 4]);
    assert.equal(hex(sha1(backing.subarray(2, 5))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  });
});
