/**
 * `websocket-sansio/testing`: join a client and a server `Connection` in one
 * process with no sockets, over the real handshake and the real protocol.
 * Runs on every runtime.
 *
 * @example
 * ```ts
 * import { connectPair } from "websocket-sansio/testing";
 * const { client, server } = await connectPair();
 * await client.send("hello");
 * assert.equal(await server.recv(), "hello");
 * ```
 *
 * @module websocket-sansio/testing
 */

import { type ClientConnection, type ClientOptions, connect } from "../connection/client.js";
import {
  type Handler,
  Server,
  type ServerConnection,
  type ServerOptions,
} from "../connection/server.js";
import {
  createTransportPair,
  MemoryTransport,
  type MemoryTransportOptions,
} from "./memory-transport.js";

export { type BackplaneHub, createBackplaneHub } from "./memory-backplane.js";
export { createTransportPair, MemoryTransport, type MemoryTransportOptions };

/** A {@link Server} reachable in memory: `connect()` opens a client connection to it. */
export interface MemoryServer {
  /** The server: its connections, `close()`. */
  readonly server: Server;
  /**
   * Connects a client. `url` only names the resource (default
   * `ws://memory.test/`). The transports of the last pair are kept in `wire`.
   */
  connect(url?: string | URL, options?: ClientOptions): Promise<ClientConnection>;
  /** The last transport pair created by `connect()`: `[client side, server side]`. */
  readonly wire: readonly [MemoryTransport, MemoryTransport] | undefined;
}

/** Options of {@link serveInMemory} and {@link connectPair}. */
export interface MemoryOptions {
  /** Options of the in-memory wire (high-water mark). */
  transport?: MemoryTransportOptions;
}

/**
 * Runs `handler` as a WebSocket server in memory, as a runtime's `serve()`
 * would, and returns a way to connect to it.
 */
export function serveInMemory(
  handler: Handler,
  options: ServerOptions & MemoryOptions = {},
): MemoryServer {
  const server = new Server(handler, options);
  let wire: [MemoryTransport, MemoryTransport] | undefined;
  return {
    server,
    get wire() {
      return wire;
    },
    connect(url = "ws://memory.test/", clientOptions = {}) {
      return connect(url, {
        ...clientOptions,
        dial: async () => {
          const pair = createTransportPair(options.transport);
          wire = pair;
          server.handleTransport(pair[1]);
          return pair[0];
        },
      });
    },
  };
}

/** Two connected ends and what joins them. */
export interface ConnectionPair {
  readonly client: ClientConnection;
  readonly server: ServerConnection;
  /** The client's transport (`wire[0]`) and the server's (`wire[1]`), for fault injection. */
  readonly wire: readonly [MemoryTransport, MemoryTransport];
  /** The server that accepted the connection. */
  readonly serverSide: Server;
}

/**
 * Opens one connection in memory and returns both ends. The server end is
 * kept open until the test closes it (its handler waits for the close).
 */
export async function connectPair(
  options: {
    client?: ClientOptions;
    server?: ServerOptions;
    url?: string;
  } & MemoryOptions = {},
): Promise<ConnectionPair> {
  let accepted!: (connection: ServerConnection) => void;
  const serverConnection = new Promise<ServerConnection>((resolve) => {
    accepted = resolve;
  });
  const memory = serveInMemory(
    async (connection) => {
      accepted(connection);
      await connection.closed;
    },
    { ...options.server, ...(options.transport ? { transport: options.transport } : {}) },
  );
  const client = await memory.connect(options.url, options.client);
  return {
    client,
    server: await serverConnection,
    wire: memory.wire!,
    serverSide: memory.server,
  };
}
