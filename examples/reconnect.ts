// A client that survives a server restart with reconnect()
// (docs/reconnection.md): the server stops after one echo and comes back
// 300 ms later; the client's loop waits with backoff and connects again.
// Run: npx tsc -p tsconfig.json && node .build/examples/reconnect.js

import { type NodeServer, reconnect, serve } from "../src/node/index.js";

let restarted = false;
async function start(port: number): Promise<NodeServer> {
  const server = await serve(
    async (connection) => {
      for await (const message of connection) {
        await connection.send(message);
        if (!restarted) {
          // Going down for a restart: 1001 to every client, back in 300 ms.
          restarted = true;
          const samePort = portOf(server);
          void server.close().then(() => setTimeout(() => void start(samePort), 300));
        }
      }
    },
    { host: "127.0.0.1", port },
  );
  return server;
}

function portOf(server: NodeServer): number {
  const address = server.address;
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return address.port;
}

const first = await start(0); // any free port; the restart takes the same one
const url = `ws://127.0.0.1:${portOf(first)}/`;

let count = 0;
for await (const connection of reconnect(url, { initialDelayMs: 100, maxDelayMs: 2000 })) {
  count++;
  await connection.send("hello");
  console.log(`connection ${count}: echo ${String(await connection.recv())}`);
  if (count === 2) {
    await connection.close();
    break; // leaving the loop stops reconnecting
  }
  const { code } = await connection.closed;
  console.log(`connection ${count}: closed by the server with ${code}`);
}
process.exit(0); // the restarted server is still listening: stop it with the process
