/**
 * Topics (publish/subscribe): connections subscribe to named topics, and a
 * message published to a topic goes to every connection subscribed to it,
 * framed once (and compressed once per shared compression setting) whatever
 * the number of subscribers, with `broadcast()`'s slow-consumer policy.
 *
 * Memory. All the state is here, in two maps, and none on `Connection`: a
 * connection with no topics costs nothing, and a topic without subscribers is
 * removed (an idle topic costs nothing either). A topic with one subscriber
 * holds the connection itself, and a connection with one topic holds the
 * string itself; a `Set` is made only from the second (most topics of a chat
 * have one or two subscribers, most connections one or two topics). Measured
 * on Node 20 (`npm run bench:topics-memory`), beside the topic strings the
 * application holds anyway: 100,000 topics of one subscriber, 6.9 MiB (72 B
 * per subscription); one topic of 100,000, 6.0 MiB; 1,000 connections of 100
 * topics, 4.5 MiB; 100,000 topics of two subscribers (a `Set` per topic and
 * per connection), 36 MiB for 200,000 subscriptions (189 B each).
 *
 * Across processes, a {@link Backplane} carries each published message to
 * the other processes' topics; delivery there is at most once.
 *
 * @module
 */

import { WebSocketError } from "../core/errors.js";
import { Opcode } from "../core/frame.js";
import { PreparedMessage } from "../core/prepared-message.js";
import { decodeUtf8 } from "../core/utf8.js";
import type { Backplane } from "./backplane.js";
import { type BroadcastOptions, prepare, type SlowConsumers, slowConsumers } from "./broadcast.js";
import type { BinaryData, Connection } from "./connection.js";
import type { Logger } from "./log.js";
import {
  type HoldsPublishes,
  holdPublishes,
  PublishBatch,
  releasePublishes,
} from "./publish-batch.js";
import { defaultDefer, type FlushQueue, flushQueue } from "./schedule.js";
import type { Defer } from "./transport.js";

/** Options of {@link Topics} (a server's `topics` option). */
export interface TopicsOptions extends BroadcastOptions {
  /**
   * Longest topic name, in UTF-8 bytes. Default 256: room and channel names
   * are short, and a peer that makes its server subscribe to names it chose
   * should not make it hold megabytes per name.
   */
  maxTopicBytes?: number;
  /**
   * Most topics one connection may be subscribed to at once. Default 256, so
   * that one connection holds at most about 100 KB of topics.
   */
  maxTopicsPerConnection?: number;
  /**
   * Carries published messages to other processes (Redis, `node:cluster`).
   * Default none: topics are local to this process. The topics own it:
   * `close()` closes it.
   */
  backplane?: Backplane | null;
  /** Where failures of the backplane's input are reported. */
  logger?: Logger;
  /**
   * The end of the turn, when the publishes of the turn are delivered (see
   * `publish-batch.ts`). A server passes its own (`ConnectionOptions.defer`),
   * so that the delivery joins its connections' flush. Default `setImmediate`
   * where it exists, else `setTimeout(..., 0)`.
   */
  defer?: Defer;
}

/** Options of a publish. */
export interface PublishOptions {
  /** Whether a connection publishing also receives its own message. Default false, as in Bun. */
  includeSelf?: boolean;
}

/** A topic name or a subscription is over a limit of {@link TopicsOptions}: the caller's mistake. */
export class TopicLimitError extends WebSocketError {
  override name = "TopicLimitError";
  /** The limit that was reached. */
  readonly limit: number;

  constructor(message: string, limit: number) {
    super(message);
    this.limit = limit;
  }
}

const DEFAULT_MAX_TOPIC_BYTES = 256;
/**
 * Past this many bytes published in one turn (or `maxBufferedBytes`, if
 * smaller), the held publishes are queued on their subscribers at once, and
 * each subscriber's slow-consumer check sees them: a loop that publishes
 * megabytes in one turn cannot push a subscriber far past its limit. Batching
 * has long paid for itself by then (it saves per-message work, not per-byte).
 */
