/**
 * WebSockets over one HTTP/2 connection (RFC 8441) against one TCP connection
 * each, on the same server (this library's `serve()`, which takes both on
 * one port): opening rate, server memory per WebSocket, and echo rate at
 * 64 B and 16 KiB with every WebSocket keeping one message in flight.
 *
 * Usage: `npm run bench:http2` (which writes docs/bench-http2.md and the
 * section of docs/benchmarks.md), or after `npx tsc -p tsconfig.json --outDir .build-bench`
 * (a build that `npm test` does not rewrite):
 * `node .build-bench/bench/http2.js [--modes tls,h2c] [--count 1000] [--rounds 5]
 *  [--seconds 2] [--only opening,memory,echo] [--write docs/bench-http2.md] [--cpu-prof DIR]`
 * (the server's Node is the one that runs this: `.runtimes/node_modules/node24/bin/node …`
 * for Node 24, as `npm run bench` uses for its servers).
 *
 * - The server runs in a child process pinned to core 0, the load (our own
 *   client, in this process) on core 1 (when `taskset` exists).
 * - Modes: `tls` compares HTTP/2 over TLS (ALPN `h2`) with one TLS
 *   connection and a 101 per WebSocket (`wss:`), which is how browsers use
 *   it; `h2c` compares cleartext HTTP/2 with prior knowledge with `ws:`,
 *   which leaves the TLS handshake out and so shows the cost of a stream
 *   against a bare TCP connection and a 101.
 * - Opening: one server process per mode; an HTTP/2 session held open by one
 *   WebSocket (the point of RFC 8441: the connection is already there), a
 *   warm-up of both kinds, then `--rounds` batches of `--count` WebSockets
 *   of each kind, the order alternating (tcp h2, h2 tcp, ...), each batch
 *   closed before the next. Reported: rate (wall clock) and the CPU time
 *   the server and the client spent per WebSocket opened (utime + stime,
 *   which other work on a shared machine disturbs far less than the rate).
 * - Memory and echo: a fresh server per round and kind (alternating), a
 *   warm-up of 100 WebSockets opened and closed, then the server's heap and
 *   RSS after garbage collection before and after opening `--count`, and
 *   the growth of the kernel's socket caches (half of it: the server's end;
 *   from /proc/slabinfo, readable by root on Linux); then the echo rate and
 *   the server's CPU per echo at 64 B and 16 KiB. (RSS moves with V8's
 *   young generation and the allocator's high-water mark after a burst of
 *   openings more than with what each WebSocket holds: the heap is the
 *   steady figure.)
 * - Each figure is the median over the rounds; each ratio the median of
 *   the per-round ratios, with their spread (min-max).
 * - `--write FILE` writes the tables as a Markdown section (bench/report.ts
 *   puts `bench-http2.md` into docs/benchmarks.md when it is beside it).
 * - `--cpu-prof DIR` profiles the server (a .cpuprofile per server process)
 *   into DIR; run this process with `node --cpu-prof` for the client.
 *
 * @module
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { type ClientConnection, connect, serve } from "../src/node/index.js";
import { selfSigned } from "../test/node/helpers.js";

const argv = process.argv.slice(2);
function text(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}
const option = (name: string, fallback: number): number => Number(text(name) ?? fallback);
type Mode = "tls" | "h2c";
type Kind = "tcp" | "h2";

/**
 * The server child: prints `PORT n`; answers `mem` with `MEM heap rss young` after
 * collecting garbage, `stats` with `STATS cpuMicros connections`, and
 * `snapshot FILE` by writing a heap snapshot there.
 */
async function runServer(tls: boolean): Promise<void> {
  const server = await serve(
    async (connection) => {
      for await (const message of connection) await connection.send(message);
    },
    {
      host: "127.0.0.1",
      port: 0,
      ...(tls ? { tls: selfSigned() } : { h2c: true }),
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
    if (line === "mem") {
      for (let i = 0; i < 3; i++) gc?.();
      const usage = process.memoryUsage();
      // The young generation's resident pages: they grow with a burst of
      // allocation (the openings), not with what each WebSocket holds.
      const young = getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
      process.stdout.write(
        `MEM ${usage.heapUsed + usage.arrayBuffers} ${usage.rss} ${young?.physical_space_size ?? 0}\n`,
      );
    } else if (line.startsWith("snapshot ")) {
      // (For finding what a WebSocket holds: `snapshot FILE` by hand.)
      process.stdout.write(`SNAPSHOT ${writeHeapSnapshot(line.slice(9))}\n`);
    } else if (line === "stats") {
      const cpu = process.cpuUsage();
      process.stdout.write(`STATS ${cpu.user + cpu.system} ${server.connections.size}\n`);
    }
  });
  // process.exit() still writes a --cpu-prof profile.
  lines.on("close", () => void server.close().then(() => process.exit(0)));
}

