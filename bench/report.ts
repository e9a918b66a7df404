/**
 * Writes docs/benchmarks.md and its charts (docs/bench-*.svg, hand-written
 * SVG) from the results of bench/run.ts. Also runs on its own, to regenerate
 * the report from saved results without measuring again:
 * `node .build-bench/bench/report.js docs/bench-results.json` (after `npm run bench`).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One measurement of one implementation. */
export interface Run {
  /** msg/s, conn/s, deliveries/s; µs (latency p50); KiB per connection (memory). */
  readonly value: number;
  /** Server CPU time over the measuring window, as a fraction of one core. */
  readonly serverCpu?: number;
  /** Load generator CPU time over the same window, as a fraction of one core. */
  readonly loadCpu?: number;
  readonly extra?: Readonly<Record<string, number>>;
}

/** Every run of one benchmark. */
export interface BenchResult {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  readonly unit: string;
  readonly better: "higher" | "lower";
  readonly kind: "rate" | "latency" | "memory";
  readonly description: string;
  /** Runs per implementation id, in round order (round i of each ran in the same round). */
  readonly runs: Readonly<Record<string, readonly Run[]>>;
  readonly errors: Readonly<Record<string, string>>;
}

/** Everything bench/run.ts saves. */
export interface Results {
  meta: {
    date: string;
    command: string;
    quick: boolean;
    rounds: number;
    seconds: number;
    warmup: number;
    minutes?: number;
    machine: {
      cpu: string;
      cores: number;
      memoryGiB: number;
      kernel: string;
      loadBefore: number[];
      loadAfter: number[];
    };
    versions: Record<string, string>;
    labels: Record<string, string>;
  };
  benches: BenchResult[];
  /** With `--yardstick`: our load generator and another one on the same servers. */
  yardstick?: YardstickRow[];
}

/** One server measured by bench/load.ts and by another load generator, one after the other. */
export interface YardstickRow {
  readonly impl: string;
  readonly loadRate: number;
  readonly loadCpu: number;
  readonly otherRate: number;
  readonly otherCpu: number;
}

// --- statistics --------------------------------------------------------------

function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const min = (values: readonly number[]): number => Math.min(...values);
const max = (values: readonly number[]): number => Math.max(...values);

interface Summary {
  readonly id: string;
  readonly runs: number;
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** value / ws's value in the same round: median, lowest, highest. */
  readonly ratio: number;
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly serverCpu: number;
  readonly loadCpu: number;
  /** Median share of cores 0 and 1 busy with other work during the runs. */
  readonly other0: number;
  readonly other1: number;
  readonly p99: number;
  readonly p99Ratio: number;
}

function summarise(bench: BenchResult, id: string): Summary | undefined {
  const runs = bench.runs[id] ?? [];
  const base = bench.runs["ws"] ?? [];
  if (runs.length === 0) return undefined;
  const values = runs.map((r) => r.value);
  const pairs = Math.min(runs.length, base.length);
  const ratios: number[] = [];
  const p99Ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    ratios.push(runs[i]!.value / base[i]!.value);
    p99Ratios.push(Number(runs[i]!.extra?.["p99Us"]) / Number(base[i]!.extra?.["p99Us"]));
  }
  return {
    id,
    runs: runs.length,
    value: median(values),
    low: min(values),
    high: max(values),
    ratio: median(ratios),
    ratioLow: ratios.length > 0 ? min(ratios) : Number.NaN,
    ratioHigh: ratios.length > 0 ? max(ratios) : Number.NaN,
    serverCpu: median(runs.map((r) => r.serverCpu ?? Number.NaN)),
    loadCpu: median(runs.map((r) => r.loadCpu ?? Number.NaN)),
    other0: median(runs.map((r) => Math.max(0, r.extra?.["otherCpu0"] ?? Number.NaN))),
    other1: median(runs.map((r) => Math.max(0, r.extra?.["otherCpu1"] ?? Number.NaN))),
    p99: median(runs.map((r) => Number(r.extra?.["p99Us"]))),
    p99Ratio: median(p99Ratios),
  };
}

// --- formatting --------------------------------------------------------------

