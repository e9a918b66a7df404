import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Headers } from "../../../src/core/headers.js";
import type { Request, Response } from "../../../src/core/http1/message.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { ResponseParser } from "../../../src/core/http1/response-parser.js";
import {
  serializeRequest,
  serializeResponse,
  serializeResponseInto,
} from "../../../src/core/http1/serialize.js";
import { latin1, plainRequest, plainResponse, text } from "../../helpers/http1.js";

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

/** A response with a short latin1 body and its Content-Length. */
function withBody(status: number, reason: string, body: string): Response {
  const headers = new Headers({ "Content-Length": String(body.length) });
  return { status, reason, headers, body: latin1(body) };
}

describe("serializeResponse", () => {
  it("writes the status line, fields and body; parses back", () => {
    const response = withBody(400, "Bad Request", "bad");
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
    const response = withBody(403, "Forbidden", "no");
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
