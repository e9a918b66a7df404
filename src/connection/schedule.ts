/**
 * Once-per-turn scheduling for write coalescing: every connection that produced
 * output in this turn of the event loop is flushed by one deferred callback,
 * so all of a connection's output leaves in one transport write.
 *
 * @module
 */

import type { Defer } from "./transport.js";

/**
 * The runtime's "after this turn" primitive: `setImmediate` where it exists
 * (Node, Bun), else `setTimeout(callback, 0)`. Runtimes pass a better one
 * through `ConnectionOptions.defer` when they have it.
 */
export const defaultDefer: Defer = (() => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  if (typeof immediate === "function") return (callback) => void immediate(callback);
  return (callback) => void setTimeout(callback, 0);
})();

/** Something with output to write at the end of the turn. */
export interface Flushable {
  flush(): void;
}

/**
 * A list of connections flushed together once per turn. One per `Defer` function.
 *
 * Only at the end of the turn, even in a busy one (measured, issue 20). Node
 * handles every socket epoll reports ready in one poll phase, and this flush
 * runs after all of them (check phase): with 100 connections of one 64 B
 * message in flight each (bench `latency-100`), a turn holds 36 reads on
 * average, often over 64, and a reply ready at its first read waits for the
 * rest. That load keeps the server at 96-99 % of its core, so the mean round
 * trip is fixed by the CPU per message (mean = 100 / rate); the turn only
 * shapes the spread around it: two humps a turn apart (52 % of the round
 * trips at 0.5-0.75× the mean, 29 % at 1.25-1.5×). A bounded flush (the
 * queue written before a read once 16 reads had passed since the last flush)
 * made it one hump like ws's (81 % at 0.75-1.0×): p90 2.05 to 1.76 ms, but
 * p50 1.07 to 1.29 ms, and p99 unchanged (3.96 against 3.94 ms; ws 3.74),
 * same rate, three quiet alternating rounds. p99 comes from pauses that stall
 * every connection at once (92-96 % of the round trips over p99 fall in 2 ms
 * windows with 20 or more of them: scavenges of 0.4 ms every 40 ms here, the
 * load generator's GC, the VM), which no flush order changes. Not adopted:
 * it traded the median for the 90th percentile. bench/latency-anatomy.ts
 * measures the shape.
 */
class FlushQueue {
  // Two lists used in turn, each with a count of its own (setting a list's
  // length to 0 would free its storage): a run allocates nothing. One is
  // being flushed while the other collects what the flushes schedule.
  #pending: (Flushable | undefined)[] = [];
  #count = 0;
  #spare: (Flushable | undefined)[] = [];
  #scheduled = false;
  readonly #defer: Defer;
  readonly #run = (): void => {
    const pending = this.#pending;
    const count = this.#count;
    this.#pending = this.#spare;
    this.#count = 0;
    this.#scheduled = false;
    for (let i = 0; i < count; i++) {
      const item = pending[i]!;
      pending[i] = undefined;
      item.flush();
    }
    this.#spare = pending;
  };

  constructor(defer: Defer) {
    this.#defer = defer;
  }

  add(item: Flushable): void {
    this.#pending[this.#count++] = item;
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#defer(this.#run);
    }
  }
}

const queues = new WeakMap<Defer, FlushQueue>();

/** The shared flush queue for `defer` (one deferred callback per turn, for every connection). */
export function flushQueue(defer: Defer): FlushQueue {
  let queue = queues.get(defer);
  if (queue === undefined) {
    queue = new FlushQueue(defer);
    queues.set(defer, queue);
  }
  return queue;
}

export type { FlushQueue };