function si(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 1 : 2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)} k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(value >= 100 ? 0 : 1);
}
function ratio(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 10) return `${value.toFixed(1)}×`;
  // Small ratios keep one significant digit rather than rounding to 0.00×.
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(1)}×`;
}
function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(0)} %` : "–";
}
function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// --- charts ------------------------------------------------------------------

/** Names short enough for chart rows and table columns. */
const SHORT: Record<string, string> = {
  ours: "ours",
  "ours-small": "ours, 12-bit",
  ws: "ws",
  "ws-js": "ws, no bufferutil",
  bun: "Bun",
  bare: "bare node:net",
  "ours-node20": "ours, Node 20",
  "ws-node20": "ws, Node 20",
  deno: "Deno",
  cli: "ours, the CLI",
  "ours-attached": "ours on node:http",
  "ws-attached": "ws on node:http",
  "bare-attached": "bare on node:http",
};

const COLORS: Record<string, string> = {
  ours: "#2b6cb0",
  "ours-small": "#63b3ed",
  ws: "#718096",
  "ws-js": "#a0aec0",
  bun: "#d69e2e",
  bare: "#805ad5",
  "ours-node20": "#90cdf4",
  "ws-node20": "#cbd5e0",
  deno: "#38a169",
  cli: "#2c5282",
  "ours-attached": "#4299e1",
  "ws-attached": "#4a5568",
  "bare-attached": "#b794f4",
};

interface ChartRow {
  readonly category: string;
  readonly bars: readonly { readonly id: string; readonly ratio: number }[];
}

/**
 * Horizontal bars of ratios to ws on a log2 scale (so 2× and 0.5× are the same
 * length either side of ws's line), one block of bars per category.
 */
function chart(
  title: string,
  note: string,
  rows: readonly ChartRow[],
  labels: Record<string, string>,
): string {
  const bar = 16;
  const gap = 4;
  const blockGap = 14;
  const left = 130;
  const plot = 460;
  const right = 70;
  const top = 54;
  const width = left + plot + right;
  const ratios = rows
    .flatMap((r) => r.bars.map((b) => b.ratio))
    .filter((r) => Number.isFinite(r) && r > 0);
  const lo = Math.floor(Math.log2(Math.min(0.5, ...ratios)));
  const hi = Math.ceil(Math.log2(Math.max(2, ...ratios)));
  const x = (value: number): number => left + ((Math.log2(value) - lo) / (hi - lo)) * plot;
  let y = top;
  const parts: string[] = [];
  for (const row of rows) {
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${escapeXml(row.category)}</text>`);
    y += 18;
    for (const { id, ratio: r } of row.bars) {
      const color = COLORS[id] ?? "#999";
      parts.push(
        `<text x="${left - 8}" y="${y + bar - 4}" text-anchor="end">${escapeXml(SHORT[id] ?? id)}</text>`,
      );
      if (Number.isFinite(r) && r > 0) {
        const x0 = Math.min(x(1), x(r));
        const w = Math.max(2, Math.abs(x(r) - x(1)));
        parts.push(
          `<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${color}"><title>${escapeXml(labels[id] ?? id)}: ${ratio(r)} ws</title></rect>`,
        );
        // Left of a bar that points left, unless that runs into the names:
        // then inside it, in white.
        const inside = r < 1 && x(r) - 44 < left;
        const tx = r >= 1 || inside ? x(r) + 4 : x(r) - 4;
        parts.push(
          `<text x="${tx.toFixed(1)}" y="${y + bar - 4}" text-anchor="${r >= 1 || inside ? "start" : "end"}"${inside ? ' fill="#fff"' : ""}>${ratio(r)}</text>`,
        );
      }
      y += bar + gap;
    }
    y += blockGap - gap;
  }
  const height = y + 24;
  const grid: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const v = 2 ** e;
    const gx = x(v).toFixed(1);
    grid.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${y}" stroke="${e === 0 ? "#333" : "#ddd"}" stroke-width="${e === 0 ? 1.5 : 1}"/>`,
      `<text x="${gx}" y="${y + 16}" text-anchor="middle" fill="#555">${v >= 1 ? v : `1/${2 ** -e}`}×</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 4}" viewBox="0 0 ${width} ${height + 4}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" role="img">
<title>${escapeXml(`${title}: ${note}`)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>
<text x="${left}" y="38" fill="#555">${escapeXml(note)}</text>
${grid.join("\n")}
${parts.join("\n")}
</svg>
`;
}

