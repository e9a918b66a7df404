import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeError, InvalidStateError } from "../../../src/core/errors.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import {
  FRAME,
  feedChunks,
  HANDSHAKE,
  latin1,
  parseRequest,
  plainRequest,
  requestError,
  splitAt,
  text,
} from "../../helpers/http1.js";

describe("RequestParser", () => {
  it("RFC 6455 1.3/4.1: parses the example handshake request", () => {
    const result = parseRequest(HANDSHAKE);
    assert.ok(result);
    assert.deepEqual(plainRequest(result.request), {
      method: "GET",
      target: "/chat",
      version: "1.1",
      headers: [
        ["Host", "server.example.com"],
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
        ["Origin", "http://example.com"],
        ["Sec-WebSocket-Protocol", "chat, superchat"],
        ["Sec-WebSocket-Version", "13"],
      ],
    });
    assert.equal(result.rest.length, 0);
  });

  it("returns the bytes after the head as rest, a view on the input", () => {
    const input = latin1(HANDSHAKE + FRAME);
    const result = new RequestParser().feed(input);
    assert.ok(result);
    assert.equal(text(result.rest), FRAME);
    assert.equal(result.rest.buffer, input.buffer);
  });

  it("gives the same result for input split at every position", () => {
    const input = latin1(HANDSHAKE + FRAME);
    const expected = plainRequest(parseRequest(HANDSHAKE)!.request);
    for (let i = 0; i <= input.length; i++) {
      const parser = new RequestParser();
      const first = parser.feed(input.subarray(0, i));
      const result = i >= HANDSHAKE.length ? first : parser.feed(input.subarray(i));
      assert.ok(result, `split at ${i}`);
      assert.deepEqual(plainRequest(result.request), expected);
      const restEnd = i >= HANDSHAKE.length ? i : input.length;
      assert.equal(
        text(result.rest),
        text(input.subarray(HANDSHAKE.length, restEnd)),
        `split at ${i}`,
      );
    }
  });

  it("gives the same result fed one byte at a time", () => {
    const input = latin1(HANDSHAKE);
    const parser = new RequestParser();
    const result = feedChunks(
      (b) => parser.feed(b),
      [...input].map((b) => Uint8Array.of(b)),
    );
    assert.deepEqual(plainRequest(result.request), plainRequest(parseRequest(HANDSHAKE)!.request));
  });

  it("gives the same result for random splits (property)", () => {
    const input = latin1(HANDSHAKE + FRAME);
    const expected = plainRequest(parseRequest(HANDSHAKE)!.request);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 20 }),
        (points) => {
          const parser = new RequestParser();
          const chunks = splitAt(
            input,
            points.sort((a, b) => a - b),
          );
          let fed = 0;
          for (const [i, chunk] of chunks.entries()) {
            fed += chunk.length;
            const result = parser.feed(chunk);
            if (fed < HANDSHAKE.length) {
              assert.equal(result, undefined);
              continue;
            }
            assert.ok(result);
            assert.deepEqual(plainRequest(result.request), expected);
            const rest = [...result.rest, ...chunks.slice(i + 1).flatMap((c) => [...c])];
            assert.equal(text(Uint8Array.from(rest)), FRAME);
            return;
          }
          assert.fail("never completed");
        },
      ),
    );
  });

  const badRequestLines = [
    "GET /",
    "GET",
    "",
    "GET  / HTTP/1.1",
    "GET / HTTP/1.1 ",
    "GET /  HTTP/1.1",
    " GET / HTTP/1.1",
    "G(T / HTTP/1.1",
    "GET /\x7f HTTP/1.1",
    "GET /\xe9 HTTP/1.1",
    "GET / http/1.1",
    "GET / HTTP/1",
    "GET / HTTP/1.10",
    "GET / HTTP/a.1",
    "GET / HTTP/1.a",
    "GET / HTTP/1,1",
    "GET / XTTP/1.1",
  ];
  for (const line of badRequestLines) {
    it(`RFC 9112 3: rejects the request line ${JSON.stringify(line)} with 400`, () => {
      const error = requestError(`${line}\r\nHost: a\r\n\r\n`);
      assert.equal(error.status, 400);
      assert.match(error.message, /invalid request line/);
    });
  }

  it("answers a peer that does not speak HTTP at the first byte that cannot be in a method", () => {
    // A TLS ClientHello's first bytes (a wss: URL aimed at a ws: port): no
    // line feed may come before the open timeout, so the parser must not wait for one.
    const hello = Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01);
    for (let split = 1; split <= hello.length; split++) {
      assert.throws(
        () => new RequestParser().feed(hello.subarray(0, split)),
        (error: HandshakeError) => {
          assert.match(error.message, /invalid request line: byte 0x16 in its method/);
          return error.status === 400;
        },
        `first ${split} bytes`,
      );
    }
    // The bad byte in a later chunk than the method's start, and after a CR.
    const later = new RequestParser();
    assert.equal(later.feed(latin1("\r")), undefined);
    assert.equal(later.feed(latin1("\nGE")), undefined);
    assert.throws(() => later.feed(latin1("T(")), /byte 0x28 in its method/);
    assert.throws(() => new RequestParser().feed(latin1(" GET")), /byte 0x20 in its method/);
  });

  it("waits for the rest of a request line whose method is a token so far, split anywhere", () => {
    const input = latin1(`\r\n${HANDSHAKE}`);
    for (let split = 1; split < input.length; split++) {
      const parser = new RequestParser();
      const result = feedChunks((bytes) => parser.feed(bytes), splitAt(input, [split]));
      assert.equal(result.request.method, "GET");
      assert.equal(result.request.target, "/chat");
    }
    // After the method's space, the rest of the line is checked when it ends.
    const parser = new RequestParser();
    assert.equal(parser.feed(latin1("GET \x16\x03")), undefined);
    assert.throws(() => parser.feed(latin1(" HTTP/1.1\r\n\r\n")), /invalid request line "GET/);
  });

  it("RFC 9110 15.6.6: rejects an HTTP major version other than 1 with 505", () => {
    assert.equal(requestError("GET / HTTP/2.0\r\n\r\n").status, 505);
    assert.equal(requestError("GET / HTTP/0.9\r\n\r\n").status, 505);
  });

  it("parses HTTP/1.0 and reports the version (the handshake check rejects it)", () => {
    assert.equal(parseRequest("GET / HTTP/1.0\r\n\r\n")?.request.version, "1.0");
    assert.equal(parseRequest("GET / HTTP/1.9\r\n\r\n")?.request.version, "1.9");
  });

  it("RFC 6455 4.1: rejects a request with a body (its bytes would be taken for frames)", () => {
    assert.equal(requestError("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").status, 400);
    assert.equal(requestError("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
    assert.equal(
      parseRequest("GET / HTTP/1.1\r\nContent-Length:  0 \r\n\r\n")?.request.method,
      "GET",
    );
  });

  it("on arbitrary bytes in arbitrary chunks, only completes or throws HandshakeError (property)", () => {
    const alphabet = latin1('GET / HTTP/1.1\r\n: \t\x00\x7f\xe9aZ0;,"=');
    const byte = fc.integer({ min: 0, max: alphabet.length }).map((i) => alphabet[i] ?? 0x0a);
    fc.assert(
      fc.property(fc.array(fc.array(byte, { maxLength: 30 }), { maxLength: 10 }), (chunks) => {
        const parser = new RequestParser({ maxLineBytes: 40, maxHeaders: 4 });
        try {
          for (const chunk of chunks) if (parser.feed(Uint8Array.from(chunk))) return;
        } catch (error) {
          assert.ok(error instanceof HandshakeError, String(error));
          assert.ok([400, 414, 431, 505].includes(error.status), String(error.status));
        }
      }),
    );
  });

  it("refuses to be fed after the head is complete", () => {
    const parser = new RequestParser();
    assert.ok(parser.feed(latin1(HANDSHAKE)));
    assert.throws(() => parser.feed(latin1(FRAME)), InvalidStateError);
  });
});
