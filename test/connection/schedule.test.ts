import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultDefer, type Flushable, flushQueue } from "../../src/connection/schedule.js";

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