// --- the report --------------------------------------------------------------

const GROUPS: readonly { id: string; title: string; note: string }[] = [
  {
    id: "throughput",
    title: "Echo throughput",
    note: "ratio to ws + bufferutil, higher is better (log scale)",
  },
  {
    id: "latency",
    title: "Round-trip latency, one message in flight",
    note: "ratio to ws + bufferutil, lower is better (log scale)",
  },
  {
    id: "tls",
    title: "Echo throughput over TLS (wss:)",
    note: "ratio to ws + bufferutil over TLS, higher is better (log scale)",
  },
  {
    id: "handshake",
    title: "Opening handshakes per second",
    note: "ratio to ws + bufferutil, higher is better (log scale)",
  },
  {
    id: "memory",
    title: "Server memory per connection",
    note: "ratio to ws + bufferutil, lower is better (log scale)",
  },
  {
    id: "compression",
    title: "Compressed echo (permessage-deflate)",
    note: "ratio to ws + bufferutil, higher is better (log scale)",
  },
  {
    id: "broadcast",
    title: "Broadcast to 1,000 connections",
    note: "ratio to ws + bufferutil, higher is better (log scale)",
  },
  {
    id: "pubsub",
    title: "Publish to one topic of 1,000 and 10,000 subscribers",
    note: "ratio to ws + bufferutil, higher is better (log scale)",
  },
];

const ORDER = [
  "ours",
  "ours-small",
  "cli",
  "ours-attached",
  "ws-facade",
  "ws",
  "ws-js",
  "ws-attached",
  "ours-node20",
  "ws-node20",
  "bare",
  "bare-attached",
  "bun",
  "deno",
];

function ids(bench: BenchResult): string[] {
  return ORDER.filter((id) => (bench.runs[id]?.length ?? 0) > 0);
}

function shortCategory(bench: BenchResult): string {
  // "Echo throughput, 1 MiB messages (8 × 2 in flight)": "1 MiB, 8 × 2 in flight".
  const m = /, (\S+ \S+) messages(?: \((.*)\))?$/.exec(bench.title);
  if ((bench.group === "throughput" || bench.group === "tls") && m) {
    return m[2] === undefined ? m[1]! : `${m[1]}, ${m[2]}`;
  }
  if (bench.id === "memory-idle") return "idle";
  if (bench.id === "memory-deflate") return "with deflate";
  if (bench.group === "latency") return bench.id === "latency" ? "p50" : `p50, ${bench.id}`;
  return bench.id;
}

function valueText(bench: BenchResult, value: number): string {
  if (bench.kind === "memory") return `${value.toFixed(1)} KiB`;
  if (bench.kind === "latency") return `${value.toFixed(0)} µs`;
  return `${si(value)} ${bench.unit}`;
}

