/**
 * A ws client's opening: ws's URL rules, options and errors, translated to
 * the connection layer's `connect()` over Node's dialer (or the
 * `createConnection` a user passes).
 *
 * @module
 */

import { type Agent, IncomingMessage, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { connect, type Dial } from "../connection/client.js";
import { TimeoutError, TransportError } from "../connection/errors.js";
import { HandshakeError } from "../core/errors.js";
import type { Headers } from "../core/headers.js";
import type { Response } from "../core/http1/message.js";
import { nodeDial, whenConnected } from "../node/client.js";
import { nodeDefer } from "../node/defaults.js";
import { agentDial } from "./agent.js";
import { deflateFor, type PerMessageDeflateOptions } from "./deflate.js";
import { rethrowLater, type WebSocket } from "./websocket.js";

/**
 * ws's client options. TLS options (`ca`, `cert`, `key`, `rejectUnauthorized`,
 * `servername`...) go to `tls.connect` (or to the `agent`'s). `autoPong:
 * false` leaves pings to the application (`ws.pong()`);
 * `allowSynchronousEvents: false` emits each message, ping and pong in a
 * macrotask of its own. Accepted and ignored: `skipUTF8Validation` (text is
 * always validated: see docs/migrating-from-ws.md), `generateMask`,
 * `finishRequest`, `maxBufferedChunks`, `maxFragments`,
 * `maxPendingAutoPongs`.
 */
export interface WsClientOptions
  extends Omit<TlsConnectionOptions, "timeout" | "host" | "port" | "path" | "socket"> {
  /** Subprotocols, when not given as the second argument. */
  protocols?: string | readonly string[];
  /** Extra request headers. */
  headers?: Record<string, string | number | readonly string[] | undefined>;
  /** Only 13 (RFC 6455) is supported. */
  protocolVersion?: number;
  /** Opening handshake timeout in ms, from the start of the connection. Default: none. */
  handshakeTimeout?: number;
  /** Largest message accepted, in bytes (1009 beyond). Default 100 MiB, as ws; 0 means no limit. */
  maxPayload?: number;
  /** Offer permessage-deflate. Default true, as ws. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Follow redirects. Default false, as ws. */
  followRedirects?: boolean;
  /** Redirects followed when `followRedirects`. Default 10. */
  maxRedirects?: number;
  /** `Origin` header value. */
  origin?: string;
  /** `user:password` for Basic authentication. */
  auth?: string;
  /** How long `close()` waits for the closing handshake, in ms. Default 30 s, as ws. */
  closeTimeout?: number;
  /** Makes the socket, instead of `net.connect`/`tls.connect`. */
  createConnection?: (
    options: Omit<TlsConnectionOptions, "host" | "port"> & { host: string; port: number | string },
  ) => Socket;
  /**
   * The `http.Agent` (or `https.Agent` for `wss:`) the opening handshake goes
   * through, as ws passes it to `http.request`: a keep-alive pool, or a proxy
   * agent (`new HttpsProxyAgent(proxyUrl)`, `new SocksProxyAgent(proxyUrl)`).
   * Each redirect followed goes through it too. Once open, the connection
   * is a plain socket of its own (Node takes an upgraded socket out of the
   * agent's pool). Takes precedence over `createConnection`, as in ws.
   */
  agent?: Agent | false | undefined;
  autoPong?: boolean;
  skipUTF8Validation?: boolean;
  allowSynchronousEvents?: boolean;
  generateMask?: unknown;
  finishRequest?: unknown;
  maxBufferedChunks?: number;
  maxFragments?: number;
  maxPendingAutoPongs?: number;
}

const SUBPROTOCOL = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;
const BAD_SCHEME =
  'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"';
const REDIRECT_SCHEMES = new Set(["ws:", "wss:", "http:", "https:", "ws+unix:"]);
/** ws's default `maxPayload`: 100 MiB. */
export const WS_MAX_PAYLOAD = 100 * 1024 * 1024;
/** ws's `closeTimeout`: 30 s. */
export const WS_CLOSE_TIMEOUT_MS = 30_000;
/** ws's `maxPayload: 0` (no limit) as a limit the core takes. */
export function payloadLimit(maxPayload: number | undefined): number {
  const limit = maxPayload ?? WS_MAX_PAYLOAD;
  return limit > 0 ? limit : Number.MAX_SAFE_INTEGER;
}

// Options of ws (or of this module) that are not for tls.connect.
const NOT_TLS = new Set([
  "protocols",
  "headers",
  "protocolVersion",
  "handshakeTimeout",
  "maxPayload",
  "perMessageDeflate",
  "followRedirects",
  "maxRedirects",
  "origin",
  "auth",
  "closeTimeout",
  "createConnection",
  "agent",
  "autoPong",
  "skipUTF8Validation",
  "allowSynchronousEvents",
  "generateMask",
  "finishRequest",
  "maxBufferedChunks",
  "maxFragments",
  "maxPendingAutoPongs",
]);

function tlsOptionsOf(options: WsClientOptions): TlsConnectionOptions {
  const tls: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!NOT_TLS.has(key) && value !== undefined) tls[key] = value;
  }
  return tls as TlsConnectionOptions;
}

