import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeUtf8,
  encodeUtf8,
  encodeUtf8Into,
  UTF8_ACCEPT,
  UTF8_REJECT,
  validateUtf8,
} from "../../src/core/utf8.js";

const reference = new TextDecoder("utf-8", { fatal: true });
function valid(bytes: Uint8Array): boolean {
  try {
    reference.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Feeds `bytes` to the validator in pieces cut at `cuts`. */
function validate(bytes: Uint8Array, cuts: number[] = []): number {
  let state = UTF8_ACCEPT;
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    state = validateUtf8(bytes, start, cut, state);
    if (state === UTF8_REJECT) return state;
    start = cut;
  }
  return state;
}

describe("UTF-8 validation (RFC 3629, RFC 6455 8.1)", () => {
  it("agrees with a fatal TextDecoder on every 1- and 2-byte sequence", () => {
    for (let a = 0; a < 256; a++) {
      assert.equal(validate(Uint8Array.of(a)) === UTF8_ACCEPT, valid(Uint8Array.of(a)), `${a}`);
      for (let b = 0; b < 256; b++) {
        const bytes = Uint8Array.of(a, b);
        assert.equal(validate(bytes) === UTF8_ACCEPT, valid(bytes), `${a} ${b}`);
      }
    }
  });

  it("agrees on every 3- and 4-byte sequence starting with a lead byte E0-F4 (sampled tails)", () => {
    const tails = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];
    for (let lead = 0xe0; lead <= 0xff; lead++) {
      for (const b of tails) {
        for (const c of tails) {
          const three = Uint8Array.of(lead, b, c);
          assert.equal(validate(three) === UTF8_ACCEPT, valid(three), `${lead} ${b} ${c}`);
          for (const d of tails) {
            const four = Uint8Array.of(lead, b, c, d);
            assert.equal(validate(four) === UTF8_ACCEPT, valid(four), `${lead} ${b} ${c} ${d}`);
          }
        }
      }
    }
  });

  it("rejects at the first invalid byte and reports a sequence left open", () => {
    // Autobahn 6.4.x: F4 90 is already past U+10FFFF.
    assert.equal(
      validateUtf8(Uint8Array.of(0xce, 0xba, 0xf4, 0x90), 0, 4, UTF8_ACCEPT),
      UTF8_REJECT,
    );
    const open = validateUtf8(Uint8Array.of(0xe2, 0x82), 0, 2, UTF8_ACCEPT);
    assert.notEqual(open, UTF8_ACCEPT);
    assert.notEqual(open, UTF8_REJECT);
    assert.equal(validateUtf8(Uint8Array.of(0xac), 0, 1, open), UTF8_ACCEPT);
  });

  it("gives the same verdict however the bytes are split", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc.string({ unit: "binary", maxLength: 12 }).map((s) => encodeUtf8(s)),
        ),
        fc.array(fc.nat(24)),
        (bytes, cuts) => {
          const sorted = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort(
            (x, y) => x - y,
          );
          const whole = valid(bytes);
          assert.equal(validate(bytes, sorted) === UTF8_ACCEPT, whole);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("decodes valid text, refuses invalid, keeps a byte order mark", () => {
    assert.equal(decodeUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
    assert.equal(decodeUtf8(Uint8Array.of(0xc0, 0xaf)), undefined);
  });

  it("encodes lone surrogates as U+FFFD", () => {
    assert.deepEqual([...encodeUtf8("\udc00")], [0xef, 0xbf, 0xbd]);
    const target = new Uint8Array(8);
    assert.equal(encodeUtf8Into("é", target, 2), 2);
    assert.deepEqual([...target.subarray(2, 4)], [0xc3, 0xa9]);
  });
});
