/**
 * A {@link Backplane} on Redis Pub/Sub, or on sharded Pub/Sub (`SPUBLISH`,
 * `SSUBSCRIBE`, Redis 7) for Redis Cluster, through node-redis (`redis` 6,
 * an optional peer dependency).
 *
 * Delivery is **at most once**, as with Socket.IO's Redis adapter: Redis
 * Pub/Sub keeps nothing, so a process that is not connected when a message
 * passes never gets it. What is kept:
 * - no process delivers a message twice: each carries its origin, and the
 *   process that published it (which delivered it to its own subscribers at
 *   once) ignores it when Redis sends it back;
 * - the messages of one publisher on one topic arrive in the order published
 *   (one connection, in order; a topic is one channel on one shard);
 * - publishing never blocks and never grows without bound. While Redis is
 *   not connected, a message published is dropped and counted (`dropped`);
 *   while it is connected but not answering (a hung broker), messages wait
 *   for their reply up to `maxPendingBytes`, and those past it are dropped
 *   and counted. Local subscribers are served all along;
 * - on reconnection node-redis resubscribes every channel by itself; the
 *   backplane logs the outage, the return, and how many messages it dropped.
 *
 * Publishing to a topic that has no subscriber anywhere costs one `PUBLISH`.
 *
 * @module
 */

import type { Backplane, BackplaneReceiver } from "../connection/backplane.js";
import type { Logger, LogLevel } from "../connection/log.js";
import { newOrigin, open, seal } from "./envelope.js";

/** The node-redis client methods the backplane uses (a `RedisClientType` has them). */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  sPublish(channel: string, message: Buffer): Promise<unknown>;
  duplicate(overrides?: { disableOfflineQueue?: boolean }): RedisClientLike;
  subscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  unsubscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  sSubscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  sUnsubscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** The node-redis cluster methods the backplane uses (a `RedisClusterType` has them). */
export interface RedisClusterLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sPublish(channel: string, message: Buffer): Promise<unknown>;
  sSubscribe(channels: string, listener: Listener, bufferMode: true): Promise<unknown>;
  sUnsubscribe(channels: string, listener: Listener, bufferMode: true): Promise<unknown>;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

type Listener = (message: Buffer, channel: Buffer) => void;

/** Options of {@link redisBackplane}: one of `url`, `client`, `cluster` or `clusterUrls`. */
export interface RedisBackplaneOptions {
  /** A Redis URL (`redis://host:port`); the backplane makes and owns its two clients. */
  url?: string;
  /**
   * A node-redis client of yours, connected or not (the backplane connects
   * it if needed, and never closes it). A duplicate of it receives (a
   * subscribed connection can do nothing else); the backplane owns that one.
   * Make it with `disableOfflineQueue: true` for exact accounting: otherwise
   * a message published just as the connection drops is sent after the
   * reconnection instead of being counted as dropped.
   */
  client?: RedisClientLike;
  /** A node-redis cluster client of yours: sharded Pub/Sub. Never closed by the backplane. */
  cluster?: RedisClusterLike;
  /** Root node URLs of a Redis Cluster: sharded Pub/Sub, with a cluster client the backplane owns. */
  clusterUrls?: readonly string[];
  /**
   * Sharded Pub/Sub (`SPUBLISH`) on a single Redis too (Redis 7). Default
   * false; always true on a cluster.
   */
  sharded?: boolean;
  /** Prefix of the Redis channel of each topic. Default `"websocket-sansio:"`. */
  channelPrefix?: string;
  /**
   * Bytes of published messages waiting for Redis's reply above which more
   * are dropped (a hung broker). Default 4 MiB: a few seconds of a busy
   * feed, and a bound on what a stalled Redis costs each process.
   */
  maxPendingBytes?: number;
  /** Delay between reconnection attempts of the clients the backplane makes. Default 500 ms. */
  reconnectDelayMs?: number;
  /** Where connection losses, returns and drops are reported. */
  logger?: Logger;
}

