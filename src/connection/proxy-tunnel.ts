/**
 * Proxies, composed once for every runtime: dial the proxy (TLS to an
 * `https://` proxy), run the proxy client machine over the connection, start
 * TLS to the target inside the tunnel for `wss:`, and hand the stream over as
 * the connection's transport, with the bytes that followed the proxy's reply.
 * The WebSocket handshake then runs on it as on any transport. All within
 * the open timeout.
 *
 * A runtime provides a {@link ProxyNetwork}: dialing, starting TLS on a
 * stream, turning a stream into a transport, and resolving names (for
 * `socks5://` and `socks4://`, where the client resolves).
 *
 * @module
 */

import { WebSocketError } from "../core/errors.js";
import { ProxyError } from "../proxy/errors.js";
import { type ProxyEndpoint, parseProxyUrl } from "../proxy/proxy-url.js";
import { createTunnelClient } from "../proxy/tunnel.js";
import { unbracket } from "../proxy/tunnel-client.js";
import { TimeoutError, TransportError } from "./errors.js";
import type { Transport } from "./transport.js";

/**
 * A connection as the runtime opened it, read only when asked: nothing is
 * read past the proxy's reply, and no read is pending when TLS starts on it
 * (Deno's `startTls` requires that).
 */
export interface RawStream {
  /** The next bytes received; `null` once the peer has closed. Rejects on a network error. */
  read(): Promise<Uint8Array | null>;
  /** Writes `bytes`; resolves when the runtime has taken them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes at once; a pending read then resolves with `null` or rejects. Idempotent. */
  destroy(): void;
}

/** Where to dial. */
export interface ProxyDialEndpoint {
  /** Host name or IP address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** Whether to speak TLS right away (an `https://` proxy); SNI names `hostname`. */
  readonly tls: boolean;
}

/** What a runtime provides so that connections can go through proxies. */
export interface ProxyNetwork<S extends RawStream = RawStream> {
  /** Opens a TCP connection (TLS on top when `endpoint.tls`). */
  dial(endpoint: ProxyDialEndpoint): Promise<S>;
  /** Starts TLS as a client on `stream` (no read pending), for `servername` (SNI and certificate). */
  startTls(stream: S, servername: string): Promise<S>;
  /** `stream` as a connection's transport; `head` holds bytes already read that come first. */
  transport(stream: S, head: Uint8Array): Transport;
  /**
   * Resolves a host name to one IP address (IPv4 only when `ipv4Only`), for
   * the proxies that are given addresses (`socks5://`, `socks4://`). A
   * runtime without it supports only `socks5h://` and `socks4a://` there.
   */
  lookup?(hostname: string, ipv4Only: boolean): Promise<string>;
}

/** What {@link openTunnel} needs besides the URLs. */
export interface TunnelOptions {
  readonly network: ProxyNetwork;
  /** `performance.now()` by which the tunnel must be open; `Infinity` for none. */
  readonly deadline: number;
  /** Value of the `User-Agent` header of a CONNECT request; `null` leaves it out. */
  readonly userAgent?: string | null;
}

const IP_LITERAL = /^[\d.]+$|:/;

/**
 * Opens a tunnel to `url`'s host and port through `proxy`, with TLS to the
 * target inside it for `wss:`, and returns it as a transport ready for the
 * WebSocket handshake. Rejects with {@link ProxyError} when the proxy cannot
 * be reached, refuses, answers something that is not its protocol, or stays
 * silent past the deadline; with `TransportError` when TLS to the target
 * fails. Whatever was opened is closed on failure.
 */
export function openTunnel(url: URL, proxy: string, options: TunnelOptions): Promise<Transport> {
  const endpoint = parseProxyUrl(proxy);
  let current: RawStream | undefined;
  let settled = false;
  const attempt = establish(url, endpoint, options, (stream) => {
    // A stream that arrives after the deadline is closed at once.
    if (settled) stream.destroy();
    current = stream;
    return !settled;
  });
  if (options.deadline === Infinity) return attempt;
  return new Promise((resolve, reject) => {
    const ms = Math.max(0, options.deadline - performance.now());
    const timer = setTimeout(() => {
      settled = true;
      current?.destroy();
      reject(
        new ProxyError(
          `Cannot open tunnel to ${authority(url)} through proxy ${endpoint.display}: no tunnel within the open timeout`,
          { proxy: endpoint.display, isTransient: true },
          {
            cause: new TimeoutError(
              `Cannot open connection: no tunnel within ${Math.round(ms)} ms`,
            ),
          },
        ),
      );
    }, ms);
    attempt.then(
      (transport) => {
        clearTimeout(timer);
        if (settled) transport.destroy();
        else resolve(transport);
        settled = true;
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(error);
        settled = true;
      },
    );
  });
}

