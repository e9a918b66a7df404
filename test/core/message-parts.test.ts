import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { MessageParts, SMALL_PART } from "../../src/core/message-parts.js";

describe("MessageParts", () => {
  it("joins any sequence of fragments into their concatenation", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 40 }),
            fc.uint8Array({ minLength: SMALL_PART, maxLength: SMALL_PART + 100 }),
            fc.uint8Array({ minLength: 900, maxLength: 3000 }),
          ),
          { minLength: 1, maxLength: 30 },
        ),
        (fragments) => {
          const parts = new MessageParts();
          const expected: number[] = [];
          for (const fragment of fragments) {
            // The fragment is the caller's: a copy is taken where one is kept.
            parts.add(fragment.slice());
            expected.push(...fragment);
          }
          assert.equal(parts.bytes, expected.length);
          assert.deepEqual([...parts.join()], expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps a large fragment as is, and copies small ones", () => {
    const large = new Uint8Array(SMALL_PART).fill(7);
    const only = new MessageParts();
    only.add(large);
    assert.equal(only.join(), large, "a single large part is the message itself, no copy");
    const small = Uint8Array.of(1, 2, 3);
    const copied = new MessageParts();
    copied.add(small);
    small[0] = 9; // changed after add: the copy is unaffected
    assert.deepEqual([...copied.join()], [1, 2, 3]);
  });

  it("a million 1-byte fragments, each a view on a shared read, join correctly", () => {
    const read = new Uint8Array(65536).fill(0x61);
    const parts = new MessageParts();
    for (let i = 0; i < 1_000_000; i++) parts.add(read.subarray(i & 0xffff, (i & 0xffff) + 1));
    read.fill(0); // the read is reused: what was kept is a copy
    const whole = parts.join();
    assert.equal(whole.length, 1_000_000);
    assert.ok(whole.every((byte) => byte === 0x61));
  });
});
