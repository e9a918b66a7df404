/**
 * The client side, written once for every runtime: the opening handshake over
 * a transport that the runtime dials, redirects, the open timeout, and
 * reconnection with exponential backoff.
 *
 * @module
 */

import { HandshakeError, WebSocketError } from "../core/errors.js";
import type { RequestEvent, ResponseEvent } from "../core/events.js";
import type { ExtendedConnectClientProtocol } from "../core/extended-connect-client.js";
import type { ClientExtensionFactory } from "../core/extension.js";
import { parseWebSocketUrl } from "../core/handshake/url.js";
import { Headers } from "../core/headers.js";
import type { Request, Response } from "../core/http1/message.js";
import { ClientProtocol, type ClientProtocolOptions } from "../core/index.js";
import { ProxyError } from "../proxy/errors.js";
import { type ProxyEnv, selectProxy } from "../proxy/select.js";
import { Connection, type ConnectionObserver, type ConnectionOptions } from "./connection.js";
import { publishHandshake } from "./diagnostics.js";
import { TimeoutError, TransportError } from "./errors.js";
import { openTunnel, type ProxyNetwork } from "./proxy-tunnel.js";
import type { Transport } from "./transport.js";

/** Opens a transport to the host and port of `url` (TLS for `wss:`). Provided by the runtime. */
export type Dial = (url: URL) => Promise<Transport>;

/** Options of `connect()`, on every runtime. */
export interface ClientOptions extends ConnectionOptions {
  /** Subprotocols to offer, in order of preference. */
  subprotocols?: readonly string[];
  /** Extensions to offer, e.g. permessage-deflate. Default: none. */
  compression?: readonly ClientExtensionFactory[] | null;
  /** Value of the `Origin` header. */
  origin?: string;
  /** Extra request headers (e.g. `Authorization`, `Cookie`). */
  headers?: Headers | Record<string, string> | Iterable<readonly [string, string]>;
  /** Value of the `User-Agent` header; `null` leaves it out. */
  userAgent?: string | null;
  /** Largest message accepted, after decompression (1009 beyond). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest frame accepted. Default: `maxMessageBytes`. */
  maxFrameBytes?: number;
  /** Redirects followed before giving up. Default 10, as browsers' fetch does 20 and curl 50; 0 disables. */
  maxRedirects?: number;
  /**
   * Called before each redirect is followed, with the URL it leads to and
   * the request headers that will be sent there (credentials already
   * dropped for another host), which it may change. For ws's `redirect`
   * event.
   */
  onRedirect?: (url: URL, headers: Headers) => void;
  /**
   * The proxy to connect through: `"http://user:pass@host:port"` (HTTP
   * CONNECT), `"https://…"` (TLS to the proxy), `"socks5h://…"` (the proxy
   * resolves the name), `"socks5://…"`, `"socks4a://…"`, `"socks4://…"`.
   * `null` connects directly whatever the environment says. Default: chosen
   * from the environment (`wss_proxy`/`ws_proxy`, `https_proxy`, `http_proxy`
   * for `ws:`, `all_proxy`, and `no_proxy`; see docs/proxies.md), again for
   * each redirect. The credentials go to the proxy only.
   */
  proxy?: string | URL | null;
  /**
   * Environment variables the proxy is chosen from when `proxy` is not
   * given. Default: the process's on Node and Bun, Deno's when env access is
   * granted.
   */
  proxyEnv?: ProxyEnv;
  /**
   * Told of the connection's events from the start (see `Connection.observe`),
   * so that none is missed between the handshake and `connect()` resolving:
   * for facades with event APIs.
   */
  observer?: ConnectionObserver;
  /**
   * Whether pings are answered automatically (see `Connection.autoPong`), set
   * before the handshake so that a ping arriving in the same read as the
   * response is covered too (ws's `autoPong: false`). Default: `true`.
   */
  autoPong?: boolean;
  /**
   * Gives up opening: the transport is closed at once and `connect()` rejects
   * with the signal's reason. No effect once open.
   */
  signal?: AbortSignalLike;
}

/** What `connect()` uses of an `AbortSignal` (the connection layer is typed without the DOM's). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Options of the runtime-neutral `connect()`: the client options and the runtime's dialer. */
export interface DialOptions extends ClientOptions {
  /** Opens the transport. */
  dial: Dial;
  /** Opens connections through proxies; without it, a proxy makes `connect()` throw TypeError. */
  proxyNetwork?: ProxyNetwork;
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
// Headers that carry credentials: never forwarded to another host on a redirect.
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/** A connection opened by {@link connect}. */
export class ClientConnection extends Connection {
  // HTTP/1.1's, or an HTTP/2 stream's (RFC 8441), whose request the runtime sends.
  declare protected readonly protocol: ClientProtocol | ExtendedConnectClientProtocol;
  #resolveOpen!: () => void;
  #rejectOpen!: (error: Error) => void;
  /** @internal Resolves when the handshake succeeds; rejects with why it failed. */
  readonly opened: Promise<void>;

