/**
 * Why a 1 MiB echo is three times slower on Node 24 than on Node 20, with no
 * WebSocket in it (issue 20): what a server does per large message, done in a
 * loop. Each step allocates a 1 MiB buffer (a message being assembled) and
 * sixteen 64 KiB ones (Node's reads), writes them all, and drops them.
 *
 * ```sh
 * npx tsc -p tsconfig.json
 * for n in node .runtimes/node_modules/node2{2,4,6}/bin/node; do taskset -c 1 $n .build/bench/large-alloc.js; done
 * ```
 *
 * Prints, per message, the CPU time, the page faults, the scavenges and
 * mark-compacts that freed the buffers, for three variants: as is; with the
 * reads detached once used (`ArrayBuffer.prototype.transfer`, what
 * src/node/transport.ts does); and with that and glibc's thresholds raised
 * first (src/node/allocator.ts). Last, what one page fault costs on this
 * machine (a fresh 64 MiB written once). Each variant runs in a child
 * process of its own, as the allocator's state outlives a variant.
 *
 * On the benchmark machine (a VM where a page fault costs about 25 µs), Node
 * 20 and 22 free the buffers with scavenges; Node 24 only with mark-compacts,
 * between which the heap's top is freed and given back to the kernel, and
 * faulted in again.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { PerformanceObserver, constants as perf } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

type Detachable = ArrayBuffer & { transfer?: (newLength?: number) => ArrayBuffer };

const MESSAGES = 3000;
const MESSAGE = 1024 * 1024;
const READ = 64 * 1024;

function run(variant: string): void {
  const detach = variant !== "as-is";
  if (variant === "detach+prime") {
    (new ArrayBuffer(32 * 1024 * 1024 - 64 * 1024) as Detachable).transfer?.(0);
  }
  let scavenges = 0;
  let markCompacts = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perf.NODE_PERFORMANCE_GC_MINOR) scavenges++;
      else if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
    }
  }).observe({ entryTypes: ["gc"] });
  let kept: Uint8Array | undefined;
  const step = (): void => {
    const message = new Uint8Array(MESSAGE);
    for (let at = 0; at < MESSAGE; at += READ) {
      const read = Buffer.allocUnsafeSlow(READ);
      read.fill(at >>> 16);
      message.set(read, at);
      if (detach) (read.buffer as Detachable).transfer?.(0);
    }
    kept = message; // the application holds it until the next one
  };
  for (let i = 0; i < 300; i++) step();
  setTimeout(() => {
    scavenges = markCompacts = 0;
    const usage = process.resourceUsage();
    const cpu = process.cpuUsage();
    for (let i = 0; i < MESSAGES; i++) step();
    const used = process.cpuUsage(cpu);
    const faults = process.resourceUsage().minorPageFault - usage.minorPageFault;
    setTimeout(() => {
      console.log(
        `${process.version.padEnd(9)} ${variant.padEnd(13)} ` +
          `${((used.user + used.system) / MESSAGES).toFixed(0).padStart(5)} µs CPU/message, ` +
          `${(faults / MESSAGES).toFixed(1).padStart(5)} page faults/message, ` +
          `${scavenges} scavenges, ${markCompacts} mark-compacts ${kept!.length > 0 ? "" : "?"}`,
      );
    }, 50);
  }, 50);
}

function faultCost(): void {
  const size = 64 * 1024 * 1024;
  const usage = process.resourceUsage();
  const start = process.hrtime.bigint();
  new Uint8Array(size).fill(1);
  const ns = Number(process.hrtime.bigint() - start);
  const faults = process.resourceUsage().minorPageFault - usage.minorPageFault;
  console.log(
    `${process.version.padEnd(9)} one page fault: about ${(ns / 1000 / Math.max(1, faults)).toFixed(1)} µs (${faults} faults writing a fresh 64 MiB)`,
  );
}

const variant = process.argv[2];
if (variant === "fault-cost") faultCost();
else if (variant !== undefined) run(variant);
else {
  for (const v of ["as-is", "detach", "detach+prime", "fault-cost"]) {
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), v], { stdio: "inherit" });
  }
}
