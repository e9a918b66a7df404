/**
 * The client's HTTP/2 sessions: one per origin (and TLS options), opened on
 * the first WebSocket to it, shared by every WebSocket to it (RFC 8441's
 * point: many WebSockets on one connection), and closed when its last
 * stream ends. Each is a socket driven by our own HTTP/2 machine
 * (wire-session.ts).
 *
 * @module
 */

import { isIP, connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from "node:tls";
import { TransportError } from "../connection/errors.js";
import { WebSocketError } from "../core/errors.js";
import { Http2Session, type Http2Settings } from "../core/http2/index.js";
import { MAX_FRAME_BYTES, type WireOwner, WireSession } from "./wire-session.js";

/**
 * The server does not offer WebSockets over HTTP/2: it did not negotiate
 * `h2`, or its SETTINGS did not enable extended CONNECT (RFC 8441 3). Not
 * worth retrying against the same server; ask for `http2Fallback` to use
 * HTTP/1.1 instead.
 */
export class Http2UnsupportedError extends WebSocketError {
  override name = "Http2UnsupportedError";
}

/** A session in the pool and the streams that hold it open. */
export interface PooledSession {
  /** The session, once the socket connected. */
  wire: WireSession | undefined;
  /** Resolves once the server's SETTINGS enabled extended CONNECT. */
  readonly ready: Promise<void>;
  /** Whether `ready` resolved: a stream then opens without waiting (or a timer for the wait). */
  isReady: boolean;
  /** WebSockets holding the session (opening or open). */
  streams: number;
  /** Openings waiting for a stream under the server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  waiting: (() => void)[] | undefined;
  /** Openings woken for a free stream that have not opened it yet (it is theirs). */
  granted: number;
}

const pool = new Map<string, PooledSession>();
// TLS options told apart by identity: a session made with one set of
// certificates or checks must not serve a caller that asked for others.
const tlsIds = new WeakMap<object, number>();
let nextTlsId = 1;

function keyOf(url: URL, tls: TlsConnectOptions | undefined): string {
  let id = 0;
  if (tls !== undefined) {
    id = tlsIds.get(tls) ?? nextTlsId++;
    tlsIds.set(tls, id);
  }
  return `${url.protocol}//${url.host}#${id}`;
}

/**
 * Takes a stream's share of the session to `url`'s origin, opening it if
 * there is none. Pair with {@link release} when the stream closes (or was
 * never opened).
 */
export function acquire(url: URL, tls?: TlsConnectOptions): PooledSession {
  const key = keyOf(url, tls);
  let entry = pool.get(key);
  if (entry === undefined) {
    entry = open(url, tls, () => {
      if (pool.get(key) === entry) pool.delete(key);
    });
    pool.set(key, entry);
  }
  entry.streams++;
  return entry;
}

/** Gives back a stream's share; the session closes when no stream holds it. */
export function release(entry: PooledSession): void {
  entry.streams--;
  if (entry.streams === 0) {
    for (const [key, pooled] of pool) if (pooled === entry) pool.delete(key);
    if (entry.wire !== undefined) entry.wire.close();
  }
}

/**
 * Waits (when it must) for a stream to be free under the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 5.1.2: a client must not open
 * more), in the order of asking. A stream that goes is given to the first
 * waiter (`granted` until it opens it, so that no later opening takes it);
 * `leave` takes back a wait that timed out.
 */
export function slot(entry: PooledSession): { wait: Promise<void>; leave(): void } | undefined {
  const session = entry.wire!.session;
  if (
    entry.waiting === undefined &&
    session.streamCount + entry.granted < session.peerSettings.maxConcurrentStreams
  ) {
    return undefined;
  }
  let wake!: () => void;
  const wait = new Promise<void>((resolve) => {
    wake = resolve;
  });
  (entry.waiting ??= []).push(wake);
  return {
    wait,
    leave(): void {
      const waiting = entry.waiting;
      const at = waiting?.indexOf(wake) ?? -1;
      if (at >= 0) waiting!.splice(at, 1);
      else {
        // Woken meanwhile: the stream granted to it goes to the next.
        entry.granted--;
        wakeNext(entry);
      }
      if (waiting?.length === 0) entry.waiting = undefined;
    },
  };
}

/** An opening woken by {@link slot} is opening its stream (which now counts in the session's). */
export function taken(entry: PooledSession): void {
  entry.granted--;
}

function wakeNext(entry: PooledSession): void {
  const wake = entry.waiting?.shift();
  if (entry.waiting?.length === 0) entry.waiting = undefined;
  if (wake === undefined) return;
  entry.granted++;
  wake();
}

function open(url: URL, tls: TlsConnectOptions | undefined, forget: () => void): PooledSession {
  const secure = url.protocol === "wss:";
  const origin = `${secure ? "https" : "http"}://${url.host}`;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  const socket: Socket = secure
    ? tlsConnect({
        host,
        port,
        ALPNProtocols: ["h2"],
        // SNI names the host, unless it is an IP address (RFC 6066 3).
        ...(isIP(host) === 0 ? { servername: host } : {}),
        ...tls,
      })
    : netConnect({ host, port });
  const entry: PooledSession = {
    wire: undefined,
    ready: undefined as unknown as Promise<void>,
    isReady: false,
    streams: 0,
    waiting: undefined,
    granted: 0,
  };
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  (entry as { ready: Promise<void> }).ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  entry.ready.catch(() => {});
  const fail = (error: Error): void => {
    const pending = settle;
    settle = undefined;
    forget();
    pending?.reject(error);
  };
  // Until the session owns the socket: its error or close fails the opening.
  const onError = (error: Error): void =>
    fail(new TransportError(`Cannot connect to ${url.host}: ${error.message}`, { cause: error }));
  const onClose = (): void =>
    fail(new TransportError(`Cannot connect to ${url.host}: the connection closed first`));
  socket.once("error", onError);
  socket.once("close", onClose);
  socket.once(secure ? "secureConnect" : "connect", () => {
    socket.off("error", onError);
    socket.off("close", onClose);
    if (secure && (socket as { alpnProtocol?: string | false }).alpnProtocol !== "h2") {
      fail(
        new Http2UnsupportedError(
          `Cannot open WebSocket over HTTP/2: ${origin} does not offer HTTP/2 (ALPN h2)`,
        ),
      );
      socket.destroy();
      return;
    }
    const owner: WireOwner = {
      settings(wire: WireSession, settings: Readonly<Http2Settings>): void {
        if (settle === undefined) return;
        // RFC 8441 3: the client MAY use :protocol once it received the
        // setting with the value 1; before that (or without it) the server
        // would treat the request as malformed.
        if (settings.enableConnectProtocol) {
          entry.isReady = true;
          const pending = settle;
          settle = undefined;
          pending.resolve();
          return;
        }
        fail(
          new Http2UnsupportedError(
            `Cannot open WebSocket over HTTP/2: ${origin} does not enable extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)`,
          ),
        );
        wire.close();
      },
      goaway: forget,
      failed(wire: WireSession, error: Error): void {
        forget();
        if (settle === undefined) return;
        // Cleartext: the answer to our preface was not HTTP/2 (an HTTP/1.1
        // server's 400, typically), before any SETTINGS.
        fail(
          !secure && !wire.session.peerSettingsReceived
            ? new Http2UnsupportedError(
                `Cannot open WebSocket over HTTP/2: ${origin} does not answer HTTP/2 with prior knowledge (h2c)`,
                { cause: error },
              )
            : new TransportError(`Cannot connect to ${url.host}: ${error.message}`, {
                cause: error,
              }),
        );
      },
      streamGone(): void {
        wakeNext(entry);
        release(entry);
      },
      closed(): void {
        forget();
        onClose();
        // Openings waiting for a stream go on, and fail on the closed session.
        const waiting = entry.waiting;
        entry.waiting = undefined;
        for (const wake of waiting ?? []) wake();
      },
    };
    entry.wire = new WireSession(
      socket,
      new Http2Session({ role: "client", settings: { maxFrameSize: MAX_FRAME_BYTES } }),
      owner,
    );
  });
  return entry;
}

/** Sessions in the pool now (for tests). */
export function pooledSessions(): number {
  return pool.size;
}
