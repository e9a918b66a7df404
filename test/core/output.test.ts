import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OutputQueue, SLAB_MAX_FRAME } from "../../src/core/output.js";

const bytesOf = (chunks: readonly Uint8Array[]): number[] => chunks.flatMap((c) => [...c]);

describe("OutputQueue", () => {
  it("takes nothing when nothing was queued", () => {
    const queue = new OutputQueue();
    assert.equal(queue.bytes, 0);
    assert.deepEqual(queue.take(), []);
  });

  it("keeps reservations and pushed chunks in order; consecutive reservations leave as one chunk", () => {
    const queue = new OutputQueue();
    const a = queue.reserve(2);
    a.buffer.set([1, 2], a.offset);
    const b = queue.reserve(3);
    b.buffer.set([3, 4, 5], b.offset);
    queue.release(1); // only two of the three bytes were written
    queue.push(new Uint8Array([6, 7]));
    const c = queue.reserve(1);
    c.buffer[c.offset] = 8;
    assert.equal(queue.bytes, 7);
    const chunks = queue.take();
    assert.deepEqual(bytesOf(chunks), [1, 2, 3, 4, 6, 7, 8]);
    assert.equal(chunks.length, 3, "the two first reservations share one chunk");
    assert.equal(queue.bytes, 0);
    assert.deepEqual(queue.take(), []);
  });

  it("gives a reservation larger than a slab frame its own buffer", () => {
    const queue = new OutputQueue();
    const big = queue.reserve(SLAB_MAX_FRAME + 1);
    assert.equal(big.offset, 0);
    assert.equal(big.buffer.length, SLAB_MAX_FRAME + 1);
    assert.equal(queue.take().length, 1);
  });
});