interface Child {
  process: ChildProcess;
  lines: Interface;
  port: number;
  url: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function startServer(mode: Mode): Promise<Child> {
  const script = fileURLToPath(import.meta.url);
  const profile = text("cpu-prof");
  const args = [
    "--expose-gc",
    ...(profile === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profile]),
    script,
    "--server",
    ...(mode === "tls" ? ["--tls"] : []),
  ];
  const child = hasTaskset()
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], {
        stdio: ["pipe", "pipe", "inherit"],
      })
    : spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve) =>
    lines.once("line", (line) => resolve(Number(line.split(" ")[1]))),
  );
  const url = `${mode === "tls" ? "wss" : "ws"}://127.0.0.1:${port}/`;
  return { process: child, lines, port, url };
}

async function stopServer(child: Child): Promise<void> {
  child.process.stdin!.end();
  await new Promise((resolve) => child.process.once("exit", resolve));
}

function ask(child: Child, command: string): Promise<number[]> {
  return new Promise((resolve) => {
    child.lines.once("line", (line) => resolve(line.split(" ").slice(1).map(Number)));
    child.process.stdin!.write(`${command}\n`);
  });
}

async function memory(child: Child): Promise<{ heap: number; rss: number; young: number }> {
  const [heap, rss, young] = await ask(child, "mem");
  return { heap: heap!, rss: rss!, young: young! };
}

async function stats(child: Child): Promise<{ cpuMicros: number; connections: number }> {
  const [cpuMicros, connections] = await ask(child, "stats");
  return { cpuMicros: cpuMicros!, connections: connections! };
}

/** Waits until the server holds at most `count` connections (the closes of a batch are done). */
async function settle(child: Child, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await stats(child)).connections <= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const clientOptions = (kind: Kind) => ({
  http2: kind === "h2",
  compression: null,
  pingIntervalMs: null,
  tls: { rejectUnauthorized: false },
});

/** Opens `count` WebSockets, `concurrency` at a time. */
async function open(
  url: string,
  kind: Kind,
  count: number,
  concurrency = 100,
): Promise<ClientConnection[]> {
  const clients: ClientConnection[] = [];
  // One options object: the HTTP/2 pool tells TLS options apart by identity.
  const options = kind === "h2" ? h2Options : tcpOptions;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        clients.push(await connect(url, options));
      }
    }),
  );
  return clients;
}
const h2Options = clientOptions("h2");
const tcpOptions = clientOptions("tcp");

