/**
 * `npm run bench:whatwg`: echo throughput through a WHATWG `WebSocket` client,
 * ours (`websocket-sansio/node`) against undici 7's, on the same server (this
 * library's echo server, bench/servers/node.ts, in a child process pinned to
 * core 0 where `taskset` exists, the clients in this process on core 1),
 * alternating round after round. Each client keeps `--window` messages of
 * `--bytes` bytes in flight on `--connections` connections and sends one more
 * for each echo it receives, for `--seconds` after a warm-up.
 *
 * Options: `--rounds N` (default 5), `--seconds S` (2), `--warmup S` (0.5),
 * `--bytes B` (64), `--window W` (100), `--connections C` (1), `--impls ours,undici`,
 * `--server ours|bun`: the echo server (default ours). With one connection
 * our echo server saturates its core before our client does (about 460 k
 * msg/s here, the client at three quarters of its core), so the rate ratio is
 * a floor; Bun's server (bench/servers/bun.js, from .runtimes/) is faster
 * and moves the limit toward the client (2026-12-03: 4.86x undici with ours,
 * 6.10x with Bun's; 6.7x and 7.6x per CPU second of the clients).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocket as UndiciWebSocket } from "undici";
import { WebSocket } from "../src/node/index.js";
import { numberOption, option } from "./args.js";

const rounds = numberOption("rounds", 5);
const seconds = numberOption("seconds", 2);
const warmup = numberOption("warmup", 0.5);
const bytes = numberOption("bytes", 64);
const window = numberOption("window", 100);
const connections = numberOption("connections", 1);

interface Client {
  binaryType: string;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
  addEventListener(type: string, listener: () => void): void;
}
type ClientClass = new (url: string) => Client;

const ALL_IMPLS: Record<string, ClientClass> = {
  ours: WebSocket as unknown as ClientClass,
  undici: UndiciWebSocket as unknown as ClientClass,
};
const only = option("impls")?.split(",");
const IMPLS = Object.fromEntries(
  Object.entries(ALL_IMPLS).filter(([name]) => only === undefined || only.includes(name)),
);

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const bun = option("server") === "bun";
  // bench/servers/bun.js is plain JavaScript, run from the source tree.
  const root = join(here, "../..");
  const runtime = bun
    ? join(root, ".runtimes/node_modules/@oven/bun-linux-x64/bin/bun")
    : process.execPath;
  const command = bun
    ? [runtime, join(root, "bench/servers/bun.js")]
    : [runtime, join(here, "servers/node.js"), "--impl", "ours"];
  const pinned = existsSync("/usr/bin/taskset");
  const child = spawn(
    pinned ? "taskset" : command[0]!,
    [...(pinned ? ["-c", "0"] : []), ...(pinned ? command : command.slice(1))],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^PORT (\d+)$/.exec(line);
    if (match) return { port: Number(match[1]), stop: () => child.stdin!.end() };
  }
  throw new Error("The server did not start");
}

/**
 * Messages echoed per second through `Impl` over one measuring window, and
 * per second of this process's CPU time (the clients' cost, which other work
 * on a shared machine distorts less than the rate).
 */
async function measure(Impl: ClientClass, url: string): Promise<{ rate: number; perCpu: number }> {
  const payload = new Uint8Array(bytes).fill(120);
  let counting = false;
  let received = 0;
  const sockets = await Promise.all(
    Array.from({ length: connections }, async () => {
      const socket = new Impl(url);
      socket.binaryType = "arraybuffer";
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener("open", resolve);
        socket.addEventListener("error", () => reject(new Error("Cannot connect")));
      });
      return socket;
    }),
  );
  let running = true;
  for (const socket of sockets) {
    socket.onmessage = () => {
      if (counting) received++;
      if (running) socket.send(payload);
    };
    for (let i = 0; i < window; i++) socket.send(payload);
  }
  await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
  counting = true;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = performance.now() - start;
  counting = false;
  running = false;
  const rate = (received / elapsed) * 1000;
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.addEventListener("close", resolve);
          socket.close();
        }),
    ),
  );
  return { rate, perCpu: received / ((cpu.user + cpu.system) / 1e6) };
}

const server = await startServer();
const url = `ws://127.0.0.1:${server.port}/`;
const rates: Record<string, number[]> = { ours: [], undici: [] };
const perCpu: Record<string, number[]> = { ours: [], undici: [] };
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, Impl] of Object.entries(IMPLS)) {
      const result = await measure(Impl, url);
      rates[name]!.push(result.rate);
      perCpu[name]!.push(result.perCpu);
      console.log(
        `round ${round + 1} ${name.padEnd(6)} ${Math.round(result.rate).toLocaleString("en")} msg/s, ` +
          `${Math.round(result.perCpu).toLocaleString("en")} msg per CPU second`,
      );
    }
  }
} finally {
  server.stop();
}
const medianOf = (values: number[]): number => (values.length > 0 ? median(values) : Number.NaN);
const ours = medianOf(rates["ours"]!);
const undici = medianOf(rates["undici"]!);
const oursCpu = medianOf(perCpu["ours"]!);
const undiciCpu = medianOf(perCpu["undici"]!);
console.log(
  `\n${bytes} B echo, ${connections} connection(s), ${window} in flight each: ` +
    `ours ${Math.round(ours).toLocaleString("en")} msg/s, undici ${Math.round(undici).toLocaleString("en")} msg/s ` +
    `(median of ${rounds}): ${(ours / undici).toFixed(2)}x; per CPU second of the clients: ` +
    `ours ${Math.round(oursCpu).toLocaleString("en")}, undici ${Math.round(undiciCpu).toLocaleString("en")}: ` +
    `${(oursCpu / undiciCpu).toFixed(2)}x`,
);
process.exit(0);
