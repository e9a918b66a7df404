import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeError, InvalidStateError } from "../../../src/core/errors.js";
import { ResponseParser } from "../../../src/core/http1/response-parser.js";
import {
  CHUNKED,
  checkEverySplit,
  FRAME,
  feedChunks,
  latin1,
  parseResponse,
  RESPONSE_101,
  responseError,
  splitAt,
  text,
} from "../../helpers/http1.js";

describe("ResponseParser", () => {
  it("RFC 6455 4.1: completes a 101 response at the end of its head; rest is the first frames", () => {
    const expected = checkEverySplit(RESPONSE_101 + FRAME, FRAME);
    assert.deepEqual(expected, {
      status: 101,
      reason: "Switching Protocols",
      version: "1.1",
      headers: [
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
      ],
      body: "",
    });
  });

  it("reads a Content-Length body, split at every position", () => {
    const head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\n";
    const result = checkEverySplit(`${head}bad request`, "");
    assert.equal(result.body, "bad request");
    assert.equal(result.status, 400);
    assert.equal(checkEverySplit(`${head}bad requestNEXT`, "NEXT").body, "bad request");
  });

  it("decodes a chunked body with extensions and trailers, split at every position", () => {
    const result = checkEverySplit(`${CHUNKED}after`, "after");
    assert.equal(result.body, "hello, world!!!");
    assert.deepEqual(result.headers, [["Transfer-Encoding", "chunked"]]);
  });

  it("decodes a chunked body fed one byte at a time, with LF line endings", () => {
    const input = latin1(CHUNKED.replaceAll("\r\n", "\n"));
    const parser = new ResponseParser();
    const result = feedChunks(
      (b) => parser.feed(b),
      [...input].map((b) => Uint8Array.of(b)),
    );
    assert.equal(text(result.response.body), "hello, world!!!");
  });

  it("decodes chunked bodies split at random points (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 10 }),
        (chunks, rawPoints) => {
          let input = "HTTP/1.1 500 Oops\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n";
          for (const chunk of chunks) input += `${chunk.length.toString(16)}\r\n${text(chunk)}\r\n`;
          input += "0\r\n\r\n";
          const bytes = latin1(input);
          const points = [...new Set(rawPoints.map((p) => p % bytes.length))].sort((a, b) => a - b);
          const parts = splitAt(bytes, points).filter((part) => part.length > 0);
          const parser = new ResponseParser();
          const result = feedChunks((b) => parser.feed(b), parts);
          assert.deepEqual(result.response.body, Uint8Array.from(chunks.flatMap((c) => [...c])));
        },
      ),
    );
  });

  it("reads a body without length until EOF", () => {
    const parser = new ResponseParser();
    assert.equal(parser.feed(latin1("HTTP/1.1 404 Not Found\r\n\r\nnot ")), undefined);
    assert.equal(parser.feed(latin1("found")), undefined);
    const result = parser.feedEof();
    assert.equal(result.response.status, 404);
    assert.equal(text(result.response.body), "not found");
    assert.equal(result.rest.length, 0);
  });

  it("RFC 9112 6.3: reads until EOF when chunked is not the final transfer coding", () => {
    const parser = new ResponseParser();
    assert.equal(
      parser.feed(latin1("HTTP/1.1 500 x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\n")),
      undefined,
    );
    assert.equal(text(parser.feedEof().response.body), "5\r\n");
  });

  it("RFC 9112 6.3: Transfer-Encoding overrides Content-Length", () => {
    const result = parseResponse(
      "HTTP/1.1 500 x\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    );
    assert.equal(text(result!.response.body), "a");
  });

  it("accepts repeated identical Content-Length values and Content-Length 0", () => {
    assert.equal(
      text(
        parseResponse("HTTP/1.1 400 x\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab")!
          .response.body,
      ),
      "ab",
    );
    const empty = parseResponse("HTTP/1.1 400 x\r\nContent-Length: 0\r\n\r\nrest");
    assert.equal(empty!.response.body.length, 0);
    assert.equal(text(empty!.rest), "rest");
  });

  for (const value of ["abc", "", "1 2", "-1", "0x10", "1234567890123456", "2, 3"]) {
    it(`RFC 9112 6.3: fails on the Content-Length ${JSON.stringify(value)} with status 0`, () => {
      const error = responseError(`HTTP/1.1 400 x\r\nContent-Length: ${value}\r\n\r\n`);
      assert.equal(error.status, 0);
      assert.match(error.message, /Content-Length/);
    });
  }

  it("RFC 9110 15.3.5, 15.4.5: 204 and 304 responses have no body", () => {
    for (const status of [204, 304]) {
      const result = parseResponse(`HTTP/1.1 ${status} x\r\nContent-Length: 5\r\n\r\nhello`);
      assert.equal(result!.response.body.length, 0);
      assert.equal(text(result!.rest), "hello");
    }
  });

  it("RFC 9110 15.2: skips interim 1xx responses before the final one", () => {
    const result = checkEverySplit(
      `HTTP/1.1 100 Continue\r\nX: 1\r\n\r\n${RESPONSE_101}${FRAME}`,
      FRAME,
    );
    assert.equal(result.status, 101);
    assert.equal(result.headers.length, 3);
  });

  it("accepts a status line without a reason phrase, with or without the SP", () => {
    assert.equal(parseResponse("HTTP/1.1 101\r\n\r\n")?.response.reason, "");
    assert.equal(parseResponse("HTTP/1.1 101 \r\n\r\n")?.response.reason, "");
    assert.equal(
      parseResponse("HTTP/1.0 101 Go \t ahead\xe9\r\n\r\n")?.response.reason,
      "Go \t ahead\xe9",
    );
    assert.equal(parseResponse("HTTP/1.0 101 x\r\n\r\n")?.response.version, "1.0");
  });

  const badStatusLines = [
    "HTTP/1.1 20",
    "HTTP/1.1 2000",
    "HTTP/1.1 2x0 OK",
    "HTTP/1.1 x00 OK",
    "HTTP/1.1 20x OK",
    "HTTP/1.1  200 OK",
    "HTTP/1.1_200 OK",
    "HTTPS/1.1 200 OK",
    "HTTP/1.1 200 O\x00K",
    "HTTP/1.1 099 Low",
    "HTTP/2.0 101 Switching Protocols",
    "",
  ];
  for (const line of badStatusLines) {
    it(`RFC 9112 4: fails on the status line ${JSON.stringify(line)} with status 0`, () => {
      const error = responseError(`${line}\r\n\r\n`);
      assert.equal(error.status, 0);
      assert.match(error.message, /^Cannot parse HTTP response: /);
    });
  }

  it("fails on malformed header fields with status 0", () => {
    assert.equal(responseError("HTTP/1.1 101 x\r\nBad Name: x\r\n\r\n").status, 0);
    assert.equal(responseError("HTTP/1.1 101 x\r\nX: a\r\n b\r\n\r\n").status, 0);
  });

  it("bounds lines and field counts with status 0", () => {
    assert.match(
      responseError(`HTTP/1.1 101 ${"x".repeat(20)}\r\n\r\n`, { maxLineBytes: 20 }).message,
      /start line/,
    );
    assert.match(
      responseError(`HTTP/1.1 101 x\r\nX: ${"y".repeat(20)}\r\n\r\n`, { maxLineBytes: 20 }).message,
      /header line/,
    );
    assert.equal(
      responseError("HTTP/1.1 101 x\r\nA: 1\r\nB: 2\r\n\r\n", { maxHeaders: 1 }).status,
      0,
    );
  });

  describe("bodies over maxBodyBytes are truncated and the response completes", () => {
    const limits = { maxBodyBytes: 4 };
    it("with Content-Length", () => {
      const parser = new ResponseParser(limits);
      assert.equal(
        parser.feed(latin1("HTTP/1.1 500 x\r\nContent-Length: 1000000\r\n\r\nabcd")),
        undefined,
      );
      const result = parser.feed(latin1("efgh"));
      assert.equal(result!.response.status, 500);
      assert.equal(text(result!.response.body), "abcd");
      assert.equal(result!.rest.length, 0);
      assert.equal(
        text(
          parseResponse("HTTP/1.1 500 x\r\nContent-Length: 4\r\n\r\nabcd", limits)!.response.body,
        ),
        "abcd",
      );
    });
    it("with a chunked body", () => {
      const result = parseResponse(
        "HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n",
        limits,
      );
      assert.equal(text(result!.response.body), "abcd");
      assert.equal(result!.rest.length, 0);
    });
    it("until EOF", () => {
      const parser = new ResponseParser(limits);
      assert.equal(parser.feed(latin1("HTTP/1.1 500 x\r\n\r\nabc")), undefined);
      assert.equal(parser.feed(new Uint8Array(0)), undefined);
      const result = parser.feed(new Uint8Array(1 << 20).fill(0x7a));
      assert.equal(text(result!.response.body), "abcz");
    });
    it("with maxBodyBytes 0", () => {
      const result = parseResponse("HTTP/1.1 500 x\r\nContent-Length: 3\r\n\r\nabc", {
        maxBodyBytes: 0,
      });
      assert.equal(result!.response.body.length, 0);
    });
  });

  describe("RFC 9112 7.1: malformed chunked bodies fail with status 0", () => {
    const head = "HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const cases: [string, string, RegExp][] = [
      ["no hex digits", "xyz\r\n", /invalid chunk size/],
      ["an empty size line", "\r\n", /invalid chunk size/],
      ["junk after the size", "5 x\r\n", /invalid chunk size/],
      ["more than 12 hex digits", "1000000000000\r\n", /invalid chunk size/],
      ["no CRLF after the data", "1\r\nab\r\n", /missing CRLF/],
      ["a chunk line over the limit", `1;${"e".repeat(9000)}\r\n`, /chunk line longer/],
    ];
    for (const [what, body, pattern] of cases) {
      it(what, () => {
        const error = responseError(head + body);
        assert.equal(error.status, 0);
        assert.match(error.message, pattern);
      });
    }
    it("more trailer fields than maxHeaders", () => {
      const error = responseError(
        `HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n`,
        {
          maxHeaders: 1,
        },
      );
      assert.match(error.message, /more than 1 trailer fields/);
    });
    it("accepts uppercase hex, size extensions with OWS, and 12 hex digits", () => {
      const result = parseResponse(`${head}A \t;x="y"\r\n0123456789\r\n000000000000\r\n\r\n`);
      assert.equal(text(result!.response.body), "0123456789");
    });
  });

  it("on arbitrary bytes in arbitrary chunks, only completes or throws HandshakeError with status 0 (property)", () => {
    const alphabet = latin1(
      "HTTP/1.1 101 200\r\n: \t\x00Content-Length: 3Transfer-Encoding: chunked;0aF",
    );
    const byte = fc.integer({ min: 0, max: alphabet.length }).map((i) => alphabet[i] ?? 0x0a);
    fc.assert(
      fc.property(fc.array(fc.array(byte, { maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const parser = new ResponseParser({ maxLineBytes: 60, maxHeaders: 4, maxBodyBytes: 8 });
        try {
          for (const chunk of chunks) {
            const result = parser.feed(Uint8Array.from(chunk));
            if (result) {
              assert.ok(result.response.body.length <= 8);
              return;
            }
          }
          assert.ok(parser.feedEof().response.body.length <= 8);
        } catch (error) {
          assert.ok(error instanceof HandshakeError, String(error));
          assert.equal(error.status, 0);
        }
      }),
    );
  });

  describe("feedEof", () => {
    it("fails with status 0 when the head is incomplete", () => {
      const parser = new ResponseParser();
      assert.equal(parser.feed(latin1("HTTP/1.1 101 Switching")), undefined);
      assert.throws(
        () => parser.feedEof(),
        (e: unknown) =>
          e instanceof HandshakeError &&
          e.status === 0 &&
          /before the end of the head/.test(e.message),
      );
      assert.throws(() => new ResponseParser().feedEof(), HandshakeError);
    });
    it("completes with the bytes received when the body was cut short", () => {
      const parser = new ResponseParser();
      parser.feed(latin1("HTTP/1.1 500 x\r\nContent-Length: 10\r\n\r\nabc"));
      assert.equal(text(parser.feedEof().response.body), "abc");
      const chunked = new ResponseParser();
      chunked.feed(latin1("HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"));
      assert.equal(text(chunked.feedEof().response.body), "ab");
    });
    it("refuses to be called, or fed, after completion", () => {
      const parser = new ResponseParser();
      assert.ok(parser.feed(latin1(RESPONSE_101)));
      assert.throws(() => parser.feedEof(), InvalidStateError);
      assert.throws(() => parser.feed(latin1(FRAME)), InvalidStateError);
    });
  });
});

describe("ResponseParser with headOnly (a response to CONNECT)", () => {
  it("ends every final response at its head, whatever its length fields", () => {
    for (const [head, status] of [
      ["HTTP/1.1 200 Connection established\r\nContent-Length: 10\r\n\r\n", 200],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200],
      ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n", 200],
      ["HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 6\r\n\r\n", 407],
    ] as const) {
      const input = latin1(`${head}after!`);
      for (let cut = 0; cut <= input.length; cut++) {
        const parser = new ResponseParser(undefined, { headOnly: true });
        const first = parser.feed(input.subarray(0, cut));
        const result = first ?? parser.feed(input.subarray(cut));
        assert.ok(result !== undefined, `${head} cut at ${cut}`);
        assert.equal(result.response.status, status);
        assert.equal(result.response.body.length, 0);
        const rest =
          first === undefined ? result.rest : concatRest(result.rest, input.subarray(cut));
        assert.equal(text(rest), "after!", `${head} cut at ${cut}`);
      }
    }
  });
});

function concatRest(rest: Uint8Array, later: Uint8Array): Uint8Array {
  const all = new Uint8Array(rest.length + later.length);
  all.set(rest);
  all.set(later, rest.length);
  return all;
}
