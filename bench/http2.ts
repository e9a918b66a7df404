/**
 * WebSockets over one HTTP/2 connection (RFC 8441) against one TCP connection
 * each, on the same server (this library's `serve()`, which takes both on
 * one port): opening rate, server memory per WebSocket, and echo rate at
 * 64 B and 16 KiB with every WebSocket keeping one message in flight.
 *
 * Usage (after `npx tsc -p tsconfig.json --outDir .build-bench`, a build that `npm test` does not rewrite):
 * `taskset -c 1 node .build-bench/bench/http2.js [--count 1000] [--rounds 2] [--seconds 3] [--tls]`
 * The server runs in a child process pinned to core 0 (when `taskset`
 * exists); the load (our own client, in this process) should be pinned to
 * the other core. Without `--tls` both sides are cleartext (h2c with prior
 * knowledge against ws:), which leaves TLS handshakes out of the opening
 * rate; with it, both are TLS (ALPN h2 against http/1.1).
 * The kinds alternate round after round; the report gives each figure's
 * median and the ratio h2 / tcp.
 *
 * @module
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ClientConnection, connect, serve } from "../src/node/index.js";
import { selfSigned } from "../test/node/helpers.js";

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const TLS = argv.includes("--tls");

if (argv.includes("--server")) await runServer();
else await runBench();

/** The server child: prints `PORT n`; on `mem`, collects garbage and prints `MEM heap rss`. */
async function runServer(): Promise<void> {
  const server = await serve(
    async (connection) => {
      for await (const message of connection) await connection.send(message);
    },
    {
      host: "127.0.0.1",
      port: 0,
      ...(TLS ? { tls: selfSigned() } : { h2c: true }),
      compression: null,
      pingIntervalMs: null,
      maxMessageBytes: 1 << 20,
      // The default of 100 streams per connection would hold the rest back.
      maxConcurrentStreams: 100_000,
    },
  );
  const address = server.address as { port: number };
  process.stdout.write(`PORT ${address.port}\n`);
  const gc = (globalThis as { gc?: () => void }).gc;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line !== "mem") return;
    for (let i = 0; i < 3; i++) gc?.();
    const usage = process.memoryUsage();
    process.stdout.write(`MEM ${usage.heapUsed + usage.arrayBuffers} ${usage.rss}\n`);
  });
  lines.on("close", () => void server.close().then(() => process.exit(0)));
}

interface Child {
  process: ChildProcess;
  lines: Interface;
  port: number;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function startServer(): Promise<Child> {
  const script = fileURLToPath(import.meta.url);
  const args = ["--expose-gc", script, "--server", ...(TLS ? ["--tls"] : [])];
  const child = hasTaskset()
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], {
        stdio: ["pipe", "pipe", "inherit"],
      })
    : spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve) =>
    lines.once("line", (line) => resolve(Number(line.split(" ")[1]))),
  );
  return { process: child, lines, port };
}

function memory(child: Child): Promise<{ heap: number; rss: number }> {
  return new Promise((resolve) => {
    child.lines.once("line", (line) => {
      const [, heap, rss] = line.split(" ");
      resolve({ heap: Number(heap), rss: Number(rss) });
    });
    child.process.stdin!.write("mem\n");
  });
}

/** Opens `count` WebSockets, `concurrency` at a time; resolves with them and the time taken. */
async function open(url: string, http2: boolean, count: number, concurrency = 100) {
  const clients: ClientConnection[] = [];
  const options = {
    http2,
    compression: null,
    pingIntervalMs: null,
    tls: { rejectUnauthorized: false },
  };
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        clients.push(await connect(url, options));
      }
    }),
  );
  return { clients, ms: performance.now() - start };
}

/** Every client echoes `size`-byte messages one at a time for `seconds`; resolves with echoes per second. */
async function echo(clients: ClientConnection[], size: number, seconds: number): Promise<number> {
  const payload = new Uint8Array(size).fill(0x61);
  const end = performance.now() + seconds * 1000;
  let echoes = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        await client.send(payload);
        await client.recv();
        echoes++;
      }
    }),
  );
  return echoes / seconds;
}

async function round(kind: "tcp" | "h2", count: number, seconds: number) {
  const server = await startServer();
  try {
    const url = `${TLS ? "wss" : "ws"}://127.0.0.1:${server.port}/`;
    // One WebSocket first, so that an h2 session's setup counts like a
    // connection's, then the baseline.
    const warm = await open(url, kind === "h2", 1, 1);
    const before = await memory(server);
    const { clients, ms } = await open(url, kind === "h2", count);
    const after = await memory(server);
    const result = {
      opensPerSecond: (count / ms) * 1000,
      heapBytesPerWebSocket: (after.heap - before.heap) / count,
      rssBytesPerWebSocket: (after.rss - before.rss) / count,
      echo64: await echo(clients, 64, seconds),
      echo16k: await echo(clients, 16 * 1024, seconds),
    };
    await Promise.all([...clients, ...warm.clients].map((client) => client.close()));
    return result;
  } finally {
    server.process.stdin!.end();
    await new Promise((resolve) => server.process.once("exit", resolve));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function runBench(): Promise<void> {
  const count = option("count", 1000);
  const rounds = option("rounds", 2);
  const seconds = option("seconds", 3);
  const results: Record<"tcp" | "h2", Awaited<ReturnType<typeof round>>[]> = { tcp: [], h2: [] };
  for (let i = 0; i < rounds; i++) {
    for (const kind of ["tcp", "h2"] as const) {
      const result = await round(kind, count, seconds);
      results[kind].push(result);
      process.stderr.write(`round ${i + 1} ${kind}: ${JSON.stringify(result)}\n`);
    }
  }
  const rows: [string, keyof Awaited<ReturnType<typeof round>>, string][] = [
    ["Opening rate", "opensPerSecond", "WebSockets/s"],
    ["Server heap per WebSocket", "heapBytesPerWebSocket", "bytes"],
    ["Server RSS per WebSocket", "rssBytesPerWebSocket", "bytes"],
    ["Echo 64 B", "echo64", "messages/s"],
    ["Echo 16 KiB", "echo16k", "messages/s"],
  ];
  const mode = TLS ? "TLS (h2 / http/1.1)" : "cleartext (h2c / ws:)";
  console.log(`\n${count} WebSockets, ${mode}, median of ${rounds} rounds\n`);
  console.log("| | one TCP connection each | one HTTP/2 connection | h2 / tcp |");
  console.log("|---|---:|---:|---:|");
  for (const [label, key, unit] of rows) {
    const tcp = median(results.tcp.map((r) => r[key]));
    const h2 = median(results.h2.map((r) => r[key]));
    const show = (n: number): string => `${Math.round(n).toLocaleString("en")} ${unit}`;
    console.log(`| ${label} | ${show(tcp)} | ${show(h2)} | ${(h2 / tcp).toFixed(2)}× |`);
  }
}
