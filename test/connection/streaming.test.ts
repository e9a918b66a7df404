import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import { ConnectionClosedError, ConnectionClosedOK } from "../../src/connection/errors.js";
import { InvalidStateError, ProtocolError } from "../../src/core/errors.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";
import { countPauses } from "../helpers/count-pauses.js";

const T = { timeout: 10_000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A streamed message held open mid-way: `fragments` yields `first`, then
 * `second` only once `release()` is called.
 */
function heldMessage(
  first: string,
  second: string,
): { fragments: AsyncGenerator<string>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const fragments = (async function* () {
    yield first;
    await released;
    yield second;
  })();
  return { fragments, release };
}

/** The fragments of `count` pieces of `size` bytes, the i-th filled with i. */
async function* pieces(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield new Uint8Array(size).fill(i & 0xff);
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

// src/connection/streaming.ts and message-stream.ts, over the in-memory pair.
describe("Streaming receive", () => {
  test("a fragmented message arrives fragment by fragment, in order", T, async () => {
    const { client, server } = await connectPair();
    const receiving = server.recvStreaming();
    await client.send(
      (async function* () {
        yield "κό";
        yield "σμε";
        yield "!";
      })(),
    );
    const stream = await receiving;
    assert.equal(stream.type, "text");
    // (Not the last, empty frame that send() ends the message with.)
    assert.deepEqual(await collect(stream), ["κό", "σμε", "!"]);
    await client.close();
  });

  test("a message that arrived whole is a stream of one fragment", T, async () => {
    const { client, server } = await connectPair();
    await client.send(new Uint8Array([1, 2, 3]));
    const stream = await server.recvStreaming();
    assert.equal(stream.type, "binary");
    assert.deepEqual(await collect(stream), [new Uint8Array([1, 2, 3])]);
    await client.close();
  });

  test("messages keep their order; recv() and for await join streamed ones", T, async () => {
    const { client, server } = await connectPair();
    void server.recvStreaming().then(collect); // streaming mode from the start
    await client.send("first");
    await client.send(pieces(3, 2));
    await client.send("third");
    await client.send(["fourth", "!"]);
    await client.send("fifth");
    await tick(10);
    assert.deepEqual(await collect(await server.recvStreaming()), [
      new Uint8Array([0, 0]),
      new Uint8Array([1, 1]),
      new Uint8Array([2, 2]),
    ]);
    assert.equal(await server.recv(), "third");
    const iterator = server[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: "fourth!", done: false });
    const rest = server.streamMessages();
    const fifth = await rest.next();
    assert.equal(fifth.done, false);
    assert.deepEqual(await collect(fifth.value!), ["fifth"]);
    await client.close();
    assert.deepEqual(await rest.next(), { value: undefined, done: true });
  });

  test(
    "streamMessages() ends after a normal closure, throws after an abnormal one",
    T,
    async () => {
      const a = await connectPair();
      const messages = a.server.streamMessages();
      await a.client.send(pieces(2, 1));
      await a.client.send("whole");
      await a.client.close(1000);
      const seen: unknown[] = [];
      for await (const message of messages) seen.push([message.type, ...(await collect(message))]);
      assert.deepEqual(seen, [
        ["binary", new Uint8Array([0]), new Uint8Array([1])],
        ["text", "whole"],
      ]);

      const b = await connectPair();
      const loop = (async () => {
        for await (const _ of b.server.streamMessages()) {
          // nothing arrives
        }
      })();
      await tick();
      b.wire[0].reset();
      await assert.rejects(loop, ConnectionClosedError);
    },
  );

  test("reads pause while the consumer does not pull, and resume as it reads", T, async () => {
    const [a, b] = createTransportPair({ highWaterMark: 4096 });
    const calls = countPauses(b);
    const client = new Connection(new Protocol("client"), a, { writeHighWaterBytes: 4096 });
    const server = new Connection(
      new Protocol("server", { maxMessageBytes: 16 * 1024 * 1024 }),
      b,
      { maxQueuedBytes: 64 * 1024 },
    );
    const stream = server.recvStreaming();
    // 8 MiB in fragments of 16 KiB.
    let yielded = 0;
    const sending = client.send(
      (async function* () {
        for (; yielded < 512; yielded++) yield new Uint8Array(16 * 1024).fill(yielded & 0xff);
      })(),
    );
    const message = await stream;
    await tick(50);
    assert.ok(calls.pauses >= 1, "reads paused");
    // The queue's mark (64 KiB) and the write buffers hold the sender back.
    assert.ok(yielded < 20, `${yielded} fragments sent before the consumer pulled`);
    let bytes = 0;
    let i = 0;
    for await (const fragment of message) {
      assert.equal(fragment[0], Math.floor(bytes / (16 * 1024)) & 0xff, `fragment ${i++}`);
      bytes += fragment.length;
    }
    assert.equal(bytes, 8 * 1024 * 1024);
    assert.ok(calls.resumes >= 1, "reads resumed");
    await sending;
    await client.close();
  });

  test(
    "abandoning a stream discards the rest of its message; the next one arrives",
    T,
    async () => {
      const [a, b] = createTransportPair({ highWaterMark: 4096 });
      const calls = countPauses(b);
      const client = new Connection(new Protocol("client"), a);
      const server = new Connection(
        new Protocol("server", { maxMessageBytes: 4 * 1024 * 1024 }),
        b,
        {
          maxQueuedBytes: 32 * 1024,
        },
      );
      const receiving = server.recvStreaming();
      const sending = client.send(pieces(128, 16 * 1024)); // 2 MiB
      void client.send("next");
      const stream = await receiving;
      for await (const fragment of stream) {
        assert.equal(fragment.length, 16 * 1024);
        break; // return(): the rest is discarded
      }
      assert.deepEqual(await stream.next(), { value: undefined, done: true });
      // The rest goes through without the consumer: reads are not held.
      await sending;
      assert.equal(await server.recv(), "next");
      assert.equal(calls.pauses, calls.resumes, "reads not left paused");
      await client.close();
    },
  );

  test(
    "a close before the last fragment: what came is read, then ConnectionClosedError",
    T,
    async () => {
      const { client, server } = await connectPair();
      const receiving = server.recvStreaming();
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const sending = client.send(
        (async function* () {
          yield "part one";
          await held;
          yield "never";
        })(),
      );
      const stream = await receiving;
      await tick(10);
      // A normal close, but the message is cut short: an error, not the end.
      client.terminate();
      release();
      await sending.catch(() => {});
      assert.deepEqual(await stream.next(), { value: "part one", done: false });
      await assert.rejects(stream.next(), (error: unknown) => {
        assert.ok(error instanceof ConnectionClosedError);
        assert.match((error as Error).message, /Cannot receive fragment/);
        return true;
      });
      await assert.rejects(server.recvStreaming(), ConnectionClosedError);
    },
  );

  test("a normal close in the middle of a message still fails the stream", T, async () => {
    const [a, b] = createTransportPair();
    const server = new Connection(new Protocol("server"), b);
    const client = new Protocol("client");
    const stream = server.recvStreaming();
    // A fragment, then a close frame with 1000 (control frames may come between fragments).
    client.sendText("cut", false);
    a.start({ onData() {}, onEnd() {}, onDrain() {}, onError() {}, onClose() {} });
    a.write(client.takeOutput().chunks);
    const message = await stream;
    assert.deepEqual(await message.next(), { value: "cut", done: false });
    const pending = message.next();
    const close = new Protocol("client");
    close.sendClose(1000);
    a.write(close.takeOutput().chunks);
    a.end();
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError, String(error));
      assert.equal((error as ConnectionClosedError).code, 1000);
      assert.match((error as Error).message, /before the end of the message/);
      return true;
    });
    await assert.rejects(server.recv(), ConnectionClosedOK);
  });

  test(
    "invalid UTF-8 in the middle fails the stream with 1007; what came before was read",
    T,
    async () => {
      const pair = await connectPair();
      const stream = pair.server.recvStreaming();
      const held = heldMessage("valid ", "never read");
      const text = pair.client.send(held.fragments);
      const message = await stream;
      assert.deepEqual(await message.next(), { value: "valid ", done: false });
      // A continuation frame with an invalid byte, written to the wire as a peer could.
      const raw = new Protocol("client");
      raw.sendText("", false);
      raw.takeOutput();
      raw.sendContinuation(new Uint8Array([0x61, 0xff, 0x62]), false);
      pair.wire[0].write(raw.takeOutput().chunks);
      await assert.rejects(message.next(), (error: unknown) => {
        assert.ok(error instanceof ConnectionClosedError);
        // The server closed TCP after its close frame (RFC 6455 7.1.7): no
        // close frame came back (1006); why it failed is the cause.
        const cause = (error as Error).cause;
        assert.ok(cause instanceof ProtocolError);
        assert.equal(cause.closeCode, 1007);
        return true;
      });
      held.release();
      await text.catch(() => {});
      assert.equal((await pair.client.closed).code, 1007, "the client got the 1007");
    },
  );

  test("one read at a time: a second next() while one waits rejects", T, async () => {
    const { client, server } = await connectPair();
    const receiving = server.recvStreaming();
    const held = heldMessage("a", "b");
    const sending = client.send(held.fragments);
    const stream = await receiving;
    assert.deepEqual(await stream.next(), { value: "a", done: false });
    const first = stream.next();
    await assert.rejects(stream.next(), InvalidStateError);
    held.release();
    assert.deepEqual(await first, { value: "b", done: false });
    await sending;
    await client.close();
  });
});
