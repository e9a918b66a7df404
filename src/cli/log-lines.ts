/**
 * The server's log, written in batches: lines gathered over up to
 * {@link FLUSH_MS} leave in one write, so a burst of connections costs one
 * write to stderr rather than one per open and close. (Node writes to a file
 * or a terminal synchronously: a write per event cost the CLI server a
 * syscall per connection opened and another per connection closed; a write
 * per turn of the event loop still cost about 4 us per handshake under the
 * handshake benchmark, where a turn holds one or two of them.)
 *
 * @module
 */

/** Where the lines go: a stream's `write`. */
interface Sink {
  write(text: string): unknown;
}

/** Lines past this many characters are written at once rather than when the batch is due. */
const FLUSH_CHARS = 64 * 1024;

/** How long a line may wait for the batch to leave: short enough that a person watching sees no delay. */
export const FLUSH_MS = 50;

/** A log of timestamped lines (`HH:MM:SS text`), written in batches. */
export class LogLines {
  readonly #sink: Sink;
  #pending = "";
  #scheduled = false;
  // The timestamp is formatted once per second, not per line.
  #second = -1;
  #stamp = "";

  constructor(sink: Sink) {
    this.#sink = sink;
  }

  /** Adds a line, to be written within {@link FLUSH_MS}. */
  line(text: string): void {
    this.#pending += `${this.#now()} ${text}\n`;
    if (this.#pending.length >= FLUSH_CHARS) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(() => {
        this.#scheduled = false;
        this.flush();
      }, FLUSH_MS);
    }
  }

  /** Writes what is pending now. */
  flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    this.#sink.write(text);
  }

  #now(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = new Date(now).toISOString().slice(11, 19);
    }
    return this.#stamp;
  }
}
