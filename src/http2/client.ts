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
  followRedirects,
  handshakeOptionsOf,
  optionsUntil,
} from "../connection/client.js";
import { TimeoutError, TransportError } from "../connection/errors.js";
import type { Defer } from "../connection/transport.js";
import { EMPTY_BYTES } from "../core/bytes.js";
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
function responseOf(headers: IncomingHttpHeaders, body: Uint8Array = EMPTY_BYTES): Response {
  const fields = new Headers();
  // (for-in rather than Object.entries: no array per field; Node's head
  // object has a null prototype.)
  for (const name in headers) {
    const value = headers[name];
    if (name.charCodeAt(0) === 0x3a || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) fields.append(name, item);
    else fields.append(name, String(value));
  }
  return {
    status: Number(headers[":status"]),
    reason: "",
    headers: fields,
    body,
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
 * Most bytes of a refusal's body kept for its `HandshakeError`, as over
 * HTTP/1.1 (`maxBodyBytes` of the response parser): a longer body is cut.
 */
const MAX_BODY_BYTES = 65_536;

/**
 * Opens a WebSocket over HTTP/2 to `url`: on the session to its origin
 * (opened if needed, and only used once the server's SETTINGS enabled
 * extended CONNECT), as a new stream. Rejects with `Http2UnsupportedError`
 * when the server does not offer it (unless `fallback` is given: then
 * that connects instead, to the URL and with the headers of that attempt),
 * `HandshakeError` when it refuses (with the response's body, up to 64 KiB),
 * `TimeoutError`, `TransportError`. Redirects are followed as over HTTP/1.1
 * (`maxRedirects`; credentials dropped for another host; `wss:` to `ws:`
 * refused).
 */
export function connectHttp2(
  url: string | URL,
  options: Http2ConnectOptions,
  fallback?: (url: URL, headers: Headers | undefined) => Promise<ClientConnection>,
): Promise<ClientConnection> {
  return followRedirects(url, options, (target, headers, deadline) =>
    openStream(target, options, headers, deadline, fallback),
  );
}

async function openStream(
  target: URL,
  options: Http2ConnectOptions,
  headers: Headers | undefined,
  deadline: number,
  fallback: ((url: URL, headers: Headers | undefined) => Promise<ClientConnection>) | undefined,
): Promise<ClientConnection> {
  const protocol = new ExtendedConnectClientProtocol(target, handshakeOptionsOf(options, headers));
  const request = protocol.connect();
  const entry: PooledSession = acquire(target, options.tls);
  try {
    // (A session in use is ready: no timer per stream for a wait that ends at once.)
    if (!entry.isReady) await within(entry.ready, deadline - performance.now(), "HTTP/2 session");
  } catch (error) {
    release(entry);
    if (error instanceof Http2UnsupportedError && fallback !== undefined) {
      return fallback(target, headers);
    }
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
  const transport = new Http2StreamTransport(stream);
  const connection = new Connection(protocol, transport, optionsUntil(options, deadline));
  stream.once("response", (head) => {
    const status = Number(head[":status"]);
    if (status >= 200 && status < 300) {
      connection.receiveResponse(responseOf(head));
      return;
    }
    // A refusal: its body (the server's reason, as over HTTP/1.1) goes
    // into the HandshakeError; the open timeout still bounds the wait.
    transport.readBody(MAX_BODY_BYTES, (body) => {
      // (Unless the open timeout or the stream's end came first.)
      if (protocol.state !== "connecting") return;
      connection.receiveResponse(responseOf(head, body));
    });
  });
  await connection.opened;
  return connection;
}
