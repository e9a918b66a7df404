// Fan-out across real processes on a real Redis: `websocket-sansio serve
// --broadcast --redis URL` processes, clients on each, Redis restarted, hung,
// and a Redis Cluster for sharded Pub/Sub.

import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ClientConnection, connect, type ServerConnection } from "../../src/node/index.js";
import { redisBackplane } from "../../src/redis/index.js";
import { serveInMemory } from "../../src/testing/index.js";
import { type ServeProcess, startServe } from "../cli/helpers.js";
import {
  numsub,
  type RedisProcess,
  redisCli,
  SKIP_REDIS,
  startRedis,
  startRedisCluster,
  until,
} from "../helpers/redis.js";

// Generous: several processes start per test, on a machine that may be busy.
const T = { timeout: 60_000 };
const LISTEN_TIMEOUT_MS = 20_000;
const CHANNEL = "websocket-sansio:room";
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client that records every message it receives. */
interface Listener {
  readonly client: ClientConnection;
  readonly got: string[];
  readonly done: Promise<void>;
}

async function listen(port: number): Promise<Listener> {
  const client = await connect(`ws://127.0.0.1:${port}/`, { pingIntervalMs: null });
  const got: string[] = [];
  const done = (async () => {
    try {
      for await (const message of client) got.push(message as string);
    } catch {
      // closed
    }
  })();
  return { client, got, done };
}

/** Asserts each publisher's messages arrived once each and in order: `name.seq` from 0 to count-1. */
function assertOncePerPublisherInOrder(
  got: readonly string[],
  publishers: readonly string[],
  count: number,
) {
  for (const publisher of publishers) {
    const seqs = got
      .filter((m) => m.startsWith(`${publisher}.`))
      .map((m) => Number(m.split(".")[1]));
    assert.deepEqual(
      seqs,
      Array.from({ length: count }, (_, i) => i),
      `messages of ${publisher}`,
    );
  }
}

/**
 * Every client publishes `count` messages (`c<i>.<seq>`, all clients at once);
 * asserts that each client gets every message once, in per-publisher order.
 */
async function assertFanOut(clients: readonly Listener[], count: number): Promise<void> {
  const names = clients.map((_, i) => `c${i}`);
  await Promise.all(
    clients.map(async ({ client }, i) => {
      for (let seq = 0; seq < count; seq++) await client.send(`${names[i]}.${seq}`);
    }),
  );
  const total = count * clients.length;
  await until(() => clients.every(({ got }) => got.length >= total), "every message", 10_000);
  await sleep(100); // nothing more (no duplicates) arrives
  for (const { got } of clients) {
    assert.equal(got.length, total);
    assertOncePerPublisherInOrder(got, names, count);
  }
}

// Every server started, stopped at the end even if a test failed before stopping its own.
const started: ServeProcess[] = [];

async function startServers(n: number, redis: RedisProcess): Promise<ServeProcess[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      startServe(["--broadcast", "--redis", redis.url, "--no-compression"], LISTEN_TIMEOUT_MS),
    ),
  );
  started.push(...servers);
  return servers;
}

