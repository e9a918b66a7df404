import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataSender } from "../../../src/core/http2/data-sender.js";
import { FrameOutput } from "../../../src/core/http2/frame-writer.js";
import { Head, Http2Stream } from "../../../src/core/http2/stream.js";
import { concat, F, parseFrames } from "./wire.js";

function setup(connectionWindow: number) {
  const out = new FrameOutput();
  const drained: number[] = [];
  const ended: number[] = [];
  const sender = new DataSender(
    out,
    (s) => drained.push(s.id),
    (s) => ended.push(s.id),
  );
  sender.connectionWindow = connectionWindow;
  const frames = () =>
    parseFrames(concat(...out.take())).map((f) => [f.streamId, f.flags, [...f.payload]]);
  return { out, sender, drained, ended, frames };
}

describe("DataSender (RFC 9113 6.1, 6.9)", () => {
  it("cuts frames across the caller's chunks at the window, in order", () => {
    const { sender, frames, drained, ended } = setup(1000);
    const s = new Http2Stream(1, Head.RECEIVED, 3, 65535);
    sender.send(s, [Uint8Array.of(1, 2), Uint8Array.of(3, 4, 5)], true);
    assert.deepEqual(frames(), [[1, 0, [1, 2, 3]]]);
    assert.equal(s.queuedBytes, 2);
    s.sendWindow += 1;
    sender.flush(s);
    assert.deepEqual(frames(), [[1, 0, [4]]]);
    s.sendWindow += 10;
    sender.flush(s);
    assert.deepEqual(frames(), [[1, F.END_STREAM, [5]]]);
    assert.deepEqual(drained, [1]);
    assert.deepEqual(ended, [1]);
  });

  it("queues no empty chunk (a zero-length view never becomes a frame)", () => {
    const { sender, frames } = setup(1000);
    const s = new Http2Stream(1, Head.RECEIVED, 0, 65535);
    sender.send(s, [new Uint8Array(0), Uint8Array.of(7, 8), new Uint8Array(0)], false);
    assert.equal(s.queuedBytes, 2);
    assert.equal(s.queue?.length, 1);
    s.sendWindow = 100;
    sender.flush(s);
    assert.deepEqual(frames(), [[1, 0, [7, 8]]]);
  });

  it("passes over a blocked stream whose own window is shut when the connection window reopens", () => {
    const { sender, frames } = setup(0);
    // Both held by the connection window; stream 1's own window is shut too.
    const s1 = new Http2Stream(1, Head.RECEIVED, 0, 65535);
    const s3 = new Http2Stream(3, Head.RECEIVED, 100, 65535);
    sender.send(s1, [Uint8Array.of(1)], false);
    sender.send(s3, [Uint8Array.of(3)], false);
    assert.deepEqual(frames(), []);
    sender.connectionWindow = 100;
    sender.flushBlocked();
    assert.deepEqual(frames(), [[3, 0, [3]]]);
    assert.equal(s1.queuedBytes, 1);
    s1.sendWindow = 10;
    sender.flushBlocked();
    assert.deepEqual(frames(), [[1, 0, [1]]]);
  });

  it("stops at the first stream that finds the reopened connection window spent", () => {
    const { sender, frames } = setup(0);
    const s1 = new Http2Stream(1, Head.RECEIVED, 100, 65535);
    const s3 = new Http2Stream(3, Head.RECEIVED, 100, 65535);
    sender.send(s1, [Uint8Array.of(1)], false);
    sender.send(s3, [Uint8Array.of(3)], false);
    sender.connectionWindow = 1;
    sender.flushBlocked();
    // Stream 1 took the one byte; stream 3 waits for the next WINDOW_UPDATE.
    assert.deepEqual(frames(), [[1, 0, [1]]]);
    assert.equal(s3.queuedBytes, 1);
    sender.connectionWindow = 1;
    sender.flushBlocked();
    assert.deepEqual(frames(), [[3, 0, [3]]]);
  });

  it("drains a queue of 10,000 small chunks in order (no quadratic shift)", () => {
    const { sender, out } = setup(2 ** 31 - 1);
    const s = new Http2Stream(1, Head.RECEIVED, 0, 65535);
    const chunks = Array.from({ length: 10_000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    for (const c of chunks) sender.send(s, [c], false);
    assert.equal(s.queuedBytes, 20_000);
    s.sendWindow = 2 ** 31 - 1;
    sender.maxFrameSize = 16384;
    sender.flush(s);
    const data = parseFrames(concat(...out.take()));
    assert.deepEqual(
      data.map((f) => f.payload.length),
      [16384, 20_000 - 16384],
    );
    assert.deepEqual(concat(...data.map((f) => f.payload)), concat(...chunks));
    assert.equal(s.queue, null);
  });

  it("an empty END_STREAM needs no window", () => {
    const { sender, frames, ended } = setup(0);
    const s = new Http2Stream(3, Head.RECEIVED, 0, 65535);
    sender.send(s, [], true);
    assert.deepEqual(frames(), [[3, F.END_STREAM, []]]);
    assert.deepEqual(ended, [3]);
  });

  it("streams held by the connection window take turns when it reopens", () => {
    const { sender, frames, drained } = setup(0);
    const a = new Http2Stream(1, Head.RECEIVED, 65535, 65535);
    const b = new Http2Stream(3, Head.RECEIVED, 65535, 65535);
    sender.send(a, [new Uint8Array(10).fill(1)], false);
    sender.send(b, [new Uint8Array(10).fill(2)], false);
    sender.connectionWindow = 6;
    sender.flushBlocked();
    assert.deepEqual(frames(), [[1, 0, [1, 1, 1, 1, 1, 1]]]);
    // a ran the window dry: b goes first next time.
    sender.connectionWindow = 12;
    sender.flushBlocked();
    assert.deepEqual(frames(), [
      [3, 0, new Array(10).fill(2)],
      [1, 0, [1, 1]],
    ]);
    assert.deepEqual(drained, [3]);
    sender.connectionWindow = 100;
    sender.flushBlocked();
    assert.deepEqual(frames(), [[1, 0, [1, 1]]]);
    assert.deepEqual(drained, [3, 1]);
  });

  it("forget() drops a stream's queue", () => {
    const { sender, frames } = setup(0);
    const a = new Http2Stream(1, Head.RECEIVED, 65535, 65535);
    sender.send(a, [new Uint8Array(10)], true);
    sender.forget(a);
    assert.equal(a.queuedBytes, 0);
    sender.connectionWindow = 100;
    sender.flushBlocked();
    assert.deepEqual(frames(), []);
  });
});
