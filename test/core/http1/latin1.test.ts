import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedStrings } from "../../../src/core/headers.js";
import {
  latin1Decode,
  ownString,
  SHARED_VALUES,
  writeLatin1,
} from "../../../src/core/http1/latin1.js";
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

describe("latin1Decode and writeLatin1", () => {
  it("decodes one character per byte, ASCII, UTF-8 lookalikes and invalid UTF-8 alike", () => {
    assert.equal(latin1Decode(new Uint8Array(0)), "");
    assert.equal(latin1Decode(latin1("GET / HTTP/1.1")), "GET / HTTP/1.1");
    assert.equal(latin1Decode(Uint8Array.of(0xc3, 0xa9)), "\xc3\xa9");
    assert.equal(latin1Decode(Uint8Array.of(0x61, 0xff, 0x80)), "a\xff\x80");
    // U+FFFD's own UTF-8 bytes are three latin1 characters, not one replacement.
    assert.equal(latin1Decode(Uint8Array.of(0xef, 0xbf, 0xbd)), "\xef\xbf\xbd");
  });

  it("decodes every byte value, in inputs longer than one decoding part", () => {
    const bytes = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) % 256);
    const decoded = latin1Decode(bytes);
    assert.equal(decoded.length, bytes.length);
    for (let i = 0; i < bytes.length; i++) assert.equal(decoded.charCodeAt(i), bytes[i]);
  });

  it("writeLatin1 writes at the offset and returns the end; round-trips with latin1Decode", () => {
    const text = "caf\xe9 \x80\xff~";
    const bytes = new Uint8Array(12).fill(0x2e);
    assert.equal(writeLatin1(bytes, 2, text), 2 + text.length);
    assert.equal(bytes[0], 0x2e);
    assert.equal(bytes[2 + text.length], 0x2e);
    assert.equal(latin1Decode(bytes.subarray(2, 2 + text.length)), text);
  });
});

describe("ownString", () => {
  const shared = new SharedStrings(["websocket", "permessage-deflate"]);
  const source = (text: string, offset = 0) => {
    const bytes = new Uint8Array(offset + text.length);
    writeLatin1(bytes, offset, text);
    return { text, bytes, offset };
  };

  it("returns the shared copy of a known value, the very same string", () => {
    const head = source("X: permessage-deflate");
    const value = ownString(head, 3, 21, shared);
    assert.equal(value, "permessage-deflate");
    assert.equal(value, shared.find("permessage-deflate", 0, 18));
  });

  it("slices short values and decodes long ones again from the bytes at the offset", () => {
    const head = source("X: short, Y: a value of more than 13 characters", 5);
    assert.equal(ownString(head, 3, 8, shared), "short");
    assert.equal(
      ownString(head, 13, head.text.length, shared),
      "a value of more than 13 characters",
    );
  });

  it("SHARED_VALUES knows the values of a browser's handshake", () => {
    for (const value of ["GET", "1.1", "websocket", "Upgrade", "13", "Switching Protocols"]) {
      assert.equal(SHARED_VALUES.find(value, 0, value.length), value);
    }
    assert.equal(SHARED_VALUES.find("other", 0, 5), undefined);
  });
});
