import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DynamicTable, entryBytes } from "../../../../src/core/http2/hpack/dynamic-table.js";
import { EncoderTable } from "../../../../src/core/http2/hpack/encoder-table.js";
import type { HeaderField } from "../../../../src/core/http2/hpack/index.js";

function contents(table: DynamicTable): HeaderField[] {
  return Array.from({ length: table.length }, (_, i) => table.get(i));
}

describe("DynamicTable (RFC 7541 2.3.2, 4)", () => {
  it("counts name + value + 32 per entry and keeps the newest first", () => {
    const table = new DynamicTable(4096);
    table.add(["a", "1"]);
    table.add(["bb", "22"]);
    assert.deepEqual(contents(table), [
      ["bb", "22"],
      ["a", "1"],
    ]);
    assert.equal(table.bytes, 34 + 36);
    assert.equal(entryBytes(["bb", "22"]), 36);
  });

  it("evicts the oldest entries to make room (4.4)", () => {
    const table = new DynamicTable(100);
    table.add(["a", "1"]); // 34
    table.add(["b", "2"]); // 68
    table.add(["c", "3"]); // 102 > 100: evicts a
    assert.deepEqual(contents(table), [
      ["c", "3"],
      ["b", "2"],
    ]);
    assert.equal(table.bytes, 68);
  });

  it("an entry larger than the table empties it and is not added (4.4)", () => {
    const table = new DynamicTable(100);
    table.add(["a", "1"]);
    table.add(["big", "x".repeat(66)]); // 101
    assert.equal(table.length, 0);
    assert.equal(table.bytes, 0);
    table.add(["fits", "x".repeat(64)]); // exactly 100
    assert.equal(table.length, 1);
  });

  it("a smaller maximum evicts at once (4.3); zero empties", () => {
    const table = new DynamicTable(4096);
    for (let i = 0; i < 10; i++) table.add([`n${i}`, "v"]);
    table.setMaxBytes(35 * 3);
    assert.deepEqual(
      contents(table).map(([n]) => n),
      ["n9", "n8", "n7"],
    );
    table.setMaxBytes(0);
    assert.equal(table.length, 0);
  });

  it("matches a plain list model through growth, wrap-around and eviction", () => {
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 80 })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1500 }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new DynamicTable(1000);
        let model: HeaderField[] = [];
        let max = 1000;
        const size = () => model.reduce((sum, f) => sum + entryBytes(f), 0);
        for (const o of ops) {
          if (typeof o === "number") max = o;
          else model.unshift(o);
          while (size() > max) model.pop();
          if (typeof o === "number") table.setMaxBytes(o);
          else table.add(o);
          if (typeof o !== "number" && entryBytes(o) > max) model = [];
          assert.deepEqual(contents(table), model);
          assert.equal(table.bytes, size());
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("EncoderTable lookups", () => {
  it("finds fields and names by their current HPACK index, and forgets evicted ones", () => {
    const table = new EncoderTable(34 * 2);
    table.add(["a", "1"]);
    assert.equal(table.indexOf("a", "1"), 62);
    table.add(["b", "2"]);
    assert.equal(table.indexOf("a", "1"), 63);
    assert.equal(table.indexOf("b", "2"), 62);
    assert.equal(table.indexOfName("a"), 63);
    assert.equal(table.indexOf("a", "2"), 0);
    table.add(["a", "3"]); // evicts a: 1
    assert.equal(table.indexOf("a", "1"), 0);
    assert.equal(table.indexOfName("a"), 62);
    assert.equal(table.indexOf("b", "2"), 63);
    table.setMaxBytes(0);
    assert.equal(table.indexOf("b", "2"), 0);
    assert.equal(table.indexOfName("a"), 0);
  });

  it("answers as a scan of the table would, through several values per name and evictions", () => {
    const names = ["a", "b", "c"];
    const op = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.tuple(
          fc.constantFrom(...names),
          fc.constantFrom("", "1", "22", "x".repeat(40)),
        ),
      },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new EncoderTable(300);
        for (const o of ops) {
          if (typeof o === "number") table.setMaxBytes(o);
          else table.add(o);
          const scan = Array.from({ length: table.length }, (_, i) => table.get(i));
          for (const name of names) {
            const byName = scan.findIndex(([n]) => n === name);
            assert.equal(table.indexOfName(name), byName < 0 ? 0 : 62 + byName);
            for (const value of ["", "1", "22", "x".repeat(40)]) {
              const i = scan.findIndex(([n, v]) => n === name && v === value);
              assert.equal(table.indexOf(name, value), i < 0 ? 0 : 62 + i, `${name}: ${value}`);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
