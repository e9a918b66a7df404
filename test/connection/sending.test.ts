import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectionClosedOK } from "../../src/connection/errors.js";
import { prepareMessage } from "../../src/core/prepared-message.js";
import { connectPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// src/connection/sending.ts: send(), fragmented sends, sendPrepared() and the
// drain. (What a caller may reuse when is checked on every transport by
// test/helpers/send-contract.ts.)
describe("Sending", () => {
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

  test("a send after the close rejects, saying which action and how it closed", T, async () => {
    const { client } = await connectPair();
    await client.close(1000, "done");
    await assert.rejects(client.send("late"), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedOK);
      // The close frame received: the server's echo, with the reason sent.
      assert.equal(error.message, 'Cannot send message: connection closed with code 1000 "done"');
      return true;
    });
  });

  test(
    "sendPrepared sends to an open connection, never inside a fragmented message",
    T,
    async () => {
      const { client, server } = await connectPair();
      const message = prepareMessage("to all");
      assert.equal(server.sendPrepared(message), true);
      assert.equal(await client.recv(), "to all");
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      async function* slow(): AsyncGenerator<string> {
        yield "a";
        await gate;
        yield "b";
      }
      const fragmented = server.send(slow());
      await tick();
      assert.equal(server.sendPrepared(message), false, "a fragmented message is in progress");
      release();
      await fragmented;
      assert.equal(await client.recv(), "ab");
      await client.close();
      assert.equal(server.sendPrepared(message), false, "closed");
    },
  );

  test("a sender waits for the drain once both write marks are passed", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { writeHighWaterBytes: 1024 },
      transport: { highWaterMark: 1024 },
    });
    wire[0].pause(); // the client stops reading
    let settled = false;
    const sending = server.send(new Uint8Array(4096)).then(() => {
      settled = true;
    });
    await tick(20);
    assert.equal(settled, false, "held while the peer does not read");
    wire[0].resume();
    await sending;
    assert.equal((await client.recv()).length, 4096);
    await client.close();
  });
});

describe("Sending frame by frame", () => {
  test(
    "sendFrame() starts, continues and ends a message; kinds convert their data",
    T,
    async () => {
      const { client, server } = await connectPair();
      await client.sendFrame("hel", "text", false);
      await client.sendFrame(new TextEncoder().encode("lo"), "continuation", false);
      await client.sendFrame("!", "continuation", true);
      await client.sendFrame("ab", "binary", true);
      await client.sendFrame(new TextEncoder().encode("é"), "text", true);
      assert.equal(await server.recv(), "hello!");
      assert.deepEqual(await server.recv(), new Uint8Array([0x61, 0x62]));
      assert.equal(await server.recv(), "é");
      // A continuation with no message started is the caller's mistake.
      await assert.rejects(client.sendFrame("x", "continuation", true));
      await client.close();
      await assert.rejects(client.sendFrame("late", "text", true), ConnectionClosedOK);
    },
  );
});
