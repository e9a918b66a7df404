/**
 * ws's `WebSocketServer` over our server: ws's options, events and
 * `handleUpgrade(req, socket, head, cb)`. The handshake (validation,
 * negotiation, the 101) is the core's; ws's hooks run in ours:
 * `shouldHandle`, `verifyClient` and the `headers` event in
 * `processResponse` (after the request is found valid, as in ws),
 * `handleProtocols` as `selectSubprotocol`.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  STATUS_CODES,
} from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { ServerConnection } from "../connection/server.js";
import type { ProtocolEvent } from "../core/events.js";
import { Headers } from "../core/headers.js";
import type { Request, Response } from "../core/http1/message.js";
import { createServer, type NodeServer } from "../node/server.js";
import { payloadLimit, WS_CLOSE_TIMEOUT_MS } from "./client.js";
import { deflateFor, type PerMessageDeflateOptions } from "./deflate.js";
import { rethrowLater, WebSocket } from "./websocket.js";

/** What `verifyClient` is given. */
export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: IncomingMessage;
}

/** The callback of an asynchronous `verifyClient`: refuse with a status (default 401), a body and headers. */
export type VerifyClientCallback = (
  verified: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string | number>,
) => void;

/**
 * ws's server options. `autoPong: false` leaves pings to the application
 * (`ws.pong()`); `allowSynchronousEvents: false` emits each message, ping
 * and pong in a macrotask of its own. Accepted and ignored:
 * `skipUTF8Validation` (text is always validated), `maxBufferedChunks`,
 * `maxFragments`, `maxPendingAutoPongs`.
 */
export interface WsServerOptions {
  host?: string | null;
  port?: number | null;
  backlog?: number | null;
  server?: HttpServer | HttpsServer | null;
  noServer?: boolean;
  /** Accept only upgrade requests for this path (query ignored); others get 400, as in ws. */
  path?: string | null;
  /** Refuses a handshake: return false (401), or call `callback` when it takes two parameters. */
  verifyClient?:
    | ((info: VerifyClientInfo) => boolean)
    | ((info: VerifyClientInfo, callback: VerifyClientCallback) => void)
    | null;
  handleProtocols?: ((protocols: Set<string>, request: IncomingMessage) => string | false) | null;
  /** Track clients in `clients`. Default true. */
  clientTracking?: boolean;
  /** Negotiate permessage-deflate. Default false, as ws. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message accepted, in bytes (1009 beyond). Default 100 MiB, as ws. */
  maxPayload?: number;
  /** How long `close()` waits for the closing handshake, in ms. Default 30 s. */
  closeTimeout?: number;
  /** The class of the connections handed out (a subclass of this module's `WebSocket`). */
  WebSocket?: typeof WebSocket;
  autoPong?: boolean;
  skipUTF8Validation?: boolean;
  allowSynchronousEvents?: boolean;
  maxBufferedChunks?: number;
  maxFragments?: number;
  maxPendingAutoPongs?: number;
}

type ConnectionCallback = (ws: WebSocket, request: IncomingMessage) => void;

// ws's typed events (as @types/ws declares them).
export interface WebSocketServer {
  on(
    event: "connection",
    listener: (this: WebSocketServer, ws: WebSocket, request: IncomingMessage) => void,
  ): this;
  on(event: "error", listener: (this: WebSocketServer, error: Error) => void): this;
  on(
    event: "headers",
    listener: (this: WebSocketServer, headers: string[], request: IncomingMessage) => void,
  ): this;
  on(event: "listening" | "close", listener: (this: WebSocketServer) => void): this;
  on(
    event: "wsClientError",
    listener: (
      this: WebSocketServer,
      error: Error,
      socket: Duplex,
      request: IncomingMessage,
    ) => void,
  ): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's catch-all signature
  on(event: string | symbol, listener: (this: WebSocketServer, ...args: any[]) => void): this;
  once(
    event: "connection",
    listener: (this: WebSocketServer, ws: WebSocket, request: IncomingMessage) => void,
  ): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's catch-all signature
  once(event: string | symbol, listener: (this: WebSocketServer, ...args: any[]) => void): this;
}

