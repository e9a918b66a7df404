// Where scripts/install-runtimes.sh puts the other runtimes, and how the tests
// run a peer on one of them: a child process with a deadline, which prints
// `READY <port>` when it serves and one JSON line when it is done.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is .build/test/runtimes/runtimes.js once built). */
export const root = resolve(here, "../../..");
const modules = join(root, ".runtimes/node_modules");

/** Binaries of the runtimes installed by scripts/install-runtimes.sh. */
export const runtimes = {
  node22: join(modules, "node22/bin/node"),
  node24: join(modules, "node24/bin/node"),
  node26: join(modules, "node26/bin/node"),
  bun: join(modules, "@oven/bun-linux-x64/bin/bun"),
  deno: join(modules, "@deno/linux-x64-glibc/deno"),
  workerd: join(modules, "@cloudflare/workerd-linux-64/bin/workerd"),
} as const;

export type Runtime = keyof typeof runtimes;

/**
 * The binary of `runtime`, or a skip reason when it is not installed. With
 * REQUIRE_RUNTIMES=1 (CI) a missing runtime is an error, not a skip.
 */
export function runtime(name: Runtime): { path: string; skip: false } | { skip: string } {
  const path = runtimes[name];
  if (existsSync(path)) return { path, skip: false };
  if (requireRuntimes()) {
    throw new Error(`Runtime ${name} is missing at ${path}: run scripts/install-runtimes.sh`);
  }
  return { skip: `${name} not installed (run scripts/install-runtimes.sh)` };
}

/**
 * Whether a missing runtime is an error rather than a skip: under CI (CI=true,
 * where .ci/run installs every runtime) or with REQUIRE_RUNTIMES=1.
 */
export function requireRuntimes(): boolean {
  return process.env["REQUIRE_RUNTIMES"] === "1" || process.env["CI"] === "true";
}

/** A fixture's path in the build output. */
export function fixture(name: string): string {
  return join(root, ".build/test/runtimes/fixtures", name);
}

/** A child process running a peer. */
export interface Peer {
  readonly child: ChildProcess;
  /** The port printed by `READY <port>`. */
  readonly ready: Promise<number>;
  /** The last line of JSON printed, once the process has exited with status 0. */
  readonly result: Promise<unknown>;
  /** Closes stdin (the peer's signal to shut down gracefully) and waits for the exit. */
  stop(): Promise<unknown>;
}

/** Runs `command args` in the repository root, killed after `timeoutMs`. */
export function startPeer(command: string, args: readonly string[], timeoutMs = 20_000): Peer {
  const child = spawn(command, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let onReady!: (port: number) => void;
  let failReady!: (error: Error) => void;
  const ready = new Promise<number>((resolve, reject) => {
    onReady = resolve;
    failReady = reject;
  });
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
    const match = /^READY (\d+)$/m.exec(stdout);
    if (match) onReady(Number(match[1]));
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const result = new Promise<unknown>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const failure = new Error(
        `${command} ${args.join(" ")} exited with ${code ?? signal}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
      );
      failReady(failure);
      if (code !== 0) return reject(failure);
      const lines = stdout.trim().split("\n");
      try {
        resolve(JSON.parse(lines.at(-1) ?? "null"));
      } catch {
        resolve(undefined);
      }
    });
  });
  result.catch(() => {});
  ready.catch(() => {});
  return {
    child,
    ready,
    result,
    stop() {
      child.stdin.end();
      return result;
    },
  };
}

/** Deno's command line for a fixture: every permission, the project's node_modules. */
export function denoArgs(script: string, ...args: string[]): string[] {
  return ["run", "-A", "--node-modules-dir=manual", fixture(script), ...args];
}

/**
 * A `ws` client's conversation with an echo server on another runtime: a
 * text message (`greeting`), then 200 kB of binary, then a close with 1000.
 */
function wsClientExchange(
  port: number,
  greeting: string,
): Promise<{ echoes: unknown[]; closeCode: number }> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const echoes: unknown[] = [];
    const big = Buffer.alloc(200_000, 0x5a);
    const timer = setTimeout(() => reject(new Error("ws exchange timed out")), 10_000);
    client.on("open", () => client.send(greeting));
    client.on("message", (data, isBinary) => {
      if (!isBinary) {
        echoes.push(String(data));
        client.send(big);
      } else {
        const bytes = data as Buffer;
        echoes.push(bytes.length === big.length && bytes.equals(big));
        client.close(1000, "done");
      }
    });
    client.on("close", (code) => {
      clearTimeout(timer);
      resolve({ echoes, closeCode: code });
    });
    client.on("error", reject);
  });
}

/**
 * Our server in `peer` (a fixture's `serve` mode) answers a `ws` client, then
 * 20 at once, each with several messages in flight; then it shuts down
 * gracefully when the test closes the peer's standard input.
 */
export async function assertServesWsClients(peer: Peer, greeting: string): Promise<void> {
  try {
    const port = await peer.ready;
    const first = await wsClientExchange(port, greeting);
    assert.deepEqual(first, { echoes: [greeting, true], closeCode: 1000 });
    const all = await Promise.all(
      Array.from({ length: 20 }, () => wsClientExchange(port, greeting)),
    );
    for (const result of all) assert.deepEqual(result, first);
    assert.deepEqual(await peer.stop(), { stopped: true });
  } finally {
    peer.child.kill();
  }
}

/**
 * Asserts what fixtures/exchange.ts reports after a clean conversation with an
 * echo server (the latency only as a number); `extra` holds the fields a
 * fixture adds to it.
 */
export function assertExchanged(result: unknown, extra: Record<string, unknown> = {}): void {
  const fields = result as Record<string, unknown>;
  assert.deepEqual(
    { ...fields, latencyMs: typeof fields["latencyMs"] },
    {
      text: "hello from the client",
      binaryIntact: true,
      fragmented: "fragmented",
      latencyMs: "number",
      close: { code: 1000, reason: "bye", wasClean: true },
      ...extra,
    },
  );
}
