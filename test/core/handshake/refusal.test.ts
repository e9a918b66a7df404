import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rejectResponse } from "../../../src/core/handshake/refusal.js";

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
