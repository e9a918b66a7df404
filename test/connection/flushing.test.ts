import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import type { TransportHandler } from "../../src/connection/transport.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// src/connection/flushing.ts: write coalescing, the early flush, held-back input.
describe("Flushing", () => {
  test("coalesces every send of one turn into one transport write", T, async () => {
    const { client, server, wire } = await connectPair();
    const before = wire[1].writes;
    for (let i = 0; i < 100; i++) void server.send(`message ${i}`);
    assert.equal(wire[1].writes - before, 0, "nothing is written during the turn");
    for (let i = 0; i < 100; i++) assert.equal(await client.recv(), `message ${i}`);
    assert.equal(wire[1].writes - before, 1, "all 100 left in one write");
    await client.close();
  });

  test("an echo loop awaiting each send still writes once per turn", T, async () => {
    const { client, server, wire } = await connectPair();
    const echo = (async () => {
      for await (const message of server) await server.send(message);
    })();
    for (let i = 0; i < 50; i++) void client.send(`m${i}`);
    for (let i = 0; i < 50; i++) assert.equal(await client.recv(), `m${i}`);
    // The 50 messages arrive in one read; the 50 echoes leave in one write.
    assert.ok(wire[1].writes <= 3, `server wrote ${wire[1].writes} times`);
    await client.close();
    await echo;
  });

  test("64 KiB pending in the protocol leave at once, not at the end of the turn", T, async () => {
    const { client, server, wire } = await connectPair();
    const before = wire[1].writes;
    const payload = new Uint8Array(16 * 1024);
    void server.send(payload);
    void server.send(payload);
    void server.send(payload);
    assert.equal(wire[1].writes, before, "48 KiB wait for the end of the turn");
    void server.send(payload);
    assert.equal(wire[1].writes, before + 1, "64 KiB and their headers are written at once");
    for (let i = 0; i < 4; i++) assert.equal((await client.recv()).length, 16 * 1024);
    await client.close();
  });

  test("a lower writeHighWaterBytes lowers the early flush with it", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { writeHighWaterBytes: 1000 },
    });
    const before = wire[1].writes;
    void server.send(new Uint8Array(1000));
    assert.equal(wire[1].writes, before + 1);
    assert.equal((await client.recv()).length, 1000);
    await client.close();
  });

  test("answers to messages before a faulty frame leave before the failure", T, async () => {
    const [raw, b] = createTransportPair();
    const received: number[] = [];
    const handler: TransportHandler = {
      onData: (chunk) => void received.push(...chunk),
      onEnd: () => {},
      onDrain: () => {},
      onError: () => {},
      onClose: () => {},
    };
    raw.start(handler);
    const server = new Connection(new Protocol("server"), b);
    const echo = (async () => {
      for await (const message of server) await server.send(message);
    })().catch(() => {});
    // A masked text frame "a" (zero mask), then a frame with reserved opcode 0x3, in one read.
    raw.write([new Uint8Array([0x81, 0x81, 0, 0, 0, 0, 0x61, 0x83, 0x80, 0, 0, 0, 0])]);
    const info = await server.closed;
    assert.match(String(info.error), /opcode 0x3/);
    await echo;
    await tick(5);
    // The echo of "a", then the close frame with 1002.
    assert.deepEqual(received.slice(0, 3), [0x81, 0x01, 0x61]);
    assert.deepEqual(received.slice(3, 4), [0x88]);
    assert.deepEqual(received.slice(5, 7), [0x03, 0xea]);
  });
});
