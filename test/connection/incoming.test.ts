import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import { ConnectionClosedError, ConnectionClosedOK } from "../../src/connection/errors.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";
import { countPauses } from "../helpers/count-pauses.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// src/connection/incoming.ts: the bounded incoming queue and the waiting readers.
describe("Incoming messages", () => {
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

  test("concurrent readers get the messages in the order they asked", T, async () => {
    const { client, server } = await connectPair();
    const iterator = server[Symbol.asyncIterator]();
    const readers = [server.recv(), iterator.next(), server.recv()];
    await client.send("one");
    await client.send("two");
    await client.send("three");
    assert.equal(await readers[0], "one");
    assert.deepEqual(await readers[1], { value: "two", done: false });
    assert.equal(await readers[2], "three");
    await client.close();
  });

  test("readers waiting at a normal close: iterators end, recv() rejects", T, async () => {
    const { client, server } = await connectPair();
    const iterator = server[Symbol.asyncIterator]();
    const next = iterator.next();
    const recv = server.recv();
    await client.close();
    assert.deepEqual(await next, { value: undefined, done: true });
    await assert.rejects(recv, ConnectionClosedOK);
  });

  test("reads resume when the queue is down to a quarter of its mark", T, async () => {
    const [a, b] = createTransportPair();
    const calls = countPauses(b);
    const client = new Connection(new Protocol("client"), a);
    const server = new Connection(new Protocol("server"), b, { maxQueuedMessages: 8 });
    for (let i = 0; i < 9; i++) void client.send(`m${i}`);
    for (let i = 0; i < 500 && calls.pauses === 0; i++) await tick(1);
    assert.equal(calls.pauses, 1, "9 queued messages pass the mark of 8");
    for (let i = 0; i < 6; i++) await server.recv();
    assert.equal(calls.resumes, 0, "3 left: above a quarter (2)");
    await server.recv();
    assert.equal(calls.resumes, 1, "2 left: reads resume");
    await client.close();
  });
});

// The event-API side of incoming.ts: observe() and the application's pause.
describe("Incoming events for event APIs", () => {
  test("observe() hands over the queued messages, then every event in order", T, async () => {
    const { client, server } = await connectPair();
    await client.send("queued");
    await tick(10);
    const seen: unknown[] = [];
    server.observe((event) =>
      seen.push(event.type === "text" || event.type === "binary" ? event.data : event.type),
    );
    assert.deepEqual(seen, ["queued"], "the message queued before the call comes first");
    await client.send("text");
    await client.send(new Uint8Array([1, 2]));
    await client.ping("p");
    await client.close(1000, "done");
    await server.closed;
    assert.deepEqual(seen, ["queued", "text", new Uint8Array([1, 2]), "ping", "close", "closed"]);
    // Messages went to the observer, not to the queue.
    await assert.rejects(server.recv(), ConnectionClosedOK);
  });

  test("pauseReading() holds reads until resumeReading(), whatever the queue does", T, async () => {
    const [a, b] = createTransportPair();
    const calls = countPauses(b);
    const client = new Connection(new Protocol("client"), a);
    const server = new Connection(new Protocol("server"), b, { maxQueuedMessages: 8 });
    server.pauseReading();
    server.pauseReading();
    assert.equal(server.isReadingPaused, true);
    assert.equal(calls.pauses, 1, "paused once");
    void client.send("a");
    let got: unknown;
    const first = server.recv().then((message) => {
      got = message;
    });
    await tick(20);
    assert.equal(got, undefined, "a paused connection reads nothing");
    server.resumeReading();
    assert.equal(server.isReadingPaused, false);
    assert.equal(calls.resumes, 1);
    await first;
    assert.equal(got, "a");
    // The queue's pause, then the application's: emptying the queue does not
    // resume reads the application paused.
    for (let i = 0; i < 9; i++) void client.send(`m${i}`);
    for (let i = 0; i < 500 && calls.pauses === 1; i++) await tick(1);
    assert.equal(calls.pauses, 2, "9 queued messages pass the mark of 8");
    server.pauseReading();
    assert.equal(calls.pauses, 2, "already paused by the queue");
    for (let i = 0; i < 9; i++) assert.equal(await server.recv(), `m${i}`);
    assert.equal(calls.resumes, 1, "the queue is empty, but the application paused");
    server.resumeReading();
    assert.equal(calls.resumes, 2);
    await client.close();
  });
});
