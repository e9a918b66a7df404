/**
 * A fixed, short workload of the topics' end-of-turn delivery, for
 * instruction counts that a shared machine's noise does not move (as
 * connection-fixed.ts for the echo): 1,000 server connections subscribed to
 * one topic, each on a transport that accepts every write and drops it (so
 * that only the library's side of a write is counted, not a socket's or a
 * client's), and 20 turns of 16 publishes each.
 *
 * ```sh
 * npx tsc -p tsconfig.json
 * valgrind --tool=callgrind --callgrind-out-file=/dev/null node .build/bench/publish-fixed.js
 * ```
 *
 * Compare the "Collected" totals of two builds: the setup (1,000 handshakes)
 * is the same in both, and `PASSES=0` counts it alone, so that
 * (total - setup) / (passes × 320,000) is the cost per delivery.
 */

import { Server } from "../src/connection/server.js";
import type { Transport, TransportHandler } from "../src/connection/transport.js";

const PASSES = Number(process.env["PASSES"] ?? 5);
const SUBSCRIBERS = 1000;
const TURNS = 20;
const PER_TURN = 16;

const REQUEST = new TextEncoder().encode(
  "GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
);

let written = 0;
let writes = 0;

/** A transport whose peer sends the upgrade request, then reads everything at once. */
class SinkTransport implements Transport {
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 1;
  readonly bufferedAmount = 0;
  #handler: TransportHandler | undefined;

  start(handler: TransportHandler): void {
    this.#handler = handler;
    queueMicrotask(() => handler.onData(REQUEST.slice()));
  }

  write(chunks: readonly Uint8Array[]): boolean {
    writes++;
    for (const chunk of chunks) written += chunk.length;
    return true;
  }

  pause(): void {}
  resume(): void {}
  end(): void {
    this.destroy();
  }
  destroy(): void {
    const handler = this.#handler;
    this.#handler = undefined;
    if (handler !== undefined) queueMicrotask(() => handler.onClose());
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let opened = 0;
const server = new Server(
  async (connection) => {
    connection.subscribe("t");
    opened++;
    await connection.closed;
  },
  { pingIntervalMs: null },
);
for (let i = 0; i < SUBSCRIBERS; i++) server.handleTransport(new SinkTransport());
while (opened < SUBSCRIBERS) await nextTurn();

const payload = new Uint8Array(64).fill(0x61);
async function pass(): Promise<void> {
  for (let turn = 0; turn < TURNS; turn++) {
    for (let i = 0; i < PER_TURN; i++) server.publish("t", payload);
    await nextTurn();
  }
}

await pass(); // warm-up
const before = { written, writes };
const start = performance.now();
for (let i = 0; i < PASSES; i++) await pass();
const deliveries = PASSES * TURNS * PER_TURN * SUBSCRIBERS;
console.log(
  `publish to ${SUBSCRIBERS}: ${PASSES} passes in ${(performance.now() - start).toFixed(0)} ms, ` +
    `${deliveries} deliveries in ${writes - before.writes} writes (${written - before.written} bytes)`,
);
await server.close();
