// What the client derives from its options per attempt: one object per
// options object (and rounded open timeout), so that the connection layer's
// settings and the core's limits are derived once, not per connection.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ClientOptions,
  handshakeOptionsOf,
  optionsUntil,
} from "../../src/connection/client.js";
import { type ConnectionOptions, settingsFor } from "../../src/connection/settings.js";
import { Headers } from "../../src/core/headers.js";

describe("optionsUntil", () => {
  test("the time left, rounded down to a 64th of the open timeout, one object per value", () => {
    const options = { openTimeoutMs: 6400, closeTimeoutMs: 5 };
    const now = performance.now();
    const a = optionsUntil(options, now + 6350);
    const b = optionsUntil(options, now + 6390);
    // A 64th of 6,400 ms is 100 ms: 6,350 and 6,390 left both give 6,300.
    assert.equal(a.openTimeoutMs, 6300);
    assert.equal(b, a);
    assert.equal(a.closeTimeoutMs, 5);
    // Hence the connection layer's settings (and deadline queues) are shared.
    assert.equal(settingsFor(b), settingsFor(a));
    const c = optionsUntil(options, now + 6250);
    assert.equal(c.openTimeoutMs, 6200);
    assert.notEqual(c, a);
    // The options object itself is left as it was.
    assert.equal(options.openTimeoutMs, 6400);
  });

  test("never later than the deadline, at most a 64th earlier", () => {
    const options: ConnectionOptions = {};
    for (const leftMs of [0.4, 3, 155, 157, 4_999.9, 9_999]) {
      const derived = optionsUntil(options, performance.now() + leftMs);
      const timeoutMs = derived.openTimeoutMs as number;
      assert.ok(timeoutMs <= leftMs, `${timeoutMs} <= ${leftMs}`);
      // The default open timeout is 10 s: a 64th is 156.25 ms.
      assert.ok(timeoutMs > leftMs - 156.25 - 1, `${timeoutMs} near ${leftMs}`);
    }
    assert.equal(optionsUntil(options, performance.now() - 5).openTimeoutMs, 0);
  });

  test("no deadline: the options themselves", () => {
    const options = { openTimeoutMs: null };
    assert.equal(optionsUntil(options, Infinity), options);
  });
});

describe("handshakeOptionsOf", () => {
  test("one object per options object, unless the attempt has headers of its own", () => {
    const options: ClientOptions = {
      maxMessageBytes: 1000,
      subprotocols: ["chat"],
      userAgent: null,
    };
    const a = handshakeOptionsOf(options, undefined);
    assert.equal(handshakeOptionsOf(options, undefined), a);
    assert.deepEqual({ ...a }, { maxMessageBytes: 1000, subprotocols: ["chat"], userAgent: null });
    const headers = new Headers([["authorization", "Bearer x"]]);
    const b = handshakeOptionsOf(options, headers);
    assert.notEqual(b, a);
    assert.equal(b.headers, headers);
    assert.equal(a.headers, undefined);
  });
});
