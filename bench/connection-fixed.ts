/**
 * A fixed, short workload of the connection layer, for instruction counts
 * that a shared machine's noise does not move (see core-fixed.ts for the
 * core's): a 64 B echo over the in-memory pair, and handshakes (open and
 * close) of in-memory connections, the path where diagnostics channels are
 * published.
 *
 * ```sh
 * npx tsc -p tsconfig.json
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null node .build/bench/connection-fixed.js echo-64b
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null node .build/bench/connection-fixed.js handshakes
 * ```
 *
 * Compare the "Collected" totals of two builds for one case. Each case runs a
 * warm-up pass and then the measured passes; both are the same for every
 * build. `SUBSCRIBE=1` subscribes to the four diagnostics channels first (the
 * cost when someone listens).
 */

import { subscribe } from "node:diagnostics_channel";
import { connectPair, serveInMemory } from "../src/testing/index.js";

const PASSES = Number(process.env["PASSES"] ?? 10);

if (process.env["SUBSCRIBE"] === "1") {
  for (const name of ["handshake", "open", "close", "error"]) {
    subscribe(`websocket-sansio:${name}`, () => {});
  }
}

/** 2000 messages of 64 B, 32 in flight, echoed by the server. */
async function echo(): Promise<void> {
  const { client, server } = await connectPair();
  void (async () => {
    for await (const message of server) await server.send(message);
  })();
  const payload = new Uint8Array(64).fill(0x61);
  for (let i = 0; i < 2000 / 32; i++) {
    for (let j = 0; j < 32; j++) void client.send(payload);
    for (let j = 0; j < 32; j++) await client.recv();
  }
  await client.close();
}

/** 200 connections opened and closed, 20 at a time. */
async function handshakes(): Promise<void> {
  const memory = serveInMemory(async (connection) => {
    await connection.closed;
  });
  for (let i = 0; i < 200 / 20; i++) {
    const clients = await Promise.all(Array.from({ length: 20 }, () => memory.connect()));
    await Promise.all(clients.map((client) => client.close()));
  }
  await memory.server.close();
}

const CASES: Record<string, () => Promise<void>> = { "echo-64b": echo, handshakes };

const name = process.argv[2] ?? "";
const run = CASES[name];
if (run === undefined) {
  console.error(`Usage: connection-fixed.js ${Object.keys(CASES).join("|")}`);
  process.exit(2);
}
await run(); // warm-up
const start = performance.now();
for (let i = 0; i < PASSES; i++) await run();
console.log(`${name}: ${PASSES} passes in ${(performance.now() - start).toFixed(0)} ms`);