function customDial(
  create: NonNullable<WsClientOptions["createConnection"]>,
  tls: TlsConnectionOptions,
): Dial {
  return (url) =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "wss:";
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      // As ws: the URL's port as it is written, else the scheme's default.
      const port = url.port === "" ? (secure ? 443 : 80) : url.port;
      const socket = create({ ...tls, host, port });
      whenConnected(socket, secure).then(resolve, reject);
    });
}

function headerPairs(
  headers: WsClientOptions["headers"],
  auth: string | undefined,
): [string, string][] {
  const pairs: [string, string][] = [];
  let hasAuthorization = false;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    if (name.toLowerCase() === "authorization") hasAuthorization = true;
    if (Array.isArray(value)) for (const v of value) pairs.push([name, String(v)]);
    else pairs.push([name, String(value)]);
  }
  if (auth !== undefined && !hasAuthorization) {
    pairs.push(["Authorization", `Basic ${Buffer.from(auth).toString("base64")}`]);
  }
  return pairs;
}

/** A response as ws hands it to `upgrade` and `unexpected-response` listeners: `IncomingMessage`'s fields. */
export interface ResponseLike extends Readable {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  httpVersion: string;
}

function responseLike(
  status: number,
  reason: string,
  headers: Headers | undefined,
  body?: Uint8Array,
): ResponseLike {
  const lower: Record<string, string> = {};
  const raw: string[] = [];
  for (const [name, value] of headers ?? []) {
    raw.push(name, value);
    const key = name.toLowerCase();
    lower[key] = lower[key] === undefined ? value : `${lower[key]}, ${value}`;
  }
  // An `http.IncomingMessage`, as ws's listeners get (`res instanceof
  // IncomingMessage` holds, and its methods are there), over no socket: the
  // core parsed the response; its body (if any) is already read. The socket
  // stand-in keeps `_read` from resuming a socket and `destroy()` from
  // destroying one.
  const message = new IncomingMessage({ readable: false, destroyed: true } as Socket);
  message.statusCode = status;
  message.statusMessage = reason;
  message.headers = lower;
  message.rawHeaders = raw;
  message.httpVersion = "1.1";
  message.httpVersionMajor = 1;
  message.httpVersionMinor = 1;
  message.complete = true;
  if (body !== undefined && body.length > 0) message.push(Buffer.from(body));
  message.push(null);
  return message as unknown as ResponseLike;
}

/**
 * What a `redirect` listener gets as ws's `ClientRequest` for the next
 * request: its target and its headers, which the listener may change before
 * the request leaves.
 */
export interface RedirectRequest {
  readonly method: "GET";
  readonly protocol: string;
  readonly host: string;
  readonly path: string;
  getHeader(name: string): string | undefined;
  getHeaders(): Record<string, string>;
  hasHeader(name: string): boolean;
  setHeader(name: string, value: string | number | readonly string[]): this;
  removeHeader(name: string): void;
}

/** The request-like object of a `redirect` event, over the headers of the next request. */
function redirectRequest(url: URL, headers: Headers): RedirectRequest {
  return {
    method: "GET",
    protocol: url.protocol === "wss:" ? "https:" : "http:",
    host: url.hostname,
    path: url.pathname + url.search,
    getHeader: (name) => headers.get(name),
    getHeaders() {
      const all: Record<string, string> = {};
      for (const [name, value] of headers) {
        const key = name.toLowerCase();
        all[key] = all[key] === undefined ? value : `${all[key]}, ${value}`;
      }
      return all;
    },
    hasHeader: (name) => headers.has(name),
    setHeader(name, value) {
      headers.delete(name);
      if (Array.isArray(value)) for (const v of value) headers.append(name, String(v));
      else headers.set(name, String(value));
      return this;
    },
    removeHeader: (name) => headers.delete(name),
  };
}

