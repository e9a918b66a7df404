// The send contract of a Connection (see `Sending.send` in
// src/connection/sending.ts), checked over every transport: which bytes a
// caller may reuse when. The transports differ in when they let go of a
// chunk (Node's socket holds it until the kernel has it, a web stream until
// its sink took it, the in-memory pair copies at once), so the contract is
// stated in terms every transport keeps: `bufferedAmount` back at 0.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import { Protocol } from "../../src/core/protocol.js";
import type { TransportPair } from "./transport-suite.js";

const DEADLINE_MS = 5000;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value);
}

/** Registers the send-contract tests for one transport. */
export function sendContractSuite(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`Connection send contract: ${name}`, () => {
    async function withConnections(
      body: (server: Connection, client: Connection) => Promise<void>,
    ): Promise<void> {
      const pair = await makePair();
      // No handshake: a server-role and a client-role protocol, open at once.
      const server = new Connection(new Protocol("server"), pair.a, { pingIntervalMs: null });
      const client = new Connection(new Protocol("client"), pair.b, { pingIntervalMs: null });
      try {
        await body(server, client);
      } finally {
        pair.a.destroy();
        pair.b.destroy();
        await Promise.all([server.closed, client.closed]);
        await pair.cleanup();
      }
    }

    it("copies data under 1 KiB at send(): the caller may reuse the buffer at once", () =>
      withConnections(async (server, client) => {
        const buffer = filled(1023, 1);
        const sent = server.send(buffer);
        buffer.fill(2); // before the end-of-turn flush
        await sent;
        assert.deepEqual(await client.recv(), filled(1023, 1));
      }));

    it("a client's data is copied (masked) at send(), whatever its size", () =>
      withConnections(async (server, client) => {
        const buffer = filled(64 * 1024, 3);
        const sent = client.send(buffer);
        buffer.fill(4);
        await sent;
        assert.deepEqual(await server.recv(), filled(64 * 1024, 3));
      }));

    it("a server's data of 1 KiB or more is intact if kept until bufferedAmount is 0", () =>
      withConnections(async (server, client) => {
        for (const length of [1024, 16 * 1024, 256 * 1024]) {
          const buffer = filled(length, 5);
          await server.send(buffer);
          await until(() => server.bufferedAmount === 0, "the write to leave");
          buffer.fill(6); // allowed now: the transport let go of it
          assert.deepEqual(await client.recv(), filled(length, 5), `${length} bytes`);
        }
      }));
  });
}
