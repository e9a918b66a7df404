/**
 * `npm run bench`: the whole comparison in one command. Runs every benchmark
 * against this library, `ws` (with and without bufferutil), Bun's native
 * server and Deno's, each as a separate server process pinned to core 0 with
 * the load generator (bench/load.ts) pinned to core 1, alternating the
 * implementations round after round; then writes docs/bench-results.json,
 * docs/benchmarks.md and the docs/bench-*.svg charts (bench/report.ts).
 *
 * Options (after `npm run bench --`):
 * - `--quick`: a smoke run of about two minutes (fewer, shorter rounds,
 *   fewer connections); the figures are for checking the harness, not for
 *   quoting.
 * - `--rounds N`, `--seconds S`, `--warmup S`: rounds per benchmark (default
 *   5), measuring window and warm-up of each run (default 1.5 and 0.5).
 * - `--only a,b`: benchmark ids or groups (`throughput`, `latency`, `tls`,
 *   `handshake`, `memory`, `compression`, `broadcast`, `pubsub`).
 * - `--impls a,b`: implementations (`ours`, `ws`, `ws-js`, `bun`, `deno`,
 *   `ws-facade`: websocket-sansio/ws, in the 64 B echo; `bare`: a bare
 *   `node:net` echo with no library, the Node ceiling, at 1 MiB, over TLS
 *   and in the handshake benchmark;
 *   `ours-node20`, `ws-node20`: both on Node 20, at 1 MiB, when this runs on
 *   a Node 20).
 * - `--node PATH`: the Node that runs the Node servers (default: Node 24 from
 *   .runtimes/, else the system's); `--load-node PATH`: the Node that runs the
 *   load generator (default: the newest Node in .runtimes/).
 * - `--out DIR`: where the report goes (default docs/).
 * - `--yardstick PATH`: also runs the 64 B echo of ws, ours and Bun with
 *   another load generator (the Go tools/wsblast binary at PATH) right after
 *   bench/load.ts on the same server, and reports both rates: a check that
 *   our load generator is not what limits the figures.
 *
 * - `--raw-handshakes`: the handshake benchmark's load comes from
 *   bench/handshake-load.c (built with `cc` into .build-bench/) instead of
 *   bench/load.ts: the Node client spends about as much CPU per handshake as
 *   our server does, so it is near its own limit when the server is faster
 *   than ws, and squeezes the ratios; the C one spends about half, most of
 *   it in the kernel.
 *
 * Bun, Deno and newer Nodes come from scripts/install-runtimes.sh (.runtimes/);
 * the run installs them when they are missing and skips what it cannot get.
 *
 * It runs from its own build (.build-bench/, see the `bench` script), so that
 * `npm test` rebuilding .build/ meanwhile cannot pull files from under it.
 *
 * @module
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { option } from "./args.js";
import {
  type BenchResult,
  type Results,
  type Run,
  writeReport,
  type YardstickRow,
} from "./report.js";

// --- options -----------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  // The usage is this file's header comment, read from the source beside the build.
  const source = readFileSync(
    fileURLToPath(new URL("../../bench/run.ts", import.meta.url)),
    "utf8",
  );
  const header = source.slice(source.indexOf("/**") + 3, source.indexOf("*/"));
  console.log(
    header
      .replace(/^ \* ?/gm, "")
      .replace(/@module\s*$/, "")
      .trim(),
  );
  process.exit(0);
}
const QUICK = argv.includes("--quick");
const ROUNDS = Number(option("rounds") ?? (QUICK ? 2 : 5));
const SECONDS = Number(option("seconds") ?? (QUICK ? 0.4 : 1.5));
const WARMUP = Number(option("warmup") ?? (QUICK ? 0.2 : 0.5));
/** A benchmark's warm-up: `--warmup` when given (or --quick), else its own, else {@link WARMUP}. */
function warmupOf(bench: Bench): number {
  return option("warmup") !== undefined || QUICK ? WARMUP : (bench.warmupSeconds ?? WARMUP);
}
const IDLE_CONNECTIONS = Number(option("idle-connections") ?? (QUICK ? 1000 : 5000));
const DEFLATE_CONNECTIONS = Number(option("deflate-connections") ?? (QUICK ? 500 : 2000));
const MEMORY_ROUNDS = Math.min(ROUNDS, QUICK ? 1 : 3);
const ONLY = option("only")?.split(",");
const YARDSTICK = option("yardstick");
const RAW_HANDSHAKES = argv.includes("--raw-handshakes");
const IMPLS = option("impls")?.split(",");

