/**
 * Once-per-turn scheduling for write coalescing: every connection that produced
 * output in this turn of the event loop is flushed by one deferred callback,
 * so all of a connection's output leaves in one transport write; or earlier,
 * once {@link EARLY_FLUSH_READS} reads have been handled since the last flush.
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

/**
 * Reads a turn handles before the output queued by the earlier ones is
 * written (`FlushQueue.beforeRead`), rather than at the end of the turn.
 *
 * Node's event loop handles every socket that epoll reports ready in one
 * poll phase (one read each for small messages, up to 32 reads of 64 KiB for
 * large ones, each followed by its microtasks, where a `for await` loop
 * answers), and the end-of-turn flush runs after all of them, in the check
 * phase (`setImmediate`). With 100 connections of one 64 B message in flight
 * each (bench `latency-100`), a turn held 36 reads on average, often more
 * than 64: a reply ready at a turn's first read waited for all the others,
 * and the replies left in bursts. The round trips came in two humps a turn
 * apart (half of them at 0.5-0.75× the mean, 28 % at 1.25-1.5×); with this
 * bound 78 % fall within 0.75-1.0× the mean, as with ws, which writes each
 * reply at once. That load keeps the server at 96-99 % of its core, so the
 * mean is fixed by the CPU per message (mean = 100 / rate): the bound moves
 * the shape (p90 2.07 ms to 1.85-1.91 ms; p50 up from 1.09 to 1.06-1.29 ms,
 * towards the mean), not the mean. p99 (4.31 ms before, 3.75-4.12 ms after,
 * ws 4.42-5.77 ms) is set by pauses that stall every connection at once:
 * 80-96 % of the round trips over p99 fall in 2 ms windows where 20 or more
 * connections are slow together (scavenges of 0.6 ms every 40 ms in the
 * server, the load generator's own GC, the VM). Rough figures: a shared
 * 2-core VM, quiet runs only (bench/latency-anatomy.ts has the method).
 *
 * Why a bound, not a flush after every read (a `process.nextTick` per
 * connection cost 15 % CPU at 64 B; a flush before every read wrote 30 %
 * more often at 16 KiB): a server that sends to many connections per
 * message (a chat room's loop of `send`) still writes each of them once per
 * 16 reads, not once per read; the topics' held publishes stay for the end
 * of the turn (`addAtEndOfTurn`); and consecutive reads of one socket are
 * not split (see `beforeRead`). Measured with alternating runs: writes per
 * message unchanged at 64 B (1/32, 50 connections × 32 in flight) and at
 * 16 KiB (0.251); instructions of bench/connection-fixed.ts echo-64b within
 * its noise (965-970 M against 976 M, `--single-threaded`). A turn of 16
 * reads or fewer, as with one connection, flushes at its end as before.
 */
export const EARLY_FLUSH_READS = 16;

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
  /** Reads handled since the last flush (see `beforeRead`). */
  #reads = 0;
  /** What only the end of the turn flushes, after the rest (see `addAtEndOfTurn`). */
  #late: Flushable[] | undefined;
  readonly #defer: Defer;
  readonly #run = (): void => {
    this.#scheduled = false;
    this.#flushQueued();
    const late = this.#late;
    if (late !== undefined) {
      this.#late = undefined;
      for (let i = 0; i < late.length; i++) late[i]!.flush();
    }
  };

  constructor(defer: Defer) {
    this.#defer = defer;
  }

  /** Queues `item` for the end of this turn, or for the next early flush (see `beforeRead`). */
  add(item: Flushable): void {
    this.#pending[this.#count++] = item;
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#defer(this.#run);
    }
  }

  /**
   * Queues `item` for the end of this turn only, after the others: the
   * publishes a turn holds (see `topics.ts`), which go to every subscriber in
   * one run per turn, and would go in several if early flushes took them.
   */
  addAtEndOfTurn(item: Flushable): void {
    (this.#late ??= []).push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#defer(this.#run);
    }
  }

  /**
   * Called by a connection before it handles a read: writes what is queued
   * once {@link EARLY_FLUSH_READS} reads have been handled since the last
   * flush, so that the replies to a turn's first reads leave before the
   * turn's other reads are handled. Not before a read of a connection that
   * is itself queued (`readerQueued`): the reads of one socket come one after
   * the other (up to 32 of 64 KiB), and their replies leave together.
   */
  beforeRead(readerQueued: boolean): void {
    if (this.#reads >= EARLY_FLUSH_READS && this.#count > 0 && !readerQueued) {
      this.#flushQueued();
    }
    this.#reads++;
  }

  #flushQueued(): void {
    this.#reads = 0;
    const pending = this.#pending;
    const count = this.#count;
    // While a run goes, #pending and #spare are the same list; a run within
    // it (a read delivered by a write, as a transport may) takes a new one.
    this.#pending = this.#spare === pending ? [] : this.#spare;
    this.#count = 0;
    for (let i = 0; i < count; i++) {
      const item = pending[i]!;
      pending[i] = undefined;
      item.flush();
    }
    this.#spare = pending;
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
