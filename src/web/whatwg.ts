/**
 * The WHATWG `WebSocket` and `WebSocketStream` over the web-stream transport
 * (Deno, Cloudflare Workers), for code that wants the library's client behind
 * the browser's API (its limits, timeouts and TLS options).
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import { WebSocket as WhatwgWebSocket } from "../whatwg/websocket.js";
import { WebSocketStream as WhatwgWebSocketStream } from "../whatwg/websocket-stream.js";
import { connect, type WebClientOptions } from "./client.js";

/**
 * The library's options for a WHATWG class on a web-stream runtime, in a
 * third constructor argument browsers do not have: limits, timeouts,
 * headers, `caCerts` on Deno, or `socket` to dial yourself.
 */
export type WebWebSocketOptions = Omit<WebClientOptions, "subprotocols" | "signal">;

/** The WHATWG `WebSocket` over the runtime's TCP streams (see `src/whatwg/websocket.ts`). */
export class WebSocket extends WhatwgWebSocket<WebWebSocketOptions> {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}

/** `WebSocketStream` over the runtime's TCP streams (see `src/whatwg/websocket-stream.ts`). */
export class WebSocketStream extends WhatwgWebSocketStream<WebWebSocketOptions> {
  protected static override connect(url: URL, options: ClientOptions): Promise<ClientConnection> {
    return connect(url, options);
  }
}