const here = dirname(fileURLToPath(import.meta.url)); // .build-bench/bench
const root = resolve(here, "../..");
const OUT = resolve(root, option("out") ?? "docs");
const RUNTIMES = join(root, ".runtimes/node_modules");

// --- runtimes ----------------------------------------------------------------

const paths = {
  node22: join(RUNTIMES, "node22/bin/node"),
  node24: join(RUNTIMES, "node24/bin/node"),
  node26: join(RUNTIMES, "node26/bin/node"),
  bun: join(RUNTIMES, "@oven/bun-linux-x64/bin/bun"),
  deno: join(RUNTIMES, "@deno/linux-x64-glibc/deno"),
};
if (!existsSync(paths.bun) || !existsSync(paths.deno) || !existsSync(paths.node24)) {
  const script = join(root, "scripts/install-runtimes.sh");
  if (existsSync(script)) {
    console.log("Installing runtimes into .runtimes/ (scripts/install-runtimes.sh)...");
    try {
      execFileSync(script, { stdio: "inherit" });
    } catch {
      console.log("  could not install them; the runs that need them are skipped");
    }
  }
}
const SERVER_NODE = option("node") ?? (existsSync(paths.node24) ? paths.node24 : process.execPath);
const LOAD_NODE =
  option("load-node") ??
  [paths.node26, paths.node24, paths.node22].find((p) => existsSync(p)) ??
  process.execPath;

/**
 * A Node 20 for the 1 MiB echoes' second pair of columns (ours and ws on it):
 * the Node running this script when it is a 20, as the machine's is. Large
 * messages cost both libraries far more on Node 24 (major collections for the
 * buffers' external memory, where Node 20 scavenges them), which is what set
 * this bench's 1 MiB ratio apart from an outside one on Node 20 (issue 20).
 */
const NODE20 = process.version.startsWith("v20.") ? process.execPath : undefined;

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return "unavailable";
  }
}
function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"))
      .version as string;
  } catch {
    return "unavailable";
  }
}

// --- implementations ---------------------------------------------------------

interface Impl {
  readonly id: string;
  readonly label: string;
  readonly available: boolean;
  /** Command, arguments and extra environment of its server. */
  server(mode: string, deflate: string | undefined): [string, string[], Record<string, string>];
}

const nodeServer = join(here, "servers/node.js");

/**
 * A server of bench/servers/node.ts, `--impl impl` (default `id`), on `node`
 * (default SERVER_NODE; `available: false` when it is missing). `deflate`:
 * what it offers, fixed; `false` never any; unset, what the benchmark asks for.
 */
function nodeImpl(
  id: string,
  label: string,
  options: {
    impl?: string;
    deflate?: string | false;
    env?: Record<string, string>;
    node?: string;
    available?: boolean;
  } = {},
): Impl {
  const { impl = id, env = {}, node = SERVER_NODE, available = true } = options;
  return {
    id,
    label,
    available,
    server: (mode, deflate) => [
      node,
      [
        "--expose-gc",
        nodeServer,
        "--impl",
        impl,
        "--mode",
        mode,
        ...flag("--deflate", options.deflate === false ? undefined : (options.deflate ?? deflate)),
      ],
      env,
    ],
  };
}

