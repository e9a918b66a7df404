import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError } from "../../../src/core/errors.js";
import { messageOf, refuse, rejectResponse } from "../../../src/core/handshake/refusal.js";

describe("rejectResponse", () => {
  it("builds a plain-text response with reason, Content-Length and Connection: close", () => {
    const response = rejectResponse(403, "no entry ✋");
    assert.equal(response.status, 403);
    assert.equal(response.reason, "Forbidden");
    assert.equal(new TextDecoder().decode(response.body), "no entry ✋");
    assert.deepEqual(
      [...response.headers],
      [
        ["Content-Type", "text/plain; charset=utf-8"],
        ["Content-Length", String(response.body.length)],
        ["Connection", "close"],
      ],
    );
    assert.equal(response.body.length, 12);
  });

  it("accepts bytes, defaults to an empty body, and leaves unknown reasons empty", () => {
    assert.deepEqual(rejectResponse(400, Uint8Array.of(1, 2)).body, Uint8Array.of(1, 2));
    const empty = rejectResponse(599);
    assert.equal(empty.reason, "");
    assert.equal(empty.body.length, 0);
    assert.equal(empty.headers.get("content-length"), "0");
  });

  it("lets extra headers replace its own", () => {
    const response = rejectResponse(401, "", {
      "Content-Type": "text/html",
      "WWW-Authenticate": "Basic",
    });
    assert.equal(response.headers.get("content-type"), "text/html");
    assert.equal(response.headers.get("www-authenticate"), "Basic");
  });

  it("throws RangeError for an invalid status", () => {
    for (const status of [99, 1000, 4.5]) assert.throws(() => rejectResponse(status), RangeError);
  });
});

describe("refuse", () => {
  it("says why in the body and the error, with the extra fields and the Server header", () => {
    const cause = new Error("inner");
    const refusal = refuse({}, 426, "no upgrade", [["Upgrade", "websocket"]], cause);
    assert.equal(refusal.ok, false);
    assert.equal(refusal.response.status, 426);
    assert.equal(refusal.response.reason, "Upgrade Required");
    assert.equal(
      new TextDecoder().decode(refusal.response.body),
      "Cannot accept WebSocket: no upgrade\n",
    );
    assert.equal(refusal.response.headers.get("upgrade"), "websocket");
    assert.equal(refusal.response.headers.get("server"), "websocket-sansio/0.1");
    assert.ok(refusal.error instanceof HandshakeError);
    assert.equal(refusal.error.message, "Cannot accept WebSocket: no upgrade");
    assert.equal(refusal.error.status, 426);
    assert.equal(refusal.error.headers, refusal.response.headers);
    assert.equal(refusal.error.body, refusal.response.body);
    assert.equal(refusal.error.cause, cause);
  });

  it("sends no Server header when asked, and keeps no cause when there is none", () => {
    const refusal = refuse({ serverHeader: null }, 400, "bad");
    assert.equal(refusal.response.headers.has("server"), false);
    assert.equal("cause" in refusal.error, false);
  });
});

describe("messageOf", () => {
  it("is an error's message, or anything else as a string", () => {
    assert.equal(messageOf(new TypeError("bad token")), "bad token");
    assert.equal(messageOf("text"), "text");
    assert.equal(messageOf(42), "42");
  });
});
