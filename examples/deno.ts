// An echo server and a client on Deno, with websocket-sansio/web.
//   npx tsc -p tsconfig.json
//   deno run --allow-net --node-modules-dir=manual .build/examples/deno.js
// (In an application: `import { connect, serve } from "npm:websocket-sansio/web"`.)

import { connect, serve } from "../src/web/index.js";

const server = await serve(
  async (connection) => {
    for await (const message of connection) await connection.send(message);
  },
  { hostname: "127.0.0.1", port: 0 },
);
const address = server.address;
if (address === null || typeof address === "string") throw new Error("not listening on TCP");

const client = await connect(`ws://127.0.0.1:${address.port}/`);
await client.send("hello from Deno");
console.log("echo:", await client.recv());
console.log("ping:", (await client.ping()).toFixed(2), "ms");
console.log("closed:", await client.close());
await server.close();