/** What a Redis backplane counted. */
export interface RedisBackplaneStats {
  /** Messages sent to Redis. */
  published: number;
  /** Messages not sent: Redis not connected, too many waiting, or failed. */
  dropped: number;
  /** Messages received from other processes. */
  received: number;
  /** Messages on our channels that were not ours (another program, another version): ignored. */
  ignored: number;
}

/** A Redis backplane: a {@link Backplane} with counters and a way to wait for Redis. */
export interface RedisBackplane extends Backplane {
  readonly stats: Readonly<RedisBackplaneStats>;
  /** Whether both the publishing and the subscribed connection are ready. */
  readonly isReady: boolean;
  /** Resolves once connected (the server serves its local subscribers meanwhile). */
  ready(): Promise<void>;
}

const DEFAULT_PREFIX = "websocket-sansio:";
const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;
const DEFAULT_RECONNECT_DELAY_MS = 500;
// What Redis holds beside a message's bytes while it waits (an estimate, for the bound).
const PENDING_OVERHEAD_BYTES = 64;

const allocate = (size: number): Buffer => Buffer.allocUnsafe(size);

/**
 * Makes a Redis backplane for a server's topics.
 *
 * @example
 * ```ts
 * import { serve } from "websocket-sansio/node";
 * import { redisBackplane } from "websocket-sansio/redis";
 *
 * const server = await serve(handler, {
 *   port: 8080,
 *   topics: { backplane: redisBackplane({ url: "redis://127.0.0.1:6379" }) },
 * });
 * ```
 */
export function redisBackplane(options: RedisBackplaneOptions): RedisBackplane {
  return new RedisPubSub(options);
}

class RedisPubSub implements RedisBackplane {
  readonly stats: RedisBackplaneStats = { published: 0, dropped: 0, received: 0, ignored: 0 };
  readonly #origin = newOrigin();
  readonly #prefix: string;
  readonly #sharded: boolean;
  readonly #isCluster: boolean;
  readonly #maxPending: number;
  readonly #logger: Logger | undefined;
  readonly #where: string;
  #receive: BackplaneReceiver | undefined;
  // Set once the clients exist (made asynchronously when from a URL: `redis` is imported on demand).
  #publisher: RedisClientLike | RedisClusterLike | undefined;
  #subscriber: RedisClientLike | RedisClusterLike | undefined;
  #owned: (RedisClientLike | RedisClusterLike)[] = [];
  #started: Promise<void>;
  #pendingBytes = 0;
  // Dropped since the last outage was reported; > 0 while an outage lasts.
  #droppedInOutage = 0;
  // The last error each client reported ("" once ready), so that a retry loop logs each reason once.
  #lastErrors = new Map<string, string>();
  #closed = false;
  // Topic subscriptions wanted (true) or unwanted (false) since the last flush: batched per turn.
  #changes = new Map<string, boolean>();
  #flushScheduled = false;
  #subscribed = new Set<string>();

