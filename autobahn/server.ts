/**
 * The Autobahn TestSuite echo server on this library: every text or binary
 * message is echoed as is; permessage-deflate is negotiated (sections 12 and
 * 13). Usage: `npm run autobahn:server -- --port N [--no-deflate]`.
 *
 * @module
 */

import { serve } from "../src/node/index.js";
import { permessageDeflate } from "../src/node/permessage-deflate.js";
import { ECHO_MAX_MESSAGE_BYTES, echoEveryMessage } from "./echo.js";

const args = process.argv.slice(2);
const portIndex = args.indexOf("--port");
const port = Number(portIndex >= 0 ? args[portIndex + 1] : 9001);

const server = await serve(echoEveryMessage, {
  host: "127.0.0.1",
  port,
  maxMessageBytes: ECHO_MAX_MESSAGE_BYTES,
  compression: args.includes("--no-deflate") ? null : [permessageDeflate().server],
  pingIntervalMs: null,
});
const address = server.address;
console.log(
  `websocket-sansio echo server listening on ${typeof address === "string" ? address : address?.port}`,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
