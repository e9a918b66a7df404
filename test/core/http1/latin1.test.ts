import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { latin1, parseRequest } from "../../helpers/http1.js";

describe("latin1 heads through RequestParser", () => {
  it("decodes header bytes as latin1", () => {
    const result = parseRequest("GET / HTTP/1.1\r\nX: caf\xe9 \x80\xff\r\nY: \xc3\xa9\r\n\r\n");
    assert.equal(result!.request.headers.get("x"), "café \x80\xff");
    // Bytes that would be valid UTF-8 are still latin1 characters, one per byte.
    assert.equal(result!.request.headers.get("y"), "\xc3\xa9");
  });

  it("decodes lines longer than 4096 bytes, ASCII or not, whole or split", () => {
    const value = Array.from({ length: 6000 }, (_, i) =>
      String.fromCharCode(i % 2 === 0 ? 0x21 + (i % 94) : 0xa0 + (i % 96)),
    ).join("");
    const input = latin1(`GET / HTTP/1.1\r\nCookie: ${value}\r\n\r\n`);
    assert.equal(new RequestParser().feed(input)?.request.headers.get("cookie"), value);
    const parser = new RequestParser();
    assert.equal(parser.feed(input.subarray(0, 3000)), undefined);
    assert.equal(parser.feed(input.subarray(3000))?.request.headers.get("cookie"), value);
  });
});
