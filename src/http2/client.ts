/**
 * Connecting over HTTP/2 (RFC 8441) on Node: each WebSocket is a stream of
 * the session its origin shares (see sessions.ts), over our own HTTP/2
 * machine; the handshake is the core's, the connection the same
 * `ClientConnection` as over HTTP/1.1.
 *
 * @module
 */

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
import type { HeaderField } from "../core/http2/index.js";
import {
  acquire,
  Http2UnsupportedError,
  type PooledSession,
  release,
  slot,
  taken,
} from "./sessions.js";
import { WireStream } from "./wire-stream.js";

/** What {@link connectHttp2} needs: the client options, the runtime's defer, TLS options. */
export interface Http2ConnectOptions extends ClientOptions {
  defer?: Defer;
  tls?: TlsConnectOptions;
  /** Connects over HTTP/1.1 instead when the server does not offer WebSockets over HTTP/2. */
  http2Fallback?: boolean;
}

/** The HTTP/2 head of a request (pseudo-headers first, RFC 9113 8.3). */
function fieldsOf(request: ExtendedConnectRequest): HeaderField[] {
  const fields: HeaderField[] = [
    [":method", request.method],
    [":protocol", request.protocol ?? "websocket"],
    [":scheme", request.scheme ?? "https"],
    [":authority", request.authority ?? ""],
    [":path", request.target],
  ];
  // (Names are lower-case already: buildExtendedConnectRequest made them so.)
  for (const field of request.headers) fields.push(field);
  return fields;
}

/** A response head as the core's {@link Response}. */
function responseOf(head: HeaderField[], body: Uint8Array = EMPTY_BYTES): Response {
  const fields = new Headers();
  let status = 0;
  for (const [name, value] of head) {
    if (name === ":status") status = Number(value);
    else if (name.charCodeAt(0) !== 0x3a) fields.append(name, value);
  }
  return { status, reason: "", headers: fields, body, version: "2" };
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
  const wire = entry.wire!;
  let stream: WireStream;
  try {
    // Under the server's stream limit (RFC 9113 5.1.2), as node:http2 waits too.
    const free = slot(entry);
    if (free !== undefined) {
      try {
        await within(free.wait, deadline - performance.now(), "free HTTP/2 stream");
      } catch (error) {
        free.leave();
        throw error;
      }
      taken(entry);
    }
    stream = new WireStream(wire, wire.session.request(fieldsOf(request), false));
  } catch (error) {
    // The session went away between its SETTINGS and this request.
    release(entry);
    if (error instanceof TimeoutError) throw error;
    throw new TransportError(`Cannot open WebSocket over HTTP/2: ${(error as Error).message}`, {
      cause: error,
    });
  }
  wire.add(stream);
  wire.schedule();
  const connection = new Connection(protocol, stream, optionsUntil(options, deadline));
  const onHead = (head: HeaderField[], endStream: boolean): void => {
    const response = responseOf(head);
    // An interim (1xx) head: the response's own follows.
    if (response.status < 200 && !endStream) {
      stream.expectHead(onHead);
      return;
    }
    if (response.status >= 200 && response.status < 300) {
      connection.receiveResponse(response);
      return;
    }
    // A refusal: its body (the server's reason, as over HTTP/1.1) goes
    // into the HandshakeError; the open timeout still bounds the wait.
    const refused = (body: Uint8Array): void => {
      // (Unless the open timeout or the stream's end came first.)
      if (protocol.state !== "connecting") return;
      connection.receiveResponse(responseOf(head, body));
    };
    if (endStream) refused(EMPTY_BYTES);
    else stream.readBody(MAX_BODY_BYTES, refused);
  };
  stream.expectHead(onHead);
  await connection.opened;
  return connection;
}
