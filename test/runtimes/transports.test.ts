// The shared transport suite, once per transport this runtime has: the
// in-memory pair and Node's sockets everywhere (Node, Bun and Deno all have
// node:net), the web-stream transport over Node's sockets turned into web
// streams, and on Deno over Deno.connect/Deno.listen.

import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import type { Transport } from "../../src/connection/transport.js";
import { SocketTransport } from "../../src/node/transport.js";
import { createTransportPair } from "../../src/testing/memory-transport.js";
import { type ByteStreams, StreamTransport } from "../../src/web/transport.js";
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

transportSuite(
  "in-memory pair",
  async () => {
    const [a, b] = createTransportPair();
    return { a, b, cleanup: () => {} };
  },
  // The in-memory wire answers an end with its own, like a Node socket without allowHalfOpen.
  { halfOpen: false },
);

transportSuite(
  "Node socket (SocketTransport)",
  async () => {
    const [client, accepted, server] = await socketPair(true);
    return {
      a: new SocketTransport(client),
      b: new SocketTransport(accepted),
      cleanup: () => closeServer(server),
    };
  },
  { halfOpen: true },
);

/**
 * Two web-stream pipes joined crosswise, as a socket pair would be: what one
 * side writes, the other reads. Closing a writable ends the peer's readable
 * and leaves the other pipe open (half-close). The readable side holds up to
 * 64 KiB, so a reader that stops reading holds the writer back.
 */
function pipePair(): [ByteStreams, ByteStreams] {
  const strategy = new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 });
  const ab = new TransformStream<Uint8Array, Uint8Array>({}, strategy, strategy);
  const ba = new TransformStream<Uint8Array, Uint8Array>({}, strategy, strategy);
  const side = (
    readable: ReadableStream<Uint8Array>,
    writable: WritableStream<Uint8Array>,
  ): ByteStreams => ({
    readable: readable as unknown as ByteStreams["readable"],
    writable: writable as unknown as ByteStreams["writable"],
  });
  return [side(ba.readable, ab.writable), side(ab.readable, ba.writable)];
}

transportSuite(
  "web-stream pipes (StreamTransport)",
  async () => {
    const [a, b] = pipePair();
    return { a: new StreamTransport(a), b: new StreamTransport(b), cleanup: () => {} };
  },
  { halfOpen: true },
);

interface DenoConn extends ByteStreams {
  close(): void;
}
interface DenoApi {
  listen(options: { hostname: string; port: number }): {
    addr: { port: number };
    accept(): Promise<DenoConn>;
    close(): void;
  };
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
}
const deno = (globalThis as { Deno?: DenoApi }).Deno;
if (deno !== undefined) {
  transportSuite(
    "Deno.connect/Deno.listen (StreamTransport)",
    async (): Promise<TransportPair> => {
      const listener = deno.listen({ hostname: "127.0.0.1", port: 0 });
      const [a, b] = await Promise.all([
        deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
        listener.accept(),
      ]);
      const transports: [Transport, Transport] = [new StreamTransport(a), new StreamTransport(b)];
      return { a: transports[0], b: transports[1], cleanup: () => listener.close() };
    },
    { halfOpen: false },
  );
}
