/**
 * The server side, written once for every runtime: the opening handshake with
 * its hooks, the handler's lifetime, the set of live connections and a
 * graceful shutdown. A runtime adapter accepts transports (a listening socket,
 * an HTTP upgrade) and hands each one to {@link Server.handleTransport}.
 *
 * @module
 */

import type { RequestEvent, ResponseEvent } from "../core/events.js";
import {
  ExtendedConnectServerProtocol,
  type RespondHead,
} from "../core/extended-connect-server.js";
import type { ServerExtensionFactory } from "../core/extension.js";
import {
  type ExtendedConnectRequest,
  extendedConnectResponse,
} from "../core/handshake/extended-connect.js";
import { switchingProtocols } from "../core/handshake/switching-protocols.js";
import type { Request, Response } from "../core/http1/message.js";
import { ServerProtocol, type ServerProtocolOptions } from "../core/index.js";
import type { BinaryData } from "./connection.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { publishError, publishHandshake } from "./diagnostics.js";
import { type CloseInfo, ConnectionClosed } from "./errors.js";
import { type PublishOptions, Topics, type TopicsOptions } from "./topics.js";
import type { Transport } from "./transport.js";

/** What a request hook may return: a response to send instead of accepting, or nothing to go on. */
// biome-ignore lint/suspicious/noConfusingVoidType: hooks that only edit headers return nothing.
export type HookResult = Response | undefined | void;

/** Options of {@link Server} (and of every runtime's `serve()`). */
export interface ServerOptions extends ConnectionOptions {
  /** Subprotocols this server speaks, in order of preference. */
  subprotocols?: readonly string[];
  /** Picks the subprotocol from the client's offer; overrides `subprotocols`' default choice. */
  selectSubprotocol?: (offered: readonly string[], request: Request) => string | null;
  /**
   * Allowed `Origin` header values (`null` in the list allows requests without
   * one). Other origins are answered 403. Default: any origin.
   */
  origins?: readonly (string | null)[];
  /** Extensions offered to negotiate, e.g. permessage-deflate. Default: none. */
  compression?: readonly ServerExtensionFactory[] | null;
  /** Value of the `Server` header; `null` leaves it out. */
  serverHeader?: string | null;
  /**
   * The only path (the request target without its query) served, as ws's
   * `path`: a handshake for another path is answered 404. Default: every path.
   */
  path?: string;
  /** Largest message accepted, after decompression (1009 beyond). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest frame accepted. Default: `maxMessageBytes`. */
  maxFrameBytes?: number;
  /**
   * Called with each handshake request before it is accepted. Return a
   * response to send it instead (reject with 401, 403, a redirect, or answer a
   * health check with 200: build it with `connection.reject(status, body)` and
   * edit its headers); return nothing to go on with the handshake.
   *
   * @example
   * ```ts
   * processRequest: (request, connection) =>
   *   request.target === "/healthz" ? connection.reject(200, "OK\n") : undefined
   * ```
   */
  processRequest?: (
    request: Request,
    connection: ServerConnection,
  ) => HookResult | Promise<HookResult>;
  /** Called with the response before it is sent: edit it (add headers) or return another one. */
  processResponse?: (
    request: Request,
    response: Response,
    connection: ServerConnection,
  ) => HookResult | Promise<HookResult>;
  /** Limits, slow-consumer policy and backplane of the server's topics (see {@link Topics}). */
  topics?: TopicsOptions;
}

/**
 * The path of a request target: the target without its query (`/chat?room=1`
 * is `/chat`), and without scheme and authority when it is in absolute-form
 * (`http://example.com/chat?room=1` is `/chat`, `http://example.com` is `/`),
 * which a server must accept (RFC 9112 3.2.2) and RFC 6455 4.1 names.
 */
export function pathOf(target: string): string {
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f /* / */) {
    const scheme = target.indexOf("://");
    if (scheme !== -1) {
      start = scheme + 3;
      while (start < target.length && target[start] !== "/" && target[start] !== "?") start++;
    }
  }
  const query = target.indexOf("?", start);
  const path = target.slice(start, query === -1 ? target.length : query);
  return path === "" && start > 0 ? "/" : path;
}

/**
 * A request head that another HTTP parser read, and the bytes the client
 * sent after it (see {@link Server.handleTransport}).
 */
export interface ParsedHead {
  /** The request, e.g. from `requestFromHead` (`websocket-sansio/core`). */
  readonly request: Request;
  /** Bytes read after the head: the client's first frames, if any. */
  readonly rest?: Uint8Array;
}

/** Handles one open connection; when it returns, the connection is closed (1000, or 1011 if it throws). */
export type Handler = (connection: ServerConnection) => void | Promise<void>;

