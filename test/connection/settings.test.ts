// src/connection/settings.ts: options validated once, derived settings shared.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flushQueue } from "../../src/connection/schedule.js";
import * as settingsModule from "../../src/connection/settings.js";

const { FLUSH_THRESHOLD_BYTES, settingsFor, timeoutOption } = settingsModule;

describe("Connection settings", () => {
  test("defaults: 10 s deadlines, 20 s keepalive, 16 messages or 1 MiB queued, 64 KiB writes", () => {
    const settings = settingsFor({});
    assert.equal(settings.openTimeoutMs, 10_000);
    assert.equal(settings.closeTimeoutMs, 10_000);
    assert.equal(settings.pingIntervalMs, 20_000);
    assert.equal(settings.pingTimeoutMs, 20_000);
    assert.equal(settings.highQueue, 16);
    assert.equal(settings.lowQueue, 4);
    assert.equal(settings.highQueueBytes, 1024 * 1024);
    assert.equal(settings.lowQueueBytes, 256 * 1024);
    assert.equal(settings.writeHighWater, 64 * 1024);
    assert.equal(settings.flushThreshold, FLUSH_THRESHOLD_BYTES);
    assert.equal(settings.logger, undefined);
    assert.equal(settings.logInfo, false);
    assert.equal(settings.logDebug, false);
  });

  test("one settings object per options object, shared by its connections", () => {
    const options = { maxQueuedMessages: 4 };
    assert.equal(settingsFor(options), settingsFor(options));
    assert.notEqual(settingsFor(options), settingsFor({ maxQueuedMessages: 4 }));
  });

  test("the early flush never exceeds the write mark", () => {
    assert.equal(settingsFor({ writeHighWaterBytes: 1000 }).flushThreshold, 1000);
    assert.equal(settingsFor({ writeHighWaterBytes: 1 << 20 }).flushThreshold, 64 * 1024);
  });

  test("log levels: info by default, debug adds per-message records", () => {
    const logger = (): void => {};
    const levels = (options: Parameters<typeof settingsFor>[0]) => {
      const settings = settingsFor(options);
      return [settings.logDebug, settings.logInfo, settings.logWarn];
    };
    assert.deepEqual(levels({ logger }), [false, true, true]);
    assert.deepEqual(levels({ logger, logLevel: "debug" }), [true, true, true]);
    assert.deepEqual(levels({ logger, logLevel: "warn" }), [false, false, true]);
    assert.deepEqual(levels({ logger, logLevel: "error" }), [false, false, false]);
    assert.deepEqual(levels({ logLevel: "debug" }), [false, false, false]);
  });

  test("the flush queue is the one of the options' defer function", () => {
    const defer = (callback: () => void): void => void setTimeout(callback, 0);
    assert.equal(settingsFor({ defer }).flushQueue, flushQueue(defer));
  });

  test("timeouts: null or infinity disable, bad values throw RangeError", () => {
    assert.equal(timeoutOption(undefined, 5), 5);
    assert.equal(timeoutOption(null, 5), null);
    assert.equal(timeoutOption(Number.POSITIVE_INFINITY, 5), null);
    assert.equal(timeoutOption(0, 5), 0);
    assert.throws(() => timeoutOption(-1, 5), {
      name: "RangeError",
      message: "Invalid timeout: -1",
    });
    assert.throws(() => timeoutOption(Number.NaN, 5), RangeError);
    assert.throws(() => settingsFor({ openTimeoutMs: -5 }), RangeError);
    assert.throws(() => settingsFor({ maxQueuedMessages: 0 }), /Invalid maxQueuedMessages: 0/);
    assert.throws(() => settingsFor({ maxQueuedBytes: -1 }), /Invalid maxQueuedBytes: -1/);
    assert.throws(() => settingsFor({ writeHighWaterBytes: -1 }), /Invalid writeHighWaterBytes/);
  });
});
