import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBase64, decodedBase64Length, encodeBase64 } from "../../src/core/base64.js";

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("base64", () => {
  // RFC 4648 section 10 test vectors.
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ];
  for (const [plain, encoded] of vectors) {
    it(`RFC 4648 10: "${plain}" <-> "${encoded}"`, () => {
      assert.equal(encodeBase64(ascii(plain)), encoded);
      assert.deepEqual(decodeBase64(encoded), ascii(plain));
      assert.equal(decodedBase64Length(encoded), plain.length);
    });
  }

  it("encodes input of several 3072-byte blocks (4096 characters each) like Buffer", () => {
    for (const length of [3071, 3072, 3073, 6144, 10_000]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length) & 0xff);
      assert.equal(encodeBase64(bytes), Buffer.from(bytes).toString("base64"), `length ${length}`);
    }
  });

  it("uses the standard alphabet including + and /", () => {
    assert.equal(encodeBase64(new Uint8Array([0xfb, 0xff, 0xbf])), "+/+/");
    assert.deepEqual(decodeBase64("+/+/"), new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it("round-trips and agrees with Buffer on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase64(bytes);
        assert.equal(text, Buffer.from(bytes).toString("base64"));
        assert.deepEqual(decodeBase64(text), bytes);
      }),
    );
  });

  const invalid: [string, string][] = [
    ["a length that is not a multiple of 4", "Zm8"],
    ["missing padding", "Zg"],
    ["a character outside the alphabet", "Zm9*"],
    ["a non-ASCII character", "Zm9é"],
    ["URL-safe characters", "-_-_"],
    ["whitespace", "Zm9 "],
    ["padding in the middle", "Zg==Zm9v"],
    ["three padding characters", "Z==="],
    ["only padding", "===="],
    ["non-zero unused bits before ==", "Zh=="],
    ["non-zero unused bits before =", "Zm9="],
  ];
  for (const [what, text] of invalid) {
    it(`rejects ${what}: "${text}"`, () => {
      assert.equal(decodeBase64(text), undefined);
      assert.equal(decodedBase64Length(text), undefined);
    });
  }
});
