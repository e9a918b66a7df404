import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bytesView, sizeOf } from "../../src/connection/message.js";

// src/connection/message.ts: the message types' one conversion and measure.
describe("Messages", () => {
  test("bytesView views every kind of binary data without copying", () => {
    const buffer = new ArrayBuffer(8);
    const whole = bytesView(buffer);
    assert.equal(whole.buffer, buffer);
    assert.equal(whole.length, 8);
    const u8 = new Uint8Array(buffer, 2, 3);
    assert.equal(bytesView(u8), u8, "a Uint8Array is returned as it is");
    const view = bytesView(new DataView(buffer, 1, 4));
    assert.deepEqual([view.buffer === buffer, view.byteOffset, view.length], [true, 1, 4]);
    const u16 = bytesView(new Uint16Array(buffer, 2, 2));
    assert.deepEqual([u16.byteOffset, u16.length], [2, 4]);
    u16[0] = 9;
    assert.equal(new Uint8Array(buffer)[2], 9, "same memory");
  });

  test("bytesView rejects what is not binary data with TypeError", () => {
    assert.throws(() => bytesView({} as never), {
      name: "TypeError",
      message: "Invalid message data: [object Object]",
    });
  });

  test("sizeOf counts bytes, and a text's characters", () => {
    assert.equal(sizeOf(new Uint8Array(5)), 5);
    assert.equal(sizeOf("héllo"), 5);
  });
});