function defaultPort(url: URL): number {
  return url.port === "" ? (url.protocol === "wss:" ? 443 : 80) : Number(url.port);
}

function authority(url: URL): string {
  return `${url.hostname}:${defaultPort(url)}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The chain itself. `track` is told of each stream opened (to close it on
 * timeout) and says whether to go on.
 */
async function establish(
  url: URL,
  endpoint: ProxyEndpoint,
  options: TunnelOptions,
  track: (stream: RawStream) => boolean,
): Promise<Transport> {
  const { network } = options;
  const port = defaultPort(url);
  const hostname = unbracket(url.hostname);
  let host = hostname;
  // socks5:// and socks4:// are given addresses: the client resolves.
  if ((endpoint.scheme === "socks5" || endpoint.scheme === "socks4") && !IP_LITERAL.test(host)) {
    if (network.lookup === undefined) {
      throw new TypeError(
        `Cannot connect through ${endpoint.scheme}:// proxy: this runtime cannot resolve names here; use ${endpoint.scheme === "socks5" ? "socks5h" : "socks4a"}:// (the proxy resolves)`,
      );
    }
    try {
      host = await network.lookup(host, endpoint.scheme === "socks4");
    } catch (error) {
      throw new TransportError(`Cannot resolve ${hostname}: ${message(error)}`, { cause: error });
    }
  }
  // Made before dialing: a target the proxy cannot carry is refused at once.
  const machine = createTunnelClient(
    endpoint,
    { host, port },
    {
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
    },
  );
  let stream: RawStream;
  try {
    stream = await network.dial({
      hostname: endpoint.hostname,
      port: endpoint.port,
      tls: endpoint.scheme === "https",
    });
  } catch (error) {
    throw new ProxyError(
      `Cannot connect to proxy ${endpoint.display}: ${message(error)}`,
      { proxy: endpoint.display, isTransient: true },
      { cause: error },
    );
  }
  if (!track(stream)) throw new WebSocketError("Cannot open tunnel: timed out");
  let rest: Uint8Array;
  try {
    rest = await exchange(machine, stream);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  if (url.protocol !== "wss:") return network.transport(stream, rest);
  // A TLS server speaks only after the client's hello: bytes before it are not the target's.
  if (rest.length > 0) {
    stream.destroy();
    throw new ProxyError(
      `Cannot open tunnel to ${authority(url)} through proxy ${endpoint.display}: ${rest.length} unexpected bytes after the proxy's reply, before TLS`,
      { proxy: endpoint.display },
    );
  }
  let secure: RawStream;
  try {
    secure = await network.startTls(stream, hostname);
  } catch (error) {
    stream.destroy();
    throw new TransportError(
      `Cannot connect to ${authority(url)} through proxy ${endpoint.display}: ${message(error)}`,
      { cause: error },
    );
  }
  if (!track(secure)) throw new WebSocketError("Cannot open tunnel: timed out");
  return network.transport(secure, new Uint8Array(0));
}

/** Runs the machine over `stream` until the tunnel is open (resolves with the rest) or fails. */
async function exchange(
  machine: ReturnType<typeof createTunnelClient>,
  stream: RawStream,
): Promise<Uint8Array> {
  for (;;) {
    for (const chunk of machine.takeOutput())
      await connectionStep(machine, () => stream.write(chunk));
    for (const event of machine.takeEvents()) {
      if (event.type === "established") return event.rest;
      throw event.error;
    }
    const bytes = await connectionStep(machine, () => stream.read());
    if (bytes === null) machine.receiveEof();
    else machine.receiveData(bytes);
  }
}

/** A read or write on the proxy's connection; its failure is the proxy's. */
async function connectionStep<T>(
  machine: ReturnType<typeof createTunnelClient>,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new ProxyError(
      `Cannot open tunnel through proxy ${machine.proxy}: the connection to the proxy failed: ${message(error)}`,
      { proxy: machine.proxy, isTransient: true },
      { cause: error },
    );
  }
}
