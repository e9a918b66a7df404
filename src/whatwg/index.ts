/**
 * The WHATWG classes, runtime-neutral: `WebSocket`, `WebSocketStream`,
 * `WebSocketError`, `CloseEvent`, and the stream pair for a server's
 * connection. The runtimes' entry points export subclasses that know how to
 * connect (`websocket-sansio/node`, `websocket-sansio/web`).
 *
 * @module
 */

export type { CloseEventInit } from "./close-event.js";
export * from "./runtime-neutral.js";
export {
  type BinaryType,
  WebSocket,
  type WebSocketOptions,
} from "./websocket.js";
export { WebSocketStream } from "./websocket-stream.js";