const IMPL_LIST: Impl[] = [
  nodeImpl("ws", "ws + bufferutil"),
  nodeImpl("ours", "websocket-sansio"),
  nodeImpl("ours-small", "websocket-sansio, default deflate settings", {
    impl: "ours",
    deflate: "defaults",
  }),
  nodeImpl("cli", "websocket-sansio serve (the CLI)", { deflate: false }),
  nodeImpl("ours-attached", "websocket-sansio on node:http", { deflate: false }),
  nodeImpl("ws-attached", "ws on node:http", { deflate: false }),
  nodeImpl("ws-facade", "websocket-sansio/ws (ws's code on the facade)"),
  nodeImpl("ws-js", "ws without bufferutil", { impl: "ws", env: { WS_NO_BUFFER_UTIL: "1" } }),
  ...(["ours", "ws"] as const).map((id) =>
    nodeImpl(
      `${id}-node20`,
      `${id === "ours" ? "websocket-sansio" : "ws + bufferutil"} on Node 20`,
      {
        impl: id,
        deflate: false,
        node: NODE20 ?? process.execPath,
        available: NODE20 !== undefined,
      },
    ),
  ),
  {
    // The Node ceiling: a bare echo on node:net (bench/servers/bare.ts).
    id: "bare",
    label: "bare node:net echo (no library, no validation)",
    available: true,
    server: () => [SERVER_NODE, ["--expose-gc", join(here, "servers/bare.js")], {}],
  },
  {
    // The ceiling of the attached mode: the same behind node:http's upgrade event.
    id: "bare-attached",
    label: "bare echo on node:http's upgrade (no library, no validation)",
    available: true,
    server: () => [SERVER_NODE, ["--expose-gc", join(here, "servers/bare.js"), "--http"], {}],
  },
  {
    id: "bun",
    label: "Bun.serve",
    available: existsSync(paths.bun),
    server: (mode, deflate) => [
      paths.bun,
      [join(root, "bench/servers/bun.js"), "--mode", mode, ...(deflate ? ["--deflate"] : [])],
      {},
    ],
  },
  {
    id: "deno",
    label: "Deno.serve",
    available: existsSync(paths.deno),
    server: (mode) => [
      paths.deno,
      ["run", "-A", "--v8-flags=--expose-gc", join(root, "bench/servers/deno.js"), "--mode", mode],
      { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    ],
  },
];
function flag(name: string, value: string | undefined): string[] {
  return value === undefined ? [] : [name, value];
}
const impls = new Map(IMPL_LIST.map((impl) => [impl.id, impl]));

// --- benchmarks --------------------------------------------------------------

interface Bench {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  readonly impls: readonly string[];
  readonly serverMode: "echo" | "broadcast" | "publish";
  /** Compression setting passed to the servers: `matched` offers permessage-deflate. */
  readonly deflate?: string;
  /** Over TLS (wss:): the servers get `--tls DIR` (a self-signed certificate), the load `--tls`. */
  readonly tls?: boolean;
  readonly load: Record<string, string | number | boolean>;
  /** Arguments added to each server's command line (Node servers: bench/servers/node.ts). */
  readonly serverArgs?: readonly string[];
  readonly kind: "rate" | "latency" | "memory";
  readonly rounds?: number;
  /** Seconds of load before measuring, when `--warmup` does not say (default: the global one). */
  readonly warmupSeconds?: number;
  readonly description: string;
}

const ALL = ["ws", "ours", "ws-js", "bun", "deno"];
/** The main job as a user starts it, and both libraries attached to a node:http server. */
const SERVING = [...ALL, "cli", "ours-attached", "ws-attached"];
const echo = (
  size: number,
  label: string,
  slug: string,
  connections: number,
  inflight: number,
  batch: number,
  shape?: string,
): Bench => ({
  id: `echo-${slug}`,
  group: "throughput",
  title: `Echo throughput, ${label} messages${shape === undefined ? "" : ` (${shape})`}`,
  unit: "msg/s",
  better: "higher",
  // The ws facade's target is the 64 B echo: at least 5x ws (issue 19).
  // The bare node:net echo is the Node ceiling beside Bun where the messages are large.
  // At 1 MiB, also ours and ws on Node 20 (see NODE20).
  impls:
    size === 64
      ? [...ALL, "ws-facade"]
      : size >= 1024 * 1024
        ? [...ALL, "bare", "ours-node20", "ws-node20"]
        : ALL,
  serverMode: "echo",
  load: { mode: "echo", size, connections, inflight, batch },
  kind: "rate",
  description: `${connections} connections × ${inflight} binary messages of ${label} in flight${batch > 1 ? `, written back in batches of at least ${batch}` : ""}; echoes per second.`,
});
/** Echo over TLS (wss:): ours and ws, each on Node's TLS; the bare echo as the ceiling. */
const tlsEcho = (size: number, label: string, slug: string, inflight: number): Bench => ({
  id: `tls-${slug}`,
  group: "tls",
  title: `Echo throughput over TLS, ${label} messages`,
  unit: "msg/s",
  better: "higher",
  impls: ["ws", "ours", "bare"],
  serverMode: "echo",
  tls: true,
  load: { mode: "echo", size, connections: 50, inflight, tls: true },
  kind: "rate",
  description: `Over TLS (wss:, TLS 1.3, a self-signed P-256 certificate, Node's TLS on both libraries): 50 connections × ${inflight} binary messages of ${label} in flight; echoes per second.`,
});

const BENCHES: Bench[] = [
  echo(64, "64 B", "64b", 50, 32, 16),
  echo(1024, "1 KiB", "1k", 50, 32, 16),
  echo(16 * 1024, "16 KiB", "16k", 50, 8, 1),
  echo(1024 * 1024, "1 MiB", "1m", 4, 2, 1),
  // The shape of the outside measurement of issue 20 (8 × 2 in flight).
  echo(1024 * 1024, "1 MiB", "1m-8x2", 8, 2, 1, "8 × 2 in flight"),
  {
    id: "latency",
    group: "latency",
    title: "Round-trip latency, one 64 B message in flight",
    unit: "µs",
    better: "lower",
    impls: [...ALL, "bare"],
    serverMode: "echo",
    load: { mode: "latency", size: 64 },
    kind: "latency",
    description:
      "One connection, one 64 B message in flight: the time from writing a message to reading its echo (median and 99th percentile of each run).",
  },
  {
    id: "latency-100",
    group: "latency",
    title: "Round-trip latency, 100 connections with one 64 B message in flight each",
    unit: "µs",
    better: "lower",
    impls: [...ALL, "bare"],
    serverMode: "echo",
    load: { mode: "latency", size: 64, connections: 100 },
    kind: "latency",
    description:
      "100 connections, each with one 64 B message in flight: the time from writing a message to reading its echo, over all connections (median and 99th percentile of each run). The server is far from saturated; the tail shows what a reply waits for.",
  },
  tlsEcho(64, "64 B", "64b", 32),
  tlsEcho(16 * 1024, "16 KiB", "16k", 8),
  {
    id: "handshake",
    group: "handshake",
    title: "Opening handshakes per second",
    unit: "conn/s",
    better: "higher",
    // The bare servers answer upgrades too: the Node ceilings, on node:net
    // and behind node:http (the attached mode's).
    impls: [...SERVING, "bare", "bare-attached"],
    serverMode: "echo",
    load: { mode: "handshake", connections: 16 },
    kind: "rate",
    // Each round starts a fresh server, and the JIT needs seconds of
    // handshakes to settle its tiers (its compile jobs share the server's
    // core): after 0.5 s, every server measured 30-50 % below its steady
    // rate, and a library with more code to compile further below (session
    // 18: ws 8.3 k/s after 0.5 s, 10.6-12.8 k/s after 3 s).
    warmupSeconds: 3,
    description:
      "16 loops that each open a TCP connection, send an upgrade request, wait for 101 and reset the connection; measured after 3 s of the same load (a fresh server each round: the JIT's tiers settle).",
  },
  {
    id: "memory-idle",
    group: "memory",
    title: `Memory per idle connection (${IDLE_CONNECTIONS} connections)`,
    unit: "KiB/conn",
    better: "lower",
    impls: SERVING,
    serverMode: "echo",
    load: { mode: "idle", connections: IDLE_CONNECTIONS },
    kind: "memory",
    rounds: MEMORY_ROUNDS,
    description: `Growth of the server's resident memory (RSS, after garbage collection) from a baseline taken after a warm-up of ${Math.floor(IDLE_CONNECTIONS / 5)} connections (opened and closed, so that the JIT has compiled the per-connection code) to ${IDLE_CONNECTIONS} open, idle connections, divided by their number.`,
  },
  {
    id: "memory-idle-keepalive",
    group: "memory",
    title: `Memory per idle connection with keepalive on (${IDLE_CONNECTIONS} connections)`,
    unit: "KiB/conn",
    better: "lower",
    impls: ["ws", "ours", "cli", "ours-attached", "ws-attached"],
    serverMode: "echo",
    serverArgs: ["--keepalive"],
    load: { mode: "idle", connections: IDLE_CONNECTIONS },
    kind: "memory",
    rounds: MEMORY_ROUNDS,
    description: `As above, with keepalive as a user runs it: ours with its default pings (every 20 s, one shared timer per interval), ws with the heartbeat of its README (a ping to every client every 30 s, terminating those that did not answer the last one). The CLI always runs with keepalive on.`,
  },
  {
    id: "memory-deflate",
    group: "memory",
    title: `Memory per connection with permessage-deflate (${DEFLATE_CONNECTIONS} connections)`,
    unit: "KiB/conn",
    better: "lower",
    impls: ["ws", "ours", "ours-small", "bun"],
    serverMode: "echo",
    deflate: "matched",
    load: { mode: "idle", connections: DEFLATE_CONNECTIONS, deflate: true, size: 1024 },
    kind: "memory",
    rounds: MEMORY_ROUNDS,
    description: `As above, with permessage-deflate negotiated and one 1 KiB compressed message echoed on each connection (so that both of the server's codecs exist). ws's defaults (15-bit windows, memLevel 8) on ws and ours; "default deflate settings" is ours out of the box (12-bit windows, memLevel 5). Bun negotiates no context takeover in both directions and shares its compressor between connections, so it holds almost nothing per connection.`,
  },
  {
    id: "deflate-echo",
    group: "compression",
    title: "Compressed echo throughput, 1 KiB JSON messages",
    unit: "msg/s",
    better: "higher",
    impls: ["ws", "ours", "bun"],
    serverMode: "echo",
    deflate: "matched",
    load: { mode: "echo", size: 1024, connections: 16, inflight: 8, deflate: true },
    kind: "rate",
    description:
      "permessage-deflate with context takeover and the same settings on both libraries (ws's defaults: 15-bit windows, memLevel 8, level 6, 1 KiB threshold); 16 connections × 8 messages in flight, drawn from 256 different 1 KiB JSON texts. The server inflates each message and deflates its echo. Bun is not like for like: it answers with no context takeover in both directions (its shared compressor), so it keeps no compression state per connection and compresses each message on its own.",
  },
  {
    id: "broadcast",
    group: "broadcast",
    title: "Broadcast to 1,000 connections, 64 B messages",
    unit: "deliveries/s",
    better: "higher",
    impls: ALL,
    serverMode: "broadcast",
    load: { mode: "broadcast", size: 64, connections: 1000, inflight: 16 },
    kind: "rate",
    description:
      "1,000 connections; one of them publishes, and the server relays each message to all 1,000 (ours: `broadcast()`, framing once; ws: a loop over `wss.clients`; Bun: `server.publish`; Deno: a loop over its sockets). 16 broadcasts in flight; messages received per second over all connections.",
  },
  ...[1000, 10_000].map(
    (connections): Bench => ({
      id: `publish-${connections / 1000}k`,
      group: "pubsub",
      title: `Publish to a topic of ${connections.toLocaleString("en-US")} subscribers, 64 B messages`,
      unit: "deliveries/s",
      better: "higher",
      impls: ["ours", "ws", "bun"],
      serverMode: "publish",
      load: { mode: "broadcast", size: 64, connections, inflight: 16 },
      kind: "rate",
      description: `${connections.toLocaleString("en-US")} connections subscribed to one topic; one of them sends, and the server publishes each message to the topic (ours: \`server.publish\`, framed once, a turn's publishes written to each subscriber together at the end of the turn; Bun: \`server.publish\`, whose uWebSockets does the same at the end of its loop iteration; ws: a loop over \`wss.clients\`, which has no topics). 16 publishes in flight; messages received per second over all connections.`,
    }),
  ),
];

// --- processes ---------------------------------------------------------------

/** Starts `command` pinned to `core`, with the open-files limit raised for thousands of sockets. */
function pinned(
  core: number,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(
    "sh",
    [
      "-c",
      'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec taskset -c "$0" "$@"',
      String(core),
      command,
      ...args,
    ],
    { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } },
  );
}

