import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  CloseCode,
  isValidCloseCode,
  MAX_CLOSE_REASON_BYTES,
  parseClose,
  serializeClose,
} from "../../src/core/close.js";
import { ProtocolError } from "../../src/core/errors.js";
import { bytes } from "../helpers/wire.js";

describe("isValidCloseCode (RFC 6455 7.4)", () => {
  it("allows the defined codes that go on the wire and 3000-4999, nothing else", () => {
    const valid = [
      1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
    ];
    const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535];
    for (const code of valid) assert.equal(isValidCloseCode(code), true, String(code));
    for (const code of invalid) assert.equal(isValidCloseCode(code), false, String(code));
  });
});

describe("parseClose (RFC 6455 5.5.1)", () => {
  it("reads an empty body as 1005 and a code with its UTF-8 reason", () => {
    assert.deepEqual(parseClose(new Uint8Array(0)), { code: CloseCode.NO_STATUS_RCVD, reason: "" });
    assert.deepEqual(parseClose(new Uint8Array([0x03, 0xe8])), { code: 1000, reason: "" });
    assert.deepEqual(parseClose(new Uint8Array([0x0f, 0xa0, ...bytes("bye é")])), {
      code: 4000,
      reason: "bye é",
    });
  });

  it("returns the peer's error, not throws: 1-byte body and bad code (1002), bad UTF-8 (1007)", () => {
    const cases: [number[], number, RegExp][] = [
      [[0x03], 1002, /^Cannot parse close frame: 1-byte payload$/],
      [[0x03, 0xed], 1002, /^Cannot parse close frame: invalid close code 1005$/],
      [[0x03, 0xe8, 0xff], 1007, /^Cannot parse close frame: invalid UTF-8 in the reason$/],
    ];
    for (const [payload, code, message] of cases) {
      const result = parseClose(Uint8Array.from(payload));
      assert.ok(result instanceof ProtocolError);
      assert.equal(result.closeCode, code);
      assert.match(result.message, message);
    }
  });
});

describe("serializeClose", () => {
  it("writes nothing without a code, else the code big-endian and the reason", () => {
    assert.equal(serializeClose(undefined).length, 0);
    assert.deepEqual([...serializeClose(1001)], [0x03, 0xe9]);
    assert.deepEqual([...serializeClose(4000, "é")], [0x0f, 0xa0, 0xc3, 0xa9]);
  });

  it("refuses what may not be sent: reserved codes, long reasons, a reason without code", () => {
    assert.throws(() => serializeClose(1005), {
      name: "RangeError",
      message: "Invalid close code: 1005",
    });
    assert.throws(() => serializeClose(1000, "x".repeat(MAX_CLOSE_REASON_BYTES + 1)), RangeError);
    assert.equal(serializeClose(1000, "x".repeat(MAX_CLOSE_REASON_BYTES)).length, 125);
    assert.throws(() => serializeClose(undefined, "why"), TypeError);
  });

  it("round-trips through parseClose for every valid code and reason", () => {
    const code = fc.oneof(
      fc.integer({ min: 1000, max: 1003 }),
      fc.integer({ min: 1007, max: 1014 }),
      fc.integer({ min: 3000, max: 4999 }),
    );
    const reason = fc
      .string({ maxLength: 40 })
      .filter((s) => bytes(s).length <= MAX_CLOSE_REASON_BYTES);
    fc.assert(
      fc.property(code, reason, (c, r) => {
        assert.deepEqual(parseClose(serializeClose(c, r)), { code: c, reason: r });
      }),
    );
  });
});