interface Upgrade {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly cb: ConnectionCallback;
}

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

// ws's words for the handshakes the core refuses (for `wsClientError`), by what the core's says.
const CLIENT_ERRORS: readonly [RegExp, string][] = [
  [/method/, "Invalid HTTP method"],
  [/Upgrade header|Connection header/, "Invalid Upgrade header"],
  [/Sec-WebSocket-Key/, "Missing or invalid Sec-WebSocket-Key header"],
  [/Sec-WebSocket-Version/, "Missing or invalid Sec-WebSocket-Version header"],
  [/Sec-WebSocket-Protocol/, "Invalid Sec-WebSocket-Protocol header"],
  [/Sec-WebSocket-Extensions|extension/, "Invalid or unacceptable Sec-WebSocket-Extensions header"],
];

function clientErrorMessage(response: Response): string {
  const text = new TextDecoder().decode(response.body);
  for (const [pattern, message] of CLIENT_ERRORS) if (pattern.test(text)) return message;
  return text.trim() || (STATUS_CODES[response.status] ?? "Bad Request");
}

function emitClose(server: WebSocketServer): void {
  server._state = CLOSED;
  server.emit("close");
}

/**
 * A WebSocket server as ws 8 makes it.
 *
 * @example
 * ```ts
 * import { WebSocketServer } from "websocket-sansio/ws";
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed overloads of EventEmitter's methods
export class WebSocketServer extends EventEmitter {
  /** The options, with ws's defaults filled in. */
  readonly options: WsServerOptions & {
    maxPayload: number;
    clientTracking: boolean;
    perMessageDeflate: boolean | PerMessageDeflateOptions;
  };
  /** The connected clients, unless `clientTracking` is false. */
  readonly clients: Set<WebSocket> | undefined;
  /** @internal RUNNING, CLOSING or CLOSED. */
  _state = RUNNING;
  #shouldEmitClose = false;
  #server: HttpServer | HttpsServer | null = null;
  #removeListeners: (() => void) | null = null;
  readonly #native: NodeServer;
  // The upgrade handleUpgrade is handing over: the core's hooks run synchronously
  // within it and take it for their connection.
  #pending: Upgrade | undefined;
  readonly #upgrades = new WeakMap<ServerConnection | Request, Upgrade>();
  // Events of a connection from its request until `connection` is emitted.
  readonly #early = new WeakMap<ServerConnection, ProtocolEvent[]>();
  readonly #sockets = new WeakSet<Duplex>();

  constructor(options: WsServerOptions, callback?: () => void) {
    super();
    const opts = {
      maxPayload: 100 * 1024 * 1024,
      perMessageDeflate: false as boolean | PerMessageDeflateOptions,
      handleProtocols: null,
      clientTracking: true,
      verifyClient: null,
      noServer: false,
      backlog: null,
      server: null,
      host: null,
      path: null,
      port: null,
      ...options,
    };
    if (
      (opts.port == null && !opts.server && !opts.noServer) ||
      (opts.port != null && (opts.server || opts.noServer)) ||
      (opts.server && opts.noServer)
    ) {
      throw new TypeError(
        'One and only one of the "port", "server", or "noServer" options must be specified',
      );
    }
    if (opts.port != null) {
      this.#server = createHttpServer((_req, res) => {
        const body = STATUS_CODES[426]!;
        res.writeHead(426, { "Content-Length": body.length, "Content-Type": "text/plain" });
        res.end(body);
      });
      this.#server.listen(opts.port, opts.host ?? undefined, opts.backlog ?? undefined, callback);
    } else if (opts.server) {
      this.#server = opts.server;
    }
    if (this.#server !== null) {
      const server = this.#server;
      const emitConnection = (ws: WebSocket, req: IncomingMessage): void =>
        void this.emit("connection", ws, req);
      const onListening = (): void => void this.emit("listening");
      const onError = (error: Error): void => void this.emit("error", error);
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
        this.handleUpgrade(req, socket, head, emitConnection);
      server.on("listening", onListening);
      server.on("error", onError);
      server.on("upgrade", onUpgrade);
      this.#removeListeners = () => {
        server.off("listening", onListening);
        server.off("error", onError);
        server.off("upgrade", onUpgrade);
      };
    }
    this.clients = opts.clientTracking ? new Set() : undefined;
    this.options = opts;

    const deflate = deflateFor(opts.perMessageDeflate);
    const limit = payloadLimit(opts.maxPayload);
    this.#native = createServer((connection) => this.#connected(connection) as Promise<void>, {
      compression: deflate === undefined ? null : [deflate.server],
      maxMessageBytes: limit,
      maxFrameBytes: limit,
      // ws sends no Server header, has no keepalive and no handshake deadline.
      serverHeader: null,
      pingIntervalMs: null,
      openTimeoutMs: null,
      closeTimeoutMs: opts.closeTimeout ?? WS_CLOSE_TIMEOUT_MS,
      selectSubprotocol: (offered, request) => this.#selectSubprotocol(offered, request),
      processRequest: (request, connection) => {
        const upgrade = this.#pending;
        if (upgrade !== undefined) {
          this.#upgrades.set(connection, upgrade);
          this.#upgrades.set(request, upgrade);
        }
        // Before the 101, since frames may come in the same read as the
        // request: a ping there is not answered with autoPong off, and what
        // arrives before `connection` is emitted is held for the WebSocket
        // (ws reads the bytes after the request only once it has emitted it).
        if (this.options.autoPong === false) connection.autoPong = false;
        const early: ProtocolEvent[] = [];
        this.#early.set(connection, early);
        connection.observe((event) => early.push(event));
        return undefined;
      },
      processResponse: (_request, response, connection) =>
        this.#processResponse(response, connection),
    });
  }

  /** The address the internal or given HTTP server listens on; throws in `noServer` mode. */
  address(): AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    if (this.#server === null) return null;
    return this.#server.address();
  }

  /**
   * Stops accepting connections; `close` is emitted once every client has
   * closed (existing connections are not closed, as in ws 8).
   */
  close(cb?: (error?: Error) => void): void {
    if (this._state === CLOSED) {
      if (cb) this.once("close", () => cb(new Error("The server is not running")));
      process.nextTick(emitClose, this);
      return;
    }
    if (cb) this.once("close", cb);
    if (this._state === CLOSING) return;
    this._state = CLOSING;
    if (this.options.noServer || this.options.server) {
      if (this.#server !== null) {
        this.#removeListeners?.();
        this.#removeListeners = this.#server = null;
      }
      if (this.clients !== undefined && this.clients.size > 0) this.#shouldEmitClose = true;
      else process.nextTick(emitClose, this);
    } else {
      const server = this.#server!;
      this.#removeListeners?.();
      this.#removeListeners = this.#server = null;
      server.close(() => emitClose(this));
    }
  }

  /** Whether this server takes `req`: its path is `options.path`, when set. */
  shouldHandle(req: IncomingMessage): boolean {
    const path = this.options.path;
    if (path) {
      const url = req.url ?? "";
      const index = url.indexOf("?");
      if ((index === -1 ? url : url.slice(0, index)) !== path) return false;
    }
    return true;
  }

  /**
   * Takes over a socket that an HTTP server upgraded and runs the handshake;
   * `cb(ws, req)` is called when the connection is open.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: ConnectionCallback): void {
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    if (this.#sockets.has(socket)) {
      throw new Error(
        "server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration",
      );
    }
    this.#sockets.add(socket);
    this.#pending = { req, socket, cb };
    try {
      this.#native.handleUpgrade(req, socket, head);
    } finally {
      this.#pending = undefined;
    }
  }

  #selectSubprotocol(offered: readonly string[], request: Request): string | null {
    if (offered.length === 0) return null;
    const handle = this.options.handleProtocols;
    if (!handle) return offered[0]!;
    const upgrade = this.#upgrades.get(request);
    const chosen = handle(new Set(offered), upgrade?.req as IncomingMessage);
    return chosen || null;
  }

  async #processResponse(response: Response, connection: ServerConnection): Promise<Response> {
    const upgrade = this.#upgrades.get(connection);
    if (upgrade === undefined) return response;
    const { req, socket } = upgrade;
    if (response.status !== 101) {
      // The core refused it (bad method, key, version...): ws lets a listener
      // answer instead, and otherwise says why in ws's words (the status stays
      // the core's: see docs/migrating-from-ws.md).
      const message = clientErrorMessage(response);
      if (this.listenerCount("wsClientError") > 0) {
        try {
          this.emit("wsClientError", new Error(message), socket, req);
        } catch (error) {
          rethrowLater(error);
        }
      }
      const body = Buffer.from(message);
      response.body = body;
      response.headers.set("Content-Length", String(body.length));
      return response;
    }
    if (!this.shouldHandle(req)) return refuse(connection, 400);
    if (this._state > RUNNING) return refuse(connection, 503);
    const verifyClient = this.options.verifyClient;
    if (verifyClient) {
      const tls = req.socket as { authorized?: boolean; encrypted?: boolean };
      const info: VerifyClientInfo = {
        origin: req.headers.origin,
        secure: !!(tls.authorized || tls.encrypted),
        req,
      };
      if (verifyClient.length === 2) {
        const refusal = await new Promise<Response | undefined>((resolve) => {
          (verifyClient as (info: VerifyClientInfo, cb: VerifyClientCallback) => void)(
            info,
            (verified, code, message, headers) =>
              resolve(verified ? undefined : refuse(connection, code || 401, message, headers)),
          );
        });
        if (refusal !== undefined) return refusal;
      } else if (!(verifyClient as (info: VerifyClientInfo) => boolean)(info)) {
        return refuse(connection, 401);
      }
    }
    if (this.listenerCount("headers") > 0) {
      const lines = ["HTTP/1.1 101 Switching Protocols"];
      for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
      try {
        this.emit("headers", lines, req);
      } catch (error) {
        rethrowLater(error);
      }
      const headers = new Headers();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
      response.headers = headers;
    }
    return response;
  }

  #connected(connection: ServerConnection): Promise<unknown> {
    const upgrade = this.#upgrades.get(connection);
    const Class = this.options.WebSocket ?? WebSocket;
    const ws = new Class(null);
    // What came before now, then the rest, through the WebSocket's observer
    // (replayed by `_observe()` once `connection` is emitted).
    const observer = ws._observer();
    for (const event of this.#early.get(connection) ?? []) observer(event);
    this.#early.delete(connection);
    connection.observe(observer);
    if (this.options.allowSynchronousEvents === false) ws._deferEvents();
    ws._attach(connection);
    const clients = this.clients;
    if (clients !== undefined) {
      clients.add(ws);
      ws.on("close", () => {
        clients.delete(ws);
        if (this.#shouldEmitClose && clients.size === 0) process.nextTick(emitClose, this);
      });
    }
    try {
      upgrade?.cb(ws, upgrade.req);
    } catch (error) {
      rethrowLater(error);
    }
    ws._observe();
    // The connection lives until it closes (our server closes it when the handler returns).
    return connection.closed;
  }
}

/** ws's `abortHandshake`: the status, its text (or `message`) as the body, and `headers`. */
function refuse(
  connection: ServerConnection,
  status: number,
  message?: string,
  headers?: Record<string, string | number>,
): Response {
  const response = connection.reject(status, message || STATUS_CODES[status] || "");
  response.headers.set("Connection", "close");
  response.headers.set("Content-Type", "text/html");
  for (const [name, value] of Object.entries(headers ?? {})) {
    response.headers.set(name, String(value));
  }
  return response;
}
