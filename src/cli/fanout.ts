/**
 * `serve --broadcast` across processes: `--redis URL` joins servers on any
 * number of machines into one room through Redis (`--redis-cluster URLS`
 * through a Redis Cluster, with sharded Pub/Sub); `--workers N` runs N
 * processes on this machine, joined through the cluster's primary unless
 * Redis is given.
 *
 * @module
 */

import cluster from "node:cluster";
import type { Backplane } from "../connection/backplane.js";
import type { Logger } from "../connection/log.js";
import { clusterBackplane, startClusterRelay } from "../node/cluster-backplane.js";
import { EXIT, type ExitStatus } from "./exit.js";

/** The topic every client of `serve --broadcast` is subscribed to. */
export const ROOM = "room";

/** Whether this process is a worker that `serve --workers` forked. */
export function isServeWorker(): boolean {
  return cluster.isWorker && process.env["WEBSOCKET_SANSIO_WORKER"] === "1";
}

/** A backplane logger that writes every record (connection losses and returns are news). */
function backplaneLogger(log: (line: string) => void): Logger {
  return (record) => log(record.message);
}

/**
 * The backplane of `serve --broadcast`: Redis if asked for, the cluster's in
 * a worker, none otherwise. Redis is imported only when used: it is an
 * optional dependency.
 */
export async function makeBackplane(
  redis: {
    readonly redis?: string | undefined;
    readonly redisCluster?: readonly string[] | undefined;
  },
  log: (line: string) => void,
): Promise<Backplane | null> {
  if (redis.redis !== undefined || redis.redisCluster !== undefined) {
    const { redisBackplane } = await import("../redis/backplane.js");
    // Never awaited: the server serves its own clients while Redis is away,
    // and the backplane logs each failed attempt and its return.
    const logger = backplaneLogger(log);
    return redis.redisCluster !== undefined
      ? redisBackplane({ clusterUrls: redis.redisCluster, logger })
      : redisBackplane({ url: redis.redis!, logger });
  }
  if (isServeWorker()) return clusterBackplane({ logger: backplaneLogger(log) });
  return null;
}

/**
 * The primary of `serve --workers N`: forks N workers running the same
 * command line, relays topics between them (unless Redis does), forwards
 * SIGINT and SIGTERM, and resolves when they have all stopped. A worker that
 * dies is replaced (once a second at most).
 */
export async function runPrimary(
  workers: number,
  relay: boolean,
  log: (line: string) => void,
  handleSignals: boolean,
): Promise<ExitStatus> {
  const relayed = relay ? startClusterRelay({ logger: backplaneLogger(log) }) : undefined;
  let stopping = false;
  let listening = false;
  let status: ExitStatus = EXIT.ok;
  const fork = (): void => {
    cluster.fork({ WEBSOCKET_SANSIO_WORKER: "1" });
  };
  let finish = (): void => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
    cluster.on("listening", () => {
      listening = true;
    });
    cluster.on("exit", (worker, code, signal) => {
      const alive = Object.keys(cluster.workers ?? {}).length;
      if (!stopping && !listening && code === EXIT.unreachable) {
        // Cannot listen: another worker would fail the same way.
        status = EXIT.unreachable;
        stop("worker could not listen");
      } else if (!stopping) {
        log(`Worker ${worker.id} exited (${signal ?? code}); starting another`);
        setTimeout(fork, 1000).unref();
      }
      if (stopping && alive === 0) finish();
    });
  });
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log(`Stopping (${why}): stopping ${workers} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    if (Object.keys(cluster.workers ?? {}).length === 0) finish();
  };
  const signals: NodeJS.Signals[] = handleSignals ? ["SIGINT", "SIGTERM"] : [];
  for (const signal of signals) process.on(signal, stop);
  log(`Starting ${workers} workers${relay ? " (topics relayed by this process)" : ""}`);
  for (let i = 0; i < workers; i++) fork();
  await done;
  for (const signal of signals) process.off(signal, stop);
  relayed?.stop();
  log("Stopped");
  return status;
}
