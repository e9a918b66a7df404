// StreamTransport (src/web/transport.ts): the shared transport contract and
// the connection's send contract, over web-stream pipes on any runtime and
// over Deno.connect/Deno.listen on Deno.

import type { Transport } from "../../src/connection/transport.js";
import { type ByteStreams, StreamTransport } from "../../src/web/transport.js";
import { sendContractSuite } from "../helpers/send-contract.js";
import { type TransportPair, transportSuite } from "../helpers/transport-suite.js";

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

async function pipeTransports(): Promise<TransportPair> {
  const [a, b] = pipePair();
  return { a: new StreamTransport(a), b: new StreamTransport(b), cleanup: () => {} };
}

transportSuite("web-stream pipes (StreamTransport)", pipeTransports, { halfOpen: true });
sendContractSuite("web-stream pipes (StreamTransport)", pipeTransports);

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
  const denoTransports = async (): Promise<TransportPair> => {
    const listener = deno.listen({ hostname: "127.0.0.1", port: 0 });
    const [a, b] = await Promise.all([
      deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      listener.accept(),
    ]);
    const transports: [Transport, Transport] = [new StreamTransport(a), new StreamTransport(b)];
    return { a: transports[0], b: transports[1], cleanup: () => listener.close() };
  };
  transportSuite("Deno.connect/Deno.listen (StreamTransport)", denoTransports, {
    halfOpen: false,
  });
  sendContractSuite("Deno.connect/Deno.listen (StreamTransport)", denoTransports);
}
