// A WebSocket endpoint on an HTTP server the application already has: the
// application keeps serving its pages and API, and hands the upgrade requests
// for one path to websocket-sansio. Run: node .build/examples/existing-http-server.js
// See docs/existing-http-server.md (Express, Fastify and other frameworks work
// the same way: they all sit on a node:http server).

import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, createServer } from "../src/node/index.js";

// The application's HTTP server, as it was.
const http = createHttpServer((_request, response) => {
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("Hello over HTTP\n");
});

// A WebSocket server that does not listen: it takes the sockets given to it.
const wss = createServer(async (connection) => {
  for await (const message of connection) await connection.send(`echo: ${String(message)}`);
});

http.on("upgrade", (request, socket, head) => {
  // Route by path: other upgrade requests are not ours.
  if (new URL(request.url ?? "/", "http://localhost").pathname === "/ws") {
    wss.handleUpgrade(request, socket, head);
  } else {
    socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }
});

http.listen(0, "127.0.0.1", async () => {
  const { port } = http.address() as AddressInfo;
  const client = await connect(`ws://127.0.0.1:${port}/ws`);
  await client.send("hi");
  console.log(await client.recv()); // echo: hi
  await client.close();
  // Shutting down: close WebSocket connections (1001), then the HTTP server.
  await wss.close();
  http.close();
});