const MAX_HELD_BYTES = 256 * 1024;
const DEFAULT_MAX_TOPICS_PER_CONNECTION = 256;

/** One subscriber held as itself, two or more in a set (see the module's memory note). */
type Subscribers = Connection | Set<Connection>;
type Subscriptions = string | Set<string>;

/**
 * The topics of one process: who subscribes to what, and publishing. A
 * `Server` makes one (`server.topics`) and unsubscribes each connection when
 * it closes; it can also be used alone, by whoever calls {@link forget}.
 *
 * @example
 * ```ts
 * const server = await serve(async (connection) => {
 *   connection.subscribe("prices");
 *   for await (const message of connection) connection.publish("chat", message);
 * });
 * server.publish("prices", JSON.stringify({ price: 42 }));
 * ```
 */
export class Topics {
  readonly #byTopic = new Map<string, Subscribers>();
  readonly #byConnection = new Map<Connection, Subscriptions>();
  readonly #maxTopicBytes: number;
  readonly #maxTopics: number;
  readonly #policy: SlowConsumers;
  readonly #backplane: Backplane | null;
  readonly #logger: Logger | undefined;
  readonly #flushQueue: FlushQueue;
  /** The publishes of this turn, by topic, until the end of the turn. */
  #pending = new Map<string, PublishBatch>();
  /** Payload bytes held in `#pending`. */
  #heldBytes = 0;
  readonly #maxHeldBytes: number;
  /** Whether the end-of-turn delivery is in the flush queue. */
  #deliveryScheduled = false;
  readonly #delivery = { flush: (): void => this.#deliverPending(true) };
  readonly #holder: HoldsPublishes = { queueHeld: () => this.#deliverPending(false) };
  #closed = false;

