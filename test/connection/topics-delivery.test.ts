// The end-of-turn delivery of held publishes (publish-batch.ts): the run of
// frames written as it is to subscribers with nothing else to send, queued
// after what others have waiting, and the subscribers that cannot take it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { broadcast } from "../../src/connection/broadcast.js";
import type { ServerConnection } from "../../src/connection/server.js";
import { serveInMemory } from "../../src/testing/index.js";
import type { MemoryTransport } from "../../src/testing/memory-transport.js";

const T = { timeout: 5000 };
const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// The end of the turn as the server's flush sees it (see topics.test.ts).
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A server whose connections subscribe to "t"; the transports of both sides, by connection. */
async function topicServer(count: number, options: Parameters<typeof serveInMemory>[1] = {}) {
  const connections: ServerConnection[] = [];
  const memory = serveInMemory(async (connection) => {
    connections.push(connection);
    connection.subscribe("t");
    await connection.closed;
  }, options);
  const clients = [];
  const wires: (readonly [MemoryTransport, MemoryTransport])[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(await memory.connect());
    wires.push(memory.wire!);
  }
  while (connections.length < count) await tick();
  return { memory, connections, clients, wires };
}

/** Records the chunks each server-side transport is asked to write. */
function recordWrites(wires: readonly (readonly [MemoryTransport, MemoryTransport])[]) {
  const writes: Uint8Array[][][] = wires.map(() => []);
  wires.forEach(([, serverSide], i) => {
    const write = serverSide.write.bind(serverSide);
    serverSide.write = (chunks) => {
      writes[i]!.push([...chunks]);
      return write(chunks);
    };
  });
  return writes;
}

describe("topics: the end-of-turn delivery", () => {
  test("idle subscribers get one write of the same run of frames, in order", T, async () => {
    const { memory, clients, wires } = await topicServer(3);
    const writes = recordWrites(wires);
    for (let i = 0; i < 5; i++) memory.server.publish("t", `m${i}`);
    assert.equal(writes.flat().length, 0, "held until the end of the turn");
    await nextTurn();
    // One write each, of one chunk, and the same bytes object for all:
    // framed once for every subscriber, not copied per subscriber.
    assert.deepEqual(
      writes.map((w) => w.map((chunks) => chunks.length)),
      [[1], [1], [1]],
    );
    const run = writes[0]![0]![0]!;
    assert.ok(writes.every((w) => w[0]![0] === run));
    for (const client of clients) {
      for (let i = 0; i < 5; i++) assert.equal(await client.recv(), `m${i}`);
    }
    // The next turn's publishes come after, in order.
    memory.server.publish("t", "m5");
    memory.server.publish("t", "m6");
    for (const client of clients) {
      assert.equal(await client.recv(), "m5");
      assert.equal(await client.recv(), "m6");
    }
    await memory.server.close();
  });

  test("a subscriber with output waiting gets the run after it, in the same write", T, async () => {
    const { memory, connections, clients, wires } = await topicServer(2);
    const writes = recordWrites(wires);
    memory.server.publish("t", "a");
    memory.server.publish("t", "b");
    // A ping is a control frame: it does not wait for the held publishes,
    // and is on connection 0's output when the turn ends.
    connections[0]!.sendPing("p");
    for (const client of clients) {
      assert.equal(await client.recv(), "a");
      assert.equal(await client.recv(), "b");
    }
    assert.equal(writes[0]!.length, 1);
    assert.equal(writes[1]!.length, 1);
    const run = writes[1]![0]!;
    assert.equal(run.length, 1);
    const bytes = (chunks: Uint8Array[]) => chunks.reduce((n, chunk) => n + chunk.length, 0);
    // In connection 0's one write: the ping's frame (2 + 1 bytes), then the run.
    assert.equal(bytes(writes[0]![0]!), 3 + run[0]!.length);
    await memory.server.close();
  });

  test("a slow subscriber is skipped, the others get every message", T, async () => {
    const { memory, clients, wires } = await topicServer(2, {
      transport: { highWaterMark: 1024 },
      topics: { maxBufferedBytes: 4096 },
    });
    wires[0]![0].pause();
    const payload = "z".repeat(1000);
    const got: unknown[] = [];
    const reading = (async () => {
      for await (const message of clients[1]!) got.push(message);
    })();
    for (let i = 0; i < 20; i++) {
      memory.server.publish("t", `${i}${payload}`);
      await tick();
    }
    while (got.length < 20) await tick();
    wires[0]![0].resume();
    // The slow one got what was under its limit, then nothing: skipped, not closed.
    let slow = 0;
    while ((await Promise.race([clients[0]!.recv(), tick(50).then(() => undefined)])) !== undefined)
      slow++;
    assert.ok(slow > 0 && slow < 20, `the slow subscriber got ${slow} of 20`);
    assert.equal(memory.server.subscriberCount("t"), 2);
    assert.deepEqual(
      got.map((message) => Number.parseInt(message as string, 10)),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await memory.server.close();
    await reading;
  });

  test("a subscriber closing in the turn of a publish does not stop the others'", T, async () => {
    const { memory, connections, clients, wires } = await topicServer(3);
    memory.server.publish("t", "before");
    // The middle subscriber's connection is reset in the same turn, before
    // the delivery: it gets nothing, the others get the message.
    wires[1]![1].destroy();
    memory.server.publish("t", "after");
    assert.equal(await clients[0]!.recv(), "before");
    assert.equal(await clients[0]!.recv(), "after");
    assert.equal(await clients[2]!.recv(), "before");
    assert.equal(await clients[2]!.recv(), "after");
    await connections[1]!.closed.catch(() => {});
    assert.equal(memory.server.subscriberCount("t"), 2);
    await memory.server.close();
  });

  test("a subscriber in the middle of a fragmented message gets nothing that turn", T, async () => {
    const { memory, connections, clients } = await topicServer(2);
    await connections[0]!.sendFrame("frag", "text", false);
    memory.server.publish("t", "published");
    await nextTurn();
    // The other subscriber is not held up by it.
    assert.equal(await clients[1]!.recv(), "published");
    await connections[0]!.sendFrame("ment", "continuation", true);
    assert.equal(await clients[0]!.recv(), "fragment");
    memory.server.publish("t", "next");
    assert.equal(await clients[0]!.recv(), "next");
    await memory.server.close();
  });

  test("broadcast() skips a connection in the middle of a fragmented message", T, async () => {
    const { memory, connections, clients } = await topicServer(2);
    await connections[1]!.sendFrame("frag", "text", false);
    assert.equal(broadcast(connections, "all"), 1);
    assert.equal(await clients[0]!.recv(), "all");
    await connections[1]!.sendFrame("ment", "continuation", true);
    assert.equal(await clients[1]!.recv(), "fragment");
    await memory.server.close();
  });
});
