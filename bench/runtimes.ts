// Echo throughput of our server on Deno (websocket-sansio/web) and on Bun
// (websocket-sansio/node over Bun's node:net) against each runtime's native
// WebSocket server (Deno.serve + upgradeWebSocket, Bun.serve), in the same
// run, alternating A B A B, pinned: server on core 0, load on core 1.
//
// The load generator is tools/wsblast (Go, stdlib only; see PEERS.md), a raw
// client cheap enough to saturate the servers:
//   (cd /work/shared/tools/wsblast && GOPROXY=off go build -o /tmp/wsblast .)
//   scripts/install-runtimes.sh && npx tsc -p tsconfig.json
//   node .build/bench/runtimes.js [--rounds 3] [--seconds 4] [--size 64]

import { execFileSync, spawn } from "node:child_process";
import { fixture, runtimes } from "../test/runtimes/runtimes.js";

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
}
const rounds = flag("rounds", 3);
const seconds = flag("seconds", 4);
const size = flag("size", 64);
const wsblast = process.env["WSBLAST"] ?? "/tmp/wsblast";

const deno = ["run", "-A", "--node-modules-dir=manual", fixture("deno-peer.js")];
const systems = {
  "deno ours": [runtimes.deno, ...deno, "serve"],
  "deno native": [runtimes.deno, ...deno, "native-serve"],
  "bun ours": [runtimes.bun, fixture("bun-peer.js"), "serve"],
  "bun native": [runtimes.bun, fixture("bun-peer.js"), "native-serve"],
} as const;
type System = keyof typeof systems;

/** Starts a server pinned to core 0, loads it from core 1, returns messages per second. */
async function measure(system: System): Promise<{ rate: number; line: string }> {
  const [command, ...rest] = systems[system];
  const child = spawn("taskset", ["-c", "0", command, ...rest], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        out += text;
        const match = /^READY (\d+)$/m.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.on("exit", () => reject(new Error(`${system} exited early`)));
      setTimeout(() => reject(new Error(`${system} did not start`)), 20_000);
    });
    const output = execFileSync(
      "taskset",
      [
        "-c",
        "1",
        wsblast,
        "-addr",
        `127.0.0.1:${port}`,
        "-c",
        "50",
        "-w",
        "32",
        "-s",
        `${size}`,
      ].concat(["-b", "16", "-d", `${seconds}s`, "-warm", "1s"]),
      { encoding: "utf8", timeout: (seconds + 30) * 1000 },
    );
    const line = output.trim().split("\n").at(-1) ?? "";
    const rate = Number(/rate=(\d+)/.exec(line)?.[1] ?? Number.NaN);
    return { rate, line };
  } finally {
    child.kill("SIGKILL");
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const pairs: [System, System][] = [
  ["deno ours", "deno native"],
  ["bun ours", "bun native"],
];
console.log(`echo ${size} B, 50 connections x 32 in flight, ${rounds} rounds of ${seconds} s`);
for (const [ours, native] of pairs) {
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = await measure(ours);
    const b = await measure(native);
    ratios.push(a.rate / b.rate);
    console.log(`  ${ours}: ${a.line}`);
    console.log(`  ${native}: ${b.line}`);
  }
  console.log(
    `${ours} / ${native}: median ${median(ratios).toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(", ")})`,
  );
}
