import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  STATIC_BY_NAME,
  STATIC_TABLE,
  STATIC_TABLE_LENGTH,
} from "../../../../src/core/http2/hpack/static-table.js";

describe("static table (RFC 7541 Appendix A)", () => {
  it("has 61 entries with the RFC's landmarks", () => {
    assert.equal(STATIC_TABLE.length, STATIC_TABLE_LENGTH);
    assert.deepEqual(STATIC_TABLE[0], [":authority", ""]);
    assert.deepEqual(STATIC_TABLE[1], [":method", "GET"]);
    assert.deepEqual(STATIC_TABLE[7], [":status", "200"]);
    assert.deepEqual(STATIC_TABLE[15], ["accept-encoding", "gzip, deflate"]);
    assert.deepEqual(STATIC_TABLE[31], ["cookie", ""]);
    assert.deepEqual(STATIC_TABLE[60], ["www-authenticate", ""]);
  });

  it("finds each field by name and value, and each name at its lowest index", () => {
    STATIC_TABLE.forEach(([name, value], i) => {
      const entry = STATIC_BY_NAME.get(name)!;
      assert.equal(entry.valueIndex.get(value), i + 1);
      assert.equal(entry.nameIndex, STATIC_TABLE.findIndex(([n]) => n === name) + 1);
    });
    assert.equal(STATIC_BY_NAME.get(":status")!.nameIndex, 8);
    assert.equal(STATIC_BY_NAME.get(":status")!.valueIndex.get("101"), undefined);
    assert.equal(STATIC_BY_NAME.get(":protocol"), undefined);
  });
});
