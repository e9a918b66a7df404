import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isToken, isTokenChar, trimOws } from "../../../src/core/http1/grammar.js";

describe("isToken and trimOws", () => {
  it("accepts RFC 9110 tchar only", () => {
    assert.equal(isToken("permessage-deflate"), true);
    assert.equal(isToken("!#$%&'*+-.^_`|~09azAZ"), true);
    for (const bad of ["", "a b", "a,b", "a;b", 'a"', "a/b", "a=b", "é", "a\x7f", "(", "{"]) {
      assert.equal(isToken(bad), false, bad);
    }
  });

  it("isTokenChar agrees with isToken on every code unit up to 0x100", () => {
    for (let c = 0; c <= 0x100; c++)
      assert.equal(isTokenChar(c), isToken(String.fromCharCode(c)), String(c));
  });

  it("trims spaces and tabs only", () => {
    assert.equal(trimOws(" \t a b \t "), "a b");
    assert.equal(trimOws("\u00a0a\n"), "\u00a0a\n");
    assert.equal(trimOws("   "), "");
  });
});
