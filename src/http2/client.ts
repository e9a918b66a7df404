/**
 * Connecting over HTTP/2 (RFC 8441) on Node: each WebSocket is a stream of
 * the session its origin shares (see sessions.ts); the handshake is the
 * core's, the connection the same `ClientConnection` as over HTTP/1.1.
 *
 * @module
 */

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { ConnectionOptions as TlsConnectOptions } from "node:tls";
import {
  type ClientConnection,
  type ClientOptions,
  ClientConnection as Connection,
} from "../connection/client.js";
import { TimeoutError, TransportError } from "../connection/errors.js";
import type { Defer } from "../connection/transport.js";
import { ExtendedConnectClientProtocol } from "../core/extended-connect-client.js";
import type { ExtendedConnectRequest } from "../core/handshake/extended-connect.js";
import { Headers } from "../core/headers.js";
import type { Response } from "../core/http1/message.js";
import { acquire, Http2UnsupportedError, type PooledSession, release } from "./sessions.js";
import { Http2StreamTransport } from "./transport.js";

/** What {@link connectHttp2} needs: the client options, the runtime's defer, TLS options. */
export interface Http2ConnectOptions extends ClientOptions {
  defer?: Defer;
  tls?: TlsConnectOptions;
  /** Connects over HTTP/1.1 instead when the server does not offer WebSockets over HTTP/2. */
  http2Fallback?: boolean;
}

/** The HTTP/2 head of a request (pseudo-headers first, RFC 9113 8.3). */
function headOf(request: ExtendedConnectRequest): OutgoingHttpHeaders {
  const head: OutgoingHttpHeaders = {
    ":method": request.method,
    ":protocol": request.protocol,
    ":scheme": request.scheme,
    ":authority": request.authority,
    ":path": request.target,
  };
  for (const [name, value] of request.headers) {
    const previous = head[name];
    if (previous === undefined) head[name] = value;
    else head[name] = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
  }
  return head;
}

/** A response head as Node gives it, as the core's {@link Response}. */
function responseOf(headers: IncomingHttpHeaders): Response {
  const fields = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) fields.append(name, item);
    else fields.append(name, String(value));
  }
  return {
    status: Number(headers[":status"]),
    reason: "",
    headers: fields,
    body: new Uint8Array(0),
    version: "2",
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms === Infinity) return promise;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new TimeoutError(`Cannot open connection: no ${what} within ${Math.round(ms)} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Opens a WebSocket over HTTP/2 to `url`: on the session to its origin
 * (opened if needed, and only used once the server's SETTINGS enabled
 * extended CONNECT), as a new stream. Rejects with `Http2UnsupportedError`
 * when the server does not offer it (unless `fallback` is given: then
 * that connects instead), `HandshakeError` when it refuses (no redirects are
 * followed over HTTP/2), `TimeoutError`, `TransportError`.
 */
export async function connectHttp2(
  url: string | URL,
  options: Http2ConnectOptions,
  fallback?: () => Promise<ClientConnection>,
): Promise<ClientConnection> {
  const protocol = new ExtendedConnectClientProtocol(url, {
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    ...(options.subprotocols === undefined ? {} : { subprotocols: options.subprotocols }),
    ...(options.compression == null ? {} : { extensions: options.compression }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.headers === undefined ? {} : { headers: new Headers(options.headers) }),
    ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
  });
  const target = new URL(typeof url === "string" ? url : url.href);
  const openTimeoutMs = options.openTimeoutMs === undefined ? 10_000 : options.openTimeoutMs;
  const deadline = openTimeoutMs === null ? Infinity : performance.now() + openTimeoutMs;
  const request = protocol.connect();
  const entry: PooledSession = acquire(target, options.tls);
  try {
    await within(entry.ready, deadline - performance.now(), "HTTP/2 session");
  } catch (error) {
    release(entry);
    if (error instanceof Http2UnsupportedError && fallback !== undefined) return fallback();
    throw error;
  }
  protocol.sendRequest(request);
  let stream: ReturnType<typeof entry.session.request>;
  try {
    stream = entry.session.request(headOf(request), { endStream: false });
  } catch (error) {
    // The session went away between its SETTINGS and this request.
    release(entry);
    throw new TransportError(`Cannot open WebSocket over HTTP/2: ${(error as Error).message}`, {
      cause: error,
    });
  }
  stream.once("close", () => release(entry));
  const connection = new Connection(protocol, new Http2StreamTransport(stream), {
    ...options,
    openTimeoutMs: deadline === Infinity ? null : Math.max(0, deadline - performance.now()),
  });
  stream.once("response", (headers) => connection.receiveResponse(responseOf(headers)));
  await connection.opened;
  return connection;
}