describe("Redis backplane, across server processes", { skip: SKIP_REDIS }, () => {
  let redis: RedisProcess;
  let servers: ServeProcess[] = [];
  before(async () => {
    redis = await startRedis();
  });
  const stopServers = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
    servers = [];
  };
  /** Two servers, a listening client on each (`a` on the first), both servers subscribed. */
  const twoServersListening = async (): Promise<{ a: Listener; b: Listener }> => {
    servers = await startServers(2, redis);
    const [a, b] = [await listen(servers[0]!.port), await listen(servers[1]!.port)];
    await until(() => numsub(redis.port, CHANNEL) === 2, "two servers subscribed");
    return { a, b };
  };
  // A failed test leaves its servers: stop them before the next one counts subscribers.
  beforeEach(stopServers);
  after(async () => {
    await Promise.all(started.map((server) => server.stop()));
    await redis?.stop();
  });

  test(
    "three servers: every client gets each message once, in per-publisher order",
    T,
    async () => {
      servers = await startServers(3, redis);
      const clients: Listener[] = [];
      for (const server of servers) {
        for (let i = 0; i < 2; i++) clients.push(await listen(server.port));
      }
      await until(() => numsub(redis.port, CHANNEL) === 3, "three servers subscribed");
      await assertFanOut(clients, 50);
      // Unsubscribed on close: a server whose clients all left stops listening to the channel.
      await clients[4]!.client.close();
      await clients[5]!.client.close();
      await until(() => numsub(redis.port, CHANNEL) === 2, "the third server unsubscribed");
      for (const { client } of clients) await client.close();
      await stopServers();
    },
  );

  test(
    "Redis restarted: servers resubscribe by themselves; messages while it was down are dropped, counted and logged",
    T,
    async () => {
      const { a, b } = await twoServersListening();
      await a.client.send("a.0");
      await until(() => b.got.length === 1, "a.0 across");
      await redis.kill();
      // Once the publishing connection knows (the subscribed one may know first).
      await servers[0]!.waitForLog(/Cannot reach Redis at \S+ \(publisher\)/);
      // While Redis is down: local subscribers are still served, others miss it.
      for (let i = 1; i <= 3; i++) await a.client.send(`a.${i}`);
      await until(() => a.got.length === 4, "local delivery while Redis is down");
      await redis.restart();
      await until(
        () => numsub(redis.port, CHANNEL) === 2,
        "resubscribed after the restart",
        10_000,
      );
      await servers[0]!.waitForLog(/Reconnected to Redis/);
      await a.client.send("a.4");
      await until(() => b.got.length === 2, "a.4 across after the restart");
      assert.deepEqual(b.got, ["a.0", "a.4"]);
      assert.deepEqual(a.got, ["a.0", "a.1", "a.2", "a.3", "a.4"]);
      // The three dropped messages are accounted for in the log.
      await servers[0]!.waitForLog(/is back: 3 messages were dropped/);
      await a.client.close();
      await b.client.close();
      await stopServers();
    },
  );

  test(
    "Redis hung (SIGSTOP): publishing stays bounded, local clients served, order kept after",
    T,
    async () => {
      const { a, b } = await twoServersListening();
      redis.pause();
      try {
        // 6 MB while Redis does not answer: more than the 4 MiB allowed to wait for it.
        const payload = "x".repeat(2000);
        for (let seq = 0; seq < 3000; seq++) a.client.send(`a.${seq}.${payload}`).catch(() => {});
        await until(() => a.got.length === 3000, "local delivery while Redis is hung", 15_000);
        await servers[0]!.waitForLog(/is not answering: dropping/);
      } finally {
        redis.resume();
      }
      await a.client.send("a.after");
      await until(() => b.got.at(-1) === "a.after", "delivery after the broker woke", 10_000);
      const seqs = b.got.slice(0, -1).map((m) => Number(m.split(".")[1]));
      assert.ok(seqs.length < 3000, `${seqs.length} crossed: some were dropped`);
      assert.ok(seqs.length > 0, "those within the bound crossed once Redis woke");
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
        "in order",
      );
      assert.equal(new Set(seqs).size, seqs.length, "no duplicates");
      await servers[0]!.waitForLog(/is back: \d+ messages were dropped/);
      await a.client.close();
      await b.client.close();
      await stopServers();
    },
  );

  test("a slow subscriber is skipped; the others get everything", T, async () => {
    servers = await startServers(2, redis);
    const publisher = await listen(servers[0]!.port);
    const fast = await connect(`ws://127.0.0.1:${servers[1]!.port}/`, { pingIntervalMs: null });
    // A slow client: connected, never reading (its transport stops reading once its queue is full).
    const slow = await connect(`ws://127.0.0.1:${servers[1]!.port}/`, {
      pingIntervalMs: null,
      maxQueuedMessages: 1,
    });
    await until(() => numsub(redis.port, CHANNEL) === 2, "two servers subscribed");
    const payload = "y".repeat(64 * 1024);
    // 19 MB, far beyond socket buffers and the 1 MiB slow-consumer mark; at
    // most 8 (512 KiB) ahead of the fast client, so that only the slow one
    // falls behind.
    const count = 300;
    const window = 8;
    const expect = async (seq: number): Promise<void> => {
      assert.equal(((await fast.recv()) as string).slice(0, 10), `p.${seq}.`.padEnd(10, "y"));
    };
    for (let seq = 0; seq < count; seq++) {
      await publisher.client.send(`p.${seq}.${payload}`);
      if (seq >= window) await expect(seq - window);
    }
    for (let seq = count - window; seq < count; seq++) await expect(seq);
    let slowGot = 0;
    const reading = (async () => {
      for await (const _ of slow) slowGot++;
    })().catch(() => {});
    await sleep(500);
    assert.ok(slowGot < count, `the slow client got ${slowGot} of ${count}: skipped some`);
    await slow.close();
    await reading;
    await publisher.client.close();
    await fast.close();
    await stopServers();
  });

  test(
    "a missing Redis at start: a clear error, retries, serves its own clients meanwhile",
    T,
    async () => {
      const down = await startRedis();
      await down.kill();
      const server = await startServe(
        ["--broadcast", "--redis", down.url, "--no-compression"],
        LISTEN_TIMEOUT_MS,
      );
      servers = [server];
      await server.waitForLog(
        /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(publisher\): .*ECONNREFUSED.*; retrying/,
      );
      const a = await listen(server.port);
      await a.client.send("a.0");
      await until(() => a.got.length === 1, "local delivery without Redis");
      await down.restart();
      await server.waitForLog(/Reconnected to Redis/, 10_000);
      await until(() => numsub(down.port, CHANNEL) === 1, "subscribed once Redis came");
      await a.client.close();
      assert.equal(await server.stop(), 0);
      servers = [];
      await down.stop();
    },
  );
});

async function subscribeToT(connection: ServerConnection): Promise<void> {
  connection.subscribe("t");
  await connection.closed;
}

