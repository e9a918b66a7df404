import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OutputQueue, SLAB_MAX_FRAME } from "../../src/core/output.js";
import { Protocol } from "../../src/core/protocol.js";
import { concat, parseFrames, text } from "../helpers/wire.js";

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

describe("OutputQueue: one slab shared by every queue", () => {
  it("two queues reserving in turn share the slab and keep their own bytes", () => {
    const a = new OutputQueue();
    const b = new OutputQueue();
    for (let i = 0; i < 3; i++) {
      const ra = a.reserve(2);
      ra.buffer.set([10 + i, 10 + i], ra.offset);
      const rb = b.reserve(3);
      rb.buffer.set([20 + i, 20 + i, 20 + i], rb.offset);
      assert.equal(ra.buffer, rb.buffer, "the same slab");
      assert.equal(rb.offset, ra.offset + 2, "side by side");
    }
    const chunksA = a.take();
    const chunksB = b.take();
    assert.deepEqual(bytesOf(chunksA), [10, 10, 11, 11, 12, 12]);
    assert.deepEqual(bytesOf(chunksB), [20, 20, 20, 21, 21, 21, 22, 22, 22]);
    // Interleaved runs cannot be joined: one chunk per reservation.
    assert.equal(chunksA.length, 3);
    assert.equal(chunksB.length, 3);
  });

  it("release right after reserve gives the tail back to the next reservation, of any queue", () => {
    const a = new OutputQueue();
    const b = new OutputQueue();
    const ra = a.reserve(8);
    ra.buffer.set([1, 2, 3], ra.offset);
    a.release(5);
    const rb = b.reserve(2);
    assert.equal(rb.buffer, ra.buffer);
    assert.equal(rb.offset, ra.offset + 3, "b's bytes start where a's written bytes end");
    rb.buffer.set([4, 5], rb.offset);
    assert.deepEqual(bytesOf(a.take()), [1, 2, 3]);
    assert.deepEqual(bytesOf(b.take()), [4, 5]);
  });

  it("refuses a release after another queue reserved (it would hand b's bytes to a's next frame)", () => {
    const a = new OutputQueue();
    const b = new OutputQueue();
    const ra = a.reserve(4);
    const rb = b.reserve(4);
    rb.buffer.set([7, 7, 7, 7], rb.offset);
    assert.throws(() => a.release(2), /Cannot release output: the latest reservation/);
    ra.buffer.set([1, 1, 1, 1], ra.offset);
    assert.deepEqual(bytesOf(a.take()), [1, 1, 1, 1]);
    assert.deepEqual(bytesOf(b.take()), [7, 7, 7, 7], "b's bytes are untouched");
  });

  it("refuses a release after a push, a take, a reservation of its own buffer, or of more than reserved", () => {
    const q = new OutputQueue();
    q.reserve(4);
    q.push(new Uint8Array(1));
    assert.throws(() => q.release(1), /Cannot release output/);
    q.reserve(4);
    q.take();
    assert.throws(() => q.release(1), /Cannot release output/);
    q.reserve(SLAB_MAX_FRAME + 1);
    assert.throws(() => q.release(1), /Cannot release output/);
    q.take();
    q.reserve(4);
    assert.throws(() => q.release(5), /Cannot release output/);
    q.release(4);
    assert.equal(q.bytes, 0);
  });

  it("two protocols sending in turn write through one slab, each frame intact", () => {
    const server = new Protocol("server");
    const client = new Protocol("client", { random: (b) => b.fill(0) });
    for (let i = 0; i < 50; i++) {
      server.sendText(`s${i}`);
      client.sendText(`c${i}€`);
      server.sendBinary(new Uint8Array([i]));
    }
    const fromServer = parseFrames(concat(server.takeOutput().chunks));
    const fromClient = parseFrames(concat(client.takeOutput().chunks));
    assert.equal(fromServer.length, 100);
    assert.equal(fromClient.length, 50);
    for (let i = 0; i < 50; i++) {
      assert.equal(text(fromServer[2 * i]!.payload), `s${i}`);
      assert.deepEqual([...fromServer[2 * i + 1]!.payload], [i]);
      assert.equal(text(fromClient[i]!.payload), `c${i}€`);
    }
  });
});
