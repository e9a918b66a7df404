/**
 * The options of a {@link Connection} and the settings derived from them:
 * validated once per options object and shared by every connection made with
 * it (a server's thousands of connections hold one pointer instead of ten
 * fields each).
 *
 * @module
 */

import { perObject } from "../core/memo.js";
import type { Deadlines } from "./deadlines.js";
import { type Logger, type LogLevel, logs } from "./log.js";
import { defaultDefer, type FlushQueue, flushQueue } from "./schedule.js";
import type { ConnectionState } from "./state.js";
import type { Defer } from "./transport.js";

/** Options of a {@link Connection}: timeouts, queue size, logging. */
export interface ConnectionOptions {
  /**
   * Deadline of the opening handshake. Default 10 s: generous for a slow
   * network, short enough that silent peers do not pile up. `null` disables.
   */
  openTimeoutMs?: number | null;
  /**
   * How long to wait for the closing handshake (and the transport's close)
   * before destroying the transport. Default 10 s. `null` disables.
   */
  closeTimeoutMs?: number | null;
  /**
   * Interval of keepalive pings. Default 20 s, under the idle timeout of most
   * proxies and load balancers (often 30 to 60 s). `null` disables keepalive.
   */
  pingIntervalMs?: number | null;
  /**
   * How long to wait for the pong of a keepalive ping before failing the
   * connection with 1011. Default 20 s. `null` waits forever.
   */
  pingTimeoutMs?: number | null;
  /**
   * Received messages queued before reads pause (backpressure to the peer).
   * Reads resume when the queue is down to a quarter. Default 16.
   */
  maxQueuedMessages?: number;
  /**
   * Received bytes queued (a text message counts its characters) above which
   * reads pause too, whichever mark comes first; they resume at a quarter.
   * Default 1 MiB: with 16 messages of up to `maxMessageBytes` (1 MiB), a
   * handler that stops reading would otherwise hold 16 MiB per connection.
   */
  maxQueuedBytes?: number;
  /**
   * Bytes waiting in the transport above which `send()` waits for them to
   * drain. The transport's own mark applies too (the higher of the two
   * wins). Default 64 KiB: a few large messages or thousands of small ones in
   * flight per connection, so that a sender awaiting each `send()` is not held
   * to one write per event-loop turn (Node's socket mark is 16 KiB), while a
   * peer that stops reading costs a bounded amount of memory.
   */
  writeHighWaterBytes?: number;
  /** Logging and diagnostics hook. Costs nothing when unset. */
  logger?: Logger;
  /** The least severe level passed to `logger`. Default `"info"`; `"debug"` adds one record per message. */
  logLevel?: LogLevel;
  /** The runtime's after-this-turn primitive for write coalescing (see {@link Defer}). */
  defer?: Defer;
}

const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const DEFAULT_PING_INTERVAL_MS = 20_000;
const DEFAULT_PING_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_QUEUED_MESSAGES = 16;
const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;
const DEFAULT_WRITE_HIGH_WATER_BYTES = 64 * 1024;
/**
 * Output that sends may pile up in the protocol before it is handed to the
 * transport without waiting for the end of the turn. A loop awaiting each
 * send never leaves the turn (its promises are already resolved), so without
 * this it would never see the transport's backpressure. 64 KiB, the default
 * write high-water mark: the echoes of one 64 KiB read of 16 KiB messages
 * leave in one writev (with 16 KiB, one writev per message: about 12% more
 * server CPU per message in the 16 KiB echo benchmark), and small messages
 * batch by thousands. A lower `writeHighWaterBytes` lowers it too.
 */
export const FLUSH_THRESHOLD_BYTES = 64 * 1024;

/**
 * What a connection needs from its options, derived once per options object
 * and shared (see the module comment). The core's counterpart for a
 * protocol's options is its limits object; what a connection makes only on
 * first use is its rare state (see `state.ts`).
 */
export interface Settings {
  readonly flushQueue: FlushQueue;
  // The deadline queues of the connections made with these options, created on first use.
  openDeadlines?: Deadlines<ConnectionState>;
  closeDeadlines?: Deadlines<ConnectionState>;
  pingDeadlines?: Deadlines<ConnectionState>;
  pongDeadlines?: Deadlines<ConnectionState>;
  readonly logger: Logger | undefined;
  readonly logDebug: boolean;
  readonly logInfo: boolean;
  /** Whether warn records pass (`logLevel` "warn" drops info records, not warnings). */
  readonly logWarn: boolean;
  readonly openTimeoutMs: number | null;
  readonly closeTimeoutMs: number | null;
  readonly pingIntervalMs: number | null;
  readonly pingTimeoutMs: number | null;
  /** Queued messages above which reads pause, and at or below which they resume. */
  readonly highQueue: number;
  readonly lowQueue: number;
  /** Queued bytes above which reads pause, and at or below which they resume. */
  readonly highQueueBytes: number;
  readonly lowQueueBytes: number;
  readonly writeHighWater: number;
  /** Output queued in the protocol above which a send flushes at once (see FLUSH_THRESHOLD_BYTES). */
  readonly flushThreshold: number;
}

/** A timeout option: the default when unset, `null` (no deadline) for `null` or infinity. */
export function timeoutOption(value: number | null | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (value === null || value === Number.POSITIVE_INFINITY) return null;
  if (!(value >= 0)) throw new RangeError(`Invalid timeout: ${value}`);
  return value;
}

/** The settings of `options`, made on the first call for that object and shared after. */
export const settingsFor: (options: ConnectionOptions) => Settings = perObject(
  (options: ConnectionOptions): Settings => {
    const logger = options.logger;
    const level = options.logLevel ?? "info";
    const writeHighWater = options.writeHighWaterBytes ?? DEFAULT_WRITE_HIGH_WATER_BYTES;
    if (!(writeHighWater >= 0)) {
      throw new RangeError(`Invalid writeHighWaterBytes: ${writeHighWater}`);
    }
    const maxQueued = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    if (!(maxQueued >= 1)) throw new RangeError(`Invalid maxQueuedMessages: ${maxQueued}`);
    const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    if (!(maxQueuedBytes >= 0)) throw new RangeError(`Invalid maxQueuedBytes: ${maxQueuedBytes}`);
    return {
      flushQueue: flushQueue(options.defer ?? defaultDefer),
      logger,
      logDebug: logger !== undefined && logs("debug", level),
      logInfo: logger !== undefined && logs("info", level),
      logWarn: logger !== undefined && logs("warn", level),
      openTimeoutMs: timeoutOption(options.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS),
      closeTimeoutMs: timeoutOption(options.closeTimeoutMs, DEFAULT_CLOSE_TIMEOUT_MS),
      pingIntervalMs: timeoutOption(options.pingIntervalMs, DEFAULT_PING_INTERVAL_MS),
      pingTimeoutMs: timeoutOption(options.pingTimeoutMs, DEFAULT_PING_TIMEOUT_MS),
      highQueue: maxQueued,
      lowQueue: Math.floor(maxQueued / 4),
      highQueueBytes: maxQueuedBytes,
      lowQueueBytes: Math.floor(maxQueuedBytes / 4),
      writeHighWater,
      // Never above the write mark: what waits in the protocol counts as buffered.
      flushThreshold: Math.min(writeHighWater, FLUSH_THRESHOLD_BYTES),
    };
  },
);
