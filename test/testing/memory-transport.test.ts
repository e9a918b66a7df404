import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TransportHandler } from "../../src/connection/transport.js";
import { createTransportPair, type MemoryTransport } from "../../src/testing/index.js";
import { sendContractSuite } from "../helpers/send-contract.js";
import { type TransportPair, transportSuite } from "../helpers/transport-suite.js";

const T = { timeout: 5000 };

function record(transport: MemoryTransport): { log: string[]; closed: Promise<void> } {
  const log: string[] = [];
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const handler: TransportHandler = {
    onData: (chunk) => void log.push(`data ${chunk.length}`),
    onEnd: () => void log.push("end"),
    onDrain: () => void log.push("drain"),
    onError: (error) => void log.push(`error ${error.message}`),
    onClose: () => {
      log.push("close");
      onClose();
    },
  };
  transport.start(handler);
  return { log, closed };
}

describe("MemoryTransport", () => {
  test("delivers one data event per write, in order, with a copy", T, async () => {
    const [a, b] = createTransportPair();
    const { log } = record(b);
    record(a);
    const chunk = new Uint8Array([1, 2, 3]);
    assert.equal(a.write([chunk, chunk]), true);
    a.write([chunk]);
    chunk[0] = 9;
    await Promise.resolve();
    assert.deepEqual(log, ["data 6", "data 3"]);
    assert.equal(a.writes, 2);
    assert.equal(a.bytesWritten, 9);
  });

  test("a paused reader backs up the writer until it resumes", T, async () => {
    const [a, b] = createTransportPair({ highWaterMark: 10 });
    const reader = record(b);
    const writer = record(a);
    b.pause();
    assert.equal(a.write([new Uint8Array(6)]), true);
    assert.equal(a.write([new Uint8Array(6)]), false);
    assert.equal(a.bufferedAmount, 12);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(reader.log, []);
    b.resume();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(reader.log, ["data 6", "data 6"]);
    assert.deepEqual(writer.log, ["drain"]);
    assert.equal(a.bufferedAmount, 0);
  });

  test("end half-closes after the data; both sides then close", T, async () => {
    const [a, b] = createTransportPair();
    const left = record(a);
    const right = record(b);
    a.write([new Uint8Array(1)]);
    a.end();
    await Promise.all([left.closed, right.closed]);
    assert.deepEqual(right.log, ["data 1", "end", "close"]);
    assert.deepEqual(left.log, ["end", "close"]);
  });

  test("destroy lets written data through; reset loses it and reports an error", T, async () => {
    const [a, b] = createTransportPair();
    const right = record(b);
    record(a);
    a.write([new Uint8Array(2)]);
    a.destroy();
    await right.closed;
    assert.deepEqual(right.log, ["data 2", "end", "close"]);
    const [c, d] = createTransportPair();
    const other = record(d);
    record(c);
    d.pause();
    c.write([new Uint8Array(2)]);
    c.reset();
    d.resume();
    await other.closed;
    assert.deepEqual(other.log, ["error Connection reset by peer", "close"]);
  });
});

async function memoryPair(): Promise<TransportPair> {
  const [a, b] = createTransportPair();
  return { a, b, cleanup: () => {} };
}

// The in-memory wire answers an end with its own, like a Node socket without allowHalfOpen.
transportSuite("in-memory pair", memoryPair, { halfOpen: false });
sendContractSuite("in-memory pair", memoryPair);
