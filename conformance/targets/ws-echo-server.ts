/**
 * A `ws` echo server for the conformance suite: echoes every message with its type, answers
 * pings (ws does so itself) and closes. Usage: `node ws-echo-server.js --port N [--no-deflate]`.
 *
 * permessage-deflate is enabled so that sections 12 and 13 have something to test. Two ws
 * defaults are raised, as an Autobahn echo server must: the maximum payload (100 MiB default is
 * fine, 32 MiB is set explicitly) and `maxFragments` (16384 by default, which fails 9.3.1 and
 * 9.4.1 with 1008: they send 65536 fragments).
 */
import { WebSocketServer } from "ws";

const args = process.argv.slice(2);
const portArg = args[args.indexOf("--port") + 1];
const port = Number(portArg ?? 9001);
const deflate = !args.includes("--no-deflate");

const server = new WebSocketServer({
  host: "127.0.0.1",
  port,
  maxPayload: 32 * 1024 * 1024,
  maxFragments: 128 * 1024,
  perMessageDeflate: deflate,
});
server.on("connection", (socket) => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on("error", () => {});
});
server.on("listening", () => {
  const address = server.address();
  console.log(
    `ws echo server listening on ${typeof address === "string" ? address : address?.port}`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const client of server.clients) client.terminate();
    server.close(() => process.exit(0));
  });
}
