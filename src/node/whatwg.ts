/**
 * The WHATWG `WebSocket` and `WebSocketStream` on Node, connecting with
 * Node's sockets (Node 20 has no global `WebSocket`; Node 22's is undici's).
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import { WebSocket as WhatwgWebSocket } from "../whatwg/websocket.js";
import { WebSocketStream as WhatwgWebSocketStream } from "../whatwg/websocket-stream.js";
import { connect, type NodeClientOptions } from "./client.js";

/**
 * The library's options for a WHATWG class on Node, in a third constructor
 * argument browsers do not have: limits, timeouts, headers, and `tls`
 * (e.g. `{ ca }` for a server with a private certificate) or `socketPath`.
 */
export type NodeWebSocketOptions = Omit<NodeClientOptions, "subprotocols" | "signal">;

/** The WHATWG `WebSocket` over Node's sockets (see `src/whatwg/websocket.ts`). */
export class WebSocket extends WhatwgWebSocket<NodeWebSocketOptions> {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}

/** `WebSocketStream` over Node's sockets (see `src/whatwg/websocket-stream.ts`). */
export class WebSocketStream extends WhatwgWebSocketStream<NodeWebSocketOptions> {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}
