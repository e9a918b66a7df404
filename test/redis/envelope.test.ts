import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ENVELOPE_HEADER_BYTES, newOrigin, open, seal } from "../../src/redis/envelope.js";

const allocate = (size: number): Uint8Array => new Uint8Array(size);

describe("Redis envelope", () => {
  test("carries kind and payload; its own origin is recognised", () => {
    const mine = newOrigin();
    const theirs = newOrigin();
    const payload = new Uint8Array([0, 1, 2, 255]);
    const text = seal(theirs, payload, true, allocate);
    assert.equal(text.length, ENVELOPE_HEADER_BYTES + 4);
    assert.deepEqual(open(text, mine), { isText: true, payload });
    const binary = seal(theirs, payload, false, allocate);
    assert.deepEqual(open(binary, mine), { isText: false, payload });
    assert.equal(open(seal(mine, payload, true, allocate), mine), "own");
    // An empty payload is a message too.
    assert.deepEqual(open(seal(theirs, new Uint8Array(0), false, allocate), mine), {
      isText: false,
      payload: new Uint8Array(0),
    });
  });

  test("what is not ours is refused, not misread", () => {
    const mine = newOrigin();
    assert.equal(open(new TextEncoder().encode("hello from redis-cli"), mine), null);
    assert.equal(open(new Uint8Array([0x10, 1, 2]), mine), null); // too short
    const future = seal(newOrigin(), new Uint8Array([1]), false, allocate);
    future[0] = 0x20; // another version
    assert.equal(open(future, mine), null);
  });
});
