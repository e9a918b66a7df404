/**
 * Serving WebSockets over HTTP/2 (RFC 8441) on Node: each extended CONNECT
 * stream becomes a connection of a {@link Server}, with the same options and
 * hooks as over HTTP/1.1. Sessions are either our own machine's (for
 * `serve()`: TLS connections whose ALPN chose `h2`, or cleartext ones that
 * opened with the HTTP/2 preface; see wire-server.ts) or those of an
 * application's `node:http2` server we attach to (its `'stream'` events).
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import type {
  Http2SecureServer,
  Http2Server,
  IncomingHttpHeaders,
  ServerHttp2Stream,
} from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { Deadline, Deadlines } from "../connection/deadlines.js";
import type { Server } from "../connection/server.js";
import { fieldsForHttp2, requestFromFields } from "../core/handshake/extended-connect.js";
import type { Response } from "../core/http1/message.js";
import { Http2StreamTransport } from "./transport.js";
import { WireServer } from "./wire-server.js";

/** Options of serving over HTTP/2, beside the server's own. */
export interface Http2ServerOptions {
  /**
   * Most streams (WebSockets and requests) open at once on one HTTP/2
   * connection, sent to clients as SETTINGS_MAX_CONCURRENT_STREAMS. Default
   * 100, the least RFC 9113 6.5.2 recommends: Node's own default is no limit,
   * which lets one connection open WebSockets without bound.
   */
  maxConcurrentStreams?: number;
  /**
   * How long a client has to acknowledge the server's SETTINGS on a new
   * HTTP/2 connection before it is closed with GOAWAY SETTINGS_TIMEOUT (RFC
   * 9113 6.5.3), in milliseconds. Default 10 s, far above any round trip;
   * `null` waits for ever. (Our client waits the same 10 s for a server's.)
   */
  settingsTimeoutMs?: number | null;
}

/** Whether a stream's head is an extended CONNECT (RFC 8441 4), as opposed to an ordinary request. */
export function isExtendedConnect(headers: IncomingHttpHeaders): boolean {
  return headers[":method"] === "CONNECT" && headers[":protocol"] !== undefined;
}

/** Sends `response` as the head of `stream` (a HEADERS frame), unless the stream is gone. */
function respond(stream: ServerHttp2Stream, response: Response): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const head: Record<string, string | string[] | number> = { ":status": response.status };
  for (const [name, value] of fieldsForHttp2(response.headers)) {
    const previous = head[name];
    if (previous === undefined) head[name] = value;
    else head[name] = Array.isArray(previous) ? [...previous, value] : [String(previous), value];
  }
  try {
    stream.respond(head, { endStream: false });
  } catch (error) {
    // A field Node refuses (set by a hook): the stream cannot go on
    // (RST_STREAM with INTERNAL_ERROR; the connection logs the error).
    stream.destroy(error as Error);
  }
}

/**
 * Runs `server`'s handshake on an HTTP/2 stream that a `node:http2` server
 * announced (`'stream'` event). An extended CONNECT becomes a WebSocket;
 * any other request goes through the same hooks (`processRequest` may answer
 * a health check) and is otherwise refused (405).
 */
export function handleStream(
  server: Server,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): void {
  const request = requestFromFields(Object.entries(headers));
  const transport = new Http2StreamTransport(stream, true);
  server.handleExtendedConnect(transport, request, (response) => {
    respond(stream, response);
    transport.headSent();
  });
}

/**
 * The HTTP/2 side of `serve()`: the sockets that speak HTTP/2 are driven by
 * our own sans-I/O machine (see wire-server.ts), not `node:http2`, whose
 * stream cost about what a socket does (an opening cost as many instructions
 * as a TCP accept and a 101, and a stream about 4 KB): a WebSocket stream is
 * now a small object beside its connection.
 */
export class Http2Sessions {
  readonly #wire: WireServer;

  constructor(
    server: Server,
    options: Http2ServerOptions & { openTimeoutMs?: number | null | undefined } = {},
  ) {
    this.#wire = new WireServer(server, options);
  }

  /**
   * Takes a connected socket that speaks HTTP/2 (TLS with ALPN `h2`, or
   * cleartext with prior knowledge), with the bytes read to tell it apart.
   */
  take(socket: Socket, head?: Uint8Array): void {
    this.#wire.take(socket, head);
  }

  /**
   * A listener for `serve()` that hands HTTP/2 connections to these sessions
   * and the others (HTTP/1.1) to `http1`: over TLS by ALPN (`h2` offered
   * before `http/1.1`), in cleartext by the preface (h2c with prior knowledge).
   */
  listener(
    options: { tls?: TlsOptions | undefined; openTimeoutMs?: number | null | undefined },
    http1: (socket: Socket, head?: Uint8Array) => void,
  ): NetServer {
    if (options.tls !== undefined) {
      return createTlsServer({ ALPNProtocols: ["h2", "http/1.1"], ...options.tls }, (socket) => {
        socket.setNoDelay(true);
        if (socket.alpnProtocol === "h2") this.take(socket);
        else http1(socket);
      });
    }
    // (0: no limit, as openTimeoutMs null says.)
    const timeoutMs = options.openTimeoutMs === null ? 0 : (options.openTimeoutMs ?? 10_000);
    return createNetServer({ noDelay: true }, (socket) =>
      sniffPreface(socket, http1, (socket, head) => this.take(socket, head), timeoutMs),
    );
  }

