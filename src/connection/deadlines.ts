/**
 * Deadlines of one duration for many connections, on one timer: the open,
 * close, keepalive-ping and pong timeouts of every connection made with the
 * same options.
 *
 * A timer per connection costs a runtime timer object and a closure for as
 * long as it is armed, which for keepalive is the connection's whole life:
 * about a quarter of kilobyte per idle connection on Node. Here an armed
 * deadline is a {@link Deadline} (one small object) in a queue. Every
 * deadline in a queue has the same duration, so they expire in the order
 * they were set: the queue is a FIFO, and one timer waits for its head.
 *
 * Cancelling clears the deadline's target and leaves the entry in place; the
 * queue skips it when its time comes. The entry then holds only the empty
 * `Deadline`, not the connection, so a closed connection is not kept alive
 * by a deadline it no longer needs.
 *
 * @module
 */

/** An armed deadline: its target until it expires or is cancelled. */
export class Deadline<T> {
  /** The target to expire; `undefined` once cancelled or expired. */
  target: T | undefined;
  /** The queue it is armed in, if any. */
  queue: Deadlines<T> | undefined;

  constructor(target: T) {
    this.target = target;
  }

  /** Cancels it: the target will not be called. */
  cancel(): void {
    const queue = this.queue;
    this.target = this.queue = undefined;
    queue?.release();
  }
}

function rethrow(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

// Compact the entry array once this many slots at its start are consumed
// (and they are at least half of it): bounded waste, amortised copying.
const COMPACT_AFTER = 1024;
// Slots an emptied queue keeps for reuse; a larger array is dropped.
const RESET_KEEPS = 4096;

/**
 * A queue of deadlines that all last `ms` milliseconds. Its one timer runs
 * while a deadline is live, as a timer per connection would.
 */
export class Deadlines<T> {
  readonly #ms: number;
  readonly #expire: (target: T) => void;
  readonly #report: (error: unknown) => void;
  // Flat pairs in [#head, #tail): due time (performance.now() scale),
  // deadline. A tail of our own rather than push/length: when the queue
  // empties the indexes go back to 0 and the slots are reused, so a queue
  // whose deadlines come and go one at a time allocates nothing.
  #entries: (number | Deadline<T> | undefined)[] = [];
  #head = 0;
  #tail = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Deadlines armed and neither expired nor cancelled.
  #live = 0;
  #firing = false;
  readonly #run = (): void => this.#fire();

  /**
   * @param ms the duration of every deadline in this queue
   * @param expire called with the target of each deadline that expires
   * @param report called with what `expire` throws; by default it is thrown
   *   again from a microtask, as from a timer callback of its own (the other
   *   deadlines still expire)
   */
  constructor(ms: number, expire: (target: T) => void, report: (error: unknown) => void = rethrow) {
    this.#ms = ms;
    this.#expire = expire;
    this.#report = report;
  }

  /** Arms `deadline`, `ms` from now; returns it. */
  add<D extends Deadline<T>>(deadline: D): D {
    deadline.queue = this;
    this.#live++;
    const entries = this.#entries;
    const tail = this.#tail;
    entries[tail] = performance.now() + this.#ms;
    entries[tail + 1] = deadline;
    this.#tail = tail + 2;
    const timer = this.#timer;
    if (timer === undefined) {
      if (!this.#firing) this.#arm((entries[this.#head] as number) - performance.now());
    } else if (this.#live === 1) {
      // Unref'd by release() when the last deadline went.
      (timer as { ref?: () => void }).ref?.();
    }
    return deadline;
  }

  /** Deadlines armed and neither expired nor cancelled. */
  get size(): number {
    return this.#live;
  }

  /**
   * @internal Called by {@link Deadline.cancel}. When no deadline is left the
   * entries are dropped (their slots reused), and nothing may keep the
   * process awake: the timer is unref'd where the runtime can (Node, Bun),
   * else stopped. (Unref'd, not stopped: connections opening one after
   * another take the count from 0 to 1 and back each time, and a new runtime
   * timer each time cost as much as a timer per connection.)
   */
  release(): void {
    if (--this.#live > 0) return;
    this.#reset();
    const timer = this.#timer as { unref?: () => void } | undefined;
    if (typeof timer?.unref === "function") timer.unref();
    else {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Empties the queue (every entry is cancelled or expired). */
  #reset(): void {
    // A large array left by a burst goes; a small one is kept for reuse.
    if (this.#entries.length > RESET_KEEPS) this.#entries = [];
    else this.#entries.fill(undefined, 0, this.#tail);
    this.#head = this.#tail = 0;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(this.#run, Math.max(0, Math.ceil(delay)));
  }

  #fire(): void {
    this.#timer = undefined;
    // While expiring, deadlines added (a keepalive re-armed) or cancelled
    // change the entries; the timer is armed once, at the end.
    this.#firing = true;
    const now = performance.now();
    for (;;) {
      const entries = this.#entries;
      const head = this.#head;
      if (head >= this.#tail || (entries[head] as number) > now) break;
      const deadline = entries[head + 1] as Deadline<T>;
      entries[head] = entries[head + 1] = undefined;
      this.#head = head + 2;
      const target = deadline.target;
      if (target === undefined) continue;
      deadline.target = deadline.queue = undefined;
      this.#live--;
      try {
        this.#expire(target);
      } catch (error) {
        this.#report(error);
      }
    }
    this.#firing = false;
    if (this.#live === 0 || this.#head >= this.#tail) {
      this.#reset();
      return;
    }
    const head = this.#head;
    if (head >= COMPACT_AFTER && head * 2 >= this.#tail) {
      this.#entries.copyWithin(0, head, this.#tail);
      this.#entries.fill(undefined, this.#tail - head, this.#tail);
      this.#tail -= head;
      this.#head = 0;
    }
    this.#arm((this.#entries[this.#head] as number) - now);
  }
}
