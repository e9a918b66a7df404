import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  protocolOptions,
  protocolSettings,
} from "../../src/core/settings.js";

describe("protocolOptions", () => {
  it("picks the protocol's options out of a subclass's, the same object for the same options", () => {
    const options = { maxMessageBytes: 8, maxFrameBytes: 4, random: () => {}, subprotocols: ["x"] };
    const picked = protocolOptions(options);
    assert.deepEqual(Object.keys(picked).sort(), ["maxFrameBytes", "maxMessageBytes", "random"]);
    assert.equal(picked.random, options.random);
    assert.equal(protocolOptions(options), picked, "memoised per options object");
    assert.notEqual(protocolOptions({ ...options }), picked, "another object, another result");
    assert.deepEqual(protocolOptions({}), {});
  });
});

describe("protocolSettings", () => {
  it("defaults: 1 MiB messages, frames as large as messages, the shared mask pool", () => {
    const a = protocolSettings({});
    const b = protocolSettings({});
    assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024);
    assert.equal(a.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
    assert.equal(a.maxFrameBytes, DEFAULT_MAX_MESSAGE_BYTES);
    assert.equal(a.masks, b.masks, "protocols with the default random source share one pool");
  });

  it("derives once per options object; a random source of its own gets a pool of its own", () => {
    let calls = 0;
    const random = (bytes: Uint8Array) => {
      calls++;
      bytes.fill(9);
    };
    const options = { maxMessageBytes: 100, random };
    const settings = protocolSettings(options);
    assert.equal(protocolSettings(options), settings);
    assert.equal(settings.maxFrameBytes, 100, "frames default to the message limit");
    assert.equal(settings.random, random);
    assert.notEqual(settings.masks, protocolSettings({}).masks);
    assert.equal(settings.masks.next(), 0x09090909);
    assert.equal(calls, 1, "the pool draws many keys per call");
    assert.equal(protocolSettings({ maxMessageBytes: Infinity }).maxFrameBytes, Infinity);
  });

  it("refuses limits that are not positive numbers, every time (nothing cached)", () => {
    for (const options of [
      { maxMessageBytes: 0 },
      { maxMessageBytes: -1 },
      { maxFrameBytes: Number.NaN },
    ]) {
      assert.throws(() => protocolSettings(options), RangeError);
      assert.throws(() => protocolSettings(options), /Invalid max(Message|Frame)Bytes/);
    }
  });
});
