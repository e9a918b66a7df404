/**
 * The client's HTTP/2 sessions: one per origin (and TLS options), opened on
 * the first WebSocket to it, shared by every WebSocket to it (RFC 8441's
 * point: many WebSockets on one connection), and closed when its last
 * stream ends.
 *
 * @module
 */

import { type ClientHttp2Session, connect as http2Connect } from "node:http2";
import { isIP } from "node:net";
import {
  type TLSSocket,
  type ConnectionOptions as TlsConnectOptions,
  connect as tlsConnect,
} from "node:tls";
import { TransportError } from "../connection/errors.js";
import { WebSocketError } from "../core/errors.js";
import { widenConnectionWindow } from "./server.js";

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
  readonly session: ClientHttp2Session;
  /** Resolves once the server's SETTINGS enabled extended CONNECT. */
  readonly ready: Promise<void>;
  /** Whether `ready` resolved: a stream then opens without waiting (or a timer for the wait). */
  isReady: boolean;
  streams: number;
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
  if (entry === undefined || entry.session.closed || entry.session.destroyed) {
    entry = open(url, tls);
    const opened = entry;
    pool.set(key, opened);
    const forget = (): void => {
      if (pool.get(key) === opened) pool.delete(key);
    };
    // After GOAWAY or an error, new WebSockets get a new session.
    opened.session.once("close", forget);
    opened.session.once("goaway", forget);
  }
  entry.streams++;
  return entry;
}

/** Gives back a stream's share; the session closes when no stream holds it. */
export function release(entry: PooledSession): void {
  entry.streams--;
  if (entry.streams === 0 && !entry.session.closed) entry.session.close();
}

function open(url: URL, tls: TlsConnectOptions | undefined): PooledSession {
  const secure = url.protocol === "wss:";
  const origin = `${secure ? "https" : "http"}://${url.host}`;
  let socket: TLSSocket | undefined;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const session = secure
    ? http2Connect(origin, {
        // Our own TLS socket (as Node's would be, ALPN h2), to tell after a
        // failure whether the server chose no HTTP/2.
        createConnection: () =>
          (socket = tlsConnect({
            host,
            port: url.port === "" ? 443 : Number(url.port),
            ALPNProtocols: ["h2"],
            // SNI names the host, unless it is an IP address (RFC 6066 3).
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ...tls,
          })),
      })
    : http2Connect(origin);
  // Errors reach the streams (and the ready promise); the session's own
  // 'error' must not crash the process.
  session.on("error", () => {});
  widenConnectionWindow(session);
  const ready = new Promise<void>((resolve, reject) => {
    const onSettings = (): void => {
      session.off("close", onClose);
      session.off("error", onError);
      // RFC 8441 3: the client MAY use :protocol once it received the
      // setting with the value 1; before that (or without it) the server
      // would treat the request as malformed.
      if (session.remoteSettings.enableConnectProtocol === true) {
        entry.isReady = true;
        resolve();
      } else {
        reject(
          new Http2UnsupportedError(
            `Cannot open WebSocket over HTTP/2: ${origin} does not enable extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)`,
          ),
        );
      }
    };
    const onError = (error: Error): void => {
      session.off("remoteSettings", onSettings);
      session.off("close", onClose);
      // Node fails a session whose TLS handshake chose no application
      // protocol (the server offers no h2 in ALPN).
      if (socket?.alpnProtocol === false) {
        reject(
          new Http2UnsupportedError(
            `Cannot open WebSocket over HTTP/2: ${origin} does not offer HTTP/2 (ALPN h2)`,
            { cause: error },
          ),
        );
      } else if (!secure && (error as { code?: string }).code === "ERR_HTTP2_ERROR") {
        // Cleartext: the answer to our preface was not HTTP/2 (an HTTP/1.1
        // server's 400, typically), before any SETTINGS.
        reject(
          new Http2UnsupportedError(
            `Cannot open WebSocket over HTTP/2: ${origin} does not answer HTTP/2 with prior knowledge (h2c)`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new TransportError(`Cannot connect to ${url.host}: ${error.message}`, { cause: error }),
        );
      }
    };
    const onClose = (): void => {
      session.off("remoteSettings", onSettings);
      session.off("error", onError);
      reject(new TransportError(`Cannot connect to ${url.host}: the HTTP/2 session closed first`));
    };
    session.once("remoteSettings", onSettings);
    session.once("error", onError);
    session.once("close", onClose);
  });
  ready.catch(() => {});
  const entry: PooledSession = { session, ready, isReady: false, streams: 0 };
  return entry;
}

/** Sessions in the pool now (for tests). */
export function pooledSessions(): number {
  return pool.size;
}