/** Lines of a child's stdout, awaited one at a time. */
class Lines {
  readonly #queue: string[] = [];
  readonly #waiting: ((line: string | undefined) => void)[] = [];
  #ended = false;

  constructor(child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const waiter = this.#waiting.shift();
      if (waiter !== undefined) waiter(line);
      else this.#queue.push(line);
    });
    lines.on("close", () => {
      this.#ended = true;
      for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    });
  }

  /** The next line starting with `prefix` (others are skipped), or a rejection after `timeoutMs`. */
  async next(prefix: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line =
        this.#queue.shift() ??
        (this.#ended
          ? undefined
          : await new Promise<string | undefined>((resolve) => {
              const timer = setTimeout(() => {
                const i = this.#waiting.indexOf(resolve);
                if (i >= 0) this.#waiting.splice(i, 1);
                resolve(undefined);
              }, deadline - Date.now());
              this.#waiting.push((line) => {
                clearTimeout(timer);
                resolve(line);
              });
            }));
      if (line === undefined) throw new Error(`Cannot read ${JSON.stringify(prefix)} from a child`);
      if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
    }
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited(child);
  clearTimeout(timer);
}

interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly lines: Lines;
}

let tlsDir: string | undefined;
/** A self-signed certificate for the TLS benchmarks, made once per run (openssl). */
function tlsFiles(): string {
  if (tlsDir !== undefined) return tlsDir;
  tlsDir = mkdtempSync(join(tmpdir(), "bench-tls-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
      ...["-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-keyout", join(tlsDir, "key.pem"), "-out", join(tlsDir, "cert.pem")],
    ],
    { stdio: "ignore" },
  );
  return tlsDir;
}

