/**
 * Pub/sub across two server processes on one Redis, against Socket.IO 4.8
 * with `@socket.io/redis-adapter`: one publisher on server A sends at a fixed
 * rate; subscribers, half on A and half on B, receive. Reports messages
 * delivered per second and the end-to-end latency (publisher's send to a
 * subscriber's receipt, one clock: all clients live in this process) at p50
 * and p99, alternating the two implementations round after round.
 *
 * `npm run bench:pubsub-redis -- [--subscribers 200] [--rate 500] [--seconds 5] [--rounds 2]`
 * (needs redis-server; starts its own on a free port).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Socket, io as socketIoClient } from "socket.io-client";
import WebSocket from "ws";
import { startRedis } from "../test/helpers/redis.js";

const argv = process.argv.slice(2);
const num = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const SUBSCRIBERS = num("subscribers", 200);
const RATE = num("rate", 500);
const SECONDS = num("seconds", 5);
const ROUNDS = num("rounds", 2);
const SERVER = fileURLToPath(new URL("./servers/pubsub-redis.js", import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(
  impl: string,
  url: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER, "--impl", impl, "--redis", url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^PORT (\d+)$/.exec(line);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error(`${impl} server exited before listening`);
}

/** A client of either kind: send a string, be told of each string received. */
interface Client {
  send(text: string): void;
  close(): void;
}

async function openClient(
  impl: string,
  port: number,
  onMessage: (text: string) => void,
): Promise<Client> {
  if (impl === "ours") {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on("message", (data) => onMessage(data.toString()));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return { send: (text) => ws.send(text), close: () => ws.terminate() };
  }
  const socket: Socket = socketIoClient(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
  socket.on("m", (text: string) => onMessage(text));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return { send: (text) => void socket.emit("m", text), close: () => void socket.disconnect() };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

async function round(impl: string, url: string) {
  const servers = [await startServer(impl, url), await startServer(impl, url)];
  const latencies: number[] = [];
  let delivered = 0;
  let measuring = false;
  const onMessage = (text: string): void => {
    if (!measuring) return;
    delivered++;
    latencies.push(performance.now() - Number(text.slice(0, text.indexOf(" "))));
  };
  const subscribers: Client[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    subscribers.push(await openClient(impl, servers[i % 2]!.port, onMessage));
  }
  const publisher = await openClient(impl, servers[0]!.port, () => {});
  await sleep(300);
  const padding = "x".repeat(40);
  const tick = 10; // ms between batches
  const perTick = (RATE * tick) / 1000;
  const send = (): void => {
    for (let i = 0; i < perTick; i++) publisher.send(`${performance.now()} ${padding}`);
  };
  const timer = setInterval(send, tick);
  await sleep(1000); // warm-up
  measuring = true;
  const start = performance.now();
  await sleep(SECONDS * 1000);
  clearInterval(timer);
  const elapsed = (performance.now() - start) / 1000;
  await sleep(500); // the last ones in flight
  measuring = false;
  const sorted = Float64Array.from(latencies).sort();
  for (const client of [...subscribers, publisher]) client.close();
  for (const server of servers) server.child.kill();
  return {
    deliveredPerSecond: delivered / elapsed,
    expectedPerSecond: RATE * SUBSCRIBERS,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

const redis = await startRedis();
console.log(
  `Pub/sub across 2 processes on Redis: ${SUBSCRIBERS} subscribers, ${RATE} msg/s published, ${SECONDS} s`,
);
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const impl of ["ours", "socketio"]) {
      const result = await round(impl, redis.url);
      console.log(
        `  ${r + 1}/${ROUNDS} ${impl.padEnd(9)} ${Math.round(result.deliveredPerSecond).toLocaleString("en-US").padStart(9)} delivered/s ` +
          `(of ${result.expectedPerSecond.toLocaleString("en-US")})  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`,
      );
    }
  }
} finally {
  await redis.stop();
}
process.exit(0);
