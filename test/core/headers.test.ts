import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Headers } from "../../src/core/headers.js";

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
});
