/**
 * Serving on Node: listening on a host and port or a Unix socket (plain TCP
 * or TLS), attaching to an existing `node:http`/`node:https` server, or taking
 * over sockets that an application's HTTP server upgraded.
 *
 * @module
 */

import type { Server as HttpServer, IncomingMessage } from "node:http";
import type {
  Http2SecureServer,
  Http2Server,
  IncomingHttpHeaders,
  ServerHttp2Stream,
} from "node:http2";
import type { Server as HttpsServer } from "node:https";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer, type TlsOptions } from "node:tls";
import { type Handler, pathOf, Server, type ServerOptions } from "../connection/server.js";
import { requestFromHead } from "../core/http1/parsed-request.js";
import {
  attachHttp2,
  type Http2ServerOptions,
  Http2Sessions,
  handleStream,
} from "../http2/server.js";
import { defaultCompression, nodeDefer } from "./defaults.js";
import { SocketTransport } from "./transport.js";

/** Options of {@link serve}. */
export interface NodeServerOptions extends ServerOptions, Http2ServerOptions {
  /** Interface to listen on. Default: Node's (all interfaces). Use `127.0.0.1` for local only. */
  host?: string;
  /** TCP port; 0 picks a free one (read it from `server.address`). */
  port?: number;
  /**
   * Unix socket path to listen on, instead of `host`/`port`. (Called `path`
   * before 0.2; `path` is now the upgrade path filter, as in ws.)
   */
  socketPath?: string;
  /** TLS options (`key`, `cert`, `ca`, ...): serve `wss:`. */
  tls?: TlsOptions;
  /**
   * With `tls`: whether to offer HTTP/2 too (ALPN `h2` beside `http/1.1`),
   * with WebSockets over its streams (RFC 8441). Default true.
   */
  http2?: boolean;
  /**
   * Without `tls`: whether to accept cleartext HTTP/2 with prior knowledge
   * (h2c) beside HTTP/1.1 on the same port, told apart by the HTTP/2 preface.
   * Default false.
   */
  h2c?: boolean;
  /**
   * An existing server to attach to: a `node:http`/`node:https` server's
   * `upgrade` requests, or a `node:http2` server's extended CONNECT streams,
   * become WebSocket connections.
   */
  server?: HttpServer | HttpsServer | Http2Server | Http2SecureServer;
  /** Listen backlog. Default: Node's (511). */
  backlog?: number;
}

/**
 * A WebSocket server on Node. Build it with {@link serve} or {@link createServer}.
 * (Called `WebSocketServer` before 0.2; renamed because ws's class of that
 * name has another shape: see `websocket-sansio/ws` for a drop-in.)
 */
export class NodeServer extends Server {
  #listener: NetServer | HttpServer | HttpsServer | Http2Server | Http2SecureServer | undefined;

  constructor(handler: Handler, options: ServerOptions = {}) {
    super(handler, { defer: nodeDefer, compression: [defaultCompression.server], ...options });
  }

  /** The listening address (host and port, or the Unix socket path), or `null` when not listening. */
  get address(): AddressInfo | string | null {
    return this.#listener?.address() ?? null;
  }

  /** The Node server accepting connections, when there is one. */
  get listener():
    | NetServer
    | HttpServer
    | HttpsServer
    | Http2Server
    | Http2SecureServer
    | undefined {
    return this.#listener;
  }

