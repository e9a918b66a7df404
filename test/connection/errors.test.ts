import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ConnectionClosed,
  ConnectionClosedError,
  ConnectionClosedOK,
  isNormalClosure,
  TransportError,
  withoutStack,
} from "../../src/connection/errors.js";
import { WebSocketError } from "../../src/core/errors.js";

describe("connection errors", () => {
  test("a close is normal for 1000 and 1001 when clean, and its error says which", () => {
    const ok = { code: 1000, reason: "", wasClean: true };
    const away = { code: 1001, reason: "bye", wasClean: true };
    const abnormal = { code: 1006, reason: "", wasClean: false };
    assert.equal(isNormalClosure(ok), true);
    assert.equal(isNormalClosure(away), true);
    assert.equal(isNormalClosure(abnormal), false);
    assert.ok(ConnectionClosed.from("Cannot send", ok) instanceof ConnectionClosedOK);
    const error = ConnectionClosed.from("Cannot send", abnormal);
    assert.ok(error instanceof ConnectionClosedError);
    assert.ok(error instanceof WebSocketError);
    assert.match(error.message, /^Cannot send/);
  });

  test("withoutStack makes the error with no frames, keeps its cause, and restores the limit", () => {
    const limit = Error.stackTraceLimit;
    const cause = new Error("ECONNRESET");
    const error = withoutStack(() => new TransportError("Cannot use transport: reset", { cause }));
    assert.ok(error instanceof TransportError);
    assert.equal(error.cause, cause);
    assert.doesNotMatch(error.stack ?? "", /\n\s+at /, "no stack frames captured");
    assert.match(new Error("later").stack ?? "", /\n\s+at /, "later errors have their frames");
    assert.equal(Error.stackTraceLimit, limit);
    assert.throws(
      () =>
        withoutStack(() => {
          throw new RangeError("boom");
        }),
      RangeError,
    );
    assert.equal(Error.stackTraceLimit, limit, "restored after a throw too");
  });
});
