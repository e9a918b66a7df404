/**
 * Where a latency tail comes from: reads the round trips that bench/load.ts
 * wrote with `--trace FILE` (latency mode) and prints their shape in units of
 * the mean, and how many of the slow ones (at or over p99) came together, in
 * short windows where many connections were slow at once (a pause that
 * stalls every connection: garbage collection in the server or the load
 * generator, the scheduler, the VM) rather than one at a time (a reply that
 * waited in its own queue).
 *
 * With 100 connections of one message in flight each, the load keeps the
 * server near 100 % of its core, so the mean is fixed by its CPU per message
 * (Little's law: mean = connections / rate); what a server's scheduling
 * changes is the shape around the mean (issue 20).
 *
 * ```sh
 * npx tsc -p tsconfig.json --outDir .build-bench
 * # a server on core 0 (it prints PORT n; stdin's end stops it), the load on core 1:
 * taskset -c 0 node --trace-gc .build-bench/bench/servers/node.js --impl ours --mode echo
 * taskset -c 1 node .build-bench/bench/load.js --port=N --mode=latency --size=64 \
 *   --connections=100 --seconds=2 --warmup=0.5 --trace=/tmp/ours.json
 * node .build-bench/bench/latency-anatomy.js /tmp/ours.json [more traces...]
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";

/** Width of the windows in which slow samples count as coming together (ms). */
const WINDOW_MS = 2;
/** Slow samples in one window from which it counts as a pause of every connection. */
const TOGETHER = 20;

function analyse(file: string): string {
  const trace = JSON.parse(readFileSync(file, "utf8")) as number[];
  const n = trace.length / 3;
  if (n === 0) return `${file}: no samples`;
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) latencies.push(trace[3 * i + 2]!);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * n))]!;
  const mean = latencies.reduce((a, b) => a + b, 0) / n;
  const p99 = at(0.99);
  const windows = new Map<number, number>();
  let slow = 0;
  for (let i = 0; i < n; i++) {
    if (trace[3 * i + 2]! < p99) continue;
    slow++;
    const key = Math.floor(trace[3 * i]! / WINDOW_MS);
    windows.set(key, (windows.get(key) ?? 0) + 1);
  }
  let together = 0;
  for (const count of windows.values()) if (count >= TOGETHER) together += count;
  // Shares of the samples in bins of a quarter of the mean (the last bin: 3× and more).
  const bins = new Array<number>(13).fill(0);
  for (const latency of latencies) bins[Math.min(12, Math.floor((latency / mean) * 4))]!++;
  const shape = bins
    .map(
      (count, i) =>
        `${(i / 4).toFixed(2)}${i === 12 ? "+" : ""}: ${((100 * count) / n).toFixed(1)} %`,
    )
    .join(", ");
  const ms = (x: number): string => `${x.toFixed(2)} ms`;
  return [
    `${file}: ${n} round trips; mean ${ms(mean)}, p50 ${ms(at(0.5))}, p90 ${ms(at(0.9))}, p99 ${ms(p99)} (${(p99 / mean).toFixed(2)}× the mean), p99.9 ${ms(at(0.999))}`,
    `  shape (share of round trips by multiple of the mean): ${shape}`,
    `  at or over p99: ${slow}, of which ${((100 * together) / slow).toFixed(0)} % in ${WINDOW_MS} ms windows with ${TOGETHER} or more of them (pauses of every connection)`,
  ].join("\n");
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("Usage: node .build-bench/bench/latency-anatomy.js TRACE.json [...]");
  process.exit(2);
}
for (const file of files) console.log(analyse(file));
