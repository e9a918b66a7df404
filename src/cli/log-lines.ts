/**
 * The server's log, written in batches: lines gathered during one turn of the
 * event loop leave in one write after it, so a burst of connections costs one
 * write to stderr rather than one per open and close. (Node writes to a file
 * or a terminal synchronously: a write per event cost the CLI server a
 * syscall per connection opened and another per connection closed.)
 *
 * @module
 */

/** Where the lines go: a stream's `write`. */
interface Sink {
  write(text: string): unknown;
}

/** Lines past this many characters are written at once rather than at the end of the turn. */
const FLUSH_CHARS = 64 * 1024;

/** A log of timestamped lines (`HH:MM:SS text`), written once per turn. */
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

  /** Adds a line, to be written at the end of this turn. */
  line(text: string): void {
    this.#pending += `${this.#now()} ${text}\n`;
    if (this.#pending.length >= FLUSH_CHARS) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
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
