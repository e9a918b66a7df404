// SocketTransport (src/node/transport.ts) over a pair of loopback sockets:
// the shared transport contract, and the connection's send contract over it.

import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import { SocketTransport } from "../../src/node/transport.js";
import { sendContractSuite } from "../helpers/send-contract.js";
import { type TransportPair, transportSuite } from "../helpers/transport-suite.js";

/** A connected pair of Node sockets on loopback. */
async function socketPair(allowHalfOpen: boolean): Promise<[Socket, Socket, Server]> {
  const server = createServer({ allowHalfOpen });
  const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  const client = netConnect({ host: "127.0.0.1", port: address.port, allowHalfOpen });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  return [client, await accepted, server];
}

async function transportPair(): Promise<TransportPair> {
  const [client, accepted, server] = await socketPair(true);
  return {
    a: new SocketTransport(client),
    b: new SocketTransport(accepted),
    cleanup: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Node, Bun and Deno all have node:net: this file runs on each (scripts/test-runtimes.sh).
transportSuite("Node socket (SocketTransport)", transportPair, { halfOpen: true });
sendContractSuite("Node socket (SocketTransport)", transportPair);
