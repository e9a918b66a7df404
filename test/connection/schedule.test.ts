import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultDefer,
  EARLY_FLUSH_READS,
  type Flushable,
  flushQueue,
} from "../../src/connection/schedule.js";

// src/connection/schedule.ts: one deferred callback per turn flushes every connection.
describe("Flush queue", () => {
  /** A defer function that runs its callbacks only when told, and counts them. */
  function manualDefer(): { defer: (callback: () => void) => void; run(): void; count(): number } {
    const pending: (() => void)[] = [];
    let scheduled = 0;
    return {
      defer: (callback) => {
        scheduled++;
        pending.push(callback);
      },
      run: () => {
        for (const callback of pending.splice(0)) callback();
      },
      count: () => scheduled,
    };
  }

  test("one deferred callback per turn, however many connections it flushes", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const flushed: number[] = [];
    for (let i = 0; i < 100; i++) queue.add({ flush: () => void flushed.push(i) });
    assert.equal(manual.count(), 1);
    assert.deepEqual(flushed, []);
    manual.run();
    assert.deepEqual(
      flushed,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  test("what a flush schedules runs in the next run, not this one", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const log: string[] = [];
    const second: Flushable = { flush: () => void log.push("second") };
    queue.add({
      flush: () => {
        log.push("first");
        queue.add(second);
      },
    });
    manual.run();
    assert.deepEqual(log, ["first"]);
    assert.equal(manual.count(), 2);
    manual.run();
    assert.deepEqual(log, ["first", "second"]);
  });

  test("a read after 16 reads since the last flush flushes what is queued", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const flushed: number[] = [];
    for (let i = 0; i < EARLY_FLUSH_READS; i++) {
      queue.beforeRead(false);
      queue.add({ flush: () => void flushed.push(i) });
    }
    assert.equal(flushed.length, 0, "16 reads and their output wait");
    queue.beforeRead(false);
    assert.equal(flushed.length, EARLY_FLUSH_READS, "the 17th read flushes the 16 first");
    queue.add({ flush: () => void flushed.push(-1) });
    queue.beforeRead(false);
    assert.equal(flushed.length, EARLY_FLUSH_READS, "the count starts again");
    manual.run();
    assert.deepEqual(flushed.slice(EARLY_FLUSH_READS), [-1]);
    assert.equal(manual.count(), 1, "still one deferred callback for the turn");
    // The end of the turn starts the count again too.
    for (let i = 0; i < EARLY_FLUSH_READS; i++) queue.beforeRead(false);
    queue.add({ flush: () => void flushed.push(-2) });
    manual.run();
    queue.add({ flush: () => void flushed.push(-3) });
    queue.beforeRead(false);
    assert.deepEqual(flushed.slice(EARLY_FLUSH_READS), [-1, -2], "-3 waits");
    manual.run();
  });

  test("a read of a connection that is itself queued does not flush early", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const flushed: string[] = [];
    queue.add({ flush: () => void flushed.push("a") });
    for (let i = 0; i < EARLY_FLUSH_READS; i++) queue.beforeRead(false);
    // "a" reads again (the next 64 KiB of its socket): its replies wait for the rest.
    queue.beforeRead(true);
    queue.beforeRead(true);
    assert.deepEqual(flushed, []);
    queue.beforeRead(false);
    assert.deepEqual(flushed, ["a"]);
  });

  test("reads with nothing queued flush nothing, however many", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    for (let i = 0; i < 100; i++) queue.beforeRead(false);
    assert.equal(manual.count(), 0);
    const flushed: string[] = [];
    queue.add({ flush: () => void flushed.push("a") });
    queue.beforeRead(false);
    assert.deepEqual(flushed, ["a"], "16 reads passed since the last flush");
  });

  test("an early flush leaves the end-of-turn items for the end of the turn, after the rest", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const log: string[] = [];
    queue.addAtEndOfTurn({ flush: () => void log.push("publishes") });
    queue.add({ flush: () => void log.push("a") });
    for (let i = 0; i <= EARLY_FLUSH_READS; i++) queue.beforeRead(false);
    assert.deepEqual(log, ["a"]);
    queue.add({ flush: () => void log.push("b") });
    manual.run();
    assert.deepEqual(log, ["a", "b", "publishes"]);
    assert.equal(manual.count(), 1);
    queue.addAtEndOfTurn({ flush: () => void log.push("next turn") });
    assert.equal(manual.count(), 2);
    manual.run();
    assert.deepEqual(log, ["a", "b", "publishes", "next turn"]);
  });

  test("an early flush within a flush flushes every item once, in order", () => {
    const manual = manualDefer();
    const queue = flushQueue(manual.defer);
    const log: string[] = [];
    const item = (name: string, during?: () => void): Flushable => ({
      flush: () => {
        log.push(name);
        during?.();
      },
    });
    // "a" is flushed by the end of the turn; its write delivers reads that
    // flush early what was queued meanwhile ("c"), while "b" still waits in
    // the outer run.
    queue.add(
      item("a", () => {
        queue.add(item("c"));
        for (let i = 0; i <= EARLY_FLUSH_READS; i++) queue.beforeRead(false);
        queue.add(item("d"));
      }),
    );
    queue.add(item("b"));
    for (let i = 0; i < EARLY_FLUSH_READS; i++) queue.beforeRead(false);
    manual.run();
    assert.deepEqual(log, ["a", "c", "b"]);
    manual.run();
    assert.deepEqual(log, ["a", "c", "b", "d"]);
    queue.add(item("e"));
    queue.add(item("f"));
    manual.run();
    assert.deepEqual(log, ["a", "c", "b", "d", "e", "f"]);
  });

  test("one queue per defer function", () => {
    const defer = (callback: () => void): void => void setTimeout(callback, 0);
    assert.equal(flushQueue(defer), flushQueue(defer));
    assert.notEqual(flushQueue(defer), flushQueue(manualDefer().defer));
  });

  test("defaultDefer runs after the turn's microtasks", async () => {
    const log: string[] = [];
    await new Promise<void>((resolve) => {
      defaultDefer(() => {
        log.push("deferred");
        resolve();
      });
      queueMicrotask(() => {
        log.push("microtask");
        queueMicrotask(() => log.push("microtask after microtask"));
      });
    });
    assert.deepEqual(log, ["microtask", "microtask after microtask", "deferred"]);
  });
});
