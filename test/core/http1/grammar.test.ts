import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isDigit,
  isFieldValue,
  isHexDigit,
  isOws,
  isTarget,
  isToken,
  isTokenChar,
  isVersion,
  listHas,
  parseVersion,
  spaceBefore,
  trimOws,
} from "../../../src/core/http1/grammar.js";

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

describe("isFieldValue (RFC 9110 5.5)", () => {
  it("accepts visible characters, SP, HTAB, obs-text and the empty value", () => {
    assert.equal(isFieldValue(""), true);
    assert.equal(isFieldValue("a b\tc ~!\x80\xff"), true);
  });

  it("refuses CR, LF, NUL, other controls, DEL and characters past latin1", () => {
    for (const bad of ["a\rb", "a\nb", "\x00", "\x01", "\x1f", "\x7f", "\u0100", "é\u20ac"]) {
      assert.equal(isFieldValue(bad), false, JSON.stringify(bad));
    }
  });

  it("checks only the range from start to end", () => {
    assert.equal(isFieldValue("\r ok \n", 1, 5), true);
    assert.equal(isFieldValue("\r ok \n", 0, 5), false);
  });
});

describe("isTarget (RFC 9112 3.2)", () => {
  it("accepts visible ASCII, refuses empty, whitespace, controls and non-ASCII", () => {
    assert.equal(isTarget("/chat?room=1&x=%20"), true);
    assert.equal(isTarget("*"), true);
    for (const bad of ["", "/a b", "/a\tb", "/\x7f", "/\xe9", "/\x00"]) {
      assert.equal(isTarget(bad), false, JSON.stringify(bad));
    }
    assert.equal(isTarget("x /a x", 2, 4), true);
    assert.equal(isTarget("x /a x", 2, 2), false);
  });
});

describe("HTTP versions (RFC 9112 2.3)", () => {
  it("isVersion accepts HTTP/d.d only, within the range", () => {
    assert.equal(isVersion("HTTP/1.1", 0, 8), true);
    assert.equal(isVersion("GET / HTTP/2.0", 6, 14), true);
    for (const bad of ["HTTP/1", "HTTP/1.10", "http/1.1", "HTTP/a.1", "HTTP/1.a", "HTTP/1,1"]) {
      assert.equal(isVersion(bad, 0, bad.length), false, bad);
    }
    assert.equal(isVersion("HTTP/1.1x", 0, 9), false);
  });

  it("parseVersion gives major.minor, or undefined", () => {
    assert.equal(parseVersion("HTTP/1.1"), "1.1");
    assert.equal(parseVersion("HTTP/0.9"), "0.9");
    assert.equal(parseVersion("HTTP/1.1 "), undefined);
    assert.equal(parseVersion(""), undefined);
  });
});

describe("character classes", () => {
  it("isDigit and isHexDigit agree with their RFC 5234 definitions on every code up to 0x100", () => {
    for (let c = 0; c <= 0x100; c++) {
      const char = String.fromCharCode(c);
      assert.equal(isDigit(c), /^[0-9]$/.test(char), String(c));
      assert.equal(isHexDigit(c), /^[0-9a-fA-F]$/.test(char), String(c));
    }
  });

  it("isOws is SP and HTAB only", () => {
    for (let c = 0; c <= 0x100; c++) assert.equal(isOws(c), c === 0x20 || c === 0x09, String(c));
  });
});

describe("spaceBefore and listHas", () => {
  it("spaceBefore finds the first space from start, only before end", () => {
    assert.equal(spaceBefore("GET / HTTP/1.1", 0, 14), 3);
    assert.equal(spaceBefore("GET / HTTP/1.1", 4, 14), 5);
    assert.equal(spaceBefore("GET / HTTP/1.1", 6, 14), -1);
    assert.equal(spaceBefore("GET / HTTP/1.1", 0, 3), -1);
  });

  it("listHas compares list elements with a lowercase token, ignoring ASCII case", () => {
    assert.equal(listHas(["keep-alive", "Upgrade"], "upgrade"), true);
    assert.equal(listHas(["WebSocket"], "websocket"), true);
    assert.equal(listHas(["websocket/13"], "websocket"), false);
    assert.equal(listHas([], "upgrade"), false);
  });
});
