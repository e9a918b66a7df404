import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeError, InvalidStateError } from "../../src/core/errors.js";
import { Headers } from "../../src/core/headers.js";
import {
  DEFAULT_HTTP_LIMITS,
  type HttpLimits,
  isToken,
  isTokenChar,
  type Request,
  RequestParser,
  type Response,
  ResponseParser,
  serializeRequest,
  serializeResponse,
  serializeResponseInto,
  trimOws,
} from "../../src/core/http1.js";

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

// RFC 6455 1.3's example handshake request.
const HANDSHAKE =
  "GET /chat HTTP/1.1\r\n" +
  "Host: server.example.com\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Origin: http://example.com\r\n" +
  "Sec-WebSocket-Protocol: chat, superchat\r\n" +
  "Sec-WebSocket-Version: 13\r\n" +
  "\r\n";

const FRAME = "\x81\x05Hello";

function parseRequest(input: string, limits?: Partial<HttpLimits>) {
  return new RequestParser(limits).feed(latin1(input));
}

function requestError(input: string, limits?: Partial<HttpLimits>): HandshakeError {
  try {
    parseRequest(input, limits);
  } catch (error) {
    assert.ok(error instanceof HandshakeError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

function responseError(input: string, limits?: Partial<HttpLimits>): HandshakeError {
  try {
    new ResponseParser(limits).feed(latin1(input));
  } catch (error) {
    assert.ok(error instanceof HandshakeError, String(error));
    return error;
  }
  assert.fail(`no error for ${JSON.stringify(input)}`);
}

function plainRequest(request: Request) {
  return {
    method: request.method,
    target: request.target,
    version: request.version,
    headers: [...request.headers],
  };
}

function plainResponse(response: Response) {
  return {
    status: response.status,
    reason: response.reason,
    version: response.version,
    headers: [...response.headers],
    body: text(response.body),
  };
}

/** Feeds `chunks` one at a time; every feed but the last must return undefined. */
function feedChunks<T>(feed: (bytes: Uint8Array) => T | undefined, chunks: Uint8Array[]): T {
  for (let i = 0; i < chunks.length - 1; i++) {
    assert.equal(feed(chunks[i]!), undefined, `chunk ${i} completed early`);
  }
  const result = feed(chunks[chunks.length - 1]!);
  assert.notEqual(result, undefined);
  return result!;
}

function splitAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

describe("HTTP limits", () => {
  it("defaults to 8 KiB lines, 128 fields, 32 KiB heads and 64 KiB bodies", () => {
    assert.deepEqual(DEFAULT_HTTP_LIMITS, {
      maxLineBytes: 8192,
      maxHeaders: 128,
      maxHeadBytes: 32768,
      maxBodyBytes: 65536,
    });
    assert.ok(Object.isFrozen(DEFAULT_HTTP_LIMITS));
  });

  it("rejects limits that are not non-negative integers", () => {
    assert.throws(() => new RequestParser({ maxLineBytes: -1 }), RangeError);
    assert.throws(() => new RequestParser({ maxHeaders: 1.5 }), RangeError);
    assert.throws(() => new ResponseParser({ maxBodyBytes: Number.NaN }), /maxBodyBytes/);
    assert.throws(() => new RequestParser({ maxHeadBytes: -5 }), /maxHeadBytes/);
  });
});

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

const RESPONSE_101 =
  "HTTP/1.1 101 Switching Protocols\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
  "\r\n";

const CHUNKED =
  "HTTP/1.1 403 Forbidden\r\n" +
  "Transfer-Encoding: chunked\r\n" +
  "\r\n" +
  "5\r\nhello\r\n" +
  "A;ext=1\r\n, world!!!\r\n" +
  "0\r\n" +
  "Trailer-Field: x\r\n" +
  "\r\n";

function parseResponse(input: string, limits?: Partial<HttpLimits>) {
  return new ResponseParser(limits).feed(latin1(input));
}

/** Checks that `input` parses the same (response and rest) at every single split point. */
function checkEverySplit(input: string, expectedRest: string): ReturnType<typeof plainResponse> {
  const bytes = latin1(input);
  const whole = new ResponseParser().feed(bytes);
  assert.ok(whole);
  assert.equal(text(whole.rest), expectedRest);
  const expected = plainResponse(whole.response);
  const end = input.length - expectedRest.length;
  for (let i = 0; i <= end; i++) {
    const parser = new ResponseParser();
    const result = feedChunks((b) => parser.feed(b), i === end ? [bytes] : splitAt(bytes, [i]));
    assert.deepEqual(plainResponse(result.response), expected, `split at ${i}`);
    assert.equal(text(result.rest), expectedRest, `split at ${i}`);
  }
  return expected;
}

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

describe("serializeRequest", () => {
  it("writes the request line, fields in order and the empty line; parses back", () => {
    const request: Request = {
      method: "GET",
      target: "/chat?x=1",
      headers: new Headers([
        ["Host", "example.com"],
        ["X", "caf\xe9"],
        ["x", ""],
      ]),
    };
    const bytes = serializeRequest(request);
    assert.equal(
      text(bytes),
      "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nX: caf\xe9\r\nx: \r\n\r\n",
    );
    const parsed = new RequestParser().feed(bytes);
    assert.deepEqual(plainRequest(parsed!.request), { ...plainRequest(request), version: "1.1" });
  });

  it("writes the version it is given", () => {
    assert.match(
      text(
        serializeRequest({ method: "GET", target: "/", headers: new Headers(), version: "1.0" }),
      ),
      /^GET \/ HTTP\/1\.0\r\n/,
    );
  });

  const bad: [string, Partial<Request>, RegExp][] = [
    ["a method that is not a token", { method: "GE T" }, /invalid method/],
    ["an empty target", { target: "" }, /invalid target/],
    ["a target with a space", { target: "/a b" }, /invalid target/],
    ["an invalid version", { version: "1" }, /invalid version/],
    [
      "a header name that is not a token",
      { headers: new Headers({ "X Y": "1" }) },
      /invalid header name/,
    ],
    [
      "a CRLF in a value (header injection)",
      { headers: new Headers({ X: "1\r\nEvil: 1" }) },
      /invalid character/,
    ],
    ["a non-latin1 value", { headers: new Headers({ X: "\u20ac" }) }, /invalid character/],
  ];
  for (const [what, patch, pattern] of bad) {
    it(`throws TypeError for ${what}`, () => {
      const request: Request = { method: "GET", target: "/", headers: new Headers(), ...patch };
      assert.throws(
        () => serializeRequest(request),
        (e: unknown) => e instanceof TypeError && pattern.test(e.message),
      );
    });
  }
});

describe("serializeResponse", () => {
  it("writes the status line, fields and body; parses back", () => {
    const response: Response = {
      status: 400,
      reason: "Bad Request",
      headers: new Headers({ "Content-Length": "3" }),
      body: latin1("bad"),
    };
    const bytes = serializeResponse(response);
    assert.equal(text(bytes), "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad");
    assert.deepEqual(plainResponse(new ResponseParser().feed(bytes)!.response), {
      ...plainResponse(response),
      version: "1.1",
    });
  });

  it("writes an empty reason and a given version", () => {
    assert.equal(
      text(
        serializeResponse({
          status: 101,
          reason: "",
          headers: new Headers(),
          body: new Uint8Array(0),
          version: "1.0",
        }),
      ),
      "HTTP/1.0 101 \r\n\r\n",
    );
  });

  it("writes into the space a reservation gives, reserving nothing for an invalid response", () => {
    const response: Response = {
      status: 403,
      reason: "Forbidden",
      headers: new Headers({ "Content-Length": "2" }),
      body: latin1("no"),
    };
    const expected = serializeResponse(response);
    const slab = new Uint8Array(expected.length + 10).fill(0x2e);
    const sizes: number[] = [];
    serializeResponseInto(response, (size) => {
      sizes.push(size);
      return { buffer: slab, offset: 4 };
    });
    assert.deepEqual(sizes, [expected.length]);
    assert.equal(text(slab), `....${text(expected)}......`);
    assert.throws(
      () =>
        serializeResponseInto({ ...response, headers: new Headers({ X: "\r" }) }, (size) => {
          sizes.push(size);
          return { buffer: slab, offset: 0 };
        }),
      TypeError,
    );
    assert.deepEqual(sizes, [expected.length]);
  });

  it("rejects invalid statuses, reasons, versions and fields", () => {
    const base: Response = {
      status: 200,
      reason: "OK",
      headers: new Headers(),
      body: new Uint8Array(0),
    };
    for (const status of [99, 1000, 200.5, Number.NaN]) {
      assert.throws(() => serializeResponse({ ...base, status }), RangeError);
    }
    assert.throws(() => serializeResponse({ ...base, reason: "O\r\nK" }), /invalid reason/);
    assert.throws(() => serializeResponse({ ...base, version: "11" }), /invalid version/);
    assert.throws(
      () => serializeResponse({ ...base, headers: new Headers({ X: "\n" }) }),
      TypeError,
    );
    assert.throws(() => serializeResponse({ ...base, reason: "\u20ac" }), /invalid reason/);
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
