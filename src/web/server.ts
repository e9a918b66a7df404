/**
 * Serving on Deno: `Deno.listen` (TCP or a Unix socket) or `Deno.listenTls`,
 * each accepted connection's streams handed to the connection layer's
 * {@link Server}.
 *
 * @module
 */

import { type Handler, Server, type ServerOptions } from "../connection/server.js";
import { type ByteStreams, StreamTransport, type StreamTransportOptions } from "./transport.js";

/** Options of {@link serve} on Deno. */
export interface DenoServerOptions extends ServerOptions {
  /** Interface to listen on. Default `0.0.0.0` (Deno's); use `127.0.0.1` for local only. */
  hostname?: string;
  /** The same as `hostname`, under the name Node's `serve()` uses, so one options object fits both. */
  host?: string;
  /** TCP port; 0 picks a free one (read it from `server.address`). */
  port?: number;
  /** Unix socket path to listen on, instead of `hostname`/`port` (`path` before 0.2: see Node's). */
  socketPath?: string;
  /** Certificate and key (PEM): serve `wss:` with `Deno.listenTls`. */
  tls?: { readonly cert: string; readonly key: string };
  /** Options of each connection's stream transport (write high-water mark). */
  transport?: Omit<StreamTransportOptions, "remoteAddress" | "remotePort">;
}

/** The address a Deno listener is bound to. */
type ListenAddress =
  | { readonly transport: "tcp"; readonly hostname: string; readonly port: number }
  | { readonly transport: "unix"; readonly path: string };

/** A TCP listening address, shaped as Node's `server.address()` gives it. */
export interface AddressInfo {
  readonly address: string;
  readonly family: "IPv4" | "IPv6";
  readonly port: number;
}

// The few members of Deno's API used here, declared locally so the module
// type-checks under Node's types.
interface DenoConn extends ByteStreams {
  readonly remoteAddr: { readonly hostname?: string; readonly port?: number };
  setNoDelay?(noDelay?: boolean): void;
}
interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: ListenAddress;
  close(): void;
}
interface DenoListen {
  listen(
    options: { hostname?: string; port: number } | { transport: "unix"; path: string },
  ): DenoListener;
  listenTls(options: { hostname?: string; port: number; cert: string; key: string }): DenoListener;
}

function deno(): DenoListen {
  const namespace = (globalThis as { Deno?: DenoListen }).Deno;
  if (typeof namespace?.listen !== "function") {
    throw new TypeError("Cannot listen: `Deno.listen` is missing (serve() here runs on Deno)");
  }
  return namespace;
}

/** A WebSocket server on Deno. Build it with {@link serve}. (`WebSocketServer` before 0.2.) */
export class DenoServer extends Server {
  #listener: DenoListener | undefined;

  /**
   * The listening address (host and port, or the Unix socket path), or
   * `null` when not listening: the same shape as on Node.
   */
  get address(): AddressInfo | string | null {
    const addr = this.#listener?.addr;
    if (addr === undefined) return null;
    if (addr.transport === "unix") return addr.path;
    const family = addr.hostname.includes(":") ? "IPv6" : "IPv4";
    return { address: addr.hostname, family, port: addr.port };
  }

  /**
   * Takes a connection accepted elsewhere (any readable/writable pair) and
   * runs the opening handshake on it.
   */
  handleStreams(streams: ByteStreams, options: StreamTransportOptions = {}): void {
    this.handleTransport(new StreamTransport(streams, { ...this.#transportOptions, ...options }));
  }

  #transportOptions: StreamTransportOptions = {};

  /** @internal Starts accepting connections as `options` says. */
  listen(options: DenoServerOptions): void {
    const api = deno();
    this.#transportOptions = options.transport ?? {};
    const port = options.port ?? 0;
    const host = options.hostname ?? options.host;
    const hostname = host === undefined ? {} : { hostname: host };
    const listener =
      options.socketPath !== undefined
        ? api.listen({ transport: "unix", path: options.socketPath })
        : options.tls !== undefined
          ? api.listenTls({ ...hostname, port, cert: options.tls.cert, key: options.tls.key })
          : api.listen({ ...hostname, port });
    this.#listener = listener;
    let stopped = false;
    const accepting = (async () => {
      try {
        for await (const conn of listener) {
          conn.setNoDelay?.(true);
          const { hostname: remoteAddress, port: remotePort } = conn.remoteAddr;
          this.handleStreams(conn, {
            ...(remoteAddress === undefined ? {} : { remoteAddress }),
            ...(remotePort === undefined ? {} : { remotePort }),
          });
        }
      } catch (error) {
        // Closing the listener ends the loop with an error on some versions.
        if (!stopped) this.logError("Listener failed", error);
      }
    })();
    this.setListener(async () => {
      stopped = true;
      try {
        listener.close();
      } catch {}
      await accepting;
    });
  }
}

/**
 * Serves WebSocket connections on Deno: runs `handler` for each one and closes
 * the connection when it returns.
 *
 * @example
 * ```ts
 * const server = await serve(async (connection) => {
 *   for await (const message of connection) await connection.send(message);
 * }, { hostname: "127.0.0.1", port: 8765 });
 * // later: await server.close(); // 1001 to every client
 * ```
 *
 * Deno binds synchronously; the result is a promise all the same, as on Node,
 * so `await serve(...)` reads the same on both.
 */
export async function serve(
  handler: Handler,
  options: DenoServerOptions = {},
): Promise<DenoServer> {
  const server = new DenoServer(handler, options);
  server.listen(options);
  return server;
}