/** What the client offered, which decides some of ws's words for a refused 101. */
interface Offered {
  readonly subprotocols: boolean;
  readonly extensions: boolean;
}

/**
 * ws's message for a 101 response the core refused, by what the core's says
 * (ws checks, and so words, `Upgrade`, `Sec-WebSocket-Accept`, the
 * subprotocol, then the extensions).
 */
function refusedUpgradeMessage(message: string, offered: Offered): string | undefined {
  if (/Upgrade header|Connection header/.test(message)) return "Invalid Upgrade header";
  if (/Sec-WebSocket-Accept/.test(message)) return "Invalid Sec-WebSocket-Accept header";
  if (/subprotocol|Sec-WebSocket-Protocol/.test(message)) {
    return offered.subprotocols
      ? "Server sent an invalid subprotocol"
      : "Server sent a subprotocol but none was requested";
  }
  if (/extension "[^"]*" was not offered/.test(message)) {
    return offered.extensions
      ? "Server indicated an extension that was not requested"
      : "Server sent a Sec-WebSocket-Extensions header but no extension was requested";
  }
  if (/extension|Sec-WebSocket-Extensions/.test(message)) {
    return "Invalid Sec-WebSocket-Extensions header";
  }
  return undefined;
}

/** The error ws emits for a failed opening, from ours (kept as `cause`). */
function clientError(
  error: unknown,
  followRedirects: boolean,
  offered: Offered,
  base: string,
): Error {
  // A `Location` that is no URL (the connection layer's `new URL` threw).
  if (error instanceof TypeError && (error as { code?: string }).code === "ERR_INVALID_URL") {
    return new SyntaxError(`Invalid URL: ${(error as { input?: string }).input}`, { cause: error });
  }
  if (error instanceof HandshakeError) {
    if (followRedirects && error.status >= 300 && error.status < 400) {
      // A redirect the connection layer did not follow: to a scheme that is
      // not a WebSocket's (ws's SyntaxError), or one too many.
      const location = error.headers?.get("location");
      if (location !== undefined && URL.canParse(location, base)) {
        const scheme = new URL(location, base).protocol;
        if (!REDIRECT_SCHEMES.has(scheme)) return new SyntaxError(BAD_SCHEME, { cause: error });
      }
      return new Error("Maximum redirects exceeded", { cause: error });
    }
    if (error.status !== 0 && error.status !== 101) {
      return new Error(`Unexpected server response: ${error.status}`, { cause: error });
    }
    const message =
      error.status === 101 ? refusedUpgradeMessage(error.message, offered) : undefined;
    return message === undefined ? error : new Error(message, { cause: error });
  }
  if (error instanceof TimeoutError) {
    return new Error("Opening handshake has timed out", { cause: error });
  }
  // The runtime's own error (ECONNREFUSED...), as ws emits it.
  if (error instanceof TransportError && error.cause instanceof Error) return error.cause;
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Checks the URL and options as ws does (throwing ws's errors), then starts
 * connecting; the WebSocket is told the outcome. Returns the URL ws reports.
 */
export function openClient(
  ws: WebSocket,
  address: string | URL,
  protocols: readonly string[],
  options: WsClientOptions,
): string {
  const protocolVersion = options.protocolVersion ?? 13;
  if (protocolVersion !== 13) {
    throw new RangeError(
      `Unsupported protocol version: ${protocolVersion} (supported versions: 13)`,
    );
  }
  let parsed: URL;
  if (address instanceof URL) parsed = new URL(address.href);
  else {
    try {
      parsed = new URL(address);
    } catch {
      throw new SyntaxError(`Invalid URL: ${address}`);
    }
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") {
    parsed.protocol = parsed.protocol === "http:" ? "ws:" : "wss:";
  }
  const href = parsed.href;
  const isIpc = parsed.protocol === "ws+unix:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:" && !isIpc) {
    throw new SyntaxError(BAD_SCHEME);
  }
  if (isIpc && !parsed.pathname) throw new SyntaxError("The URL's pathname is empty");
  if (parsed.hash) throw new SyntaxError("The URL contains a fragment identifier");
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== "string" || !SUBPROTOCOL.test(protocol) || seen.has(protocol)) {
      throw new SyntaxError("An invalid or duplicated subprotocol was specified");
    }
    seen.add(protocol);
  }

  let auth = options.auth;
  if (parsed.username || parsed.password) {
    auth = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    parsed.username = parsed.password = "";
  }
  let target = parsed;
  let socketPath: string | undefined;
  if (isIpc) {
    // ws+unix:/path/to/socket:/resource
    const path = parsed.pathname + parsed.search;
    const colon = path.indexOf(":");
    socketPath = colon === -1 ? path : path.slice(0, colon);
    target = new URL(colon === -1 ? "/" : path.slice(colon + 1), "ws://localhost");
  }

  const tls = tlsOptionsOf(options);
  // As Node's http.request (under ws): an agent wins over createConnection;
  // `agent: false` is a fresh default agent, the same as a direct connection.
  const dial = options.agent
    ? agentDial(options.agent, tls, socketPath)
    : options.createConnection === undefined
      ? nodeDial({ tls, ...(socketPath === undefined ? {} : { socketPath }) })
      : customDial(options.createConnection, tls);
  const deflate = deflateFor(options.perMessageDeflate ?? true);
  const limit = payloadLimit(options.maxPayload);
  const followRedirects = options.followRedirects ?? false;
  const requestHeaders = headerPairs(options.headers, auth);
  const offered: Offered = {
    subprotocols: protocols.length > 0,
    extensions: deflate !== undefined,
  };
  if (options.allowSynchronousEvents === false) ws._deferEvents();
  connect(target, {
    dial,
    defer: nodeDefer,
    subprotocols: protocols,
    compression: deflate === undefined ? null : [deflate.client],
    headers: requestHeaders,
    onRedirect: (url, headers) => {
      if (ws.listenerCount("redirect") === 0) {
        ws._redirected(url.href, undefined);
        return;
      }
      // As ws: with a `redirect` listener, the credentials are the
      // listener's to drop, even for another host.
      for (const [name, value] of requestHeaders) {
        const lower = name.toLowerCase();
        if ((lower === "authorization" || lower === "cookie") && !headers.has(name)) {
          headers.append(name, value);
        }
      }
      ws._redirected(url.href, redirectRequest(url, headers));
    },
    // ws sends no User-Agent.
    userAgent: null,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    maxMessageBytes: limit,
    maxFrameBytes: limit,
    maxRedirects: followRedirects ? (options.maxRedirects ?? 10) : 0,
    openTimeoutMs: options.handshakeTimeout ?? null,
    closeTimeoutMs: options.closeTimeout ?? WS_CLOSE_TIMEOUT_MS,
    // ws has no keepalive: applications ping (the isAlive heartbeat).
    pingIntervalMs: null,
    observer: ws._observer(),
    autoPong: options.autoPong !== false,
  }).then(
    (connection) => {
      if (ws._aborted) {
        connection.terminate();
        return;
      }
      // ws refuses a server that picks no subprotocol out of those offered
      // (RFC 6455 lets the client decide; ws's decision is to fail).
      if (protocols.length > 0 && connection.subprotocol === null) {
        connection.terminate();
        ws._fail(new Error("Server sent no subprotocol"));
        return;
      }
      ws._attach(connection, () => {
        const response = connection.response as Response;
        ws.emit("upgrade", responseLike(response.status, response.reason, response.headers));
      });
      ws._observe();
    },
    (error: unknown) => {
      if (ws._aborted) return;
      if (
        error instanceof HandshakeError &&
        error.status > 101 &&
        ws.listenerCount("unexpected-response") > 0
      ) {
        const response = responseLike(
          error.status,
          STATUS_CODES[error.status] ?? "",
          error.headers,
          error.body,
        );
        // Node's `ClientRequest.abort()` dumps the response it got, which then ends.
        const abort = (): void => void response.resume();
        const request = { method: "GET", path: target.pathname + target.search, abort };
        // As ws: the refusal is the listener's now. The WebSocket stays
        // CONNECTING until it calls close() or terminate() (then `error`,
        // "closed before the connection was established", and `close` 1006).
        try {
          ws.emit("unexpected-response", request, response);
        } catch (thrown) {
          rethrowLater(thrown);
        }
        return;
      }
      ws._fail(clientError(error, followRedirects, offered, ws.url ?? href));
    },
  );
  return href;
}