  /** Sessions open now. */
  get size(): number {
    return this.#wire.size;
  }

  /**
   * Sends GOAWAY on every session: no new streams; each session closes when
   * its streams (the WebSockets the server is closing with 1001) have ended.
   */
  close(): void {
    this.#wire.close();
  }
}

// RFC 9113 3.4: what a client with prior knowledge sends first.
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

// The queues of the sniffing deadlines, one per duration: a deadline per
// connection is a small object in a queue with one timer, not a timer of its own.
const sniffDeadlines = new Map<number, Deadlines<Socket>>();

function destroySocket(socket: Socket): void {
  socket.destroy();
}

/**
 * Tells HTTP/1.1 from cleartext HTTP/2 with prior knowledge by the first
 * bytes of a connection (an HTTP/1.1 request never starts with the
 * preface's `PRI`), then hands the socket to `http1` or `http2` with
 * those bytes (the handshake's or the session's first bytes).
 *
 * What it sets on the socket is undone once it has told: `socket.setTimeout`
 * left its timer object, a bound function and its listener on every
 * connection for its life (a heap snapshot showed about 900 bytes per idle
 * HTTP/1.1 connection on an h2c server, a third of one's heap), and a timer
 * per connection and putting the bytes back cost an HTTP/1.1 connection
 * about a tenth more instructions to open than on a server without h2c.
 */
export function sniffPreface(
  socket: Socket,
  http1: (socket: Socket, head: Uint8Array) => void,
  http2: (socket: Socket, head: Uint8Array) => void,
  timeoutMs = 10_000,
): void {
  // A connection that never sends a byte is not kept (as the open timeout
  // does once a connection is told apart).
  let deadline: Deadline<Socket> | undefined;
  if (timeoutMs > 0) {
    let queue = sniffDeadlines.get(timeoutMs);
    if (queue === undefined) {
      queue = new Deadlines(timeoutMs, destroySocket);
      sniffDeadlines.set(timeoutMs, queue);
    }
    deadline = queue.add(new Deadline(socket));
  }
  // Until it is told apart, an error (a reset) or a close only ends it;
  // after, the connection's owner listens.
  const onError = (): void => {
    deadline?.cancel();
    socket.off("data", onFirst);
    socket.off("close", onClose);
    socket.destroy();
  };
  const onClose = (): void => {
    deadline?.cancel();
    socket.off("data", onFirst);
    socket.off("error", onError);
  };
  const onFirst = (chunk: Buffer): void => {
    deadline?.cancel();
    socket.off("error", onError);
    socket.off("close", onClose);
    const n = Math.min(chunk.length, PREFACE.length);
    // (The socket flows on: either side listens for its data before this returns.)
    if (chunk.subarray(0, n).equals(PREFACE.subarray(0, n))) http2(socket, chunk);
    else http1(socket, chunk);
  };
  socket.once("data", onFirst);
  socket.once("error", onError);
  socket.once("close", onClose);
}

/**
 * Attaches to an application's `node:http2` server: its extended CONNECT
 * streams become WebSocket connections of `server`; other streams are left
 * to the application. Enables extended CONNECT in the server's SETTINGS.
 * Returns the function that detaches.
 */
export function attachHttp2(
  server: Server,
  http2: Http2Server | Http2SecureServer,
  onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void,
): () => void {
  http2.updateSettings({ enableConnectProtocol: true });
  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    if (isExtendedConnect(headers)) handleStream(server, stream, headers);
  };
  // The compatibility API (a 'request' listener) answers CONNECT with 405
  // itself unless a 'connect' listener exists; this one leaves extended
  // CONNECT to us, and another CONNECT to the application's listeners or 405.
  const onConnect = (
    request: { headers: IncomingHttpHeaders },
    response: { statusCode: number; end(): void },
  ): void => {
    if (isExtendedConnect(request.headers)) return;
    if (http2.listenerCount("connect") === 1) {
      response.statusCode = 405;
      response.end();
    }
  };
  http2.prependListener("stream", onStream);
  http2.on("connect", onConnect);
  // With allowHTTP1, its HTTP/1.1 connections upgrade as on node:http.
  if (onUpgrade !== undefined) http2.on("upgrade", onUpgrade);
  return () => {
    http2.off("stream", onStream);
    http2.off("connect", onConnect);
    if (onUpgrade !== undefined) http2.off("upgrade", onUpgrade);
  };
}
