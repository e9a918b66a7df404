import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backplane, BackplaneReceiver } from "../../src/connection/backplane.js";
import type { ServerConnection } from "../../src/connection/server.js";
import { TopicLimitError, Topics } from "../../src/connection/topics.js";
import { createBackplaneHub, serveInMemory } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// The end of the turn as the server's flush sees it (its defer is
// setImmediate): an immediate queued now runs after the ones queued before
// it. A timer can run first when the caller is itself in an immediate, and
// 1 ms has passed by the next loop iteration (a loaded machine).
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A server whose handler subscribes each connection to the topics in its URL's query. */
function roomServer(options: Parameters<typeof serveInMemory>[1] = {}) {
  const connections: ServerConnection[] = [];
  const memory = serveInMemory(async (connection) => {
    connections.push(connection);
    const query = new URL(connection.request!.target, "ws://x").searchParams;
    for (const topic of query.getAll("topic")) connection.subscribe(topic);
    for await (const message of connection) {
      // "topic:text" from a client publishes text to topic.
      const text = message as string;
      const colon = text.indexOf(":");
      connection.publish(text.slice(0, colon), text.slice(colon + 1));
    }
  }, options);
  return { memory, connections };
}

describe("topics", () => {
  test("a published message reaches the subscribers of its topic only", T, async () => {
    const { memory } = roomServer();
    const a = await memory.connect("ws://memory.test/?topic=red&topic=blue");
    const b = await memory.connect("ws://memory.test/?topic=red");
    const c = await memory.connect("ws://memory.test/?topic=green");
    const server = memory.server;
    assert.equal(server.subscriberCount("red"), 2);
    assert.equal(server.subscriberCount("blue"), 1);
    assert.equal(server.subscriberCount("none"), 0);
    assert.equal(server.publish("red", "r1"), 2);
    assert.equal(server.publish("blue", new Uint8Array([1, 2])), 1);
    assert.equal(server.publish("none", "lost"), 0);
    assert.equal(await a.recv(), "r1");
    assert.deepEqual(await a.recv(), new Uint8Array([1, 2]));
    assert.equal(await b.recv(), "r1");
    // Messages arrive in order: c's first is the one to its own topic.
    server.publish("green", "g1");
    assert.equal(await c.recv(), "g1");
    await server.close();
  });

  test("a connection's publish skips itself unless includeSelf", T, async () => {
    const { memory, connections } = roomServer();
    const a = await memory.connect("ws://memory.test/?topic=room");
    const b = await memory.connect("ws://memory.test/?topic=room");
    await a.send("room:hello");
    assert.equal(await b.recv(), "hello");
    assert.equal(connections[0]!.publish("room", "me too", { includeSelf: true }), 2);
    assert.equal(await a.recv(), "me too");
    assert.equal(await b.recv(), "me too");
    await memory.server.close();
  });

  test("subscribe, unsubscribe and the topics of a connection", T, async () => {
    const { memory, connections } = roomServer();
    await memory.connect();
    const connection = connections[0]!;
    assert.deepEqual(connection.topics, []);
    assert.equal(connection.subscribe("a"), true);
    assert.equal(connection.subscribe("a"), false);
    assert.deepEqual(connection.topics, ["a"]);
    assert.equal(connection.subscribe("b"), true);
    assert.equal(connection.subscribe("c"), true);
    assert.deepEqual(connection.topics, ["a", "b", "c"]);
    assert.equal(connection.isSubscribed("b"), true);
    assert.equal(connection.unsubscribe("b"), true);
    assert.equal(connection.unsubscribe("b"), false);
    assert.equal(connection.isSubscribed("b"), false);
    assert.equal(connection.unsubscribe("c"), true);
    assert.deepEqual(connection.topics, ["a"]);
    assert.equal(connection.unsubscribe("a"), true);
    assert.deepEqual(connection.topics, []);
    assert.equal(memory.server.topics.size, 0);
    await memory.server.close();
  });

  test("a connection is unsubscribed from every topic when it closes", T, async () => {
    const { memory, connections } = roomServer();
    const a = await memory.connect("ws://memory.test/?topic=x&topic=y");
    const b = await memory.connect("ws://memory.test/?topic=x");
    assert.equal(memory.server.subscriberCount("x"), 2);
    await a.close();
    await connections[0]!.closed;
    assert.equal(memory.server.subscriberCount("x"), 1);
    assert.equal(memory.server.subscriberCount("y"), 0);
    assert.equal(memory.server.topics.size, 1);
    // Subscribing a closed connection is refused: nothing would ever remove it.
    assert.equal(connections[0]!.subscribe("z"), false);
    assert.equal(memory.server.topics.size, 1);
    await b.close();
    await connections[1]!.closed;
    assert.equal(memory.server.topics.size, 0);
    await memory.server.close();
  });

  test("topic names and topics per connection are bounded", T, async () => {
    const { memory, connections } = roomServer({
      topics: { maxTopicBytes: 8, maxTopicsPerConnection: 2 },
    });
    await memory.connect();
    const connection = connections[0]!;
    assert.equal(connection.subscribe("12345678"), true);
    assert.throws(() => connection.subscribe("123456789"), TopicLimitError);
    // Three UTF-8 bytes per character: three characters are nine bytes.
    assert.throws(() => connection.subscribe("€€€"), /over maxTopicBytes \(8\)/);
    assert.equal(connection.subscribe("€€"), true);
    assert.throws(
      () => connection.subscribe("third"),
      (error: unknown) =>
        error instanceof TopicLimitError &&
        error.limit === 2 &&
        /maxTopicsPerConnection \(2\)/.test(error.message),
    );
    assert.throws(() => memory.server.publish("123456789", "x"), TopicLimitError);
    assert.throws(() => new Topics({ maxTopicsPerConnection: 0 }), RangeError);
    await memory.server.close();
  });

  test("a slow subscriber is skipped, or closed, as by broadcast()", T, async () => {
    const { memory } = roomServer({
      transport: { highWaterMark: 1024 },
      topics: { maxBufferedBytes: 4096, slowPolicy: "close" },
    });
    const fast = await memory.connect("ws://memory.test/?topic=feed");
    const slow = await memory.connect("ws://memory.test/?topic=feed");
    memory.wire![0].pause();
    const got: unknown[] = [];
    const reading = (async () => {
      for await (const message of fast) got.push(message);
    })();
    const payload = "z".repeat(1000);
    for (let i = 0; i < 40; i++) {
      memory.server.publish("feed", payload);
      await tick();
    }
    memory.wire![0].resume();
    assert.equal((await slow.closed).code, 1008);
    while (got.length < 40) await tick();
    assert.equal(memory.server.subscriberCount("feed"), 1);
    await memory.server.close();
    await reading;
  });

  test("a turn of many publishes stays within a subscriber's maxBufferedBytes", T, async () => {
    const { memory, connections } = roomServer({
      transport: { highWaterMark: 1024 },
      topics: { maxBufferedBytes: 4096 },
    });
    const client = await memory.connect("ws://memory.test/?topic=feed");
    memory.wire![0].pause();
    // 50 KB in one turn: held publishes are queued once past the limit, and
    // the subscriber then counts as slow (skipped) for the rest.
    for (let i = 0; i < 50; i++) memory.server.publish("feed", "z".repeat(1000));
    await tick();
    const buffered = connections[0]!.bufferedAmount;
    assert.ok(buffered > 4096 && buffered < 4096 + 2 * 1024, `buffered ${buffered}`);
    memory.wire![0].resume();
    let got = 0;
    while (got * 1000 < buffered - 100) {
      await client.recv();
      got++;
    }
    assert.ok(got < 50);
    await memory.server.close();
  });

  test("a turn's messages are framed once, as one run, for every subscriber", T, async () => {
    const { memory, connections } = roomServer();
    await Promise.all(Array.from({ length: 3 }, () => memory.connect("ws://memory.test/?topic=t")));
    const runs = new Set<unknown>();
    for (const connection of connections) {
      const original = connection.sendPreparedRun.bind(connection);
      connection.sendPreparedRun = (messages, frames, writeNow) => {
        runs.add(frames);
        return original(messages, frames, writeNow);
      };
      // The end-of-turn delivery's fast path (idle subscribers).
      const alone = connection.sendPreparedRunAlone.bind(connection);
      connection.sendPreparedRunAlone = (frames, chunks) => {
        runs.add(frames);
        return alone(frames, chunks);
      };
    }
    assert.equal(memory.server.publish("t", "once"), 3);
    assert.equal(memory.server.publish("t", "twice"), 3);
    assert.equal(runs.size, 0, "held until the end of the turn");
    await nextTurn();
    assert.equal(runs.size, 1);
    await memory.server.close();
  });

  test("the publishes of a turn leave in one write per subscriber", T, async () => {
    const { memory } = roomServer();
    const client = await memory.connect("ws://memory.test/?topic=t");
    const serverSide = memory.wire![1];
    await tick();
    const before = serverSide.writes;
    for (let i = 0; i < 10; i++) memory.server.publish("t", `m${i}`);
    for (let i = 0; i < 10; i++) assert.equal(await client.recv(), `m${i}`);
    assert.equal(serverSide.writes - before, 1);
    await memory.server.close();
  });

  test("a send after a publish leaves after it, as does a close", T, async () => {
    const { memory, connections } = roomServer();
    const a = await memory.connect("ws://memory.test/?topic=t");
    const b = await memory.connect("ws://memory.test/?topic=t");
    memory.server.publish("t", "published");
    // Sent on a connection after the publish, in the same turn.
    await connections[0]!.send("sent");
    memory.server.publish("t", "published again");
    void connections[1]!.close(4000, "bye");
    assert.equal(await a.recv(), "published");
    assert.equal(await a.recv(), "sent");
    assert.equal(await a.recv(), "published again");
    assert.equal(await b.recv(), "published");
    assert.equal(await b.recv(), "published again");
    assert.equal((await b.closed).code, 4000);
    await memory.server.close();
  });

  test("subscribing or unsubscribing in the turn of a publish", T, async () => {
    const { memory, connections } = roomServer();
    const a = await memory.connect("ws://memory.test/?topic=t");
    const b = await memory.connect();
    memory.server.publish("t", "before");
    // b subscribes after the publish: it does not get it; a unsubscribes
    // after it: it does.
    connections[1]!.subscribe("t");
    connections[0]!.unsubscribe("t");
    memory.server.publish("t", "after");
    assert.equal(await a.recv(), "before");
    assert.equal(await b.recv(), "after");
    await connections[0]!.send("end");
    assert.equal(await a.recv(), "end", "a got nothing after it unsubscribed");
    await memory.server.close();
  });

  test(
    "a publisher that skips itself gets the others' messages of the turn, in order",
    T,
    async () => {
      const { memory, connections } = roomServer();
      const a = await memory.connect("ws://memory.test/?topic=t");
      const b = await memory.connect("ws://memory.test/?topic=t");
      connections[0]!.publish("t", "a1");
      connections[1]!.publish("t", "b1");
      memory.server.publish("t", "s1");
      connections[0]!.publish("t", "a2");
      assert.equal(await a.recv(), "b1");
      assert.equal(await a.recv(), "s1");
      assert.equal(await b.recv(), "a1");
      assert.equal(await b.recv(), "s1");
      assert.equal(await b.recv(), "a2");
      await connections[0]!.send("end");
      assert.equal(await a.recv(), "end");
      await memory.server.close();
    },
  );
});