// Set in ServerConnection's static block, which can reach its server.
let handlerFailed: (this: ServerConnection, error: unknown) => void;

/** A connection accepted by a {@link Server}: a {@link Connection} that can also answer its handshake. */
export class ServerConnection extends Connection {
  readonly #server: Server;
  // HTTP/1.1's, or an HTTP/2 stream's (RFC 8441): the same hooks drive both.
  declare protected readonly protocol: ServerProtocol | ExtendedConnectServerProtocol;

  static {
    handlerFailed = function (this: ServerConnection, error: unknown): void {
      this.#server.handlerFailed(this, error);
    };
  }

  /** @internal use {@link Server.handleTransport} */
  constructor(
    protocol: ServerProtocol | ExtendedConnectServerProtocol,
    transport: Transport,
    options: ConnectionOptions,
    server: Server,
    head?: Uint8Array | ParsedHead,
  ) {
    super(protocol, transport, options);
    this.#server = server;
    if (head === undefined) return;
    if (head instanceof Uint8Array) {
      if (head.length > 0) this.receiveBytes(head);
      return;
    }
    this.receiveRequest(head.request);
    if (head.rest !== undefined && head.rest.length > 0) this.receiveBytes(head.rest);
  }

  /**
   * Builds a response that rejects the handshake (or answers a plain HTTP
   * request, such as a health check), for `processRequest` to return.
   */
  reject(status: number, body?: string | Uint8Array): Response {
    return this.protocol.reject(status, body);
  }

  /**
   * @internal The request head of an HTTP/2 stream (see
   * {@link Server.handleExtendedConnect}), or one that an HTTP/1.1 server
   * parsed (see {@link Server.handleTransport}).
   */
  receiveRequest(request: ExtendedConnectRequest | Request): void {
    const protocol = this.protocol;
    if (protocol instanceof ExtendedConnectServerProtocol) {
      protocol.receiveRequest(request as ExtendedConnectRequest);
    } else protocol.receiveRequest(request);
    this.afterProtocol();
  }

  protected override onClosed(): void {
    this.#server.forget(this);
  }

  /**
   * A request head still arriving when the open deadline passes is answered
   * 408 Request Timeout, written at once, before the transport is destroyed
   * (see `ServerProtocol.refuseIncompleteRequest`); as node:http answers a
   * head that missed its `headersTimeout`.
   */
  protected override answerOpenTimeout(): void {
    const protocol = this.protocol;
    if (protocol instanceof ServerProtocol && protocol.refuseIncompleteRequest()) {
      this.writeOutput(protocol);
    }
  }

  /**
   * Subscribes this connection to `topic` (see {@link Topics.subscribe}); it
   * is unsubscribed from every topic when it closes.
   */
  subscribe(topic: string): boolean {
    return this.#server.topics.subscribe(this, topic);
  }

  /** Unsubscribes this connection from `topic`; false if it was not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.#server.topics.unsubscribe(this, topic);
  }

  /** Whether this connection is subscribed to `topic`. */
  isSubscribed(topic: string): boolean {
    return this.#server.topics.isSubscribed(this, topic);
  }

  /** The topics this connection is subscribed to. */
  get topics(): string[] {
    return this.#server.topics.topicsOf(this);
  }

  /**
   * Publishes to every subscriber of `topic` but this connection (unless
   * `includeSelf`), in this process and, through the backplane, in others;
   * delivered at the end of the turn (see {@link Topics.publish}). Returns
   * how many connections of this process it goes to.
   */
  publish(topic: string, message: string | BinaryData, options?: PublishOptions): number {
    return this.#server.topics.publish(topic, message, options?.includeSelf ? undefined : this);
  }

  protected override onHandshake(event: RequestEvent | ResponseEvent): void {
    if (event.type !== "request") return;
    const request = event.request;
    const options = this.#server.options;
    if (options.path !== undefined && pathOf(request.target) !== options.path) {
      this.#respond(request, this.protocol.reject(404, "No WebSocket endpoint at this path\n"));
      return;
    }
    let answer: HookResult | Promise<HookResult>;
    try {
      answer = options.processRequest?.(request, this);
    } catch (error) {
      answer = Promise.reject(error);
    }
    // A hook that answers at once (a health check, a page, or nothing for a
    // WebSocket request) keeps the handshake synchronous, and one that returns
    // nothing takes the same path as no hook at all (acceptAndSend, below):
    // the CLI's server answers its page from this hook, and an async step per
    // handshake would cost it a promise chain and a kept 101 per connection.
    if (isThenable(answer) || options.processResponse !== undefined) {
      void this.#handshake(request, answer, options);
      return;
    }
    if (answer !== undefined) {
      // The caller, afterProtocol, handles what the response sets off.
      this.#respond(request, answer);
      return;
    }
    // Nothing from a hook: accept at once, and onOpen runs the handler.
    // A 101 with no extension answer is written without being built, and
    // is built again from the request when asked for (see `response`):
    // keeping it cost about a quarter of a kilobyte per idle connection.
    const response = this.protocol.acceptAndSend(request);
    this.handshakeResponse = response;
    this.#logHandshake(request, response?.status ?? this.#acceptedStatus());
  }

