import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { clampUnsignedShort, toUSVString, utf8Length } from "../../src/whatwg/webidl.js";

describe("Web IDL helpers of the WHATWG classes", () => {
  test("utf8Length counts what TextEncoder writes, for any well-formed string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (string) => {
        assert.equal(utf8Length(string), new TextEncoder().encode(string).length);
      }),
    );
    assert.equal(utf8Length("a😀é€"), 1 + 4 + 2 + 3);
  });

  test("toUSVString replaces lone surrogates only", () => {
    assert.equal(toUSVString("a\ud800b\udc00c"), "a\ufffdb\ufffdc");
    assert.equal(toUSVString("😀"), "😀");
    assert.equal(toUSVString("\udc00\ud800"), "\ufffd\ufffd");
    assert.equal(toUSVString(42), "42");
  });

  test("clampUnsignedShort clamps and rounds half to even ([Clamp])", () => {
    const cases: [unknown, number][] = [
      [Number.NaN, 0],
      [-5, 0],
      [70_000, 65_535],
      [1000.4, 1000],
      [1000.5, 1000],
      [1001.5, 1002],
      [1000.6, 1001],
      ["3000", 3000],
      [Number.POSITIVE_INFINITY, 65_535],
    ];
    for (const [input, expected] of cases)
      assert.equal(clampUnsignedShort(input), expected, String(input));
  });
});
