/**
 * `websocket-sansio/node`: WebSocket servers and clients on Node.js, the
 * connection layer with Node's sockets filled in.
 *
 * @example
 * ```ts
 * import { connect, serve } from "websocket-sansio/node";
 * const server = await serve(async (connection) => {
 *   for await (const message of connection) await connection.send(message);
 * }, { host: "127.0.0.1", port: 8765 });
 * const client = await connect("ws://127.0.0.1:8765/");
 * await client.send("hi");
 * console.log(await client.recv()); // "hi"
 * await client.close();
 * await server.close();
 * ```
 *
 * @module websocket-sansio/node
 */

export * from "../connection/index.js";
export { Http2UnsupportedError } from "../http2/sessions.js";
export { Http2StreamTransport } from "../http2/transport.js";
export * from "../whatwg/runtime-neutral.js";
export { connect, type NodeClientOptions, nodeDial, reconnect } from "./client.js";
export {
  type ClusterBackplaneOptions,
  type ClusterStats,
  clusterBackplane,
  startClusterRelay,
} from "./cluster-backplane.js";
export { defaultCompression, nodeDefer } from "./defaults.js";
export {
  type NodePerMessageDeflateOptions,
  permessageDeflate,
} from "./permessage-deflate.js";
export {
  createServer,
  handleUpgrade,
  NodeServer,
  type NodeServerOptions,
  serve,
} from "./server.js";
export { SocketTransport } from "./transport.js";
export { type NodeWebSocketOptions, WebSocket, WebSocketStream } from "./whatwg.js";
