/**
 * The Autobahn TestSuite client driver on this library: reads the case count,
 * runs every case as an echo client (echoing every message until the close),
 * then asks for the reports. Usage:
 * `npm run autobahn:client -- --url ws://127.0.0.1:N --agent NAME [--no-deflate] [--http2]`
 * (`--http2`: each WebSocket as a stream of one HTTP/2 connection, RFC 8441).
 *
 * @module
 */

import { type ClientConnection, connect, type NodeClientOptions } from "../src/node/index.js";
import { permessageDeflate } from "../src/node/permessage-deflate.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const base = option("--url", "ws://127.0.0.1:9001").replace(/\/$/, "");
const agent = option("--agent", "websocket-sansio");
const options: NodeClientOptions = {
  maxMessageBytes: 32 * 1024 * 1024,
  compression: args.includes("--no-deflate") ? null : [permessageDeflate().client],
  pingIntervalMs: null,
  http2: args.includes("--http2"),
};

/** Opens one connection, runs `onMessage` for each message, resolves when it closes. */
async function run(
  path: string,
  onMessage: (connection: ClientConnection, message: string | Uint8Array) => Promise<void>,
): Promise<void> {
  let connection: ClientConnection;
  try {
    connection = await connect(`${base}${path}`, options);
  } catch (error) {
    console.error(`Cannot open ${path}: ${(error as Error).message}`);
    return;
  }
  try {
    for await (const message of connection) await onMessage(connection, message);
  } catch {
    // Failing cases end with a protocol error or an abrupt close.
  }
  await connection.closed;
}

let count = 0;
await run("/getCaseCount", async (_connection, message) => {
  count = Number(message);
});
const name = encodeURIComponent(agent);
for (let i = 1; i <= count; i++) {
  await run(`/runCase?case=${i}&agent=${name}`, (connection, message) =>
    connection.send(message).catch(() => {}),
  );
}
await run(`/updateReports?agent=${name}`, async () => {});