async function startServer(impl: Impl, bench: Bench): Promise<Server> {
  const [command, given, env] = impl.server(bench.serverMode, bench.deflate);
  const args = [
    ...given,
    ...(bench.tls === true ? ["--tls", tlsFiles()] : []),
    ...(bench.serverArgs ?? []),
  ];
  const child = pinned(0, command, args, env);
  const lines = new Lines(child);
  try {
    const port = Number(await lines.next("PORT", 20_000));
    return { child, pid: child.pid!, port, lines };
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`Cannot start the ${impl.id} server (its error output is above)`, {
      cause: error,
    });
  }
}

function loadArgs(bench: Bench, server: Server): string[] {
  const args = [
    join(here, "load.js"),
    `--port=${server.port}`,
    `--pid=${server.pid}`,
    `--seconds=${SECONDS}`,
    `--warmup=${warmupOf(bench)}`,
  ];
  for (const [key, value] of Object.entries(bench.load)) args.push(`--${key}=${value}`);
  return args;
}

let rawLoad: string | undefined;
/** bench/handshake-load.c, built once per run. */
function rawHandshakeLoad(): string {
  if (rawLoad === undefined) {
    rawLoad = join(here, "../handshake-load");
    execFileSync("cc", ["-O2", "-o", rawLoad, join(root, "bench/handshake-load.c")], {
      stdio: "inherit",
    });
  }
  return rawLoad;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function collectGarbage(server: Server): Promise<void> {
  server.child.stdin!.write("gc\n");
  await server.lines.next("GC", 10_000);
  await sleep(300);
}

async function measure(impl: Impl, bench: Bench): Promise<Run> {
  const server = await startServer(impl, bench);
  try {
    const load =
      RAW_HANDSHAKES && bench.load["mode"] === "handshake"
        ? pinned(1, rawHandshakeLoad(), [
            "--port",
            String(server.port),
            "--pid",
            String(server.pid),
            "--connections",
            String(bench.load["connections"]),
            "--seconds",
            String(SECONDS),
            "--warmup",
            String(warmupOf(bench)),
          ])
        : pinned(1, LOAD_NODE, loadArgs(bench, server));
    const lines = new Lines(load);
    if (bench.kind === "memory") {
      try {
        await lines.next("WARM", 120_000);
        await collectGarbage(server);
        const before = rssBytes(server.pid);
        load.stdin!.write("go\n");
        const ready = JSON.parse(await lines.next("READY", 300_000)) as {
          connections: number;
          openSeconds: number;
        };
        await sleep(500);
        await collectGarbage(server);
        const after = rssBytes(server.pid);
        return {
          value: (after - before) / 1024 / ready.connections,
          extra: { rssBeforeMiB: before / 2 ** 20, rssAfterMiB: after / 2 ** 20, ...ready },
        };
      } finally {
        await stopChild(load);
      }
    }
    const timeout = (SECONDS + warmupOf(bench)) * 1000 + 60_000;
    const result = JSON.parse(await lines.next("RESULT", timeout)) as {
      rate: number;
      serverCpu: number;
      loadCpu: number;
      p50Us?: number;
      p99Us?: number;
      p999Us?: number;
      count: number;
      otherCpu0: number;
      otherCpu1: number;
      perRead?: number;
    };
    const other = { otherCpu0: result.otherCpu0, otherCpu1: result.otherCpu1 };
    await exited(load);
    if (bench.kind === "latency") {
      return {
        value: result.p50Us!,
        serverCpu: result.serverCpu,
        loadCpu: result.loadCpu,
        extra: { p99Us: result.p99Us!, p999Us: result.p999Us!, samples: result.count, ...other },
      };
    }
    return {
      value: result.rate,
      serverCpu: result.serverCpu,
      loadCpu: result.loadCpu,
      extra: {
        count: result.count,
        ...other,
        ...(result.perRead === undefined ? {} : { perRead: result.perRead }),
      },
    };
  } finally {
    await stopChild(server.child);
  }
}

/**
 * The yardstick: bench/load.ts and another load generator, one after the
 * other on the same server, same shape of load (50 connections × 32 in
 * flight, 64 B, batches of 16).
 */
async function yardstick(binary: string, rounds: number): Promise<YardstickRow[]> {
  const bench = BENCHES[0]!;
  const rows: YardstickRow[] = [];
  const ids = ["ws", "ours", "bun"].filter((id) => impls.get(id)!.available);
  console.log(`\nYardstick: bench/load.ts and ${binary} on the same server (${rounds} rounds)`);
  for (let round = 0; round < rounds; round++) {
    for (const id of ids) {
      const server = await startServer(impls.get(id)!, bench);
      try {
        const load = pinned(1, LOAD_NODE, loadArgs(bench, server));
        const ours = JSON.parse(await new Lines(load).next("RESULT", 60_000)) as {
          rate: number;
          loadCpu: number;
        };
        await exited(load);
        const blast = pinned(1, binary, [
          "-addr",
          `127.0.0.1:${server.port}`,
          "-c",
          "50",
          "-w",
          "32",
          "-s",
          "64",
          "-b",
          "16",
          "-d",
          `${SECONDS}s`,
          "-warm",
          `${Math.round(WARMUP * 1000)}ms`,
        ]);
        const line = await new Lines(blast).next("go-blast", 60_000);
        await exited(blast);
        const rate = Number(/rate=(\d+)/.exec(line)?.[1]);
        const cpu = Number(/client_cpu=(\d+)%/.exec(line)?.[1]) / 100;
        rows.push({
          impl: id,
          loadRate: ours.rate,
          loadCpu: ours.loadCpu,
          otherRate: rate,
          otherCpu: cpu,
        });
        console.log(
          `  ${round + 1}/${rounds} ${id.padEnd(10)} load.ts ${Math.round(ours.rate).toLocaleString("en-US")} msg/s (CPU ${pc(ours.loadCpu)}), wsblast ${rate.toLocaleString("en-US")} msg/s (CPU ${pc(cpu)})`,
        );
      } catch (error) {
        console.log(
          `  ${round + 1}/${rounds} ${id.padEnd(10)} failed: ${(error as Error).message}`,
        );
      } finally {
        await stopChild(server.child);
      }
    }
  }
  return rows;
}

// --- the run -----------------------------------------------------------------

const pc = (share: number | undefined): string =>
  share === undefined || !Number.isFinite(share) ? "–" : `${Math.max(0, share * 100).toFixed(0)} %`;

function formatRun(bench: Bench, run: Run): string {
  const value =
    bench.kind === "memory"
      ? `${run.value.toFixed(1)} KiB/conn`
      : bench.kind === "latency"
        ? `p50 ${run.value.toFixed(0)} µs, p99 ${Number(run.extra?.["p99Us"]).toFixed(0)} µs`
        : `${Math.round(run.value).toLocaleString("en-US")} ${bench.unit}`;
  const cpu =
    run.serverCpu === undefined
      ? ""
      : `  (server CPU ${pc(run.serverCpu)}, load CPU ${pc(run.loadCpu)}; other work on core 0 ${pc(run.extra?.["otherCpu0"])}, core 1 ${pc(run.extra?.["otherCpu1"])})`;
  return `${value}${cpu}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const selected = BENCHES.filter(
    (b) => ONLY === undefined || ONLY.includes(b.id) || ONLY.includes(b.group),
  );
  const meta: Results["meta"] = {
    date: new Date().toISOString(),
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    quick: QUICK,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmup: WARMUP,
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      loadBefore: loadavg().map((l) => Number(l.toFixed(2))),
      loadAfter: [],
    },
    versions: {
      "Node (servers)": version(SERVER_NODE, ["--version"]),
      "Node (load generator)": version(LOAD_NODE, ["--version"]),
      Bun: version(paths.bun, ["--version"]),
      Deno: version(paths.deno, ["--version"]),
      ws: packageVersion("ws"),
      bufferutil: packageVersion("bufferutil"),
      "websocket-sansio": `${packageVersion("../")} (${version("git", ["-C", root, "describe", "--always", "--dirty"])})`,
    },
    labels: Object.fromEntries(IMPL_LIST.map((impl) => [impl.id, impl.label])),
  };
  console.log(`Benchmark: ${meta.command}`);
  console.log(
    `  servers on core 0 (${meta.versions["Node (servers)"]}), load on core 1 (${meta.versions["Node (load generator)"]})`,
  );
  const results: BenchResult[] = [];
  for (const bench of selected) {
    const ids = bench.impls.filter(
      (id) =>
        impls.get(id)!.available && (IMPLS === undefined || IMPLS.includes(id) || id === "ws"),
    );
    const rounds = bench.rounds ?? ROUNDS;
    const benchStarted = Date.now();
    console.log(`\n${bench.title} (${rounds} ${rounds === 1 ? "round" : "rounds"})`);
    const runs: Record<string, Run[]> = Object.fromEntries(ids.map((id) => [id, []]));
    const errors: Record<string, string> = {};
    for (let round = 0; round < rounds; round++) {
      // Alternate, and rotate the order so that no implementation always runs first.
      const order = ids.map((_, i) => ids[(i + round) % ids.length]!);
      for (const id of order) {
        if (errors[id] !== undefined) continue;
        try {
          const run = await measure(impls.get(id)!, bench);
          runs[id]!.push(run);
          console.log(`  ${round + 1}/${rounds} ${id.padEnd(10)} ${formatRun(bench, run)}`);
        } catch (error) {
          errors[id] = (error as Error).message;
          console.log(`  ${round + 1}/${rounds} ${id.padEnd(10)} failed: ${errors[id]}`);
        }
      }
    }
    console.log(`  (${((Date.now() - benchStarted) / 1000).toFixed(0)} s)`);
    results.push({
      id: bench.id,
      group: bench.group,
      title: bench.title,
      unit: bench.unit,
      better: bench.better,
      kind: bench.kind,
      description: bench.description,
      runs,
      errors,
    });
  }
  meta.machine.loadAfter = loadavg().map((l) => Number(l.toFixed(2)));
  const data: Results = { meta, benches: results };
  if (YARDSTICK !== undefined) data.yardstick = await yardstick(YARDSTICK, Math.min(ROUNDS, 3));
  meta.minutes = (Date.now() - started) / 60_000;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "bench-results.json"), `${JSON.stringify(data, null, 2)}\n`);
  const written = writeReport(data, OUT);
  console.log(`\nDone in ${meta.minutes.toFixed(1)} min. Wrote ${written.join(", ")}`);
}

await main();
