// The cluster backplane (src/node/cluster-backplane.ts) through
// `websocket-sansio serve --broadcast --workers 2`: two processes on one
// port, joined by the primary's relay. Node only (a CLI test): Bun's and
// Deno's node:cluster differ.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ClientConnection, connect } from "../../src/node/index.js";
import { startServe } from "./helpers.js";

const T = { timeout: 60_000 };

describe("cluster backplane (serve --workers 2)", () => {
  test("clients on both workers get each message once, in per-publisher order", T, async () => {
    const server = await startServe(["--broadcast", "--workers", "2", "--no-compression"], 20_000);
    try {
      await server.waitForLog(/\[worker 2\] .*Listening/, 20_000);
      await server.waitForLog(/\[worker 1\] .*Listening/, 20_000);
      const clients: ClientConnection[] = [];
      // Connections are spread over the workers by the primary; open enough to reach both.
      for (let i = 0; i < 6; i++) {
        clients.push(await connect(`ws://127.0.0.1:${server.port}/`, { pingIntervalMs: null }));
      }
      await server.waitForLog(/\[worker 1\] 127\.0\.0\.1:\d+ connected/);
      await server.waitForLog(/\[worker 2\] 127\.0\.0\.1:\d+ connected/);
      // Subscriptions travel to the primary over IPC: give them a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const count = 30;
      const got: string[][] = clients.map(() => []);
      const reading = clients.map(async (client, i) => {
        try {
          for await (const message of client) got[i]!.push(message as string);
        } catch {}
      });
      await Promise.all(
        clients.map(async (client, i) => {
          for (let seq = 0; seq < count; seq++) await client.send(`c${i}.${seq}`);
        }),
      );
      const total = count * clients.length;
      const deadline = Date.now() + 10_000;
      while (got.some((messages) => messages.length < total) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const messages of got) {
        assert.equal(messages.length, total);
        for (let i = 0; i < clients.length; i++) {
          const seqs = messages
            .filter((m) => m.startsWith(`c${i}.`))
            .map((m) => Number(m.split(".")[1]));
          assert.deepEqual(
            seqs,
            Array.from({ length: count }, (_, s) => s),
          );
        }
      }
      for (const client of clients) await client.close();
      await Promise.all(reading);
    } finally {
      assert.equal(await server.stop("SIGTERM", 10_000), 0);
    }
  });
});
