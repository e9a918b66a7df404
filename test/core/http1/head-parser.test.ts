import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError } from "../../../src/core/errors.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { ResponseParser } from "../../../src/core/http1/response-parser.js";
import { latin1, parseRequest, requestError, text } from "../../helpers/http1.js";

describe("head parsing (RequestParser as the concrete parser)", () => {
  it("RFC 9112 2.2: accepts bare LF line endings, also mixed with CRLF", () => {
    const result = parseRequest("GET / HTTP/1.1\nHost: a\r\nX: b\n\nrest");
    assert.ok(result);
    assert.deepEqual(
      [...result.request.headers],
      [
        ["Host", "a"],
        ["X", "b"],
      ],
    );
    assert.equal(text(result.rest), "rest");
  });

  it("RFC 9112 2.2: ignores one empty line before the request line, not two", () => {
    assert.equal(parseRequest("\r\nGET / HTTP/1.1\r\n\r\n")?.request.method, "GET");
    assert.equal(requestError("\r\n\r\nGET / HTTP/1.1\r\n\r\n").status, 400);
  });

  it("RFC 9112 2.2: rejects a bare CR with 400", () => {
    assert.equal(requestError("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n").status, 400);
    assert.equal(requestError("GET /\r HTTP/1.1\r\n\r\n").status, 400);
    assert.equal(requestError("GET / HTTP/1.1\r\r\n\r\n").status, 400);
  });

  it("RFC 9110 5.5: trims OWS around values, keeps inner spaces and empty values", () => {
    const result = parseRequest("GET / HTTP/1.1\r\nA: \t x  y \t\r\nB:\r\nC:   \r\n\r\n");
    assert.deepEqual(
      [...result!.request.headers],
      [
        ["A", "x  y"],
        ["B", ""],
        ["C", ""],
      ],
    );
  });

  it("RFC 9112 5.2: rejects obsolete line folding with 400", () => {
    const error = requestError("GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n");
    assert.equal(error.status, 400);
    assert.match(error.message, /line folding/);
    assert.equal(requestError("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n").status, 400);
  });

  const badFields: [string, string][] = [
    ["whitespace before the colon (RFC 9112 5.1)", "Host : a"],
    ["a missing colon", "Host a"],
    ["an empty name", ": a"],
    ["a separator in the name", "Ho(st: a"],
    ["a non-ASCII name", "H\xe9: a"],
    ["a NUL in the value (RFC 9110 5.5)", "X: a\x00b"],
    ["a control character in the value", "X: a\x01b"],
    ["DEL in the value", "X: a\x7fb"],
  ];
  for (const [what, line] of badFields) {
    it(`RFC 9110 5: rejects a header field with ${what} with 400`, () => {
      const error = requestError(`GET / HTTP/1.1\r\n${line}\r\n\r\n`);
      assert.equal(error.status, 400);
      assert.match(error.message, /^Cannot parse HTTP request: /);
    });
  }

  it("accepts a request line and header lines of exactly maxLineBytes, with CRLF or LF", () => {
    const limits = { maxLineBytes: 20 };
    const requestLine = `GET /${"a".repeat(6)} HTTP/1.1`;
    const field = `X: ${"b".repeat(17)}`;
    assert.equal(requestLine.length, 20);
    assert.equal(field.length, 20);
    assert.ok(parseRequest(`${requestLine}\r\n${field}\r\n\r\n`, limits));
    assert.ok(parseRequest(`${requestLine}\n${field}\n\n`, limits));
  });

  it("rejects a request line over maxLineBytes with 414 and a header line with 431", () => {
    const limits = { maxLineBytes: 20 };
    assert.equal(requestError(`GET /${"a".repeat(7)} HTTP/1.1\r\n\r\n`, limits).status, 414);
    assert.equal(requestError(`GET /${"a".repeat(7)} HTTP/1.1\n\n`, limits).status, 414);
    const error = requestError(`GET / HTTP/1.1\r\nX: ${"b".repeat(18)}\r\n\r\n`, limits);
    assert.equal(error.status, 431);
    assert.match(error.message, /longer than 20 bytes/);
    assert.equal(requestError(`GET / HTTP/1.1\r\nX: ${"b".repeat(18)}\n\n`, limits).status, 431);
  });

  it("rejects lines one byte over maxLineBytes wherever the input is split", () => {
    const limits = { maxLineBytes: 20 };
    for (const [input, status] of [
      [`GET /${"a".repeat(7)} HTTP/1.1\n\n`, 414],
      [`GET / HTTP/1.1\r\nX: ${"b".repeat(18)}\n\n`, 431],
      [`GET / HTTP/1.1\r\nX: ${"b".repeat(18)}\r\n\r\n`, 431],
    ] as const) {
      const bytes = latin1(input);
      for (let i = 1; i < bytes.length; i++) {
        const parser = new RequestParser(limits);
        assert.throws(
          () => {
            parser.feed(bytes.subarray(0, i));
            parser.feed(bytes.subarray(i));
          },
          (e: unknown) => e instanceof HandshakeError && e.status === status,
          `split at ${i}`,
        );
      }
    }
  });

  it("fails as soon as a line without LF exceeds the limit (bounded buffering)", () => {
    const parser = new RequestParser();
    assert.equal(parser.feed(latin1("GET /")), undefined);
    const chunk = new Uint8Array(4096).fill(0x61);
    assert.equal(parser.feed(chunk), undefined);
    assert.throws(
      () => parser.feed(chunk),
      (e: unknown) => e instanceof HandshakeError && e.status === 414,
    );
    // The same when the over-long start of a line comes in the first chunk.
    assert.equal(requestError(`GET /${"a".repeat(9000)}`).status, 414);
    assert.equal(requestError(`GET / HTTP/1.1\r\nX: ${"a".repeat(9000)}`).status, 431);
    const headerParser = new RequestParser();
    headerParser.feed(latin1("GET / HTTP/1.1\r\nX: "));
    assert.throws(
      () => headerParser.feed(new Uint8Array(1 << 20).fill(0x61)),
      (e: unknown) => e instanceof HandshakeError && e.status === 431,
    );
  });

  it("accepts a head of maxHeadBytes and rejects a longer one with 431, in one chunk or many", () => {
    const head = (n: number) => {
      const start = "GET / HTTP/1.1\r\n";
      const filler = n - start.length - "X: \r\n\r\n".length;
      return `${start}X: ${"a".repeat(filler)}\r\n\r\n`;
    };
    assert.equal(head(100).length, 100);
    assert.equal(
      parseRequest(head(100), { maxHeadBytes: 100 })?.request.headers.get("x")?.length,
      100 - 23,
    );
    const error = requestError(head(101), { maxHeadBytes: 100 });
    assert.equal(error.status, 431);
    assert.match(error.message, /head longer than 100 bytes/);
    // Fields within the line and field limits that add up to more than the default.
    const fields = Array.from({ length: 100 }, (_, i) => `X-${i}: ${"v".repeat(400)}\r\n`).join("");
    assert.equal(requestError(`GET / HTTP/1.1\r\n${fields}\r\n`).status, 431);
    // Fed a line at a time, refused once the total passes the limit, before the head ends.
    const parser = new RequestParser({ maxHeadBytes: 1000 });
    parser.feed(latin1("GET / HTTP/1.1\r\n"));
    let refused: unknown;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      try {
        parser.feed(latin1(`X-${i}: ${"v".repeat(50)}\r\n`));
      } catch (e) {
        refused = e;
      }
    }
    assert.ok(refused instanceof HandshakeError && refused.status === 431);
    // A response (the client's side) is bounded the same way.
    const response = `HTTP/1.1 101 Switching Protocols\r\nX: ${"a".repeat(200)}\r\n\r\n`;
    assert.throws(
      () => new ResponseParser({ maxHeadBytes: 100 }).feed(latin1(response)),
      (e: unknown) => e instanceof HandshakeError && /head longer than 100 bytes/.test(e.message),
    );
  });

  it("accepts maxHeaders fields and rejects one more with 431", () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join("");
    assert.equal(
      parseRequest(`GET / HTTP/1.1\r\n${fields(3)}\r\n`, { maxHeaders: 3 })?.request.headers.size,
      3,
    );
    const error = requestError(`GET / HTTP/1.1\r\n${fields(4)}\r\n`, { maxHeaders: 3 });
    assert.equal(error.status, 431);
    assert.match(error.message, /more than 3 header fields/);
    assert.equal(requestError(`GET / HTTP/1.1\r\n${fields(129)}\r\n`).status, 431);
  });
});