  /**
   * Takes over a socket that a `node:http` server upgraded (its `upgrade`
   * event): for applications that own their HTTP server.
   *
   * @example
   * ```ts
   * const wss = createServer(handler);
   * httpServer.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
   * ```
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tcp = socket as Socket;
    // node:http may have armed its request timeouts on the socket. (Any
    // Duplex is taken, as ws takes one: a stream between the socket and us.)
    if (typeof tcp.setTimeout === "function") tcp.setTimeout(0);
    // The head as node:http parsed it, not serialised again for the core to
    // parse a second time: that cost about a third of our own work per
    // handshake in this mode (a string and a buffer built, then parsed).
    // Nothing refers to `request` after this: its fields are copied, with
    // the common names and values shared.
    const parsed = requestFromHead(
      request.method ?? "GET",
      request.url ?? "/",
      request.httpVersion,
      request.rawHeaders,
    );
    this.handleTransport(new SocketTransport(tcp), { request: parsed, rest: head });
  }

  /**
   * Takes a stream that a `node:http2` server announced (its `stream` event),
   * as {@link handleUpgrade} takes an upgraded socket: an extended CONNECT
   * (RFC 8441) becomes a WebSocket connection.
   *
   * @example
   * ```ts
   * http2Server.on("stream", (stream, headers) => {
   *   if (headers[":protocol"] === "websocket") wss.handleStream(stream, headers);
   * });
   * ```
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    handleStream(this, stream, headers);
  }

  /** @internal Starts accepting connections as `options` says. */
  async listen(options: NodeServerOptions): Promise<void> {
    if (options.server !== undefined) {
      const server = options.server;
      const path = options.path;
      const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
        // Another path is for another `upgrade` listener when there is one;
        // when there is none, the handshake answers it 404 (see `path`).
        if (path !== undefined && pathOf(request.url ?? "") !== path) {
          if (server.listenerCount("upgrade") > 1) return;
        }
        this.handleUpgrade(request, socket, head);
      };
      // node:http2's servers are told by their updateSettings (node:http2 exports no class).
      if ("updateSettings" in server) {
        this.#listener = server;
        this.setListener(attachHttp2(this, server, onUpgrade));
        return;
      }
      server.on("upgrade", onUpgrade);
      this.#listener = server;
      this.setListener(() => void server.off("upgrade", onUpgrade));
      return;
    }
    // (`head`: bytes already read, by the h2c listener telling HTTP/1.1 apart.)
    const accept = (socket: Socket, head?: Uint8Array): void =>
      void this.handleTransport(new SocketTransport(socket), head);
    const http2 = (options.tls !== undefined ? options.http2 !== false : options.h2c === true)
      ? new Http2Sessions(this, options)
      : undefined;
    const listener =
      http2 !== undefined
        ? http2.listener(options, accept)
        : options.tls === undefined
          ? createNetServer({ noDelay: true }, accept)
          : createTlsServer(options.tls, accept);
    // A client that fails the TLS handshake only concerns that client.
    listener.on("tlsClientError", (error: Error, socket: Socket) => {
      this.logError("TLS handshake failed", error);
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      const done = (): void => {
        listener.off("error", reject);
        resolve();
      };
      if (options.socketPath !== undefined)
        listener.listen({ path: options.socketPath, backlog: options.backlog }, done);
      else
        listener.listen(
          { host: options.host, port: options.port ?? 0, backlog: options.backlog },
          done,
        );
    });
    listener.on("error", (error) => this.logError("Listener failed", error));
    this.#listener = listener;
    this.setListener(() => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      http2?.close();
      return closed;
    });
  }
}

/**
 * Creates a server that is not listening: feed it upgraded sockets with
 * {@link NodeServer.handleUpgrade}.
 */
export function createServer(handler: Handler, options: ServerOptions = {}): NodeServer {
  return new NodeServer(handler, options);
}

/**
 * Serves WebSocket connections: runs `handler` for each one, and closes the
 * connection when it returns. Listens on `host`/`port` (or `socketPath`, a
 * Unix socket; with `tls`, over TLS), or attaches to `server`. With `path`,
 * only upgrade requests for that path are taken (others get 404, or are left
 * to the server's other `upgrade` listeners).
 *
 * @example
 * ```ts
 * const server = await serve(async (connection) => {
 *   for await (const message of connection) await connection.send(message);
 * }, { host: "127.0.0.1", port: 8765 });
 * // later: await server.close(); // 1001 to every client
 * ```
 */
export async function serve(
  handler: Handler,
  options: NodeServerOptions = {},
): Promise<NodeServer> {
  const server = new NodeServer(handler, options);
  await server.listen(options);
  return server;
}

/** Takes over a socket upgraded by a `node:http` server; see {@link NodeServer.handleUpgrade}. */
export function handleUpgrade(
  server: NodeServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  server.handleUpgrade(request, socket, head);
}