  constructor(options: TopicsOptions = {}) {
    this.#maxTopicBytes = options.maxTopicBytes ?? DEFAULT_MAX_TOPIC_BYTES;
    if (!(this.#maxTopicBytes >= 0)) {
      throw new RangeError(`Invalid maxTopicBytes: ${options.maxTopicBytes}`);
    }
    this.#maxTopics = options.maxTopicsPerConnection ?? DEFAULT_MAX_TOPICS_PER_CONNECTION;
    if (!(this.#maxTopics >= 1)) {
      throw new RangeError(`Invalid maxTopicsPerConnection: ${options.maxTopicsPerConnection}`);
    }
    this.#policy = slowConsumers(options);
    this.#maxHeldBytes = Math.min(MAX_HELD_BYTES, this.#policy.maxBufferedBytes);
    this.#logger = options.logger;
    this.#backplane = options.backplane ?? null;
    this.#flushQueue = flushQueue(options.defer ?? defaultDefer);
    this.#backplane?.attach(this.#receive);
  }

  /** The backplane given in the options, if any. */
  get backplane(): Backplane | null {
    return this.#backplane;
  }

  /** How many topics have at least one subscriber in this process. */
  get size(): number {
    return this.#byTopic.size;
  }

  /**
   * Subscribes `connection` to `topic`. Returns false if it already was, or
   * if the connection is closing or closed (it would never be unsubscribed).
   * Throws {@link TopicLimitError} for a topic name over `maxTopicBytes` or a
   * connection already at `maxTopicsPerConnection`.
   */
  subscribe(connection: Connection, topic: string): boolean {
    this.#checkTopic("subscribe", topic);
    const state = connection.state;
    if (this.#closed || state === "closing" || state === "closed") return false;
    // Not the publishes of this turn made before it subscribed.
    if (this.#pending.size > 0) this.#deliverPending(false);
    const mine = this.#byConnection.get(connection);
    if (mine === undefined) this.#byConnection.set(connection, topic);
    else if (typeof mine === "string") {
      if (mine === topic) return false;
      this.#checkCount(2);
      this.#byConnection.set(connection, new Set([mine, topic]));
    } else {
      if (mine.has(topic)) return false;
      this.#checkCount(mine.size + 1);
      mine.add(topic);
    }
    const subscribers = this.#byTopic.get(topic);
    if (subscribers === undefined) {
      this.#byTopic.set(topic, connection);
      this.#backplane?.subscribe(topic);
    } else if (subscribers instanceof Set) subscribers.add(connection);
    else this.#byTopic.set(topic, new Set([subscribers, connection]));
    return true;
  }

  /** Unsubscribes `connection` from `topic`. Returns false if it was not subscribed. */
  unsubscribe(connection: Connection, topic: string): boolean {
    const mine = this.#byConnection.get(connection);
    if (mine === undefined) return false;
    // The publishes of this turn made while it was subscribed.
    if (this.#pending.size > 0) this.#deliverPending(false);
    if (typeof mine === "string") {
      if (mine !== topic) return false;
      this.#byConnection.delete(connection);
    } else {
      if (!mine.delete(topic)) return false;
      if (mine.size === 1) this.#byConnection.set(connection, mine.values().next().value!);
    }
    this.#removeSubscriber(topic, connection);
    return true;
  }

  /** Unsubscribes `connection` from every topic (a server does it when the connection closes). */
  forget(connection: Connection): void {
    const mine = this.#byConnection.get(connection);
    if (mine === undefined) return;
    this.#byConnection.delete(connection);
    if (typeof mine === "string") this.#removeSubscriber(mine, connection);
    else for (const topic of mine) this.#removeSubscriber(topic, connection);
  }

  /** Whether `connection` is subscribed to `topic`. */
  isSubscribed(connection: Connection, topic: string): boolean {
    const mine = this.#byConnection.get(connection);
    return mine === undefined ? false : typeof mine === "string" ? mine === topic : mine.has(topic);
  }

  /** The topics `connection` is subscribed to, in the order it subscribed. */
  topicsOf(connection: Connection): string[] {
    const mine = this.#byConnection.get(connection);
    return mine === undefined ? [] : typeof mine === "string" ? [mine] : [...mine];
  }

  /** How many connections of this process are subscribed to `topic` (other processes are not counted). */
  subscriberCount(topic: string): number {
    const subscribers = this.#byTopic.get(topic);
    return subscribers === undefined ? 0 : subscribers instanceof Set ? subscribers.size : 1;
  }

  /**
   * Publishes `message` (a string as text, bytes as binary) to every
   * subscriber of `topic` in this process but `except`, and through the
   * backplane to the other processes. Framed once; the subscribers get it at
   * the end of the turn, with the other messages published to the topic in
   * this turn, in one write each (see `publish-batch.ts`; a message sent on
   * a connection after a publish still leaves after it). Slow subscribers
   * are handled by the slow-consumer policy (see `BroadcastOptions`). Never
   * waits. Returns how many connections of this process subscribe to the
   * topic (but `except`): those it goes to, unless they close or fall behind
   * before the end of the turn.
   */
  publish(topic: string, message: string | BinaryData, except?: Connection): number {
    this.#checkTopic("publish", topic);
    if (this.#closed) return 0;
    const prepared = prepare(message);
    this.#backplane?.publish(topic, prepared.payload, prepared.opcode === Opcode.TEXT);
    return this.#hold(topic, prepared, except);
  }

  /** Stops: unsubscribes every connection and closes the backplane. Publishing does nothing after. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // What was published before stays published.
    this.#deliverPending(false);
    this.#closed = true;
    this.#byConnection.clear();
    this.#byTopic.clear();
    return this.#backplane?.close() ?? Promise.resolve();
  }

  /** Holds `prepared` for the end of the turn; returns how many subscribers it goes to. */
  #hold(topic: string, prepared: PreparedMessage, except: Connection | undefined): number {
    const subscribers = this.#byTopic.get(topic);
    if (subscribers === undefined) return 0;
    const pending = this.#pending;
    let batch = pending.get(topic);
    if (batch === undefined) {
      if (pending.size === 0) {
        holdPublishes(this.#holder);
        if (!this.#deliveryScheduled) {
          this.#deliveryScheduled = true;
          this.#flushQueue.add(this.#delivery);
        }
      }
      batch = new PublishBatch(topic);
      pending.set(topic, batch);
    }
    this.#heldBytes += batch.add(prepared, except);
    const count =
      subscribers instanceof Set
        ? except !== undefined && subscribers.has(except)
          ? subscribers.size - 1
          : subscribers.size
        : subscribers === except
          ? 0
          : 1;
    if (this.#heldBytes > this.#maxHeldBytes) this.#deliverPending(false);
    return count;
  }

  /**
   * Delivers the publishes held in this turn: at the end of the turn writing
   * each subscriber's output at once (`writeNow`), or earlier, queuing it,
   * when something must leave after them.
   */
  #deliverPending(writeNow: boolean): void {
    if (writeNow) this.#deliveryScheduled = false;
    const pending = this.#pending;
    if (pending.size === 0) return;
    // Taken first: a slow subscriber closed on the way queues held publishes
    // again (Closing.close), and must find none.
    this.#pending = new Map();
    this.#heldBytes = 0;
    releasePublishes(this.#holder);
    for (const batch of pending.values()) {
      const subscribers = this.#byTopic.get(batch.topic);
      if (subscribers === undefined) continue;
      batch.deliver(
        subscribers instanceof Set ? subscribers : [subscribers],
        this.#policy,
        writeNow,
      );
    }
  }

  // What other processes published: validated once (a text message with bad
  // UTF-8 would make every subscriber's client fail with 1007), then framed
  // once for all the subscribers here.
  readonly #receive = (topic: string, payload: Uint8Array, isText: boolean): void => {
    if (this.#closed || !this.#byTopic.has(topic)) return;
    if (isText && decodeUtf8(payload) === undefined) {
      this.#logger?.({
        level: "warn",
        event: "backplane",
        message: `Cannot deliver a message on topic ${JSON.stringify(topic)}: its text is not valid UTF-8`,
      });
      return;
    }
    this.#hold(
      topic,
      new PreparedMessage(isText ? Opcode.TEXT : Opcode.BINARY, payload),
      undefined,
    );
  };

  #removeSubscriber(topic: string, connection: Connection): void {
    const subscribers = this.#byTopic.get(topic);
    if (subscribers === undefined) return;
    if (subscribers instanceof Set) {
      subscribers.delete(connection);
      if (subscribers.size === 1) this.#byTopic.set(topic, subscribers.values().next().value!);
      return;
    }
    if (subscribers !== connection) return;
    this.#byTopic.delete(topic);
    this.#backplane?.unsubscribe(topic);
  }

  #checkTopic(action: string, topic: string): void {
    if (typeof topic !== "string")
      throw new TypeError(`Cannot ${action}: the topic is not a string`);
    const max = this.#maxTopicBytes;
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: count only when it matters.
    if (topic.length * 3 <= max) return;
    const bytes = topic.length > max ? topic.length : utf8Length(topic);
    if (bytes > max) {
      throw new TopicLimitError(
        `Cannot ${action}: topic name of ${bytes}+ bytes is over maxTopicBytes (${max})`,
        max,
      );
    }
  }

  #checkCount(count: number): void {
    if (count > this.#maxTopics) {
      throw new TopicLimitError(
        `Cannot subscribe: the connection is at maxTopicsPerConnection (${this.#maxTopics})`,
        this.#maxTopics,
      );
    }
  }
}

/** The UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair
      i++;
    } else bytes += 3;
  }
  return bytes;
}