  override get request(): Request | undefined {
    return this.protocol.request;
  }

  /** The response sent (101 when the connection opened), once sent. */
  override get response(): Response | undefined {
    if (this.handshakeResponse === null) {
      const protocol = this.protocol;
      this.handshakeResponse = (
        protocol instanceof ExtendedConnectServerProtocol
          ? extendedConnectResponse
          : switchingProtocols
      )(protocol.request!, protocol.subprotocol, "", this.#server.options);
    }
    return this.handshakeResponse ?? undefined;
  }

  /** The status of a response that `acceptAndSend` did not keep: 101, or 200 over HTTP/2. */
  #acceptedStatus(): number {
    return this.protocol instanceof ExtendedConnectServerProtocol ? 200 : 101;
  }

  protected override onOpen(): void {
    this.#server.run(this);
  }

  /** The handshake when a hook answers later (a promise) or edits the response. */
  async #handshake(
    request: Request,
    answer: HookResult | Promise<HookResult>,
    options: ServerOptions,
  ): Promise<void> {
    let response: Response | undefined;
    try {
      response = (await answer) ?? undefined;
      response ??= this.protocol.accept(request);
      if (options.processResponse !== undefined) {
        const accepted: Response = response;
        response = (await options.processResponse(request, accepted, this)) ?? accepted;
      }
    } catch (error) {
      this.#server.logError("Handshake hook failed", error);
      publishError(this, error);
      response = this.protocol.reject(500, "Failed to open a WebSocket connection.\n");
    }
    // The open timeout or a shutdown may have ended the handshake meanwhile.
    if (this.protocol.state !== "connecting") return;
    this.#respond(request, response);
    this.afterProtocol();
  }

  #respond(request: Request, response: Response): void {
    this.handshakeResponse = response;
    this.#logHandshake(request, response.status);
    this.protocol.sendResponse(response);
  }

  #logHandshake(request: Request, status: number): void {
    publishHandshake(this, request, status);
    if (this.logsInfo) {
      this.logInfo("handshake", `${request.method} ${request.target} ${status}`, {
        target: request.target,
        status,
      });
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

function handlerReturned(this: ServerConnection): void {
  void this.close();
}

/**
 * A WebSocket server independent of any runtime: it runs the handshake and the
 * handler of each transport it is given. Runtimes wrap it (`serve()` in
 * `websocket-sansio/node`) and add listening.
 */
export class Server {
  /** The options given to the constructor. */
  readonly options: ServerOptions;
  readonly #handler: Handler;
  // The protocol options, built once: every connection's protocol refers to
  // this object rather than to a copy of its own (idle memory).
  readonly #protocolOptions: ServerProtocolOptions;
  readonly #all = new Set<ServerConnection>();
  readonly #open = new Set<ServerConnection>();
  #closing: Promise<void> | undefined;
  #topics: Topics | undefined;
  #stopListening: (() => void | Promise<void>) | undefined;

  constructor(handler: Handler, options: ServerOptions = {}) {
    this.#handler = handler;
    this.options = options;
    const o = options;
    this.#protocolOptions = {
      ...(o.maxMessageBytes === undefined ? {} : { maxMessageBytes: o.maxMessageBytes }),
      ...(o.maxFrameBytes === undefined ? {} : { maxFrameBytes: o.maxFrameBytes }),
      ...(o.subprotocols === undefined ? {} : { subprotocols: o.subprotocols }),
      ...(o.selectSubprotocol === undefined ? {} : { selectSubprotocol: o.selectSubprotocol }),
      ...(o.origins === undefined ? {} : { origins: o.origins }),
      ...(o.compression == null ? {} : { extensions: o.compression }),
      ...(o.serverHeader === undefined ? {} : { serverHeader: o.serverHeader }),
    };
    // A backplane delivers from other processes before anyone here subscribes, and is closed with the server.
    if (o.topics?.backplane != null) void this.topics;
  }

  /** Connections whose handshake succeeded and that are not closed yet. */
  get connections(): ReadonlySet<ServerConnection> {
    return this.#open;
  }

  /** The server's topics, made on first use (see {@link Topics}). */
  get topics(): Topics {
    this.#topics ??= new Topics({
      ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
      // Publishes are delivered with the connections' end-of-turn flush.
      ...(this.options.defer === undefined ? {} : { defer: this.options.defer }),
      ...this.options.topics,
    });
    return this.#topics;
  }

  /**
   * Publishes `message` to every subscriber of `topic`, in this process and,
   * through the backplane, in others; delivered at the end of the turn with
   * the topic's other publishes of the turn (see {@link Topics.publish}).
   * Returns how many connections of this process it goes to.
   */
  publish(topic: string, message: string | BinaryData): number {
    return this.topics.publish(topic, message);
  }

  /**
   * How many connections of this process are subscribed to `topic`. Only
   * this process: with a backplane, other processes' subscribers are not
   * counted (as Bun's `server.subscriberCount` counts one server's).
   */
  subscriberCount(topic: string): number {
    return this.#topics?.subscriberCount(topic) ?? 0;
  }

  /** Whether `close()` was called. */
  get isClosing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Takes a transport just accepted and runs the opening handshake on it.
   * `head` holds bytes already read from it, or the request head that an
   * HTTP server parsed with the bytes read after it (the handshake then
   * takes its fields as they are, rather than parsing them again).
   */
  handleTransport(transport: Transport, head?: Uint8Array | ParsedHead): ServerConnection {
    const protocol = new ServerProtocol(this.#protocolOptions);
    const connection = new ServerConnection(protocol, transport, this.options, this, head);
    if (this.#closing !== undefined) {
      void connection.close();
      return connection;
    }
    this.#all.add(connection);
    return connection;
  }

  /**
   * Takes an HTTP/2 (or HTTP/3) stream that opened with `request` and runs
   * the RFC 8441 handshake on it, with the same options and hooks as
   * {@link handleTransport}. `respond` sends the response head on the stream.
   */
  handleExtendedConnect(
    transport: Transport,
    request: ExtendedConnectRequest,
    respond: RespondHead,
  ): ServerConnection {
    const protocol = new ExtendedConnectServerProtocol(this.#protocolOptions, respond);
    const connection = new ServerConnection(protocol, transport, this.options, this);
    if (this.#closing !== undefined) {
      void connection.close();
      return connection;
    }
    this.#all.add(connection);
    connection.receiveRequest(request);
    return connection;
  }

  /** @internal Forgets a connection that closed. */
  forget(connection: ServerConnection): void {
    this.#all.delete(connection);
    this.#open.delete(connection);
    this.#topics?.forget(connection);
  }

  /** @internal Runs the handler on a connection whose handshake succeeded. */
  run(connection: ServerConnection): void {
    if (connection.state !== "open") return;
    this.#open.add(connection);
    let result: void | Promise<void>;
    try {
      result = this.#handler(connection);
    } catch (error) {
      this.handlerFailed(connection, error);
      return;
    }
    // Bound functions rather than closures: they are held for the life of the
    // connection, and two bound functions cost about half of two closures
    // and their context (idle memory).
    // Bound to the connection alone: bound arguments would cost an array more.
    Promise.resolve(result).then(handlerReturned.bind(connection), handlerFailed.bind(connection));
  }

  /** @internal The handler of `connection` threw or rejected. */
  handlerFailed(connection: Connection, error: unknown): void {
    this.logError("Connection handler failed", error);
    // A handler that lets out the error its connection's close raised (a
    // `for await` after an abnormal close) adds nothing to that close, which
    // was published with its error.
    if (!(error instanceof ConnectionClosed)) publishError(connection, error);
    if (connection.state === "open") void connection.close(1011, "Internal error").catch(() => {});
  }

  /** @internal Reports an error thrown by user code (hooks, handler). */
  logError(message: string, error: unknown): void {
    this.options.logger?.({ level: "error", event: "error", message, details: { error } });
  }

  /** @internal Set by the runtime: how to stop accepting new transports. */
  setListener(stop: () => void | Promise<void>): void {
    this.#stopListening = stop;
  }

  /**
   * Shuts down: stops listening, sends a close frame (default 1001, going away)
   * to every open connection after what was already sent to it, aborts
   * handshakes in progress, and resolves when every connection is closed.
   * Connections that do not finish the closing handshake within their close
   * timeout are destroyed.
   */
  close(code = 1001, reason = "Server shutting down"): Promise<void> {
    this.#closing ??= this.#shutDown(code, reason);
    return this.#closing;
  }

  async #shutDown(code: number, reason: string): Promise<void> {
    const stopped = this.#stopListening?.();
    const closing: Promise<CloseInfo>[] = [];
    for (const connection of this.#all) {
      closing.push(
        connection.state === "open" ? connection.close(code, reason) : connection.close(),
      );
    }
    await Promise.all(closing);
    await this.#topics?.close();
    await stopped;
  }
}
