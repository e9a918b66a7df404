import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  applyMask,
  applyMaskWords,
  compileKernel,
  copyMasked,
  useSimd,
  wordsOf,
} from "../../src/core/mask.js";

/** The RFC 6455 5.3 definition, byte by byte. */
function reference(data: Uint8Array, key: readonly number[], offset: number): Uint8Array {
  return data.map((b, i) => b ^ key[(offset + i) % 4]!);
}

const KEY = [0x37, 0xfa, 0x21, 0x3d];
const KEY_NUMBER = ((KEY[0]! << 24) | (KEY[1]! << 16) | (KEY[2]! << 8) | KEY[3]!) >>> 0;
const SIZES = [
  0, 1, 2, 3, 4, 5, 31, 95, 96, 97, 255, 256, 257, 1000, 4096, 65535, 65536, 65537, 200_000,
];

function sample(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 131 + 7) & 0xff);
}

for (const simd of [true, false]) {
  describe(`masking (RFC 6455 5.3), ${simd ? "SIMD kernel" : "JavaScript only"}`, () => {
    after(() => useSimd(true));

    it("applyMask matches the byte-wise definition at every size, alignment and key phase", () => {
      assert.equal(useSimd(simd), simd);
      for (const size of SIZES) {
        for (const align of [0, 1, 2, 3]) {
          for (const offset of [0, 1, 2, 3]) {
            const plain = sample(size);
            const buffer = new Uint8Array(size + 8);
            buffer.set(plain, align);
            applyMask(buffer, align, align + size, KEY_NUMBER, offset);
            assert.deepEqual(buffer.subarray(align, align + size), reference(plain, KEY, offset));
            assert.deepEqual(
              buffer.subarray(0, align),
              new Uint8Array(align),
              "bytes before untouched",
            );
            assert.deepEqual(
              buffer.subarray(align + size),
              new Uint8Array(8 - align),
              "bytes after untouched",
            );
          }
        }
      }
    });

    it("copyMasked copies and unmasks in one step", () => {
      useSimd(simd);
      for (const size of SIZES) {
        for (const offset of [0, 3]) {
          const source = new Uint8Array(size + 5);
          source.set(sample(size), 5);
          const target = new Uint8Array(size + 2);
          copyMasked(source, 5, 5 + size, target, 1, KEY_NUMBER, offset);
          assert.deepEqual(target.subarray(1, 1 + size), reference(sample(size), KEY, offset));
          assert.equal(target[0], 0);
          assert.equal(target[size + 1], 0);
        }
      }
    });

    it("applyMaskWords (one words view per read) matches the definition", () => {
      useSimd(simd);
      for (const byteOffset of [0, 1, 2, 3]) {
        const backing = new Uint8Array(2100);
        const data = backing.subarray(byteOffset, byteOffset + 2000);
        const words = wordsOf(data);
        for (const size of [0, 3, 7, 8, 9, 15, 64, 255, 256, 1000]) {
          for (const start of [0, 1, 2, 3, 5, 990]) {
            for (const offset of [0, 1, 3]) {
              const plain = sample(size);
              data.fill(0);
              data.set(plain, start);
              applyMaskWords(data, words, start, start + size, KEY_NUMBER, offset);
              assert.deepEqual(data.subarray(start, start + size), reference(plain, KEY, offset));
              assert.equal(
                data.subarray(0, start).every((b) => b === 0),
                true,
              );
              assert.equal(
                data.subarray(start + size).every((b) => b === 0),
                true,
              );
            }
          }
        }
      }
    });

    it("a zero key changes nothing", () => {
      useSimd(simd);
      const data = sample(1000);
      applyMask(data, 0, data.length, 0, 0);
      assert.deepEqual(data, sample(1000));
    });
  });
}

describe("the SIMD kernel", () => {
  it("is unavailable, not fatal, when the runtime cannot compile it", () => {
    assert.equal(compileKernel(new Uint8Array([0, 1, 2, 3])), undefined);
    assert.notEqual(compileKernel(), undefined);
  });
});
