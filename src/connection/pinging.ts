/**
 * Pings: `ping()`, which resolves with the round-trip time, `sendPing()` and
 * `sendPong()`, which send without awaiting anything, and keepalive,
 * which pings an idle peer every `pingIntervalMs` and fails the connection
 * (1011) when the pong does not come within `pingTimeoutMs`. A pong answers
 * its ping and every ping sent before it (RFC 6455 5.5.3).
 *
 * @module
 */

import { InvalidStateError } from "../core/errors.js";
import { Deadline, Deadlines } from "./deadlines.js";
import type { CloseInfo } from "./errors.js";
import { TimeoutError } from "./errors.js";
import { closedWithoutStack } from "./incoming.js";
import { type BinaryData, bytesView } from "./message.js";
import { Sending } from "./sending.js";
import type { ConnectionState } from "./state.js";

/**
 * The keepalive ping awaiting its pong: the pong deadline, holding what the
 * pong must match. It is remembered by its deadline, not in the pings of
 * `ping()`: an idle connection allocates nothing else for it.
 */
export class KeepalivePing extends Deadline<ConnectionState> {
  constructor(
    connection: ConnectionState,
    readonly key: string,
    readonly sentAt: number,
  ) {
    super(connection);
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** A ping's payload as a string key, to match pongs by. */
function pingKey(data: Uint8Array): string {
  let key = "";
  for (const byte of data) key += String.fromCharCode(byte);
  return key;
}

/** The fifth class of a connection's chain (see `state.ts`): pings and keepalive. */
export abstract class Pinging extends Sending {
  /** Round-trip time of the last ping answered, in milliseconds; 0 before the first. */
  get latency(): number {
    return this.rare?.latency ?? 0;
  }

  /**
   * Sends a ping and resolves with the round-trip time in milliseconds when
   * its pong arrives (a pong also answers every earlier ping, RFC 6455 5.5.3).
   * Without `data`, 4 random bytes are sent. Rejects with
   * {@link ConnectionClosed} if the connection closes first.
   */
  ping(data?: string | BinaryData): Promise<number> {
    if (this.protocol.state !== "open") return Promise.reject(this.closedError("send ping"));
    let bytes: Uint8Array;
    if (data === undefined) {
      bytes = new Uint8Array(4);
      crypto.getRandomValues(bytes);
    } else {
      bytes = typeof data === "string" ? new TextEncoder().encode(data) : bytesView(data);
    }
    const key = pingKey(bytes);
    const pings = this.rareState().pings;
    if (pings.some((ping) => ping.key === key)) {
      return Promise.reject(
        new InvalidStateError("Cannot send ping: a ping with the same data awaits its pong"),
      );
    }
    try {
      this.protocol.sendPing(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    this.scheduleFlush();
    return new Promise((resolve, reject) => {
      pings.push({ key, sentAt: performance.now(), resolve, reject });
    });
  }

  /**
   * Sends a ping frame without waiting for its pong, which an observer sees
   * as a `pong` event (see `observe`); `ping()` is the awaited
   * form. Throws `InvalidStateError` when the connection is not open,
   * `RangeError` for more than 125 bytes.
   */
  sendPing(data: string | BinaryData = EMPTY_BYTES): void {
    this.protocol.sendPing(typeof data === "string" ? data : bytesView(data));
    this.scheduleFlush();
  }

  /**
   * Sends a pong frame: an unsolicited one is a one-way heartbeat (RFC 6455
   * 5.5.3); pings are answered automatically. Throws as `sendPing()`.
   */
  sendPong(data: string | BinaryData = EMPTY_BYTES): void {
    this.protocol.sendPong(typeof data === "string" ? data : bytesView(data));
    this.scheduleFlush();
  }

  /** A pong arrived: settles the pings it answers (keepalive's and `ping()`'s). */
  protected pongReceived(data: Uint8Array): void {
    const rare = this.rare;
    const pings = rare?.pings;
    const deadline = this.keepaliveDeadline;
    const keepalive = deadline instanceof KeepalivePing ? deadline : undefined;
    // An unsolicited pong (RFC 6455 5.5.3 allows them) answers nothing.
    if (keepalive === undefined && (pings === undefined || pings.length === 0)) return;
    const key = pingKey(data);
    const now = performance.now();
    const index = pings === undefined ? -1 : pings.findIndex((ping) => ping.key === key);
    // A pong answers its ping and every ping sent before it (RFC 6455 5.5.3).
    if (
      keepalive !== undefined &&
      (keepalive.key === key || (index >= 0 && pings![index]!.sentAt >= keepalive.sentAt))
    ) {
      keepalive.cancel();
      this.keepaliveDeadline = undefined;
      this.rareState().latency = now - keepalive.sentAt;
      this.armKeepalive();
    }
    if (index < 0) return;
    const answered = pings!.splice(0, index + 1);
    rare!.latency = now - answered[index]!.sentAt;
    for (const ping of answered) ping.resolve(now - ping.sentAt);
  }

  /** Rejects the `ping()` calls still waiting when the connection closes. */
  protected rejectPings(info: CloseInfo): void {
    const rare = this.rare;
    if (rare === undefined || rare.pings.length === 0) return;
    const pings = rare.pings.splice(0);
    const error = closedWithoutStack("Cannot receive pong", info);
    for (const ping of pings) ping.reject(error);
  }

  /** Arms the deadline of the next keepalive ping (the connection is open). */
  protected armKeepalive(): void {
    const settings = this.settings;
    if (settings.pingIntervalMs === null || this.protocol.state !== "open") return;
    settings.pingDeadlines ??= new Deadlines(settings.pingIntervalMs, Pinging.pingDue);
    this.keepaliveDeadline = settings.pingDeadlines.add(new Deadline<ConnectionState>(this));
  }

  private static readonly pingDue = (state: ConnectionState): void => {
    const connection = state as Pinging;
    connection.keepaliveDeadline = undefined;
    connection.sendKeepalivePing();
  };

  private static readonly pongExpired = (state: ConnectionState): void => {
    const connection = state as Pinging;
    connection.keepaliveDeadline = undefined;
    connection.pongTimedOut();
  };

  private sendKeepalivePing(): void {
    if (this.protocol.state !== "open") return;
    const bytes = new Uint8Array(4);
    crypto.getRandomValues(bytes);
    this.protocol.sendPing(bytes);
    this.scheduleFlush();
    const ping = new KeepalivePing(this, pingKey(bytes), performance.now());
    this.keepaliveDeadline = ping;
    const settings = this.settings;
    if (settings.pingTimeoutMs === null) return;
    settings.pongDeadlines ??= new Deadlines(settings.pingTimeoutMs, Pinging.pongExpired);
    settings.pongDeadlines.add(ping);
  }

  private pongTimedOut(): void {
    if (this.protocol.state !== "open") return;
    this.rareState().localError ??= new TimeoutError(
      `Cannot keep connection alive: no pong within ${this.settings.pingTimeoutMs} ms`,
    );
    if (this.settings.logWarn) this.log("warn", "error", "Keepalive ping timed out");
    // RFC 6455 7.4.1: 1011, the server (or client) met a condition that
    // prevented it from going on; the reason tells the peer which.
    this.protocol.fail(1011, "keepalive ping timeout");
    this.afterProtocol();
  }
}