function table(bench: BenchResult, labels: Record<string, string>): string {
  const rows: string[] = [];
  // Echo runs report how many replies each read of the load generator
  // brought: how far the server batches its writes.
  const perRead = Object.values(bench.runs).some((runs) =>
    runs.some((r) => r.extra?.["perRead"] !== undefined),
  );
  if (bench.kind === "latency") {
    rows.push(
      "| Server | p50 | p99 | p50 × ws | p99 × ws | server CPU | load CPU | other work, core 0 / 1 |",
      "|---|--:|--:|--:|--:|--:|--:|--:|",
    );
  } else if (bench.kind === "memory") {
    rows.push(
      "| Server | per connection (median) | spread | × ws (median, range) | RSS before → after |",
      "|---|--:|--:|--:|--:|",
    );
  } else {
    rows.push(
      `| Server | ${bench.unit} (median) | spread | × ws (median, range) | server CPU | load CPU | other work, core 0 / 1 |${perRead ? " replies per read |" : ""}`,
      `|---|--:|--:|--:|--:|--:|--:|${perRead ? "--:|" : ""}`,
    );
  }
  for (const id of ids(bench)) {
    const s = summarise(bench, id)!;
    const name = labels[id] ?? id;
    const range = `${ratio(s.ratio)} (${ratio(s.ratioLow)}–${ratio(s.ratioHigh)})`;
    if (bench.kind === "latency") {
      rows.push(
        `| ${name} | ${s.value.toFixed(0)} µs | ${s.p99.toFixed(0)} µs | ${range} | ${ratio(s.p99Ratio)} | ${percent(s.serverCpu)} | ${percent(s.loadCpu)} | ${percent(s.other0)} / ${percent(s.other1)} |`,
      );
    } else if (bench.kind === "memory") {
      const runs = bench.runs[id]!;
      const before = median(runs.map((r) => Number(r.extra?.["rssBeforeMiB"])));
      const after = median(runs.map((r) => Number(r.extra?.["rssAfterMiB"])));
      rows.push(
        `| ${name} | ${s.value.toFixed(1)} KiB | ${s.low.toFixed(1)}–${s.high.toFixed(1)} | ${range} | ${before.toFixed(0)} → ${after.toFixed(0)} MiB |`,
      );
    } else {
      rows.push(
        `| ${name} | ${si(s.value)} | ${si(s.low)}–${si(s.high)} | ${range} | ${percent(s.serverCpu)} | ${percent(s.loadCpu)} | ${percent(s.other0)} / ${percent(s.other1)} |${perRead ? ` ${median(bench.runs[id]!.map((r) => Number(r.extra?.["perRead"]))).toFixed(1)} |` : ""}`,
      );
    }
  }
  for (const [id, error] of Object.entries(bench.errors)) {
    rows.push(`| ${labels[id] ?? id} | failed: ${error.replace(/\|/g, "\\|")} | | | | |`);
  }
  return rows.join("\n");
}

