// The tutorial's chat (docs/tutorial.md): a server where every message goes
// to everyone else in the room, and two clients talking through it.
// Run: npx tsc -p tsconfig.json && node .build/examples/chat.js

import { type ClientConnection, connect, serve } from "../src/node/index.js";

const server = await serve(
  async (connection) => {
    // ws://host:port/?name=alice: the name comes from the URL.
    const url = new URL(connection.request?.target ?? "/", "ws://localhost");
    const name = url.searchParams.get("name") ?? "anonymous";
    connection.subscribe("room");
    await connection.send(`welcome, ${name}`);
    for await (const message of connection) {
      connection.publish("room", `${name}: ${String(message)}`); // to everyone else
    }
  },
  { host: "127.0.0.1", port: 0 },
);
const address = server.address;
if (address === null || typeof address === "string") throw new Error("not listening on TCP");
const { port } = address;

/** Joins the room, and waits for the welcome (sent once subscribed). */
async function join(name: string): Promise<ClientConnection> {
  const client = await connect(`ws://127.0.0.1:${port}/?name=${name}`);
  console.log(`${name} got: ${String(await client.recv())}`);
  return client;
}

const alice = await join("alice");
const bob = await join("bob");
await alice.send("hello");
console.log(`bob got: ${String(await bob.recv())}`);
await bob.send("hi all");
console.log(`alice got: ${String(await alice.recv())}`);
await alice.close();
await bob.close();
await server.close();
