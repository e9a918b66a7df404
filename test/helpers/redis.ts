// Real Redis servers for the backplane tests: each test starts its own on a
// free loopback port, with nothing saved to disk, and stops it.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether `redis-server` is installed (`.ci/run` installs it). */
export const HAS_REDIS = spawnSync("redis-server", ["--version"]).status === 0;

/** Why a Redis test is skipped, or false. */
export const SKIP_REDIS = HAS_REDIS
  ? false
  : "redis-server is not installed (apt-get install redis-server)";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
}

/** Runs `redis-cli -p port ...args` and returns its output. */
export function redisCli(port: number, ...args: string[]): string {
  const result = spawnSync("redis-cli", ["-p", String(port), ...args], {
    encoding: "utf8",
    timeout: 5000,
  });
  return result.stdout.trim();
}

/** Subscribers of a channel, by `PUBSUB NUMSUB` (or `SHARDNUMSUB`). */
export function numsub(port: number, channel: string, sharded = false): number {
  const out = redisCli(port, "PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel).split("\n");
  return Number(out[1] ?? 0);
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One redis-server process. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGKILL: a crash, as a test of a restart wants). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** SIGSTOP: a hung broker. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port (or `port`); `extra` arguments for cluster mode. */
export async function startRedis(extra: string[] = [], port?: number): Promise<RedisProcess> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "ws-redis-"));
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    child = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(chosen), "--save", "", "--appendonly", "no"].concat(
        ["--dir", dir],
        extra,
      ),
      { stdio: "ignore" },
    );
    // Not left behind if the test process dies (a timeout, a crash).
    const orphan = (): void => void child.kill("SIGKILL");
    process.once("exit", orphan);
    child.once("exit", () => process.off("exit", orphan));
    await until(() => redisCli(chosen, "PING") === "PONG", `redis-server on port ${chosen}`);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await once(child, "exit");
  };
  await launch();
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    kill,
    restart: launch,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster of three masters (no replicas). */
export interface RedisCluster {
  readonly nodes: readonly RedisProcess[];
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/** Starts three cluster-enabled servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(await startRedis(["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"]));
  }
  const stop = async (): Promise<void> =>
    void (await Promise.all(nodes.map((node) => node.stop())));
  const created = spawnSync(
    "redis-cli",
    ["--cluster", "create", ...nodes.map((node) => `127.0.0.1:${node.port}`)].concat([
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]),
    { encoding: "utf8", timeout: 20_000 },
  );
  if (created.status !== 0) {
    await stop();
    throw new Error(`Cannot create a Redis Cluster: ${created.stdout}${created.stderr}`);
  }
  try {
    await until(
      () =>
        nodes.every((node) => redisCli(node.port, "CLUSTER", "INFO").includes("cluster_state:ok")),
      "cluster_state:ok",
      10_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, urls: nodes.map((node) => node.url), stop };
}
