/**
 * Connecting on Node: `ws:` over `node:net`, `wss:` over `node:tls` (with SNI),
 * or a Unix socket.
 *
 * @module
 */

import { connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from "node:tls";
import {
  type ClientConnection,
  type ClientOptions,
  connect as connectWith,
  type Dial,
  type DialOptions,
  type ReconnectOptions,
  reconnect as reconnectWith,
} from "../connection/client.js";
import { connectHttp2, type Http2ConnectOptions } from "../http2/client.js";
import { connected } from "./connected.js";
import { defaultCompression, nodeDefer } from "./defaults.js";
import { nodeProxyNetwork } from "./proxy-network.js";
import { SocketTransport } from "./transport.js";

/** Options of {@link connect} on Node. */
export interface NodeClientOptions extends ClientOptions {
  /** TLS options for `wss:` (`ca`, `cert`, `rejectUnauthorized`, `servername`...). */
  tls?: TlsConnectOptions;
  /** Connects to this Unix socket instead of the URL's host and port (the URL still names the resource). */
  socketPath?: string;
  /** TLS options for an `https://` proxy (`ca`, `rejectUnauthorized`...); `tls` applies to the target. */
  proxyTls?: TlsConnectOptions;
  /**
   * Opens the WebSocket as a stream of an HTTP/2 connection (RFC 8441): TLS
   * with ALPN `h2` for `wss:`, cleartext with prior knowledge for `ws:`.
   * WebSockets to the same origin share one HTTP/2 connection, opened on
   * the first and closed after the last. Default false.
   */
  http2?: boolean;
  /**
   * With `http2`: connect over HTTP/1.1 when the server does not offer
   * WebSockets over HTTP/2, instead of failing with `Http2UnsupportedError`.
   */
  http2Fallback?: boolean;
}

/**
 * The dialer `connect()` uses on Node: TCP (TLS for `wss:`, with SNI) or a
 * Unix socket, as `options` say. For code that calls the connection layer's
 * `connect()` itself (the ws facade).
 */
export function nodeDial(options: Pick<NodeClientOptions, "tls" | "socketPath">): Dial {
  return (url) =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "wss:";
      const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
      const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
      let socket: Socket;
      if (secure) {
        socket = tlsConnect({
          ...(options.socketPath === undefined ? { host, port } : { path: options.socketPath }),
          // SNI names the host, unless it is an IP address (RFC 6066 3).
          ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
          ALPNProtocols: ["http/1.1"],
          ...options.tls,
        });
      } else {
        socket =
          options.socketPath === undefined
            ? netConnect({ host, port })
            : netConnect({ path: options.socketPath });
      }
      whenConnected(socket, secure).then(resolve, reject);
    });
}

/**
 * The socket as a transport once it is connected (after its TLS handshake
 * when `secure`), or its error: for every dialer on Node, ours and the ones
 * built on a user's `createConnection` (the ws facade).
 */
export function whenConnected(socket: Socket, secure: boolean): Promise<SocketTransport> {
  return connected(socket, secure, (connectedSocket) => new SocketTransport(connectedSocket));
}

// One object per options object (as http2Options below): the connection
// layer derives its settings once per options object, and a new one per
// connect() call rebuilt them (and their deadline queues) per connection.
const withNodeFor = new WeakMap<NodeClientOptions, NodeClientOptions & DialOptions>();

/** `options` with Node's defaults, dialer and proxy support, made once per options object. */
function withNode<Options extends NodeClientOptions>(options: Options): Options & DialOptions {
  let derived = withNodeFor.get(options) as (Options & DialOptions) | undefined;
  if (derived === undefined) {
    derived = {
      defer: nodeDefer,
      compression: [defaultCompression.client],
      // A Unix socket is a local connection: no proxy.
      ...(options.socketPath === undefined ? { proxyEnv: process.env } : { proxy: null }),
      ...options,
      dial: nodeDial(options),
      proxyNetwork: nodeProxyNetwork(options.tls, options.proxyTls),
    };
    withNodeFor.set(options, derived);
  }
  return derived;
}

// One derived object per options object (as the connection layer's settings
// are; an options object is not to be changed once used): what the layers below derive from
// options is made once per object (see connectHttp2), and many WebSockets
// on one HTTP/2 session are typically opened with the same options.
const http2OptionsFor = new WeakMap<NodeClientOptions, Http2ConnectOptions>();

function http2Options(options: NodeClientOptions): Http2ConnectOptions {
  let derived = http2OptionsFor.get(options);
  if (derived === undefined) {
    derived = { defer: nodeDefer, compression: [defaultCompression.client], ...options };
    http2OptionsFor.set(options, derived);
  }
  return derived;
}

/**
 * Opens a WebSocket connection to `url` (`ws:` or `wss:`). Rejects with a
 * `HandshakeError` (status, headers, body) when the server refuses, a
 * `TimeoutError` after the open timeout, a `TransportError` when the socket
 * cannot connect, a `ProxyError` when a proxy cannot open the tunnel.
 *
 * Proxies: the `proxy` option, else the environment (`https_proxy`,
 * `no_proxy`…; see docs/proxies.md).
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
  options: NodeClientOptions = {},
): Promise<ClientConnection> {
  if (options.http2 === true) {
    return connectHttp2(
      url,
      http2Options(options),
      options.http2Fallback === true
        ? (target, headers) =>
            connect(target, {
              ...options,
              http2: false,
              ...(headers === undefined ? {} : { headers }),
            })
        : undefined,
    );
  }
  return connectWith(url, withNode(options));
}

/**
 * Reconnects forever with exponential backoff: yields a new connection after
 * each disconnect (see the connection layer's `reconnect`).
 */
export function reconnect(
  url: string | URL,
  options: NodeClientOptions & Omit<ReconnectOptions, "dial"> = {},
): AsyncGenerator<ClientConnection, never, undefined> {
  const withDialer = withNode(options);
  return reconnectWith(
    url,
    options.http2 === true
      ? { ...withDialer, open: (target) => connect(target, options) }
      : withDialer,
  );
}
