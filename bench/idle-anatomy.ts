/**
 * `npm run bench:idle-anatomy -- --impl cli`: where an idle connection's
 * memory goes, for one server of bench/servers/node.ts. The same ramp as the
 * memory-idle benchmark (a warm-up of a fifth of the connections, opened and
 * closed, so that the JIT has compiled the per-connection code; then
 * `--connections` idle ones), with two views of the growth, per connection:
 *
 * - RSS by mapping (/proc/<pid>/smaps): the JS heap's pages and malloc's
 *   arenas are both anonymous, so they are told apart by the heap snapshot
 *   below; code pages of the node binary show as the binary's mapping.
 * - The JS heap by constructor (two heap snapshots, after garbage
 *   collection): objects and bytes per connection of each kind; what RSS has
 *   beyond them is native (libuv handles, Node's C++ wraps, kernel-side
 *   buffers are not in RSS).
 *
 * Options: `--impl` (as bench/run.ts's ids: ours, ws, cli, ours-attached,
 * ws-attached), `--connections N` (default 2000), `--keepalive` (ours and ws
 * with keepalive pings, as a user runs them), `--idle-seconds S` (how long
 * they stay idle before the second reading; default 0.3), `--top N` rows (default 25),
 * `--node PATH` for the server.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { flag, option } from "./args.js";

const IMPL = option("impl") ?? "ours";
const CONNECTIONS = Number(option("connections") ?? 2000);
const TOP = Number(option("top") ?? 25);
const KEEPALIVE = flag("keepalive");
// How long the connections stay idle before the second reading.
const IDLE_MS = Number(option("idle-seconds") ?? 0.3) * 1000;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const node24 = join(root, ".runtimes/node_modules/node24/bin/node");
const SERVER_NODE = option("node") ?? node24;

/** Lines of a child's stdout, taken one at a time. */
function lineReader(child: ChildProcess): (prefix: string) => Promise<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    queue.push(line);
    wake?.();
  });
  return async (prefix) => {
    for (;;) {
      const line = queue.shift();
      if (line === undefined) await new Promise<void>((resolve) => (wake = resolve));
      else if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
    }
  };
}

function pinned(core: number, command: string, args: string[]): ChildProcess {
  return spawn(
    "sh",
    [
      "-c",
      'ulimit -n 65536 2>/dev/null; exec taskset -c "$0" "$@"',
      String(core),
      command,
      ...args,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
}

/** Resident kilobytes by mapping: the file's name, or [heap], [anon], [stack]. */
function smaps(pid: number): Map<string, number> {
  const rss = new Map<string, number>();
  let name = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "latin1").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) name = mapping[1] === "" ? "[anon]" : mapping[1]!;
    const match = /^Rss:\s+(\d+) kB/.exec(line);
    if (match !== null) rss.set(name, (rss.get(name) ?? 0) + Number(match[1]));
  }
  return rss;
}

interface Kind {
  count: number;
  bytes: number;
}

/** Self sizes of a heap snapshot's nodes by `type:name` (names of strings and code cut short). */
function heapByKind(file: string): Map<string, Kind> {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const kinds = new Map<string, Kind>();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    let name = snapshot.strings[nodes[i + nameAt]!]!;
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    else if (type === "code" || type === "hidden" || type === "array") name = name.slice(0, 40);
    const key = `${type}:${name}`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += nodes[i + sizeAt]!;
    kinds.set(key, kind);
  }
  return kinds;
}

/** Runs the ramp on a fresh server; `snapshots` are written before and after it, else RSS is read. */
async function ramp(snapshots?: [string, string]): Promise<{
  n: number;
  rssBefore: Map<string, number>;
  rssAfter: Map<string, number>;
}> {
  const server = pinned(0, SERVER_NODE, [
    "--expose-gc",
    join(here, "servers/node.js"),
    "--impl",
    IMPL,
    ...(KEEPALIVE ? ["--keepalive"] : []),
  ]);
  const serverLine = lineReader(server);
  const port = await serverLine("PORT");
  const load = pinned(1, process.execPath, [
    join(here, "load.js"),
    "--mode=idle",
    `--port=${port}`,
    `--connections=${CONNECTIONS}`,
  ]);
  const loadLine = lineReader(load);
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
  const gc = async (): Promise<void> => {
    server.stdin!.write("gc\n");
    await serverLine("GC");
    await settle();
  };
  // A heap snapshot grows the process's malloc heap for good: RSS is read
  // on a run without them.
  const measure = async (file: string | undefined): Promise<Map<string, number>> => {
    await gc();
    if (file === undefined) {
      const rss = smaps(server.pid!);
      // The JS heap's share of the anonymous mappings, space by space.
      server.stdin!.write("spaces\n");
      const spaces = JSON.parse(await serverLine("SPACES")) as Record<string, number>;
      for (const [space, bytes] of Object.entries(spaces)) rss.set(`  v8 ${space}`, bytes / 1024);
      return rss;
    }
    server.stdin!.write(`heap ${file}\n`);
    await serverLine("HEAP");
    return new Map();
  };
  try {
    await loadLine("WARM");
    const rssBefore = await measure(snapshots?.[0]);
    load.stdin!.write("go\n");
    const ready = JSON.parse(await loadLine("READY")) as { connections: number };
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const rssAfter = await measure(snapshots?.[1]);
    return { n: ready.connections, rssBefore, rssAfter };
  } finally {
    load.stdin!.end();
    server.stdin!.end();
  }
}

const before = join(tmpdir(), `idle-anatomy-${process.pid}-before.heapsnapshot`);
const after = join(tmpdir(), `idle-anatomy-${process.pid}-after.heapsnapshot`);
try {
  const { n, rssBefore, rssAfter } = await ramp();
  console.log(`${IMPL}${KEEPALIVE ? " (keepalive)" : ""}: ${n} idle connections`);
  let rssTotal = 0;
  const rows: [string, number][] = [];
  for (const name of new Set([...rssBefore.keys(), ...rssAfter.keys()])) {
    const delta = (rssAfter.get(name) ?? 0) - (rssBefore.get(name) ?? 0);
    if (!name.startsWith("  v8 ")) rssTotal += delta;
    if (Math.abs(delta) >= 4) rows.push([name, delta]);
  }
  console.log(`RSS: ${((rssTotal * 1024) / n).toFixed(0)} B/conn`);
  for (const [name, delta] of rows.sort((a, b) => b[1] - a[1])) {
    console.log(`  ${((delta * 1024) / n).toFixed(0).padStart(6)} B/conn  ${name}`);
  }
  const heap = await ramp([before, after]);
  const a = heapByKind(before);
  const b = heapByKind(after);
  let heapTotal = 0;
  const kinds: [string, number, number][] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const bytes = (b.get(key)?.bytes ?? 0) - (a.get(key)?.bytes ?? 0);
    const count = (b.get(key)?.count ?? 0) - (a.get(key)?.count ?? 0);
    heapTotal += bytes;
    kinds.push([key, count / heap.n, bytes / heap.n]);
  }
  console.log(`JS heap (self sizes): ${(heapTotal / heap.n).toFixed(0)} B/conn`);
  kinds.sort((x, y) => Math.abs(y[2]) - Math.abs(x[2]));
  for (const [key, count, bytes] of kinds.slice(0, TOP)) {
    console.log(
      `  ${bytes.toFixed(0).padStart(6)} B/conn  ${count.toFixed(2).padStart(6)}/conn  ${key}`,
    );
  }
} finally {
  rmSync(before, { force: true });
  rmSync(after, { force: true });
}
