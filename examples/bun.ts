// On Bun, the Node entry point runs unchanged (Bun's node:net). An echo
// server and a client:
//   npx tsc -p tsconfig.json && bun .build/examples/bun.js
// (In an application: `import { connect, serve } from "websocket-sansio/node"`,
// or "websocket-sansio/runtime", which picks the Node entry point on Bun.)

import { connect, serve } from "../src/node/index.js";

const server = await serve(
  async (connection) => {
    for await (const message of connection) await connection.send(message);
  },
  { host: "127.0.0.1", port: 0 },
);
const address = server.address;
if (address === null || typeof address === "string") throw new Error("not listening on TCP");

const client = await connect(`ws://127.0.0.1:${address.port}/`);
await client.send("hello from Bun");
console.log("echo:", await client.recv());
console.log("closed:", await client.close());
await server.close();
