/**
 * Pub/sub across two server processes on one Redis, against Socket.IO 4.8
 * with `@socket.io/redis-adapter`: one publisher on server A sends at a fixed
 * rate; subscribers, half on A and half on B, receive. Reports messages
 * delivered per second and the end-to-end latency (publisher's send to a
 * subscriber's receipt, one clock: all clients live in this process) at p50
 * and p99, and each server's CPU share, alternating the two implementations
 * round after round. Same Redis, same publish rate, same number of clients
 * and processes, and the same client (see `openClient`) for both.
 *
 * `npm run bench:pubsub-redis -- [--subscribers 200] [--rate 500] [--seconds 5] [--rounds 2]`
 * (needs redis-server; starts its own on a free port).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { startRedis } from "../test/helpers/redis.js";
import { numberOption } from "./args.js";

const SUBSCRIBERS = numberOption("subscribers", 200);
const RATE = numberOption("rate", 500);
const SECONDS = numberOption("seconds", 5);
const ROUNDS = numberOption("rounds", 2);
/** One subscriber in this many (on each server) records latencies. */
const LATENCY_EVERY = 10;
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

/**
 * Both kinds of client are the same `ws` client, without compression (which
 * Socket.IO's server does not negotiate by default, and ours would): the
 * clients cost the same per message, and the load generator measures the
 * servers, not two client libraries. For Socket.IO it speaks the few
 * packets of its protocol that the benchmark needs over Engine.IO 4's
 * WebSocket transport: the open packet (`0{...}`), the namespace connect
 * (`40`), pings (`2`, answered `3`) and events (`42["m","..."]`).
 */
async function openClient(
  impl: string,
  port: number,
  onMessage: ((text: string) => void) | undefined,
  onCount: () => void,
): Promise<Client> {
  const url =
    impl === "ours"
      ? `ws://127.0.0.1:${port}/`
      : `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  if (impl === "ours") {
    ws.on("message", (data: Buffer) => {
      onCount();
      onMessage?.(data.toString());
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return { send: (text) => ws.send(text), close: () => ws.terminate() };
  }
  const connected = new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      // "42": an event (checked on the bytes: most clients only count).
      if (data[0] === 0x34 && data[1] === 0x32) {
        onCount();
        // 42["m","<text>"]: the text is a JSON string after the event name.
        if (onMessage !== undefined) {
          onMessage(JSON.parse(data.toString("utf8", 7, data.length - 1)) as string);
        }
        return;
      }
      const packet = data.toString();
      if (packet === "2") ws.send("3");
      else if (packet.startsWith("0")) ws.send("40");
      else if (packet.startsWith("40")) resolve();
    });
  });
  await connected;
  return {
    send: (text) => ws.send(`42${JSON.stringify(["m", text])}`),
    close: () => ws.terminate(),
  };
}

/** A process's CPU seconds (user + system) from /proc, NaN where there is none. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

async function round(impl: string, url: string) {
  const servers = [await startServer(impl, url), await startServer(impl, url)];
  const latencies: number[] = [];
  let delivered = 0;
  let measuring = false;
  // Every subscriber counts; one in LATENCY_EVERY decodes each message for
  // its latency, so that the clients, all in this process, stay cheaper than
  // the servers they measure.
  const onCount = (): void => {
    if (measuring) delivered++;
  };
  const onMessage = (text: string): void => {
    if (!measuring) return;
    latencies.push(performance.now() - Number(text.slice(0, text.indexOf(" "))));
  };
  const subscribers: Client[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const sampled = i % LATENCY_EVERY < 2; // on both servers
    subscribers.push(
      await openClient(impl, servers[i % 2]!.port, sampled ? onMessage : undefined, onCount),
    );
  }
  const publisher = await openClient(impl, servers[0]!.port, undefined, () => {});
  await sleep(300);
  const padding = "x".repeat(40);
  const tick = 10; // ms between batches
  // Catches up with the clock: a timer that fires late (a busy machine) must
  // not lower the publish rate, or the rate would depend on the server tested.
  const began = performance.now();
  let sent = 0;
  const send = (): void => {
    const due = Math.floor(((performance.now() - began) * RATE) / 1000);
    for (; sent < due; sent++) publisher.send(`${performance.now()} ${padding}`);
  };
  const timer = setInterval(send, tick);
  await sleep(1000); // warm-up
  measuring = true;
  const start = performance.now();
  const cpuBefore = servers.map((server) => cpuSeconds(server.child.pid));
  const ownBefore = process.cpuUsage();
  await sleep(SECONDS * 1000);
  clearInterval(timer);
  const elapsed = (performance.now() - start) / 1000;
  const serverCpu = servers.map(
    (server, i) => (cpuSeconds(server.child.pid) - cpuBefore[i]!) / elapsed,
  );
  const own = process.cpuUsage(ownBefore);
  const clientCpu = (own.user + own.system) / 1e6 / elapsed;
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
    serverCpu,
    clientCpu,
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
          `(of ${result.expectedPerSecond.toLocaleString("en-US")})  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ` +
          `server CPU ${result.serverCpu.map((cpu) => `${(cpu * 100).toFixed(0)} %`).join(" + ")}, clients ${(result.clientCpu * 100).toFixed(0)} %`,
      );
    }
  }
} finally {
  await redis.stop();
}
process.exit(0);
