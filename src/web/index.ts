/**
 * `websocket-sansio/web`: WebSocket clients on Deno and Cloudflare Workers and
 * servers on Deno, over the runtime's TCP connections as web streams. The
 * same connection layer as every other entry point, with the stream
 * transport filled in.
 *
 * @example
 * ```ts
 * import { connect, serve } from "websocket-sansio/web";
 * const server = await serve(async (connection) => {
 *   for await (const message of connection) await connection.send(message);
 * }, { hostname: "127.0.0.1", port: 8765 });
 * const client = await connect("ws://127.0.0.1:8765/");
 * await client.send("hi");
 * console.log(await client.recv()); // "hi"
 * await client.close();
 * await server.close();
 * ```
 *
 * @module websocket-sansio/web
 */

export * from "../connection/index.js";
export * from "../whatwg/runtime-neutral.js";
export { connect, type Endpoint, reconnect, type WebClientOptions } from "./client.js";
export { permessageDeflate, type WebPerMessageDeflateOptions } from "./permessage-deflate.js";
export { type AddressInfo, DenoServer, type DenoServerOptions, serve } from "./server.js";
export {
  type ByteReader,
  type ByteStreams,
  type ByteWriter,
  StreamTransport,
  type StreamTransportOptions,
} from "./transport.js";
export { WebSocket, WebSocketStream, type WebWebSocketOptions } from "./whatwg.js";