describe("Redis backplane, in one process", { skip: SKIP_REDIS }, () => {
  test(
    "a user's client, binary messages, one PUBLISH per publish, and close leaves the client open",
    T,
    async () => {
      const redis = await startRedis();
      const { createClient } = await import("redis");
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        const mine = redisBackplane({ client: client as never });
        const other = redisBackplane({ url: redis.url });
        await Promise.all([mine.ready(), other.ready()]);
        const a = serveInMemory(subscribeToT, {
          topics: { backplane: mine },
        });
        const b = serveInMemory(subscribeToT, {
          topics: { backplane: other },
        });
        const [ca, cb] = [await a.connect(), await b.connect()];
        await until(() => numsub(redis.port, "websocket-sansio:t") === 2, "both subscribed");
        const publishes = (): number =>
          Number(
            /cmdstat_publish:calls=(\d+)/.exec(redisCli(redis.port, "INFO", "commandstats"))?.[1] ??
              0,
          );
        const before = publishes();
        // No subscriber anywhere: one command, nothing else.
        a.server.publish("nobody", "x");
        b.server.publish("t", new Uint8Array([1, 2, 3]));
        await until(() => publishes() === before + 2, "two PUBLISH commands");
        assert.deepEqual(await ca.recv(), new Uint8Array([1, 2, 3]));
        assert.deepEqual(await cb.recv(), new Uint8Array([1, 2, 3]));
        assert.equal(other.stats.published, 1);
        assert.equal(mine.stats.received, 1);
        await a.server.close();
        await b.server.close();
        assert.equal(client.isReady, true, "the user's client is left open");
        assert.equal(await client.ping(), "PONG");
      } finally {
        client.destroy();
        await redis.stop();
      }
    },
  );
});

describe("Redis Cluster: sharded Pub/Sub", { skip: SKIP_REDIS }, () => {
  test(
    "serve --redis-cluster: two servers, one room through one shard, each message once, in order",
    T,
    async () => {
      const cluster = await startRedisCluster();
      const servers: ServeProcess[] = [];
      try {
        // One node's URL is enough: the client finds the others.
        for (const url of [cluster.urls[0]!, cluster.urls.join(",")]) {
          const server = await startServe(
            ["--broadcast", "--redis-cluster", url, "--no-compression"],
            LISTEN_TIMEOUT_MS,
          );
          servers.push(server);
          started.push(server);
        }
        const clients: Listener[] = [];
        for (const server of servers) {
          for (let i = 0; i < 2; i++) clients.push(await listen(server.port));
        }
        // Sharded: both servers SSUBSCRIBEd on the room's shard, none with SUBSCRIBE.
        await until(
          () =>
            cluster.nodes.reduce((sum, node) => sum + numsub(node.port, CHANNEL, true), 0) === 2,
          "both servers subscribed to the room's shard",
          10_000,
        ).catch((error: Error) => {
          const logs = servers.map((server) => server.stderr()).join(" | ");
          throw new Error(`${error.message}; the servers logged: ${logs}`, { cause: error });
        });
        assert.equal(
          cluster.nodes.reduce((sum, node) => sum + numsub(node.port, CHANNEL), 0),
          0,
        );
        await assertFanOut(clients, 30);
        for (const { client } of clients) await client.close();
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
        await cluster.stop();
      }
    },
  );

  test(
    "two servers over three shards: each message once, in order, on many topics",
    T,
    async () => {
      const cluster = await startRedisCluster();
      const backplanes = [0, 1].map(() => redisBackplane({ clusterUrls: cluster.urls }));
      try {
        await Promise.all(backplanes.map((backplane) => backplane.ready()));
        const topics = Array.from({ length: 12 }, (_, i) => `topic-${i}`);
        const memories = backplanes.map((backplane) =>
          serveInMemory(
            async (connection) => {
              for (const topic of topics) connection.subscribe(topic);
              await connection.closed;
            },
            { topics: { backplane } },
          ),
        );
        const clients = await Promise.all(memories.map((memory) => memory.connect()));
        const got: string[][] = [[], []];
        const reading = clients.map(async (client, i) => {
          try {
            for await (const message of client) got[i]!.push(message as string);
          } catch {}
        });
        // Channels land on several shards: each server subscribed on each.
        await until(
          () =>
            topics.every(
              (topic) =>
                cluster.nodes.reduce(
                  (sum, node) => sum + numsub(node.port, `websocket-sansio:${topic}`, true),
                  0,
                ) === 2,
            ),
          "sharded subscriptions on every topic",
          10_000,
        );
        for (let seq = 0; seq < 20; seq++) {
          for (const topic of topics) memories[0]!.server.publish(topic, `${topic}.${seq}`);
        }
        const total = 20 * topics.length;
        await until(
          () => got[1]!.length >= total && got[0]!.length >= total,
          "every message",
          10_000,
        );
        await sleep(100);
        for (const received of got) {
          assert.equal(received.length, total);
          assertOncePerPublisherInOrder(received, topics, 20);
        }
        await Promise.all(memories.map((memory) => memory.server.close()));
        await Promise.all(reading);
      } finally {
        await Promise.all(backplanes.map((backplane) => backplane.close()));
        await cluster.stop();
      }
    },
  );
});
