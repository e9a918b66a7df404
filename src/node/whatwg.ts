/**
 * The WHATWG `WebSocket` and `WebSocketStream` on Node, connecting with
 * Node's sockets (Node 20 has no global `WebSocket`; Node 22's is undici's).
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import { WebSocket as WhatwgWebSocket } from "../whatwg/websocket.js";
import { WebSocketStream as WhatwgWebSocketStream } from "../whatwg/websocket-stream.js";
import { connect } from "./client.js";

/** The WHATWG `WebSocket` over Node's sockets (see `src/whatwg/websocket.ts`). */
export class WebSocket extends WhatwgWebSocket {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}

/** `WebSocketStream` over this runtime's sockets (see `src/whatwg/websocket-stream.ts`). */
export class WebSocketStream extends WhatwgWebSocketStream {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}
