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

/** A list of connections flushed together once per turn. One per `Defer` function. */
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
