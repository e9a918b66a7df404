import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import {
  type CloseInfo,
  ConnectionClosedError,
  ConnectionClosedOK,
  TimeoutError,
} from "../../src/connection/errors.js";
import type { LogRecord } from "../../src/connection/log.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("Connection", () => {
  test("close(null) sends a close frame without a code: the peer sees 1005", T, async () => {
    const { client, server } = await connectPair();
    const info = await client.close(null);
    assert.deepEqual(info, { code: 1005, reason: "", wasClean: true });
    assert.deepEqual(await server.closed, { code: 1005, reason: "", wasClean: true });
  });

  test("echoes text and every kind of binary view", T, async () => {
    const { client, server } = await connectPair();
    const echo = (async () => {
      for await (const message of server) await server.send(message);
    })();
    await client.send("héllo");
    assert.equal(await client.recv(), "héllo");
    await client.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await client.recv(), new Uint8Array([1, 2, 3]));
    await client.send(new Uint16Array([0x0102, 0x0304]));
    assert.equal((await client.recv()).length, 4);
    const buffer = new ArrayBuffer(6);
    new Uint8Array(buffer).set([9, 8, 7, 6, 5, 4]);
    await client.send(new DataView(buffer, 2, 3));
    assert.deepEqual(await client.recv(), new Uint8Array([7, 6, 5]));
    await client.send(buffer);
    assert.deepEqual(await client.recv(), new Uint8Array([9, 8, 7, 6, 5, 4]));
    const info = await client.close();
    assert.deepEqual(info, { code: 1000, reason: "", wasClean: true });
    await echo;
    assert.deepEqual(await server.closed, { code: 1000, reason: "", wasClean: true });
  });

  test("runs over a protocol whose handshake happened elsewhere", T, async () => {
    const [a, b] = createTransportPair();
    const client = new Connection(new Protocol("client", { subprotocol: "x" }), a);
    const server = new Connection(new Protocol("server"), b);
    assert.equal(client.state, "open");
    assert.equal(client.subprotocol, "x");
    assert.equal(client.request, undefined);
    await client.send("no handshake");
    assert.equal(await server.recv(), "no handshake");
    await server.send(new Uint8Array([5]));
    assert.deepEqual(await client.recv(), new Uint8Array([5]));
    assert.equal((await server.close()).wasClean, true);
    assert.equal((await client.closed).code, 1000);
  });

  test("exposes the handshake, subprotocol and address", T, async () => {
    const { client, server } = await connectPair({
      client: { subprotocols: ["chat", "superchat"] },
      server: { subprotocols: ["superchat"] },
    });
    assert.equal(client.subprotocol, "superchat");
    assert.equal(server.subprotocol, "superchat");
    assert.equal(client.state, "open");
    assert.equal(client.request?.method, "GET");
    assert.equal(server.request?.headers.get("sec-websocket-protocol"), "chat, superchat");
    assert.equal(client.response?.status, 101);
    assert.equal(server.response?.status, 101);
    assert.equal(server.remoteAddress, "memory");
    assert.deepEqual(client.extensions, []);
    await client.close();
  });

  test(
    "iteration ends after a normal close; recv then rejects with ConnectionClosedOK",
    T,
    async () => {
      const { client, server } = await connectPair();
      await client.send("a");
      await client.send("b");
      await client.close(1001, "bye");
      const received: unknown[] = [];
      for await (const message of server) received.push(message);
      assert.deepEqual(received, ["a", "b"]);
      const error = await server.recv().then(
        () => assert.fail("recv resolved"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ConnectionClosedOK);
      assert.equal(error.code, 1001);
      assert.equal(error.reason, "bye");
      await assert.rejects(server.send("late"), ConnectionClosedOK);
    },
  );

  test("an abnormal close makes iteration throw ConnectionClosedError", T, async () => {
    const { client, server, wire } = await connectPair();
    const iterating = (async () => {
      for await (const _ of server) {
        // nothing arrives
      }
    })();
    await tick();
    wire[0].reset();
    await assert.rejects(iterating, (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.equal(error.code, 1006);
      assert.equal(error.wasClean, false);
      return true;
    });
    const info = await server.closed;
    assert.equal(info.code, 1006);
    assert.match(String(info.error), /reset/);
    assert.equal((await client.closed).wasClean, false);
  });

  test("a close code of the peer's choosing is not a normal closure", T, async () => {
    const { client, server } = await connectPair();
    await server.close(4000, "custom");
    await assert.rejects(client.recv(), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.equal(error.code, 4000);
      return true;
    });
  });

  test("coalesces every send of one turn into one transport write", T, async () => {
    const { client, server, wire } = await connectPair();
    const before = wire[1].writes;
    for (let i = 0; i < 100; i++) void server.send(`message ${i}`);
    await tick(5);
    assert.equal(wire[1].writes - before, 1);
    for (let i = 0; i < 100; i++) assert.equal(await client.recv(), `message ${i}`);
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

  test("sends an (async) iterable as one fragmented message, never interleaved", T, async () => {
    const { client, server } = await connectPair();
    async function* parts(): AsyncGenerator<string> {
      yield "frag";
      await tick(5);
      yield "ment";
      await tick(5);
      yield "ed";
    }
    const fragmented = client.send(parts());
    const after = client.send("after");
    await Promise.all([fragmented, after]);
    assert.equal(await server.recv(), "fragmented");
    assert.equal(await server.recv(), "after");
    await client.send([new Uint8Array([1]), new Uint16Array([0x0302])]);
    assert.deepEqual(await server.recv(), new Uint8Array([1, 2, 3]));
    await client.send([]);
    await client.send("end");
    assert.equal(await server.recv(), "end");
    await client.close();
  });

  test("mixing strings and bytes in fragments fails the connection with 1011", T, async () => {
    const { client, server } = await connectPair();
    await assert.rejects(client.send(["text", new Uint8Array([1])]), TypeError);
    const info = await server.closed;
    assert.equal(info.code, 1011);
  });

  test("rejects what it cannot send", T, async () => {
    const { client } = await connectPair();
    await assert.rejects(client.send(42 as never), TypeError);
    await assert.rejects(client.close(999), RangeError);
    await client.close();
  });

  test("ping resolves with the round-trip time; a pong answers earlier pings", T, async () => {
    const { client, server } = await connectPair();
    const latency = await client.ping();
    assert.ok(latency >= 0 && latency < 1000);
    assert.equal(client.latency, latency);
    const first = client.ping("one");
    const second = client.ping("two");
    await assert.rejects(client.ping("two"), /same data/);
    assert.ok((await first) >= 0);
    assert.ok((await second) >= 0);
    const pending = server.ping("never answered");
    await client.close();
    await assert.rejects(pending, (error: unknown) => error instanceof ConnectionClosedOK);
  });

  test("a full incoming queue pauses reads; the sender then sees backpressure", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { maxQueuedMessages: 4 },
      client: { writeHighWaterBytes: 4096 },
      transport: { highWaterMark: 1024 },
    });
    const message = "x".repeat(1000);
    let sent = 0;
    const sending = (async () => {
      for (; sent < 200; sent++) await client.send(message);
    })();
    await tick(50);
    // The server does not read: the sender is held back after a few messages
    // (queue bound plus high-water mark), instead of buffering 200.
    assert.ok(sent > 0 && sent < 40, `${sent} sends went through`);
    assert.ok(client.bufferedAmount <= 20_000, `${client.bufferedAmount} bytes buffered`);
    for (let i = 0; i < 200; i++) assert.equal(await server.recv(), message);
    await sending;
    assert.ok(wire[0].bytesWritten > 200 * 1000);
    await client.close();
  });

  test("queued bytes pause reads too, before the message count does", T, async () => {
    const { client, server } = await connectPair({
      // 100 messages may wait, but only 64 KiB of them.
      server: { maxQueuedMessages: 100, maxQueuedBytes: 64 * 1024 },
      client: { writeHighWaterBytes: 4096 },
      transport: { highWaterMark: 1024 },
    });
    const message = new Uint8Array(16 * 1024).fill(7);
    let sent = 0;
    const sending = (async () => {
      for (; sent < 100; sent++) await client.send(message);
    })();
    await tick(50);
    // The server does not read: its queue stops at about 64 KiB (5 messages of
    // 16 KiB), and the sender is held back soon after, far short of 100.
    assert.ok(sent > 0 && sent < 20, `${sent} sends went through`);
    for (let i = 0; i < 100; i++) assert.equal((await server.recv()).length, 16 * 1024);
    await sending;
    assert.throws(
      () =>
        new Connection(new Protocol("server"), createTransportPair()[0], { maxQueuedBytes: -1 }),
      RangeError,
    );
    await client.close();
  });

  test("keepalive finds a silent peer and fails with 1011", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { pingIntervalMs: 20, pingTimeoutMs: 30, closeTimeoutMs: 30 },
      client: { pingIntervalMs: null },
    });
    // The client stops reading: pings go unanswered, as with a dead peer.
    wire[0].pause();
    const info = await server.closed;
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof TimeoutError, String(info.error));
    assert.match(info.error.message, /pong/);
    wire[0].resume();
    const clientInfo = await client.closed;
    assert.equal(clientInfo.code, 1011);
    assert.equal(clientInfo.reason, "keepalive ping timeout");
  });

  test("keepalive keeps a live connection open and measures latency", T, async () => {
    const { client, server } = await connectPair({
      server: { pingIntervalMs: 10, pingTimeoutMs: 100 },
    });
    await tick(60);
    assert.equal(server.state, "open");
    assert.ok(server.latency > 0);
    await client.close();
  });

  test("the close timeout destroys a peer that never answers the close", T, async () => {
    const { client, server, wire } = await connectPair({ client: { closeTimeoutMs: 30 } });
    wire[1].pause();
    const started = performance.now();
    const info: CloseInfo = await client.close();
    assert.ok(performance.now() - started >= 25);
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof TimeoutError);
    wire[1].resume();
    assert.equal((await server.closed).code, 1000);
  });

  test("logs open and close, and debug records only at debug level", T, async () => {
    const records: LogRecord[] = [];
    const logger = (record: LogRecord): void => void records.push(record);
    const { client, server } = await connectPair({ server: { logger } });
    await client.send("x");
    await server.recv();
    await client.close();
    await server.closed;
    assert.equal(records[0]?.message, "GET / 101");
    assert.deepEqual(
      records.map((r) => r.event),
      ["handshake", "open", "close", "closed"],
    );
    const debug: LogRecord[] = [];
    const pair = await connectPair({
      server: { logger: (r) => void debug.push(r), logLevel: "debug" },
    });
    await pair.client.send("x");
    await pair.server.recv();
    const lengths = debug.filter((r) => r.event === "recv").map((r) => r.details);
    assert.deepEqual(lengths, [{ length: 1 }]);
    await pair.client.close();
  });
});
