/**
 * Frame once, send to many.
 *
 * @module
 */

import { type PreparedMessage, prepareMessage } from "../core/prepared-message.js";
import type { BinaryData, Connection } from "./connection.js";

/** Options of {@link broadcast}. */
export interface BroadcastOptions {
  /**
   * A connection with more bytes than this waiting to be written is too slow
   * to keep up: it gets nothing (`"skip"`) or is closed (`"close"`). Default
   * 1 MiB, so that one stalled peer costs at most that much memory.
   */
  maxBufferedBytes?: number;
  /**
   * What happens to a slow connection. `"skip"` (default) drops this message
   * for it: suited to state updates where the next one supersedes. `"close"`
   * closes it with 1008 (policy violation), for feeds where a gap is worse
   * than a reconnect.
   */
  slowPolicy?: "skip" | "close";
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Sends one message to many connections, framing it once. Connections that
 * are not open, or are in the middle of sending a fragmented message, are
 * skipped; slow ones are treated according to `slowPolicy`. Never waits and
 * never buffers without bound. Returns the number of connections the message
 * was queued on.
 *
 * @example
 * ```ts
 * broadcast(server.connections, JSON.stringify({ price: 42 }));
 * ```
 */
export function broadcast(
  connections: Iterable<Connection>,
  message: string | BinaryData,
  options: BroadcastOptions = {},
): number {
  return sendPreparedToAll(connections, prepare(message), slowConsumers(options));
}

/** A broadcast's slow-consumer policy, resolved once (see {@link BroadcastOptions}). */
export interface SlowConsumers {
  readonly maxBufferedBytes: number;
  readonly closesSlow: boolean;
}

/** Resolves and checks {@link BroadcastOptions}. */
export function slowConsumers(options: BroadcastOptions): SlowConsumers {
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  if (!(maxBufferedBytes >= 0)) {
    throw new RangeError(`Invalid maxBufferedBytes: ${maxBufferedBytes}`);
  }
  return { maxBufferedBytes, closesSlow: options.slowPolicy === "close" };
}

/** Frames a message once (strings as text), from any kind of bytes. */
export function prepare(message: string | BinaryData): PreparedMessage {
  return prepareMessage(
    typeof message === "string"
      ? message
      : message instanceof Uint8Array
        ? message
        : ArrayBuffer.isView(message)
          ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength)
          : new Uint8Array(message),
  );
}

/**
 * The loop of {@link broadcast} over a message already framed, skipping
 * `except` (a publisher that does not hear itself). Topics share it, so that
 * there is one slow-consumer policy.
 */
export function sendPreparedToAll(
  connections: Iterable<Connection>,
  prepared: PreparedMessage,
  policy: SlowConsumers,
  except?: Connection,
): number {
  const limit = policy.maxBufferedBytes;
  let sent = 0;
  for (const connection of connections) {
    if (connection === except || connection.state !== "open") continue;
    if (connection.bufferedAmount > limit) {
      if (policy.closesSlow) void connection.close(1008, "Too slow to keep up").catch(() => {});
      continue;
    }
    if (connection.sendPrepared(prepared)) sent++;
  }
  return sent;
}
