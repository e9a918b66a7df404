/**
 * `websocket-sansio/ws`: a drop-in for ws 8 on websocket-sansio's core and
 * connection layer. Change the import and keep the code:
 *
 * @example
 * ```ts
 * import WebSocket, { WebSocketServer } from "websocket-sansio/ws";
 * // or: const WebSocket = require("websocket-sansio/ws"); const { WebSocketServer } = WebSocket;
 *
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on("connection", (ws) => {
 *   ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
 * });
 * ```
 *
 * What differs from ws (defaults, unsupported options) is in
 * docs/migrating-from-ws.md.
 *
 * @module websocket-sansio/ws
 */

import type { WsClientOptions } from "./client.js";
import type { PerMessageDeflateOptions } from "./deflate.js";
import { CloseEvent, ErrorEvent, Event, MessageEvent } from "./event-target.js";
import {
  type VerifyClientCallback,
  type VerifyClientInfo,
  WebSocketServer,
  type WsServerOptions,
} from "./server.js";
import { createWebSocketStream } from "./stream.js";
import {
  type BinaryType,
  type Data,
  type RawData,
  type SendOptions,
  type UpgradeResponse,
  WebSocket,
} from "./websocket.js";

// require("ws") returns the WebSocket class, with the rest as its properties.
WebSocket.WebSocket = WebSocket;
WebSocket.WebSocketServer = WebSocketServer;
WebSocket.Server = WebSocketServer;
WebSocket.createWebSocketStream = createWebSocketStream;

export default WebSocket;
// `WebSocket as "module.exports"` is what `require("websocket-sansio/ws")`
// returns on Node ≥ 20.19 (require of an ES module), as `require("ws")` does.
export {
  type BinaryType,
  CloseEvent,
  createWebSocketStream,
  type Data,
  ErrorEvent,
  Event,
  MessageEvent,
  type PerMessageDeflateOptions,
  type RawData,
  type SendOptions,
  type UpgradeResponse,
  type VerifyClientCallback,
  type VerifyClientInfo,
  WebSocket as "module.exports",
  WebSocket,
  WebSocketServer as Server,
  WebSocketServer,
  type WsClientOptions as ClientOptions,
  type WsServerOptions as ServerOptions,
};
