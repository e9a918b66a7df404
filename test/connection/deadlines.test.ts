import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Deadline, Deadlines } from "../../src/connection/deadlines.js";

describe("Deadlines", () => {
  it("expires targets in the order they were armed, after the duration", async () => {
    const expired: [string, number][] = [];
    const start = performance.now();
    const queue = new Deadlines<string>(30, (target) =>
      expired.push([target, performance.now() - start]),
    );
    queue.add(new Deadline("a"));
    await sleep(10);
    queue.add(new Deadline("b"));
    assert.equal(queue.size, 2);
    await sleep(80);
    assert.deepEqual(
      expired.map(([target]) => target),
      ["a", "b"],
    );
    // Each no earlier than its own duration (timers may fire late, never early).
    assert.ok(expired[0]![1] >= 29, `a after ${expired[0]![1]} ms`);
    assert.ok(expired[1]![1] >= 39, `b after ${expired[1]![1]} ms`);
    assert.equal(queue.size, 0);
  });

  it("skips cancelled deadlines, and a cancelled deadline no longer holds its target", async () => {
    const expired: string[] = [];
    const queue = new Deadlines<string>(20, (target) => expired.push(target));
    const a = queue.add(new Deadline("a"));
    queue.add(new Deadline("b"));
    a.cancel();
    assert.equal(a.target, undefined);
    assert.equal(queue.size, 1);
    a.cancel(); // twice is harmless
    assert.equal(queue.size, 1);
    await sleep(60);
    assert.deepEqual(expired, ["b"]);
  });

  it("stops its timer when every deadline is cancelled (nothing keeps the process awake)", async () => {
    const expired: string[] = [];
    const queue = new Deadlines<string>(20, (target) => expired.push(target));
    const deadlines = ["a", "b", "c"].map((t) => queue.add(new Deadline(t)));
    for (const deadline of deadlines) deadline.cancel();
    assert.equal(queue.size, 0);
    // A new deadline after that works as usual.
    queue.add(new Deadline("d"));
    await sleep(60);
    assert.deepEqual(expired, ["d"]);
  });

  it("lets an expiring target arm and cancel deadlines of the same queue", async () => {
    const expired: string[] = [];
    let later: Deadline<string> | undefined;
    const queue = new Deadlines<string>(15, (target) => {
      expired.push(target);
      if (target === "a") queue.add(new Deadline("a2")); // re-armed, like keepalive
      if (target === "b") later?.cancel();
    });
    queue.add(new Deadline("a"));
    queue.add(new Deadline("b"));
    later = queue.add(new Deadline("c"));
    await sleep(80);
    assert.deepEqual(expired, ["a", "b", "a2"]);
    assert.equal(queue.size, 0);
  });

  it("reports an expiring target's exception without losing the others", async () => {
    const expired: string[] = [];
    const errors: unknown[] = [];
    const queue = new Deadlines<string>(
      10,
      (target) => {
        if (target === "boom") throw new Error("boom");
        expired.push(target);
      },
      (error) => errors.push(error),
    );
    queue.add(new Deadline("boom"));
    queue.add(new Deadline("after"));
    await sleep(50);
    assert.deepEqual(expired, ["after"]);
    assert.equal((errors[0] as Error).message, "boom");
  });

  it("keeps its entry array bounded over many deadlines", async () => {
    let count = 0;
    const queue = new Deadlines<number>(5, () => void count++);
    // Several waves, so that the consumed start of the array is compacted.
    for (let wave = 0; wave < 3; wave++) {
      for (let i = 0; i < 1500; i++) queue.add(new Deadline(i));
      await sleep(2);
    }
    await sleep(60);
    assert.equal(count, 4500);
    assert.equal(queue.size, 0);
  });
});
