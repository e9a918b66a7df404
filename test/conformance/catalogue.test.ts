import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareIds,
  loadCatalogue,
  payloadBytes,
  selectCases,
  validateCatalogue,
} from "../../conformance/catalogue.js";

describe("case catalogue", () => {
  const cases = loadCatalogue();

  it("holds the 517 Autobahn cases with the section counts of AUTOBAHN.md", () => {
    assert.equal(cases.length, 517);
    const count = (s: number) => cases.filter((c) => c.section === s).length;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13].map(count),
      [16, 11, 7, 10, 20, 145, 37, 54, 1, 90, 126],
    );
    assert.equal(cases.filter((c) => c.utf8_valid !== undefined).length, 132);
  });

  it("sorts ids numerically and selects by Autobahn patterns", () => {
    assert.ok(compareIds("6.10.1", "6.9.3") > 0);
    assert.deepEqual(
      selectCases(cases, ["6.4.*", "7.1.1"], ["6.4.2"]).map((c) => c.id),
      ["6.4.1", "6.4.3", "6.4.4", "7.1.1"],
    );
    assert.equal(selectCases(cases, ["*"], ["12.*", "13.*"]).length, 301);
  });

  it("materialises every payload form", () => {
    assert.deepEqual(payloadBytes({ len: 3, fill_hex: "fe" }), new Uint8Array([0xfe, 0xfe, 0xfe]));
    assert.equal(
      Buffer.from(payloadBytes({ len: 12, repeat_ascii: "BAsd7" })).toString(),
      "BAsd7BAsd7BA",
    );
    assert.deepEqual(
      payloadBytes({ len: 4, close: { code: 1000, reason: { len: 2, ascii: "ok" } } }),
      new Uint8Array([3, 232, 111, 107]),
    );
    assert.equal(payloadBytes({ len: 0 }).length, 0);
  });

  it("6.2.4 carries the 11 bytes of Kuhn's κόσμε (U+1F79), not its NFC form", () => {
    const step = cases.find((c) => c.id === "6.2.4")?.frames_sent[0];
    assert.ok(step?.op === "message");
    assert.equal(Buffer.from(payloadBytes(step.payload)).toString("hex"), "cebae1bdb9cf83cebcceb5");
  });

  it("rejects malformed catalogues", () => {
    assert.throws(() => validateCatalogue({}), /not a JSON array/);
    const one = structuredClone(cases.find((c) => c.id === "7.1.1"));
    assert.throws(() => validateCatalogue([one, one]), /duplicated/);
    const bad = JSON.parse(JSON.stringify(one).replace('"len":12,', '"len":11,'));
    assert.throws(() => validateCatalogue([bad]), /declares a payload/);
  });
});
