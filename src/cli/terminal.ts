/**
 * Output that does not break the line being typed: the interactive client
 * prints messages as they arrive while the user edits a line with
 * `node:readline`. Each print erases the prompt and the partial input (over
 * as many terminal rows as it wraps), writes the text, and redraws the prompt
 * with the input and the cursor where they were.
 *
 * @module
 */

import { createInterface, cursorTo, type Interface, moveCursor } from "node:readline";
import type { Readable, Writable } from "node:stream";

/** A line editor with a prompt, plus printing above it. */
export class Terminal {
  readonly #rl: Interface;
  readonly #output: Writable;
  #closed = false;

  /**
   * @param input a TTY stream (the user's keyboard)
   * @param output the TTY stream to draw on
   * @param prompt the prompt, which also marks outgoing lines (`> `)
   */
  constructor(input: Readable, output: Writable, prompt = "> ") {
    this.#output = output;
    this.#rl = createInterface({ input, output, prompt, terminal: true, historySize: 200 });
    this.#rl.on("close", () => {
      this.#closed = true;
    });
  }

  /** Calls `listener` with each line the user enters. */
  onLine(listener: (line: string) => void): void {
    this.#rl.on("line", listener);
  }

  /** Calls `listener` on Ctrl-C (readline takes the terminal's raw mode, so no signal is raised). */
  onInterrupt(listener: () => void): void {
    this.#rl.on("SIGINT", listener);
  }

  /** Calls `listener` when input ends (Ctrl-D on an empty line) or the terminal is closed. */
  onClose(listener: () => void): void {
    this.#rl.on("close", listener);
  }

  /** Shows the prompt, ready for a line. */
  prompt(): void {
    if (!this.#closed) this.#rl.prompt();
  }

  /**
   * Prints `text` (one or more lines) above the line being typed, which is
   * then redrawn as it was.
   */
  print(text: string): void {
    if (this.#closed) {
      this.#output.write(`${text}\n`);
      return;
    }
    // The cursor may sit several rows below the prompt's start when the
    // input wraps: go up to the prompt's first row, then erase to the end of
    // the screen.
    const { rows } = this.#rl.getCursorPos();
    if (rows > 0) moveCursor(this.#output, 0, -rows);
    cursorTo(this.#output, 0);
    // readline redraws the prompt by first going up the number of rows it
    // last saw the cursor below the prompt's start (its `prevRows`, which
    // typing at the end of the line does not always update): that many blank
    // lines after the text make it land just below the text, and the redraw
    // erases them.
    const redrawRows = (this.#rl as unknown as { prevRows?: unknown }).prevRows;
    const pad = typeof redrawRows === "number" ? redrawRows : rows;
    this.#output.write(`\x1b[J${text}\n${"\n".repeat(pad)}`);
    // `true` keeps the cursor at its column in the partial input.
    this.#rl.prompt(true);
  }

  /** Stops reading input and restores the terminal. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Leave the prompt's row empty for what is printed next.
    cursorTo(this.#output, 0);
    this.#output.write("\x1b[J");
    this.#rl.close();
  }
}
