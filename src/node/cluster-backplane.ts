/**
 * A {@link Backplane} over `node:cluster` IPC: the topics of every worker of
 * one machine joined through the primary process, with no other server. Each
 * worker tells the primary which topics it has subscribers for; the primary
 * relays a worker's publish to the other workers interested in its topic
 * only, in the order received (so one publisher's order per topic holds).
 *
 * Delivery is at most once, like the Redis backplane's: a worker that is not
 * connected (starting, exiting) misses what passes. Publishing never blocks
 * and never grows without bound: a worker with more than `maxPendingMessages`
 * messages not yet written to its IPC channel drops further ones and counts
 * them, and so does the primary for each worker it relays to.
 *
 * @module
 */

import cluster, { type Worker } from "node:cluster";
import type { Backplane, BackplaneReceiver } from "../connection/backplane.js";
import type { Logger } from "../connection/log.js";

// Marks our messages among whatever else the application sends over IPC.
const TAG = "websocketSansioTopics";

interface IpcMessage {
  readonly [TAG]: "publish" | "subscribe" | "unsubscribe";
  readonly topic: string;
  readonly payload?: Uint8Array;
  readonly isText?: boolean;
}

function isOurs(message: unknown): message is IpcMessage {
  return typeof message === "object" && message !== null && TAG in message;
}

/** Options of {@link clusterBackplane} and {@link startClusterRelay}. */
export interface ClusterBackplaneOptions {
  /**
   * Messages handed to an IPC channel and not yet written above which more
   * are dropped (and counted). Default 4096: IPC is fast, so this many only
   * pile up behind a process that is stuck.
   */
  maxPendingMessages?: number;
  /** Where drops are reported. */
  logger?: Logger;
}

/** What a cluster backplane or relay counted. */
export interface ClusterStats {
  /** Messages sent (by a worker) or relayed (by the primary). */
  sent: number;
  /** Messages dropped: too many pending, or the other side gone. */
  dropped: number;
}

const DEFAULT_MAX_PENDING = 4096;

/** Counts what is in flight on one IPC channel, and drops past the bound. */
class Channel {
  pending = 0;
  constructor(
    private readonly stats: ClusterStats,
    private readonly max: number,
    private readonly logger: Logger | undefined,
    private readonly name: string,
  ) {}

  readonly #sent = (): void => {
    this.pending--;
  };

  send(target: { send: NodeJS.Process["send"] } | Worker, message: IpcMessage): void {
    if (this.pending >= this.max) {
      if (this.stats.dropped++ % 10_000 === 0) {
        this.logger?.({
          level: "warn",
          event: "backplane",
          message: `Cannot relay to ${this.name}: ${this.pending} messages pending; dropping (${this.stats.dropped} so far)`,
        });
      }
      return;
    }
    this.pending++;
    this.stats.sent++;
    try {
      (
        target.send as (
          message: unknown,
          handle: undefined,
          options: object,
          callback: () => void,
        ) => boolean
      )(message, undefined, {}, this.#sent);
    } catch {
      // The channel closed (the process is exiting): nothing to deliver to.
      this.pending--;
      this.stats.sent--;
      this.stats.dropped++;
    }
  }
}

/**
 * The backplane of one cluster worker. Start the relay in the primary with
 * {@link startClusterRelay} before forking.
 *
 * @example
 * ```ts
 * if (cluster.isPrimary) {
 *   startClusterRelay();
 *   for (let i = 0; i < 4; i++) cluster.fork();
 * } else {
 *   await serve(handler, { port: 8080, topics: { backplane: clusterBackplane() } });
 * }
 * ```
 */