describe("topics across processes (backplane)", () => {
  test("every subscriber of every server gets each message once, in order", T, async () => {
    const hub = createBackplaneHub();
    const servers = [0, 1, 2].map(() => roomServer({ topics: { backplane: hub.backplane() } }));
    const clients = await Promise.all(
      servers.flatMap(({ memory }) => [
        memory.connect("ws://memory.test/?topic=room"),
        memory.connect("ws://memory.test/?topic=room"),
      ]),
    );
    const other = await servers[0]!.memory.connect("ws://memory.test/?topic=elsewhere");
    for (let i = 0; i < 5; i++) await clients[0]!.send(`room:${i}`);
    // Published once the others are through, so that it comes last everywhere.
    for (let i = 0; i < 5; i++) assert.equal(await clients[5]!.recv(), String(i));
    servers[2]!.memory.server.publish("room", "last");
    servers[1]!.memory.server.publish("elsewhere", "last");
    for (const [index, client] of clients.entries()) {
      const expected = index === 0 ? ["last"] : ["0", "1", "2", "3", "4", "last"];
      const got: unknown[] = index === 5 ? ["0", "1", "2", "3", "4"] : [];
      while (got.length < expected.length) got.push(await client.recv());
      assert.deepEqual(got, expected, `client ${index}`);
    }
    assert.equal(await other.recv(), "last");
    await Promise.all(servers.map(({ memory }) => memory.server.close()));
  });

  test(
    "tells the backplane when a topic gains its first and loses its last subscriber",
    T,
    async () => {
      const calls: string[] = [];
      let receive: BackplaneReceiver | undefined;
      const backplane: Backplane = {
        attach: (r) => void (receive = r),
        publish: (topic, payload, isText) =>
          void calls.push(`publish ${topic} ${new TextDecoder().decode(payload)} ${isText}`),
        subscribe: (topic) => void calls.push(`subscribe ${topic}`),
        unsubscribe: (topic) => void calls.push(`unsubscribe ${topic}`),
        close: async () => void calls.push("close"),
      };
      const { memory, connections } = roomServer({ topics: { backplane } });
      const a = await memory.connect("ws://memory.test/?topic=t");
      await memory.connect("ws://memory.test/?topic=t");
      memory.server.publish("t", "hi");
      memory.server.publish("idle", new Uint8Array([0x68]));
      connections[0]!.unsubscribe("t");
      connections[1]!.unsubscribe("t");
      assert.deepEqual(calls, [
        "subscribe t",
        "publish t hi true",
        "publish idle h false",
        "unsubscribe t",
      ]);
      connections[0]!.subscribe("t");
      // From elsewhere: delivered; invalid UTF-8 in a text message is dropped.
      receive!("t", new Uint8Array([0xff]), true);
      receive!("t", new TextEncoder().encode("ok"), true);
      receive!("unknown", new TextEncoder().encode("nobody"), true);
      assert.equal(await a.recv(), "hi");
      assert.equal(await a.recv(), "ok");
      await memory.server.close();
      assert.equal(calls.at(-1), "close");
    },
  );
});