  /** @internal use {@link connect} */
  constructor(
    protocol: ClientProtocol | ExtendedConnectClientProtocol,
    transport: Transport,
    options: ConnectionOptions,
  ) {
    super(protocol, transport, options);
    this.opened = new Promise((resolve, reject) => {
      this.#resolveOpen = resolve;
      this.#rejectOpen = reject;
    });
    // A handled rejection: connect() awaits `opened`, and closing first is reported there.
    this.opened.catch(() => {});
    void this.closed.then((info) => {
      // Once open, a close has nothing to tell `opened` (and an error built
      // for it, with its stack, was a per cent of a client's CPU per
      // connection when profiled).
      if (this.#rejectOpen === settled) return;
      this.#rejectOpen(
        info.error ?? new TransportError("Cannot open connection: closed during the handshake"),
      );
    });
    if (protocol instanceof ClientProtocol) protocol.sendRequest(protocol.connect());
    this.afterProtocol();
  }

  /** @internal The response head of an HTTP/2 stream, whose request the runtime sent. */
  receiveResponse(response: Response): void {
    (this.protocol as ExtendedConnectClientProtocol).receiveResponse(response);
    this.afterProtocol();
  }

  override get request(): Request | undefined {
    return this.protocol.request;
  }

  protected override onHandshake(event: RequestEvent | ResponseEvent): void {
    if (event.type !== "response") return;
    this.handshakeResponse = event.response;
    publishHandshake(this, this.protocol.request!, event.response.status);
    if (this.logsInfo) {
      this.logInfo("handshake", `${this.protocol.request?.target} ${event.response.status}`, {
        target: this.protocol.request?.target,
        status: event.response.status,
      });
    }
    if (event.error === undefined) this.#resolveOpen();
    else this.#rejectOpen(event.error);
    // The promise's functions are not kept for the connection's life.
    this.#resolveOpen = this.#rejectOpen = settled;
  }
}

// What `opened`'s resolve and reject become once it is settled.
function settled(): void {}

function remaining(deadline: number): number {
  return Math.max(0, deadline - performance.now());
}

/** Races `promise` against a timer; on timeout, destroys the transport it may still yield. */
function dialWithin(dial: Dial, url: URL, ms: number | null): Promise<Transport> {
  const dialing = dial(url).catch((error: unknown) => {
    // Argument errors and the library's own errors pass; the runtime's
    // network errors (refused, unreachable, TLS) become TransportError.
    if (
      error instanceof WebSocketError ||
      error instanceof TypeError ||
      error instanceof RangeError
    ) {
      throw error;
    }
    throw new TransportError(
      `Cannot connect to ${url.hostname}${url.port === "" ? "" : `:${url.port}`}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  if (ms === null) return dialing;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TimeoutError(`Cannot open connection: no connection within ${ms} ms`));
      dialing.then(
        (transport) => transport.destroy(),
        () => {},
      );
    }, ms);
    dialing.then(
      (transport) => {
        clearTimeout(timer);
        resolve(transport);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function parseUrl(url: string | URL): URL {
  // Checks the URL (scheme, no fragment, no credentials) the core's way.
  parseWebSocketUrl(url);
  return new URL(url);
}

/**
 * Opens a WebSocket connection with the runtime's `dial`. Rejects with a
 * `HandshakeError` (carrying the status, headers and body of the response)
 * when the server refuses, a `TimeoutError` when the open timeout expires, and
 * a `TransportError` when the transport cannot be opened.
 *
 * Redirects (301, 302, 303, 307, 308) are followed up to `maxRedirects`
 * times; credentials (`Authorization`, `Cookie`, `Proxy-Authorization`) are
 * dropped when the redirect leads to another host, and a redirect from `wss:`
 * to `ws:` is refused.
 */
export function connect(url: string | URL, options: DialOptions): Promise<ClientConnection> {
  return followRedirects(url, options, (target, headers, deadline) =>
    connectOnce(target, options, headers, deadline),
  );
}

/**
 * One attempt of {@link followRedirects}: opens a connection to `url` with
 * these request headers, by `deadline` (`performance.now()` time, `Infinity`
 * for none).
 */
export type OpenAttempt = (
  url: URL,
  headers: Headers | undefined,
  deadline: number,
) => Promise<ClientConnection>;

/**
 * Runs `attempt` and follows the redirects it is refused with, as
 * {@link connect} does (for HTTP/2 too: a 3xx to an extended CONNECT is
 * followed the same way): up to `maxRedirects`, credentials dropped for
 * another host, `wss:` to `ws:` refused, all within the one open timeout.
 */
export async function followRedirects(
  url: string | URL,
  options: ClientOptions,
  attempt: OpenAttempt,
): Promise<ClientConnection> {
  let target = parseUrl(url);
  const openTimeoutMs =
    options.openTimeoutMs === undefined ? 10_000 : (options.openTimeoutMs ?? null);
  const deadline = openTimeoutMs === null ? Infinity : performance.now() + openTimeoutMs;
  const maxRedirects = options.maxRedirects ?? 10;
  let headers = options.headers === undefined ? undefined : new Headers(options.headers);
  for (let redirects = 0; ; redirects++) {
    try {
      return await attempt(target, headers, deadline);
    } catch (error) {
      const location = error instanceof HandshakeError ? error.headers?.get("location") : undefined;
      if (
        !(error instanceof HandshakeError) ||
        !REDIRECT_STATUSES.has(error.status) ||
        location === undefined
      ) {
        throw error;
      }
      if (redirects >= maxRedirects) {
        throw new HandshakeError(
          `Cannot open connection: more than ${maxRedirects} redirects`,
          { status: error.status, ...(error.headers ? { headers: error.headers } : {}) },
          { cause: error },
        );
      }
      let next = new URL(location, target);
      // Redirects to http(s) URLs name the same endpoint (RFC 6455 4.1 step 5 allows them).
      if (next.protocol === "http:" || next.protocol === "https:") {
        next = new URL(`ws${next.href.slice(4)}`);
      }
      if (next.protocol !== "ws:" && next.protocol !== "wss:") throw error;
      if (target.protocol === "wss:" && next.protocol === "ws:") {
        throw new HandshakeError(
          `Cannot follow redirect to insecure URL: "${next.href}"`,
          { status: error.status, ...(error.headers ? { headers: error.headers } : {}) },
          { cause: error },
        );
      }
      if (next.hostname !== target.hostname || next.port !== target.port) {
        if (headers !== undefined) {
          headers = new Headers(headers);
          for (const name of CREDENTIAL_HEADERS) headers.delete(name);
        }
      }
      if (options.onRedirect !== undefined) {
        headers = new Headers(headers ?? []);
        options.onRedirect(next, headers);
      }
      target = next;
    }
  }
}

async function connectOnce(
  url: URL,
  options: DialOptions,
  headers: Headers | undefined,
  deadline: number,
): Promise<ClientConnection> {
  const signal = options.signal;
  if (signal?.aborted) throw signal.reason;
  // Chosen for each URL, so that a redirect to another host chooses again.
  const proxy = selectProxy(url, options.proxy, options.proxyEnv);
  const transport =
    proxy === undefined
      ? await dialWithin(options.dial, url, deadline === Infinity ? null : remaining(deadline))
      : await openTunnel(url, proxy, {
          network: requireProxyNetwork(options),
          deadline,
          ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
        });
  if (signal?.aborted) {
    transport.destroy();
    throw signal.reason;
  }
  const protocol = new ClientProtocol(url, handshakeOptionsOf(options, headers));
  const connection = new ClientConnection(protocol, transport, optionsUntil(options, deadline));
  if (options.observer !== undefined) connection.observe(options.observer);
  if (options.autoPong === false) connection.autoPong = false;
  if (signal === undefined) {
    await connection.opened;
    return connection;
  }
  // close() during the handshake destroys the transport.
  const abort = (): void => void connection.close();
  signal.addEventListener("abort", abort, { once: true });
  try {
    await connection.opened;
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener("abort", abort);
  }
  return connection;
}

/** The client options as the core's protocol options, made once per options object. */
const handshakeOptionsFor = new WeakMap<ClientOptions, ClientProtocolOptions>();

/**
 * The protocol options of an attempt (for `ClientProtocol`, and for the
 * HTTP/2 client's `ExtendedConnectClientProtocol`, which takes the same):
 * the same object for every connection opened with `options`, unless the
 * attempt has request headers of its own (a redirect may drop some), so
 * that the core derives its limits once per options object rather than per
 * connection (profiled: a tenth of the HTTP/2 client's cost of opening a
 * stream, and a per cent of a TCP connection's).
 */
export function handshakeOptionsOf(
  options: ClientOptions,
  headers: Headers | undefined,
): ClientProtocolOptions {
  const derive = (): ClientProtocolOptions => ({
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    ...(options.subprotocols === undefined ? {} : { subprotocols: options.subprotocols }),
    ...(options.compression == null ? {} : { extensions: options.compression }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(headers === undefined ? {} : { headers }),
    ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
  });
  if (headers !== undefined) return derive();
  let derived = handshakeOptionsFor.get(options);
  if (derived === undefined) {
    derived = derive();
    handshakeOptionsFor.set(options, derived);
  }
  return derived;
}

// Derived options per options object, by open timeout (see optionsUntil).
const optionsUntilFor = new WeakMap<ConnectionOptions, Map<number, ConnectionOptions>>();
// The open timeout's granularity, as a fraction of the whole (see optionsUntil).
const OPEN_TIMEOUT_STEPS = 64;

/**
 * The options of a connection that has until `deadline` (`performance.now()`
 * time) to open, the rest of the attempt's open timeout having gone on
 * dialing. What is left is rounded down to a 64th of the whole timeout (so
 * the open timeout expires no later than the deadline, and at most a 64th of
 * it earlier), and the options with that rounded timeout are one object per
 * options object and value: the connection layer derives its settings (and
 * the queue its open and close deadlines wait in, with its timer) once per
 * options object, so a new object per connection rebuilt them per
 * connection (profiled: a few per cent of a client's CPU per connection, and
 * memory held for the connection's life).
 */
export function optionsUntil<T extends ConnectionOptions>(options: T, deadline: number): T {
  if (deadline === Infinity) {
    // An open timeout of null (or infinity): nothing to count down.
    return options;
  }
  const budgetMs = options.openTimeoutMs ?? 10_000;
  const stepMs = Math.max(1, budgetMs / OPEN_TIMEOUT_STEPS);
  const leftMs = Math.floor(remaining(deadline) / stepMs) * stepMs;
  if (leftMs >= budgetMs) return options;
  let byTimeout = optionsUntilFor.get(options);
  if (byTimeout === undefined) {
    byTimeout = new Map();
    optionsUntilFor.set(options, byTimeout);
  }
  let derived = byTimeout.get(leftMs);
  if (derived === undefined) {
    derived = { ...options, openTimeoutMs: leftMs };
    byTimeout.set(leftMs, derived);
  }
  return derived as T;
}

function requireProxyNetwork(options: DialOptions): ProxyNetwork {
  if (options.proxyNetwork === undefined) {
    throw new TypeError(
      "Cannot connect through a proxy: this runtime's connect() has no proxy support",
    );
  }
  return options.proxyNetwork;
}

/** Options of {@link reconnect}: those of `connect()` plus the backoff. */
export interface ReconnectOptions extends DialOptions {
  /** First delay before reconnecting. Default 1 s. */
  initialDelayMs?: number;
  /** Longest delay. Default 60 s. */
  maxDelayMs?: number;
  /** Growth of the delay after each failed attempt. Default 2. */
  backoffFactor?: number;
  /** Random number in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
  /**
   * Whether an error from `connect()` is worth retrying. Default: transport
   * errors, timeouts, handshake refusals with status 5xx or 429, and proxy
   * failures that may pass (`ProxyError.isTransient`); anything else (a 4xx, a bad URL) stops the iteration.
   */
  isRetryable?: (error: unknown) => boolean;
  /**
   * How each attempt connects. Default: {@link connect} with `dial`; a
   * runtime passes its own for another transport (Node's HTTP/2 streams).
   */
  open?: (url: string | URL) => Promise<ClientConnection>;
}

function defaultIsRetryable(error: unknown): boolean {
  if (error instanceof TransportError || error instanceof TimeoutError) return true;
  if (error instanceof ProxyError) return error.isTransient;
  if (error instanceof HandshakeError) return error.status >= 500 || error.status === 429;
  return false;
}

/**
 * Yields a fresh connection each time the previous one is closed, forever:
 * the Python websockets idiom `async for websocket in connect(...)`.
 * Failed attempts wait with exponential backoff and jitter (each delay is
 * random between half and all of the current backoff), which spreads a crowd
 * of clients after a server restart; a successful open resets the delay, and
 * the next connection is opened as soon as the previous one is done. A fatal
 * error (see `isRetryable`) ends the iteration by throwing it. When the loop
 * body ends with the connection still open, the connection is closed before
 * reconnecting; leaving the loop (`break`, `return`, a throw) leaves the
 * connection as it is. See docs/reconnection.md.
 *
 * @example
 * ```ts
 * for await (const connection of reconnect(url, { dial })) {
 *   try { for await (const message of connection) handle(message); } catch {}
 * }
 * ```
 */
export async function* reconnect(
  url: string | URL,
  options: ReconnectOptions,
): AsyncGenerator<ClientConnection, never, undefined> {
  const initial = options.initialDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 60_000;
  const factor = options.backoffFactor ?? 2;
  const random = options.random ?? Math.random;
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  let delay = initial;
  for (;;) {
    let connection: ClientConnection;
    try {
      connection = await (options.open?.(url) ?? connect(url, options));
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const wait = delay * (0.5 + random() / 2);
      delay = Math.min(max, delay * factor);
      await new Promise<void>((resolve) => setTimeout(resolve, wait));
      continue;
    }
    delay = initial;
    yield connection;
    await connection.close();
  }
}
