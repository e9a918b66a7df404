/**
 * Connecting where the runtime hands out TCP connections as web streams: Deno
 * (`Deno.connect`, `Deno.connectTls`) and Cloudflare Workers (`connect()` from
 * `cloudflare:sockets`), or any dialer that returns a readable/writable pair.
 *
 * @module
 */

import {
  type ClientConnection,
  type ClientOptions,
  connect as connectWith,
  type Dial,
  type ReconnectOptions,
  reconnect as reconnectWith,
} from "../connection/client.js";
import type { ProxyNetwork } from "../connection/proxy-tunnel.js";
import { denoProxyEnv, webProxyNetwork } from "./proxy-network.js";
import { type ByteStreams, StreamTransport, type StreamTransportOptions } from "./transport.js";

/** Where to connect, as the runtime's dialers take it. */
export interface Endpoint {
  /** Host name or IP address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** Whether to speak TLS (`wss:`). */
  readonly secure: boolean;
}

/** Options of {@link connect} on web-stream runtimes. */
export interface WebClientOptions extends ClientOptions {
  /**
   * Opens the byte streams to `endpoint` yourself (a proxy, a test pipe, a
   * runtime this module does not know). Default: `Deno.connect`/`Deno.connectTls`
   * on Deno, `connect()` from `cloudflare:sockets` on Cloudflare Workers.
   */
  socket?: (endpoint: Endpoint) => ByteStreams | Promise<ByteStreams>;
  /** Extra trusted CA certificates (PEM) for `wss:` on Deno (`caCerts` of `Deno.connectTls`). */
  caCerts?: readonly string[];
  /** Options of the stream transport (write high-water mark). */
  transport?: Omit<StreamTransportOptions, "remoteAddress" | "remotePort">;
}

// The few members of the runtimes' globals used here, declared locally so the
// module type-checks under Node's types (and no Deno or Workers types).
interface DenoConn extends ByteStreams {
  readonly remoteAddr: { readonly hostname?: string; readonly port?: number };
  setNoDelay?(noDelay?: boolean): void;
}
interface DenoNet {
  connect(options: { hostname: string; port: number; transport?: "tcp" }): Promise<DenoConn>;
  connectTls(options: {
    hostname: string;
    port: number;
    caCerts?: string[];
    alpnProtocols?: string[];
  }): Promise<DenoConn>;
}
interface CloudflareSocket extends ByteStreams {
  readonly opened: Promise<{ remoteAddress?: string }>;
}
interface CloudflareSockets {
  connect(
    address: { hostname: string; port: number },
    options: { secureTransport: "on" | "off"; allowHalfOpen: boolean },
  ): CloudflareSocket;
}

/** Deno's namespace, when running on Deno. */
function denoNamespace(): DenoNet | undefined {
  const deno = (globalThis as { Deno?: DenoNet }).Deno;
  return typeof deno?.connect === "function" ? deno : undefined;
}

function isCloudflareWorkers(): boolean {
  const navigator = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return navigator?.userAgent === "Cloudflare-Workers";
}

// A variable specifier: bundlers and tsc leave it alone, and workerd resolves
// its built-in module at run time.
const CLOUDFLARE_SOCKETS = "cloudflare:sockets";

/** Opens byte streams to `endpoint`: `options.socket`, else Deno's or Cloudflare's TCP API. */
export async function openStreams(
  endpoint: Endpoint,
  options: WebClientOptions,
): Promise<{ streams: ByteStreams; remoteAddress?: string; remotePort?: number }> {
  if (options.socket !== undefined) return { streams: await options.socket(endpoint) };
  const { hostname, port, secure } = endpoint;
  const deno = denoNamespace();
  if (deno !== undefined) {
    const conn = secure
      ? await deno.connectTls({
          hostname,
          port,
          alpnProtocols: ["http/1.1"],
          ...(options.caCerts === undefined ? {} : { caCerts: [...options.caCerts] }),
        })
      : await deno.connect({ hostname, port });
    // We coalesce writes ourselves; Nagle would only add latency.
    conn.setNoDelay?.(true);
    return {
      streams: conn,
      ...(conn.remoteAddr.hostname === undefined
        ? {}
        : { remoteAddress: conn.remoteAddr.hostname }),
      ...(conn.remoteAddr.port === undefined ? {} : { remotePort: conn.remoteAddr.port }),
    };
  }
  if (isCloudflareWorkers()) {
    const sockets = (await import(CLOUDFLARE_SOCKETS)) as CloudflareSockets;
    // allowHalfOpen: the connection layer decides when to send its FIN.
    const socket = sockets.connect(
      { hostname, port },
      { secureTransport: secure ? "on" : "off", allowHalfOpen: true },
    );
    await socket.opened; // refused or unreachable: reject here, as on other runtimes
    return { streams: socket, remotePort: port };
  }
  throw new TypeError(
    "Cannot connect: no TCP API in this runtime (not Deno or Cloudflare Workers); pass `socket`",
  );
}

function dialer(options: WebClientOptions): Dial {
  return async (url) => {
    const secure = url.protocol === "wss:";
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
    const { streams, ...address } = await openStreams({ hostname, port, secure }, options);
    return new StreamTransport(streams, { ...options.transport, ...address });
  };
}

/** `options` with the dialer, proxy support, and Deno's environment when env access is granted. */
function withWeb<T extends WebClientOptions>(
  options: T,
): T & { dial: Dial; proxyNetwork: ProxyNetwork } {
  const env = options.socket === undefined ? denoProxyEnv() : undefined;
  return {
    ...(env === undefined ? {} : { proxyEnv: env }),
    ...options,
    dial: dialer(options),
    proxyNetwork: webProxyNetwork(options),
  };
}

/**
 * Opens a WebSocket connection to `url` (`ws:` or `wss:`) on Deno or
 * Cloudflare Workers. Rejects with a `HandshakeError` when the server refuses,
 * a `TimeoutError` after the open timeout, a `TransportError` when the TCP
 * connection cannot be opened.
 *
 * @example
 * ```ts
 * const connection = await connect("ws://127.0.0.1:8765/");
 * await connection.send("hello");
 * console.log(await connection.recv());
 * await connection.close();
 * ```
 */
export function connect(
  url: string | URL,
  options: WebClientOptions = {},
): Promise<ClientConnection> {
  return connectWith(url, withWeb(options));
}

/** Reconnects forever with exponential backoff (see the connection layer's `reconnect`). */
export function reconnect(
  url: string | URL,
  options: WebClientOptions & Omit<ReconnectOptions, "dial"> = {},
): AsyncGenerator<ClientConnection, never, undefined> {
  return reconnectWith(url, withWeb(options));
}