/** Writes benchmarks.md and the charts into `dir`; returns the files written. */
export function writeReport(results: Results, dir: string): string[] {
  const { meta, benches } = results;
  const labels = meta.labels;
  const written: string[] = [];
  const md: string[] = [];
  md.push(
    "# Benchmarks",
    "",
    `<!-- Generated by \`${meta.command}\` (bench/run.ts, bench/report.ts). Do not edit by hand: run it again. -->`,
    "",
    `websocket-sansio against [ws](https://github.com/websockets/ws) (with and without bufferutil), Bun's native server and Deno's, measured in one run on ${meta.date.slice(0, 10)} with \`${meta.command}\` (${meta.rounds} alternating rounds of ${meta.seconds} s per benchmark${meta.minutes === undefined ? "" : `, ${meta.minutes.toFixed(1)} minutes in all`}). Each figure is the median over the rounds; each ratio is the median of the per-round ratios to ws + bufferutil measured in the same round.`,
    "",
  );
  if (meta.quick) {
    md.push(
      "> **Smoke run (`--quick`)**: few and short rounds, fewer connections. These figures check that the harness works; do not quote them.",
      "",
    );
  }
  const others = benches.flatMap((b) =>
    Object.values(b.runs).flatMap((runs) => runs.map((r) => r.extra?.["otherCpu0"] ?? Number.NaN)),
  );
  const otherShare = median(others);
  // The load averages include this benchmark's own two processes (and the
  // build before it), so the per-run measure of other work decides.
  if (otherShare > 0.05) {
    md.push(
      `> **The machine was not quiet**: other work took a median ${percent(otherShare)} of the server's core during the runs (load average ${meta.machine.loadBefore[0]} before the run). Absolute figures are low and noisy; ratios measured in the same round hold up better, and the CPU columns show which runs were starved.`,
      "",
    );
  }

  // Summary table and charts.
  md.push(
    "## Summary",
    "",
    "Median ratio to ws + bufferutil (↑ higher is better, ↓ lower is better). *ours* is websocket-sansio on Node; *ours, 12-bit* is the same with its default permessage-deflate settings (12-bit windows, memLevel 5) instead of ws's.",
    "",
  );
  const columns = ORDER.filter(
    (id) => id !== "ws" && benches.some((b) => (b.runs[id]?.length ?? 0) > 0),
  );
  md.push(
    `| Benchmark | | ws + bufferutil | ${columns.map((id) => SHORT[id] ?? id).join(" | ")} |`,
    `|---|---|--:|${columns.map(() => "--:|").join("")}`,
  );
  for (const bench of benches) {
    const ws = summarise(bench, "ws");
    const cells = columns.map((id) => {
      const s = summarise(bench, id);
      return s === undefined ? "" : id === "ours" ? `**${ratio(s.ratio)}**` : ratio(s.ratio);
    });
    md.push(
      `| [${bench.title}](#${bench.id}) | ${bench.better === "higher" ? "↑" : "↓"} | ${ws === undefined ? "–" : valueText(bench, ws.value)} | ${cells.join(" | ")} |`,
    );
  }
  md.push("");
  for (const group of GROUPS) {
    const inGroup = benches.filter((b) => b.group === group.id);
    if (inGroup.length === 0) continue;
    const rows: ChartRow[] = [];
    for (const bench of inGroup) {
      const bars = ids(bench).map((id) => ({ id, ratio: summarise(bench, id)!.ratio }));
      rows.push({ category: shortCategory(bench), bars });
      if (bench.kind === "latency") {
        rows.push({
          category: bench.id === "latency" ? "p99" : `p99, ${bench.id}`,
          bars: ids(bench).map((id) => ({ id, ratio: summarise(bench, id)!.p99Ratio })),
        });
      }
    }
    const file = `bench-${group.id}.svg`;
    writeFileSync(join(dir, file), chart(group.title, group.note, rows, labels));
    written.push(join(dir, file));
    md.push(`![${group.title}: ${group.note}](${file})`, "");
  }

  // One section per benchmark.
  md.push("## Results", "");
  for (const bench of benches) {
    md.push(
      `### ${bench.title}`,
      "",
      `<a id="${bench.id}"></a>${bench.description}`,
      "",
      table(bench, labels),
      "",
    );
  }

  if (results.yardstick !== undefined && results.yardstick.length > 0) {
    md.push(
      "### Load generator check",
      "",
      "The 64 B echo, measured on the same server by bench/load.ts and then by tools/wsblast (a Go load generator that pre-encodes frames and counts replies the same way), with the same load shape. Where the two agree, the figure is the server's; where wsblast gets more, our load generator limited that server.",
      "",
      "| Server | bench/load.ts msg/s (its CPU) | wsblast msg/s (its CPU) | load.ts / wsblast |",
      "|---|--:|--:|--:|",
    );
    for (const id of ORDER) {
      const rows = results.yardstick.filter((r) => r.impl === id);
      if (rows.length === 0) continue;
      md.push(
        `| ${labels[id] ?? id} | ${si(median(rows.map((r) => r.loadRate)))} (${percent(median(rows.map((r) => r.loadCpu)))}) | ${si(median(rows.map((r) => r.otherRate)))} (${percent(median(rows.map((r) => r.otherCpu)))}) | ${ratio(median(rows.map((r) => r.loadRate / r.otherRate)))} |`,
      );
    }
    md.push("");
  }

  // WebSocket over HTTP/2 is measured by its own run (bench/http2.ts
  // `--write docs/bench-http2.md`, which also updates this section in place).
  const http2 = join(dir, "bench-http2.md");
  if (existsSync(http2)) md.push(readFileSync(http2, "utf8").trim(), "");

  md.push(
    "## Method",
    "",
    `- **Machine**: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB, Linux ${meta.machine.kernel}. Load average ${meta.machine.loadBefore.join(" / ")} before the run, ${meta.machine.loadAfter.join(" / ")} after.`,
    `- **Versions**: ${Object.entries(meta.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join("; ")}.`,
    "- **Runtimes**: the Node servers (ours, ws) run on the Node 24 from .runtimes/ (the machine's Node 20 is past its end of life; `--node PATH` picks another), the load generator on the newest Node there; Bun and Deno come from npm (scripts/install-runtimes.sh). `npm run bench` compiles into .build-bench/ so that other builds cannot change files under a running benchmark.",
    "- **Pinning**: each server runs alone on core 0 (`taskset -c 0`), the load generator on core 1 (`taskset -c 1`). Every server is a fresh process per run; the order of the implementations rotates from round to round (A B C, B C A, ...) so that drift of the machine spreads over all of them.",
    "- **CPU shares**: the load generator reads the server's utime + stime from `/proc/<pid>/stat` and its own CPU time at the start and end of the measuring window; both are given as a share of one core. A throughput figure means the server was the bottleneck only when its share is near 100 % and the load generator's is clearly below; where the server is well below 100 %, other work on the machine or the load generator limited the run.",
    "- **Other work**: the load generator also reads how busy cores 0 and 1 were over the window (`/proc/stat`) and subtracts the two processes' own time; the rest (the *other work* column) is other processes, plus interrupt time not charged to either process. More than a few per cent there means the run shared its core and its figure is low.",
    "- **Load generator** (bench/load.ts, Node, no WebSocket library): frames are encoded and masked once, up front; sending k messages is one write of a slice of a ring of frames; replies are counted by reading frame headers only (payloads are skipped, never unmasked, decoded or inflated); reads land in one reused buffer (`onread`). Each echo received is replaced by a new message, so the number of messages in flight stays fixed.",
    '- **Servers** (bench/servers/): each written the way its documentation shows. Ours: `serve()` with `for await (const message of connection) await connection.send(message)`. ws: `socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }))`. Bun: `Bun.serve` with `websocket.message` calling `ws.send`. Deno: `Deno.serve` + `Deno.upgradeWebSocket` with `onmessage` calling `send`. Keepalive pings and idle timeouts are off, message limits raised to 64 MiB (1 MiB messages).',
    "- **Memory**: the server's RSS from `/proc/<pid>/status` after a forced garbage collection, once after a warm-up (200 connections opened and closed) and once with all connections open; the difference divided by the number of connections. RSS counts what the process holds, including allocator slack, which is what a machine running the server pays.",
    "- **Handshakes**: the client resets each connection after the `101` response (no closing handshake, no TIME_WAIT), so the figure is the cost of accepting, upgrading and tearing down a connection.",
    "- **Broadcast**: one of the 1,000 connections publishes; a broadcast counts as done when 1,000 messages have arrived over all connections, and 16 broadcasts are kept in flight.",
    "- **Bare node:net echo** (bench/servers/bare.ts, the Node ceiling beside Bun): no library and no validation; it unmasks each payload in place as it arrives and writes it straight back behind an unmasked header (a 1 MiB message is never assembled), all output of one read in one write. A library that hands whole messages to the application cannot do less work on Node.",
    "- **TLS**: the servers get a self-signed P-256 certificate made by openssl for the run (TLS 1.3, Node's TLS on ours, ws and the bare echo); the load generator connects with `node:tls` without checking it (its reads then come as `data` events instead of one reused buffer).",
    "- **Latency with 100 connections**: every connection has one message in flight and its own round trips are timed; the percentiles are over all of them.",
    "",
    "## What the numbers do not say",
    "",
    "- They are loopback figures on one small VM: no network latency, no packet loss, and no TLS outside the TLS benchmarks. Over a real network the kernel and the wire take a larger share and the differences between libraries shrink.",
    "- The servers echo; a real application does work per message that dwarfs the library's share on anything but the smallest messages. Batching many messages per write (which is most of the difference at 64 B) pays off only when many messages are in flight per connection.",
    "- The load generator is as cheap as we could make it in Node, but it is not free: for the fastest servers it takes a share of a core comparable to the server's, and the server CPU column is the check. A server under 100 % was not the bottleneck of that run.",
    "- Bun's and Deno's servers are native code (C++, Rust) with their own defaults (Bun's permessage-deflate settings are its own); their figures show where the runtime's limit is, not a like-for-like library comparison.",
    "- Memory per connection includes the runtime's socket objects and buffers, not only the library's; RSS after garbage collection still depends on the allocator's retention.",
    '- On Node, more than half of the idle-memory figure of a server with its default settings is V8\'s young generation, not the connections: V8 doubles it (up to 32 MiB) each time as many bytes survived its collections as it holds, which every long-lived connection does, and its pages stay resident. `npm run bench:idle-anatomy -- --impl ws` shows it by mapping and heap space (Node 24, 5,000 connections: ws 2.9 of 5.3 KiB per connection). The CLI keeps its young generation at its starting size (src/cli/young-generation.ts); an application can do the same with `node --max-semi-space-size=1` or `v8.setFlagsFromString("--semi-space-growth-factor=1")`, and its old-space figure (the heap space column) is what its connections cost.',
    "- 1 MiB messages on Node 24 pay mostly for page faults, not for WebSocket work: V8 13.6 (Node 24) frees unreachable ArrayBuffers only at mark-compacts, where Node 20 and 22 free them at frequent scavenges, so tens of megabytes of message buffers and reads are freed at once; glibc then trims its heap and the next messages fault it back in, at 15 to 25 µs a fault on this VM (well under a microsecond on bare metal). A server's CPU per message went as about 1 ms plus 25 µs per fault, for ws as for this library; `node .build/bench/large-alloc.js` shows it without a WebSocket. The library frees a read at once when it kept nothing of it and raises glibc's mmap and trim thresholds on the first large message (src/node/transport.ts, src/node/allocator.ts); another Node application gets the second from `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456`.",
    "- Handshakes: the Node load generator spends about as much CPU per handshake as our server does; `--raw-handshakes` drives that benchmark from bench/handshake-load.c instead.",
    "- Handshakes, in instructions (`bench/handshake-instructions.sh`: each server under callgrind, a fixed number of handshakes after a warm-up; load-independent, where rates and CPU times on a shared machine are not). Node 24, per handshake, main thread, within about 5 % from run to run: the bare node:net server (bench/servers/bare.ts) about 150 k, ws about 205 k (200 k attached to node:http), ours about 225 k (250 k attached, 265 k for the CLI), of which about 70 k are ours (the parse, the 101, the connection and its handler: an in-process loop without sockets counts the same) and the rest Node's: accepting and making the socket, its read stream, the reset's `ECONNRESET` error (Node formats its stack, about 25 k, because its stream destroy reads `err.stack`), the close. V8's worker threads (compilation, parallel scavenges) add 35 to 120 k, varying most (compilation still runs in the window). The kernel's part is the same system calls for all (`strace -c`: accept4, two reads, one write, one setsockopt, one epoll_ctl, one close; the CLI adds a getpeername for its log). The bare server is thus about 1.5× ws in user instructions and, with the kernel's share, about 1.25× in CPU: the ceiling of any library on `node:net`.",
    "- Medians of a few rounds of seconds each: differences within the range column are noise. The lead runs the full benchmark on a quiet machine for the figures the README quotes.",
    "",
  );
  writeFileSync(join(dir, "benchmarks.md"), md.join("\n"));
  written.unshift(join(dir, "benchmarks.md"));
  formatWithBiome([join(dir, "benchmarks.md"), join(dir, "bench-results.json")]);
  return written;
}

/**
 * Formats generated files the way `npm test`'s `biome check .` wants them
 * (aligned Markdown tables, JSON layout), so that a fresh report passes.
 * Files outside the project, or a missing biome, are left as they are.
 */
function formatWithBiome(files: string[]): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const biome = join(root, "node_modules/.bin/biome");
  const present = files.filter((file) => existsSync(file) && file.startsWith(`${root}/`));
  if (!existsSync(biome) || present.length === 0) return;
  try {
    execFileSync(biome, ["format", "--write", ...present], { cwd: root, stdio: "ignore" });
  } catch {
    // Formatting is cosmetic: the report is written either way.
  }
}

// Standalone: regenerate the report from saved results.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = resolve(process.argv[2] ?? "docs/bench-results.json");
  const results = JSON.parse(readFileSync(file, "utf8")) as Results;
  console.log(`Wrote ${writeReport(results, dirname(file)).join(", ")}`);
}
