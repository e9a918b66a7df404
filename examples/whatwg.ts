// The browser's API on Node 20+: a WHATWG WebSocket and a WebSocketStream
// talking to an echo server whose handler uses the same streams.
//   npx tsc -p tsconfig.json && node .build/examples/whatwg.js
// (In an application: `import { WebSocket } from "websocket-sansio/node"`;
// on Deno, "websocket-sansio/web".)

import { serve, WebSocket, WebSocketStream, webSocketStreams } from "../src/node/index.js";

const server = await serve(
  async (connection) => {
    const { readable, writable } = webSocketStreams(connection);
    await readable.pipeTo(writable).catch(() => {}); // echo, with backpressure end to end
  },
  { host: "127.0.0.1", port: 0 },
);
const address = server.address;
if (address === null || typeof address === "string") throw new Error("not listening on TCP");
const url = `ws://127.0.0.1:${address.port}/`;

// The WebSocket every browser has.
const socket = new WebSocket(url);
socket.binaryType = "arraybuffer";
await new Promise<void>((resolve) => {
  socket.onopen = () => socket.send("hello from a WHATWG WebSocket");
  socket.onmessage = (event) => {
    console.log("echo:", event.data);
    socket.close(1000, "done");
  };
  socket.onclose = (event) => {
    console.log("closed:", event.code, event.wasClean);
    resolve();
  };
});

// WebSocketStream: a readable and a writable stream.
const stream = new WebSocketStream(url);
const { readable, writable } = await stream.opened;
const writer = writable.getWriter();
await writer.write("hello from a WebSocketStream");
const reader = readable.getReader();
console.log("echo:", (await reader.read()).value);
stream.close({ closeCode: 1000, reason: "done" });
console.log("closed:", await stream.closed);
await server.close();
