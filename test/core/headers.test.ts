import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  countFields,
  flatFields,
  Headers,
  SHARED_NAMES,
  SharedStrings,
} from "../../src/core/headers.js";

describe("Headers", () => {
  it("compares names case-insensitively and keeps repeated fields in order", () => {
    const h = new Headers([
      ["Sec-WebSocket-Protocol", "a"],
      ["Host", "x"],
      ["sec-websocket-protocol", "b"],
    ]);
    assert.deepEqual(h.getAll("SEC-WEBSOCKET-PROTOCOL"), ["a", "b"]);
    assert.equal(h.get("sec-websocket-protocol"), "a, b");
    assert.equal(h.get("missing"), undefined);
    assert.equal(h.has("HOST"), true);
    assert.equal(h.has("nope"), false);
    assert.equal(h.size, 3);
    assert.deepEqual(
      [...h],
      [
        ["Sec-WebSocket-Protocol", "a"],
        ["Host", "x"],
        ["sec-websocket-protocol", "b"],
      ],
    );
  });

  it("set replaces every field of that name; delete removes them all", () => {
    const h = new Headers({ A: "1", B: "2" });
    h.append("a", "3");
    h.set("A", "4");
    assert.deepEqual(
      [...h],
      [
        ["B", "2"],
        ["A", "4"],
      ],
    );
    h.delete("b");
    assert.deepEqual([...h], [["A", "4"]]);
    assert.equal(new Headers().size, 0);
  });

  it("internal: counts fields by name, exposes the flat pairs and shares known names", () => {
    const h = new Headers([
      ["Host", "a"],
      ["X-Custom", "b"],
      ["host", "c"],
    ]);
    assert.equal(h[countFields]("HOST"), 2);
    assert.equal(h[countFields]("x-custom"), 1);
    assert.equal(h[countFields]("missing"), 0);
    assert.deepEqual(h[flatFields](), ["Host", "a", "X-Custom", "b", "host", "c"]);
  });

  it("internal: SharedStrings finds a shared string by a range of a text", () => {
    const shared = new SharedStrings(["Upgrade", "upgrade", "websocket", "13", "13"]);
    const text = "Upgrade: websocket, upgrade 13 14 Upgrades";
    assert.equal(shared.find(text, 0, 7), "Upgrade");
    assert.equal(shared.find(text, 9, 18), "websocket");
    assert.equal(shared.find(text, 20, 27), "upgrade");
    assert.equal(shared.find(text, 28, 30), "13");
    assert.equal(shared.find(text, 31, 33), undefined);
    assert.equal(shared.find(text, 34, 42), undefined);
    assert.equal(shared.find(text, 0, 0), undefined);
    assert.equal(SHARED_NAMES.find("x Sec-WebSocket-Key", 2, 19), "Sec-WebSocket-Key");
    assert.equal(SHARED_NAMES.find("sec-websocket-key", 0, 17), "sec-websocket-key");
    assert.equal(SHARED_NAMES.find("X-Custom", 0, 8), undefined);
  });
});