  constructor(options: RedisBackplaneOptions) {
    const given = [options.url, options.client, options.cluster, options.clusterUrls].filter(
      (value) => value !== undefined,
    );
    if (given.length !== 1) {
      throw new TypeError(
        "Cannot make a Redis backplane: give one of url, client, cluster, clusterUrls",
      );
    }
    this.#prefix = options.channelPrefix ?? DEFAULT_PREFIX;
    this.#sharded =
      options.cluster !== undefined ||
      options.clusterUrls !== undefined ||
      options.sharded === true;
    this.#isCluster = options.cluster !== undefined || options.clusterUrls !== undefined;
    this.#maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    if (!(this.#maxPending >= 0)) {
      throw new RangeError(`Invalid maxPendingBytes: ${options.maxPendingBytes}`);
    }
    this.#logger = options.logger;
    this.#where =
      options.url !== undefined
        ? redactUrl(options.url)
        : options.clusterUrls !== undefined
          ? options.clusterUrls.map(redactUrl).join(",")
          : "Redis";
    this.#started = this.#start(options);
    // Failures are logged where they happen; `ready()` exposes them.
    this.#started.catch(() => {});
  }

  async #start(options: RedisBackplaneOptions): Promise<void> {
    const delay = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    const socket = {
      // Retry for ever, at a steady pace: a backplane outlives its broker's restarts.
      reconnectStrategy: () => delay,
      connectTimeout: 5000,
    };
    if (options.cluster !== undefined) {
      this.#publisher = this.#subscriber = options.cluster;
      this.#watch(options.cluster, "cluster");
    } else if (options.clusterUrls !== undefined) {
      const { createCluster } = await import("redis");
      const cluster = createCluster({
        rootNodes: options.clusterUrls.map((url) => ({ url })),
        defaults: { socket },
      }) as unknown as RedisClusterLike;
      this.#own(cluster, "cluster");
      this.#publisher = this.#subscriber = cluster;
    } else {
      let client = options.client;
      if (client === undefined) {
        const { createClient } = await import("redis");
        // Without the offline queue, commands issued just as the connection
        // drops fail (and are counted) instead of going out after the
        // reconnection, possibly before the other processes resubscribed.
        client = createClient({
          url: options.url!,
          socket,
          disableOfflineQueue: true,
        }) as unknown as RedisClientLike;
        this.#own(client, "publisher");
      } else this.#watch(client, "publisher");
      // The subscriber keeps its offline queue: a subscription asked for while
      // Redis is away goes out when it is back.
      const subscriber = client.duplicate({ disableOfflineQueue: false });
      this.#own(subscriber, "subscriber");
      this.#publisher = client;
      this.#subscriber = subscriber;
    }
    if (this.#closed) return;
    this.#flush();
    const connecting: Promise<unknown>[] = [];
    for (const client of new Set([this.#publisher, this.#subscriber])) {
      if (!client.isOpen) connecting.push(client.connect());
    }
    await Promise.all(connecting);
    // What a cluster client refused while connecting (see #flush).
    this.#flush();
  }

  #own(client: RedisClientLike | RedisClusterLike, role: string): void {
    this.#owned.push(client);
    this.#watch(client, role);
  }

  #watch(client: RedisClientLike | RedisClusterLike, role: string): void {
    client.on("error", (error: Error) => {
      // node-redis reports every failed reconnection: say each new reason once.
      const message = error.message || error.name || String(error);
      if (message === this.#lastErrors.get(role)) return;
      this.#lastErrors.set(role, message);
      this.#log("warn", `Cannot reach Redis at ${this.#where} (${role}): ${message}; retrying`, {
        error,
      });
    });
    client.on("ready", () => {
      const lost = this.#lastErrors.has(role);
      this.#lastErrors.delete(role);
      this.#log(
        "info",
        `${lost ? "Reconnected" : "Connected"} to Redis at ${this.#where} (${role})`,
      );
      this.#reportReturn();
    });
  }

  get isReady(): boolean {
    return (this.#publisher?.isReady ?? false) && (this.#subscriber?.isReady ?? false);
  }

  async ready(): Promise<void> {
    await this.#started;
  }

  attach(receive: BackplaneReceiver): void {
    this.#receive = receive;
  }

  publish(topic: string, payload: Uint8Array, isText: boolean): void {
    const publisher = this.#publisher;
    const size = payload.length + topic.length + PENDING_OVERHEAD_BYTES;
    if (publisher === undefined || !publisher.isReady || this.#closed) {
      this.#drop("not connected");
      return;
    }
    if (this.#pendingBytes + size > this.#maxPending && this.#pendingBytes > 0) {
      this.#drop("not answering");
      return;
    }
    this.#reportReturn();
    const message = seal(this.#origin, payload, isText, allocate);
    const channel = this.#prefix + topic;
    this.#pendingBytes += size;
    this.stats.published++;
    const sent = this.#sharded
      ? publisher.sPublish(channel, message)
      : (publisher as RedisClientLike).publish(channel, message);
    sent.then(
      () => {
        this.#pendingBytes -= size;
      },
      (error: unknown) => {
        this.#pendingBytes -= size;
        this.stats.published--;
        this.#drop(`failing (${(error as Error).message || (error as Error).name})`);
      },
    );
  }

  #drop(why: string): void {
    this.stats.dropped++;
    if (this.#droppedInOutage++ === 0) {
      this.#log(
        "warn",
        `Redis at ${this.#where} is ${why}: dropping published messages (at most once) until it is back`,
      );
    }
  }

  #reportReturn(): void {
    if (this.#droppedInOutage === 0) return;
    const count = this.#droppedInOutage;
    this.#droppedInOutage = 0;
    this.#log(
      "info",
      `Redis at ${this.#where} is back: ${count} message${count === 1 ? " was" : "s were"} dropped meanwhile`,
      { dropped: count },
    );
  }

  subscribe(topic: string): void {
    this.#change(topic, true);
  }

  unsubscribe(topic: string): void {
    this.#change(topic, false);
  }

  #change(topic: string, wanted: boolean): void {
    if (this.#closed) return;
    this.#changes.set(topic, wanted);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  // Sends the subscriptions that changed this turn, in one command each way
  // (one per channel on a cluster, where channels live on different shards).
  #flush(): void {
    const subscriber = this.#subscriber;
    if (subscriber === undefined || this.#changes.size === 0) return;
    // A cluster client has no offline queue: it fails commands until it has
    // found the shards (`serve --redis-cluster` subscribes at the first
    // client, before that). The changes wait for it (#start flushes again).
    if (this.#isCluster && !subscriber.isReady) return;
    const on: string[] = [];
    const off: string[] = [];
    for (const [topic, wanted] of this.#changes) {
      if (wanted === this.#subscribed.has(topic)) continue;
      if (wanted) this.#subscribed.add(topic);
      else this.#subscribed.delete(topic);
      (wanted ? on : off).push(this.#prefix + topic);
    }
    this.#changes.clear();
    const failed = (error: unknown): void =>
      this.#log("warn", `Cannot change Redis subscriptions: ${(error as Error).message}`, {
        error,
      });
    if (!this.#sharded) {
      const client = subscriber as RedisClientLike;
      if (on.length > 0) client.subscribe(on, this.#onMessage, true).catch(failed);
      if (off.length > 0) client.unsubscribe(off, this.#onMessage, true).catch(failed);
    } else if (!this.#isCluster) {
      const client = subscriber as RedisClientLike;
      if (on.length > 0) client.sSubscribe(on, this.#onMessage, true).catch(failed);
      if (off.length > 0) client.sUnsubscribe(off, this.#onMessage, true).catch(failed);
    } else {
      const cluster = subscriber as RedisClusterLike;
      for (const channel of on) cluster.sSubscribe(channel, this.#onMessage, true).catch(failed);
      for (const channel of off) cluster.sUnsubscribe(channel, this.#onMessage, true).catch(failed);
    }
  }

  readonly #onMessage = (message: Buffer, channel: Buffer): void => {
    const opened = open(message, this.#origin);
    if (opened === "own") return;
    if (opened === null) {
      this.stats.ignored++;
      return;
    }
    this.stats.received++;
    const topic = channel.toString("utf8", this.#prefixBytes());
    this.#receive?.(topic, opened.payload, opened.isText);
  };

  #prefixLength: number | undefined;
  #prefixBytes(): number {
    this.#prefixLength ??= Buffer.byteLength(this.#prefix);
    return this.#prefixLength;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#started;
    } catch {
      // Not connected: nothing to unsubscribe.
    }
    const channels = [...this.#subscribed].map((topic) => this.#prefix + topic);
    this.#subscribed.clear();
    // Ours are destroyed (a hung broker must not hold up a shutdown); yours
    // are left connected, without our subscriptions.
    for (const client of this.#owned) client.destroy();
    const subscriber = this.#subscriber;
    if (subscriber !== undefined && !this.#owned.includes(subscriber) && subscriber.isReady) {
      await Promise.all(
        channels.map((channel) =>
          (subscriber as RedisClusterLike).sUnsubscribe(channel, this.#onMessage, true),
        ),
      ).catch(() => {});
    }
  }

  #log(level: LogLevel, message: string, details?: Record<string, unknown>): void {
    this.#logger?.({ level, event: "backplane", message, ...(details ? { details } : {}) });
  }
}

/** A URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return "Redis";
  }
}
