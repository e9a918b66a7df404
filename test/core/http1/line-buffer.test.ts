import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LINE_INCOMPLETE,
  LINE_TOO_LONG,
  LineBuffer,
  linesEnd,
} from "../../../src/core/http1/line-buffer.js";
import { latin1 } from "../../helpers/http1.js";

describe("linesEnd", () => {
  it("ends after the last complete line, or after the first empty one", () => {
    assert.equal(linesEnd(latin1("a\r\nb\r\nc"), 0), 6);
    assert.equal(linesEnd(latin1("a\r\n\r\nb\r\n"), 0), 5);
    assert.equal(linesEnd(latin1("a\n\nb\n"), 0), 3);
    assert.equal(linesEnd(latin1("abc"), 0), 0);
    assert.equal(linesEnd(latin1("abc"), 2), 2);
    assert.equal(linesEnd(latin1("x\r\n\r\n"), 3), 5);
    assert.equal(linesEnd(latin1("x\n\n"), 2), 3);
  });

  it("reads a lone CR before the LF as part of a line, not an empty one", () => {
    assert.equal(linesEnd(latin1("a\n\r\rb\n"), 0), 6);
  });
});

/** Feeds `input` to a new LineBuffer in two chunks split at `at`; the lines it returns. */
function linesSplitAt(input: Uint8Array, at: number, maxBytes: number): (string | number)[] {
  const buffer = new LineBuffer(maxBytes);
  const lines: (string | number)[] = [];
  for (const chunk of [input.subarray(0, at), input.subarray(at)]) {
    let pos = 0;
    while (pos < chunk.length) {
      const next = buffer.take(chunk, pos);
      if (next === LINE_INCOMPLETE) break;
      if (next === LINE_TOO_LONG) return [...lines, LINE_TOO_LONG];
      lines.push(buffer.line);
      assert.equal(String.fromCharCode(...buffer.lineBytes), buffer.line);
      pos = next;
    }
  }
  if (buffer.pending) lines.push("(pending)");
  return lines;
}

describe("LineBuffer", () => {
  it("collects the same lines, CR dropped, wherever the input is split", () => {
    const input = latin1("first\r\n\r\nsecond line\nthird\xe9\r\nrest");
    for (let at = 0; at <= input.length; at++) {
      assert.deepEqual(
        linesSplitAt(input, at, 16),
        ["first", "", "second line", "third\xe9", "(pending)"],
        `split at ${at}`,
      );
    }
  });

  it("keeps a bare CR that is not before the LF", () => {
    assert.deepEqual(linesSplitAt(latin1("a\rb\r\r\n"), 2, 16), ["a\rb\r"]);
  });

  it("accepts a line of maxBytes (plus its CR) and refuses one byte more, wherever split", () => {
    const ok = latin1("0123456789\r\n");
    const long = latin1("0123456789a\r\n");
    const bare = latin1("0123456789a\n");
    for (let at = 0; at <= long.length; at++) {
      assert.deepEqual(linesSplitAt(ok, Math.min(at, ok.length), 10), ["0123456789"], `at ${at}`);
      assert.deepEqual(linesSplitAt(long, at, 10), [LINE_TOO_LONG], `at ${at}`);
      assert.deepEqual(linesSplitAt(bare, Math.min(at, bare.length), 10), [LINE_TOO_LONG]);
    }
  });

  it("refuses a line without LF as soon as it passes the limit, keeping at most the limit", () => {
    const buffer = new LineBuffer(300);
    assert.equal(buffer.take(new Uint8Array(200).fill(0x61), 0), LINE_INCOMPLETE);
    assert.equal(buffer.pending, true);
    assert.equal(buffer.take(new Uint8Array(100).fill(0x61), 0), LINE_INCOMPLETE);
    assert.equal(buffer.take(new Uint8Array(2).fill(0x61), 0), LINE_TOO_LONG);
  });

  it("grows its buffer for a line split over many chunks, and reuses it for the next", () => {
    const buffer = new LineBuffer(4096);
    const line = "x".repeat(1000);
    for (const _ of [1, 2]) {
      for (let i = 0; i < line.length; i += 100) {
        assert.equal(buffer.take(latin1(line.slice(i, i + 100)), 0), LINE_INCOMPLETE);
      }
      assert.equal(buffer.take(latin1("\r\nnext"), 0), 2);
      assert.equal(buffer.line, line);
      assert.equal(buffer.pending, false);
    }
  });

  it("returns a line complete in one chunk as a view on that chunk (no copy)", () => {
    const chunk = latin1("abc\r\ndef");
    const buffer = new LineBuffer(16);
    assert.equal(buffer.take(chunk, 0), 5);
    assert.equal(buffer.lineBytes.buffer, chunk.buffer);
    assert.equal(buffer.line, "abc");
  });
});