async function closeAll(clients: ClientConnection[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

function cpuMicros(): number {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
}

interface Opening {
  perSecond: number;
  serverMicros: number;
  clientMicros: number;
}

/** Opens one batch and measures it; closes it after. */
async function openingBatch(server: Child, kind: Kind, count: number): Promise<Opening> {
  const before = await stats(server);
  const clientBefore = cpuMicros();
  const start = performance.now();
  const clients = await open(server.url, kind, count);
  const ms = performance.now() - start;
  const clientAfter = cpuMicros();
  const after = await stats(server);
  await closeAll(clients);
  // The anchor stays.
  await settle(server, 1);
  return {
    perSecond: (count / ms) * 1000,
    serverMicros: (after.cpuMicros - before.cpuMicros) / count,
    clientMicros: (clientAfter - clientBefore) / count,
  };
}

async function opening(mode: Mode, count: number, rounds: number) {
  // (--kinds h2: one kind only, for profiling it.)
  const kinds = (text("kinds") ?? "tcp,h2").split(",") as Kind[];
  const server = await startServer(mode);
  const results: Record<Kind, Opening[]> = { tcp: [], h2: [] };
  try {
    // The session a stream opens on: held open throughout, as a page's is.
    const anchor = await open(server.url, "h2", 1);
    for (let i = 0; i < 2; i++) {
      for (const kind of kinds) await openingBatch(server, kind, count);
    }
    for (let i = 0; i < rounds; i++) {
      const order: Kind[] = i % 2 === 0 ? ["tcp", "h2"] : ["h2", "tcp"];
      for (const kind of order.filter((k) => kinds.includes(k))) {
        const result = await openingBatch(server, kind, count);
        results[kind].push(result);
        log(`${mode} opening round ${i + 1} ${kind}: ${JSON.stringify(rounded(result))}`);
      }
    }
    await closeAll(anchor);
  } finally {
    await stopServer(server);
  }
  return results;
}

interface Footprint {
  heapBytes: number;
  rssBytes: number;
  rssOldBytes: number;
  kernelBytes: number;
  echo64: number;
  echo64ServerMicros: number;
  echo64ClientMicros: number;
  echo16k: number;
  echo16kServerMicros: number;
  echo16kClientMicros: number;
}

/** Every client echoes `size`-byte messages one at a time for `seconds`. */
async function echo(server: Child, clients: ClientConnection[], size: number, seconds: number) {
  const payload = new Uint8Array(size).fill(0x61);
  const run = async (ms: number): Promise<number> => {
    const end = performance.now() + ms;
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
    return echoes;
  };
  await run(300);
  const before = await stats(server);
  const clientBefore = cpuMicros();
  const start = performance.now();
  const echoes = await run(seconds * 1000);
  const ms = performance.now() - start;
  const clientAfter = cpuMicros();
  const after = await stats(server);
  return {
    clientMicros: (clientAfter - clientBefore) / echoes,
    perSecond: (echoes / ms) * 1000,
    serverMicros: (after.cpuMicros - before.cpuMicros) / echoes,
  };
}

// The kernel's caches that grow with each socket (Linux): the socket
// itself, its inode, file, dentry and epoll entry.
const SOCKET_SLABS = new Set([
  "TCP",
  "TCPv6",
  "sock_inode_cache",
  "filp",
  "dentry",
  "eventpoll_epi",
  "eventpoll_pwq",
]);

/** Bytes in the kernel's socket caches now (`/proc/slabinfo`), or NaN where it cannot be read (not Linux, not root). */
function socketSlabBytes(): number {
  try {
    let bytes = 0;
    for (const line of readFileSync("/proc/slabinfo", "utf8").split("\n").slice(2)) {
      const [name, active, , size] = line.split(/\s+/);
      if (name !== undefined && SOCKET_SLABS.has(name)) bytes += Number(active) * Number(size);
    }
    return bytes;
  } catch {
    return Number.NaN;
  }
}

async function footprint(
  mode: Mode,
  kind: Kind,
  count: number,
  seconds: number,
  withEcho: boolean,
): Promise<Footprint> {
  const server = await startServer(mode);
  try {
    // The h2 session's own cost counts like a connection's: it is opened
    // by the first WebSocket, which stays.
    const first = await open(server.url, kind, 1);
    await closeAll(await open(server.url, kind, 100));
    await settle(server, 1);
    const before = await memory(server);
    const slabBefore = socketSlabBytes();
    const clients = await open(server.url, kind, count);
    const slabAfter = socketSlabBytes();
    const after = await memory(server);
    const result: Footprint = {
      heapBytes: (after.heap - before.heap) / count,
      rssBytes: (after.rss - before.rss) / count,
      rssOldBytes: (after.rss - after.young - (before.rss - before.young)) / count,
      // Both ends of each loopback connection are on this machine: the
      // server's share is half.
      kernelBytes: (slabAfter - slabBefore) / count / 2,
      echo64: Number.NaN,
      echo64ServerMicros: Number.NaN,
      echo64ClientMicros: Number.NaN,
      echo16k: Number.NaN,
      echo16kServerMicros: Number.NaN,
      echo16kClientMicros: Number.NaN,
    };
    if (withEcho) {
      const small = await echo(server, clients, 64, seconds);
      const large = await echo(server, clients, 16 * 1024, seconds);
      result.echo64 = small.perSecond;
      result.echo64ServerMicros = small.serverMicros;
      result.echo64ClientMicros = small.clientMicros;
      result.echo16k = large.perSecond;
      result.echo16kServerMicros = large.serverMicros;
      result.echo16kClientMicros = large.clientMicros;
    }
    await closeAll([...clients, ...first]);
    return result;
  } finally {
    await stopServer(server);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function rounded<T extends object>(value: T): Record<string, number> {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, Math.round((v as number) * 100) / 100]),
  );
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const show = (n: number): string =>
  Number.isNaN(n) ? "–" : n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(1);

/** A table row: medians of both kinds, the median per-round ratio and its spread. */
function row<T>(
  label: string,
  results: Record<Kind, T[]>,
  value: (r: T) => number,
  unit: string,
): string {
  const tcp = results.tcp.map(value);
  const h2 = results.h2.map(value);
  const ratios = h2.map((v, i) => v / tcp[i]!).filter((r) => !Number.isNaN(r));
  if (ratios.length === 0) return `| ${label} | – | – | – | – |`;
  const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  return `| ${label} (${unit}) | ${show(median(tcp))} | ${show(median(h2))} | **${median(ratios).toFixed(2)}×** | ${spread} |`;
}

async function runBench(): Promise<void> {
  // The load on core 1, away from the server on core 0 (all threads: the
  // TLS and zlib work of libuv's pool too).
  if (cpus().length > 1 && hasTaskset()) {
    execFileSync("taskset", ["-a", "-cp", "1", String(process.pid)], { stdio: "ignore" });
  }
  const count = option("count", 1000);
  const rounds = option("rounds", 5);
  const seconds = option("seconds", 2);
  const modes = (text("modes") ?? "tls,h2c").split(",") as Mode[];
  const only = (text("only") ?? "opening,memory,echo").split(",");
  const started = performance.now();
  const load = loadavg().map((n) => n.toFixed(1));
  const md: string[] = [];
  for (const mode of modes) {
    const title =
      mode === "tls"
        ? "over TLS: HTTP/2 (ALPN h2) against `wss:` (a TLS connection and a 101 each)"
        : "cleartext: h2c with prior knowledge against `ws:` (a TCP connection and a 101 each)";
    md.push(
      `### ${count.toLocaleString("en")} WebSockets ${title}`,
      "",
      "| | one TCP connection each | one HTTP/2 connection | h2 / tcp (median) | spread |",
      "|---|--:|--:|--:|--:|",
    );
    if (only.includes("opening")) {
      const results = await opening(mode, count, rounds);
      md.push(
        row("Opening rate", results, (r) => r.perSecond, "WebSockets/s"),
        row("Server CPU per opening", results, (r) => r.serverMicros, "µs"),
        row("Client CPU per opening", results, (r) => r.clientMicros, "µs"),
      );
    }
    if (only.includes("memory") || only.includes("echo")) {
      const results: Record<Kind, Footprint[]> = { tcp: [], h2: [] };
      const withEcho = only.includes("echo");
      for (let i = 0; i < rounds; i++) {
        const order: Kind[] = i % 2 === 0 ? ["tcp", "h2"] : ["h2", "tcp"];
        for (const kind of order) {
          const result = await footprint(mode, kind, count, seconds, withEcho);
          results[kind].push(result);
          log(`${mode} footprint round ${i + 1} ${kind}: ${JSON.stringify(rounded(result))}`);
        }
      }
      md.push(
        row("Server heap per WebSocket", results, (r) => r.heapBytes, "bytes"),
        row("Server RSS per WebSocket", results, (r) => r.rssBytes, "bytes"),
        row(
          "Server RSS per WebSocket, young generation aside",
          results,
          (r) => r.rssOldBytes,
          "bytes",
        ),
        row("Kernel socket memory per WebSocket", results, (r) => r.kernelBytes, "bytes"),
        row(
          "Server memory per WebSocket: RSS (young generation aside) and kernel",
          results,
          (r) => r.rssOldBytes + r.kernelBytes,
          "bytes",
        ),
      );
      if (withEcho) {
        md.push(
          row("Echo 64 B, one in flight each", results, (r) => r.echo64, "messages/s"),
          row("Server CPU per 64 B echo", results, (r) => r.echo64ServerMicros, "µs"),
          row("Client CPU per 64 B echo", results, (r) => r.echo64ClientMicros, "µs"),
          row("Echo 16 KiB, one in flight each", results, (r) => r.echo16k, "messages/s"),
          row("Server CPU per 16 KiB echo", results, (r) => r.echo16kServerMicros, "µs"),
          row("Client CPU per 16 KiB echo", results, (r) => r.echo16kClientMicros, "µs"),
        );
      }
    }
    md.push("");
  }
  const minutes = (performance.now() - started) / 60_000;
  const command = `node .build-bench/bench/http2.js ${argv.join(" ")}`.trim();
  md.unshift(
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`${command}\` (${minutes.toFixed(1)} minutes; ${cpus().length} cores, load average ${load.join(" / ")} before the run) on Node ${process.version}. Medians of ${rounds} rounds; a ratio is the median of the per-round ratios, the spread their range.`,
    "",
  );
  const output = md.join("\n");
  console.log(`\n${output}`);
  const file = text("write");
  if (file !== undefined) writeSection(file, output);
}

const SECTION_TITLE = "## WebSocket over HTTP/2 (RFC 8441)";
const SECTION_END = "<!-- End of bench/http2.ts's section. -->";

/**
 * Writes the section to `file` (bench/report.ts puts it into
 * benchmarks.md when it regenerates it) and into the benchmarks.md beside
 * it now, in place of the previous one, or before its Method.
 */
function writeSection(file: string, tables: string): void {
  const section = [
    SECTION_TITLE,
    "",
    "<!-- Generated by bench/http2.ts (`--write docs/bench-http2.md`); bench/report.ts includes it. Run it again rather than edit. -->",
    "",
    "1,000 WebSockets to one server process (this library's `serve()`, which takes HTTP/1.1 and HTTP/2 on one port), opened as streams of one HTTP/2 connection, and as one TCP connection each with a `101`. The client is this library's `connect()` in one process on core 1, the server on core 0.",
    "",
    "- **Over TLS** (ALPN `h2` against `wss:`) is the comparison that counts: it is how browsers use RFC 8441 (they never speak cleartext HTTP/2), and what a server that offers `wss:` offers on the same port. A new WebSocket there saves a TCP handshake, a TLS handshake and a TLS socket.",
    "- **Cleartext** (h2c with prior knowledge against `ws:`) leaves TLS out: it shows what a stream costs against a bare loopback TCP connection and a `101`, the least a new WebSocket can cost. Both sides speak HTTP/2 with the library's own sans-I/O machine (`src/core/http2/`), not `node:http2`: a stream is a small object beside the WebSocket's connection, where a `node:http2` stream cost about what a socket does (its JavaScript objects, Node's C++ stream and nghttp2's state, about 4 KB, and about as many instructions to open as a TCP accept and a `101`). The `ws:` connections reach the same listener, which tells them from h2c by their first bytes as any `serve({ h2c: true })` does, at about the cost of a server without h2c.",
    "- **Opening**: one server process per comparison; the client's HTTP/2 session is held open by one WebSocket (as a page's connection is); a warm-up of two batches of each kind; then batches of 1,000 of each kind, 100 opening at a time, the order alternating from round to round, each batch closed before the next. The rate is wall-clock; the CPU time per opening (utime + stime of each process over the batch) is what other work on a shared machine disturbs least.",
    "- **Memory**: a fresh server per round and kind; its heap (used + array buffers) and resident memory after garbage collection, before and after opening 1,000 WebSockets (after a warm-up of 100). The heap is what the WebSockets hold. The resident memory also moves with what V8's young generation and the allocator grew to during the burst of openings, which is not per WebSocket: it varies by several KB per WebSocket from run to run, and after a warm-up of 1,000 instead of 100 it moves by under 1.5 KB per WebSocket for either kind. Most of that is the young generation's resident pages (`v8.getHeapSpaceStatistics()`, `new_space`), which grew by about 2 MB during the 1,000 openings of either kind: the row \"young generation aside\" takes their growth out of the resident memory's. The kernel row is the growth of the kernel's socket caches (`/proc/slabinfo`: the socket, its inode, file, dentry and epoll entry; half of it, both ends being on this machine; Linux as root only, else –), which each TCP connection adds and a stream does not, and which neither process's resident memory counts.",
    "- **Echo**: every WebSocket keeps one message in flight, for the measuring window after a warm-up; the CPU columns are per echo.",
    "",
    tables.trim(),
    "",
    SECTION_END,
  ].join("\n");
  writeFileSync(file, `${section}\n`);
  const report = join(dirname(file), "benchmarks.md");
  const files = [file];
  if (existsSync(report)) {
    const previous = readFileSync(report, "utf8");
    const start = previous.indexOf(SECTION_TITLE);
    const end = previous.indexOf(SECTION_END);
    const method = previous.indexOf("\n## Method");
    let next: string;
    if (start >= 0 && end > start) {
      next = previous.slice(0, start) + section + previous.slice(end + SECTION_END.length);
    } else if (method >= 0) {
      next = `${previous.slice(0, method + 1)}${section}\n\n${previous.slice(method + 1)}`;
    } else next = `${previous.trimEnd()}\n\n${section}\n`;
    writeFileSync(report, next);
    files.push(report);
  }
  // Aligned tables, as `biome check` wants them (cosmetic: skipped without biome).
  try {
    execFileSync("npx", ["biome", "format", "--write", ...files], { stdio: "ignore" });
  } catch {
    // Written either way.
  }
}

if (argv.includes("--server")) await runServer(argv.includes("--tls"));
else await runBench();
