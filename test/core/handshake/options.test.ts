import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addHeaders,
  DEFAULT_USER_AGENT,
  serverHeaderOf,
} from "../../../src/core/handshake/options.js";
import { Headers } from "../../../src/core/headers.js";

describe("addHeaders", () => {
  it("appends new fields last and replaces every field of a name given, case-insensitively", () => {
    const headers = new Headers([["Host", "a"]]);
    headers.append("X-Twice", "1");
    headers.append("x-twice", "2");
    addHeaders(headers, [
      ["x-TWICE", "3"],
      ["New", "n"],
      ["X-Twice", "4"],
    ]);
    assert.deepEqual(
      [...headers],
      [
        ["Host", "a"],
        ["x-TWICE", "3"],
        ["New", "n"],
        ["X-Twice", "4"],
      ],
    );
  });

  it("takes a record too", () => {
    const headers = new Headers([["User-Agent", "x"]]);
    addHeaders(headers, { "user-agent": "mine/1.0" });
    assert.deepEqual([...headers], [["user-agent", "mine/1.0"]]);
  });
});

describe("serverHeaderOf", () => {
  it("is the default product name when unset, the value when set, null for none", () => {
    assert.equal(serverHeaderOf({}), DEFAULT_USER_AGENT);
    assert.equal(DEFAULT_USER_AGENT, "websocket-sansio/0.1");
    assert.equal(serverHeaderOf({ serverHeader: "demo/2" }), "demo/2");
    assert.equal(serverHeaderOf({ serverHeader: null }), null);
  });
});
