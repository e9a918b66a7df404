// Testing a server handler with no sockets (docs/testing.md): the in-memory
// pair of websocket-sansio/testing, in node:test.
// Run: npx tsc -p tsconfig.json && node --test .build/examples/testing.js

import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServerConnection } from "../src/node/index.js";
import { connectPair, serveInMemory } from "../src/testing/index.js";

/** The application's handler under test: answers in upper case. */
async function shout(connection: ServerConnection): Promise<void> {
  for await (const message of connection) await connection.send(String(message).toUpperCase());
}

test("the handler answers in upper case", async () => {
  const memory = serveInMemory(shout);
  const client = await memory.connect("ws://memory.test/chat");
  await client.send("hello");
  assert.equal(await client.recv(), "HELLO");
  assert.deepEqual(await client.close(), { code: 1000, reason: "", wasClean: true });
  await memory.server.close();
});

test("a connection reset shows as an unclean close on the other side", async () => {
  const { client, wire } = await connectPair();
  wire[1].reset(); // the server's side of the wire, as a TCP RST
  const closed = await client.closed;
  assert.equal(closed.code, 1006);
  assert.equal(closed.wasClean, false);
});
