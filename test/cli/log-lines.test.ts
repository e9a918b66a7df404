import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FLUSH_MS, LogLines } from "../../src/cli/log-lines.js";

function sink(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return { writes, write: (text) => void writes.push(text) };
}

describe("LogLines", () => {
  test("lines of a few turns leave in one write, each with its time", async () => {
    const out = sink();
    const log = new LogLines(out);
    log.line("a connected");
    log.line("b connected");
    await new Promise((resolve) => setImmediate(resolve));
    log.line("a closed");
    assert.deepEqual(out.writes, [], "nothing is written before the batch is due");
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS + 20));
    assert.equal(out.writes.length, 1);
    assert.match(out.writes[0]!, /^\d\d:\d\d:\d\d a connected\n\d\d:\d\d:\d\d b connected\n/);
    assert.match(out.writes[0]!, /\d\d:\d\d:\d\d a closed\n$/);
    log.line("later");
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS + 20));
    assert.equal(out.writes.length, 2);
    assert.match(out.writes[1]!, /^\d\d:\d\d:\d\d later\n$/);
  });

  test("a turn that logs 64 KiB writes at once; flush() writes what is pending", () => {
    const out = sink();
    const log = new LogLines(out);
    const line = "x".repeat(1000);
    for (let i = 0; i < 70; i++) log.line(line);
    assert.equal(out.writes.length, 1, "written when the batch passed 64 KiB");
    assert.ok(out.writes[0]!.length >= 64 * 1024);
    log.line("last");
    log.flush();
    assert.equal(out.writes.length, 2);
    assert.match(out.writes[1]!, /last\n$/);
    log.flush();
    assert.equal(out.writes.length, 2, "nothing pending, nothing written");
  });
});
