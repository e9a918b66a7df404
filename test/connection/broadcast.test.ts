import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { broadcast } from "../../src/connection/broadcast.js";
import type { ServerConnection } from "../../src/connection/server.js";
import { serveInMemory } from "../../src/testing/index.js";

const T = { timeout: 5000 };

describe("broadcast", () => {
  test("sends one message to every open connection", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed));
    const clients = await Promise.all(Array.from({ length: 5 }, () => memory.connect()));
    assert.equal(broadcast(memory.server.connections, "news"), 5);
    assert.equal(broadcast(memory.server.connections, new Uint16Array([0x0201])), 5);
    for (const client of clients) {
      assert.equal(await client.recv(), "news");
      assert.deepEqual(await client.recv(), new Uint8Array([1, 2]));
    }
    await clients[0]!.close();
    assert.equal(broadcast(memory.server.connections, "fewer"), 4);
    await memory.server.close();
  });

  test("skips, or closes, a connection that cannot keep up", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      transport: { highWaterMark: 1024 },
    });
    const fast = await memory.connect();
    const slow = await memory.connect();
    const slowWire = memory.wire!;
    slowWire[0].pause();
    const [, slowServer] = [...memory.server.connections] as [ServerConnection, ServerConnection];
    const payload = "y".repeat(1000);
    const fastReceived: unknown[] = [];
    const reading = (async () => {
      for await (const message of fast) fastReceived.push(message);
    })();
    let sentToAll = 0;
    for (let i = 0; i < 50; i++) {
      if (broadcast(memory.server.connections, payload, { maxBufferedBytes: 4096 }) === 2) {
        sentToAll++;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // The slow connection stopped getting messages once 4 KiB were pending.
    assert.ok(sentToAll < 10, `${sentToAll} broadcasts reached both`);
    assert.ok(slowServer.bufferedAmount <= 4096 + 1100, String(slowServer.bufferedAmount));
    // The fast connection, which reads, got every message.
    while (fastReceived.length < 50) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.ok(fastReceived.every((message) => message === payload));
    broadcast(memory.server.connections, payload, { maxBufferedBytes: 4096, slowPolicy: "close" });
    slowWire[0].resume();
    const info = await slow.closed;
    assert.equal(info.code, 1008);
    await memory.server.close();
    await reading;
  });
});
