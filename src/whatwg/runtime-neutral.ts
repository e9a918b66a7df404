/**
 * The WHATWG names that every runtime's entry point (`websocket-sansio/node`,
 * `websocket-sansio/web`) exports as they are: the error, the close event,
 * the stream pair for a server's connection and their types. The classes that
 * connect, `WebSocket` and `WebSocketStream`, are each runtime's own
 * subclasses, with that runtime's options.
 *
 * @module
 */

export { CloseEvent } from "./close-event.js";
export {
  type WebSocketClosed,
  type WebSocketOpenInfo,
  type WebSocketStreams,
  webSocketStreams,
} from "./stream-pair.js";
export { type WebSocketCloseInfo, WebSocketError } from "./websocket-error.js";
export type { WebSocketStreamOptions } from "./websocket-stream.js";
