/**
 * The WHATWG classes, runtime-neutral: `WebSocket`, `WebSocketStream`,
 * `WebSocketError`, `CloseEvent`, and the stream pair for a server's
 * connection. The runtimes' entry points export subclasses that know how to
 * connect (`websocket-sansio/node`, `websocket-sansio/web`).
 *
 * @module
 */

export { CloseEvent, type CloseEventInit } from "./close-event.js";
export {
  type WebSocketClosed,
  type WebSocketOpenInfo,
  type WebSocketStreams,
  webSocketStreams,
} from "./stream-pair.js";
export {
  type BinaryType,
  WebSocket,
  type WebSocketOptions,
} from "./websocket.js";
export { type WebSocketCloseInfo, WebSocketError } from "./websocket-error.js";
export { WebSocketStream, type WebSocketStreamOptions } from "./websocket-stream.js";