export function clusterBackplane(
  options: ClusterBackplaneOptions = {},
): Backplane & { readonly stats: Readonly<ClusterStats> } {
  if (process.send === undefined) {
    throw new TypeError("Cannot make a cluster backplane: this process is not a cluster worker");
  }
  const stats: ClusterStats = { sent: 0, dropped: 0 };
  const channel = new Channel(
    stats,
    options.maxPendingMessages ?? DEFAULT_MAX_PENDING,
    options.logger,
    "the primary",
  );
  let receive: BackplaneReceiver | undefined;
  const onMessage = (message: unknown): void => {
    if (!isOurs(message) || message[TAG] !== "publish") return;
    if (!(message.payload instanceof Uint8Array)) return; // not "advanced" serialization
    receive?.(message.topic, message.payload, message.isText === true);
  };
  process.on("message", onMessage);
  const control = (kind: "subscribe" | "unsubscribe", topic: string): void => {
    // Interest changes are not dropped: a lost unsubscribe would leak, a lost subscribe deafen.
    if (process.connected) process.send?.({ [TAG]: kind, topic });
  };
  return {
    stats,
    attach(r) {
      receive = r;
    },
    publish(topic, payload, isText) {
      if (!process.connected) {
        stats.dropped++;
        return;
      }
      channel.send(process as { send: NodeJS.Process["send"] }, {
        [TAG]: "publish",
        topic,
        payload,
        isText,
      });
    },
    subscribe: (topic) => control("subscribe", topic),
    unsubscribe: (topic) => control("unsubscribe", topic),
    close() {
      process.off("message", onMessage);
      receive = undefined;
      return Promise.resolve();
    },
  };
}

/**
 * Relays topics between the workers of this cluster; call it in the primary
 * before forking. It switches the cluster's IPC to `"advanced"` serialization
 * (bytes cross as bytes). Returns its counters and a way to stop.
 */
export function startClusterRelay(options: ClusterBackplaneOptions = {}): {
  readonly stats: Readonly<ClusterStats>;
  stop(): void;
} {
  if (!cluster.isPrimary) {
    throw new TypeError("Cannot start the cluster relay: this process is not the primary");
  }
  cluster.setupPrimary({ serialization: "advanced" });
  const max = options.maxPendingMessages ?? DEFAULT_MAX_PENDING;
  const stats: ClusterStats = { sent: 0, dropped: 0 };
  const interest = new Map<string, Set<Worker>>();
  const workers = new Map<Worker, { topics: Set<string>; channel: Channel }>();
  const stateOf = (worker: Worker) => {
    let state = workers.get(worker);
    if (state === undefined) {
      state = {
        topics: new Set(),
        channel: new Channel(stats, max, options.logger, `worker ${worker.id}`),
      };
      workers.set(worker, state);
    }
    return state;
  };
  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isOurs(message)) return;
    const topic = message.topic;
    switch (message[TAG]) {
      case "publish": {
        const subscribers = interest.get(topic);
        if (subscribers === undefined) return;
        for (const other of subscribers) {
          if (other !== worker && other.isConnected()) stateOf(other).channel.send(other, message);
        }
        return;
      }
      case "subscribe": {
        let subscribers = interest.get(topic);
        if (subscribers === undefined) interest.set(topic, (subscribers = new Set()));
        subscribers.add(worker);
        stateOf(worker).topics.add(topic);
        return;
      }
      case "unsubscribe":
        forgetTopic(worker, topic);
        workers.get(worker)?.topics.delete(topic);
        return;
    }
  };
  const forgetTopic = (worker: Worker, topic: string): void => {
    const subscribers = interest.get(topic);
    if (subscribers === undefined) return;
    subscribers.delete(worker);
    if (subscribers.size === 0) interest.delete(topic);
  };
  const onExit = (worker: Worker): void => {
    const state = workers.get(worker);
    if (state === undefined) return;
    for (const topic of state.topics) forgetTopic(worker, topic);
    workers.delete(worker);
  };
  cluster.on("message", onMessage);
  cluster.on("exit", onExit);
  return {
    stats,
    stop() {
      cluster.off("message", onMessage);
      cluster.off("exit", onExit);
    },
  };
}
