import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type LogLevel, logs } from "../../src/connection/log.js";

// src/connection/log.ts: which records pass a logger's threshold.
describe("Log levels", () => {
  test("a record passes a threshold at or below its level, from debug to error", () => {
    const levels: LogLevel[] = ["debug", "info", "warn", "error"];
    for (const [i, threshold] of levels.entries()) {
      for (const [j, level] of levels.entries()) {
        assert.equal(logs(level, threshold), j >= i, `${level} at threshold ${threshold}`);
      }
    }
  });
});
