import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { connect as netConnect } from "node:net";
import { describe, test } from "node:test";
import {
  type CloseDiagnostic,
  connect,
  diagnosticsChannels,
  type ErrorDiagnostic,
  type HandshakeDiagnostic,
  serve,
} from "../../src/node/index.js";
import { echo, portOf } from "./helpers.js";

// The diagnostics channels over real sockets (the connection layer's own test,
// test/connection/diagnostics.test.ts, covers every case in memory).

const T = { timeout: 10_000 };

describe("Diagnostics channels (node)", () => {
  test(
    "a TCP server and client publish; a raw client's bad frame is the server's error",
    T,
    async () => {
      const seen: string[] = [];
      const on = {
        handshake: (m: unknown) => {
          const { connection, status } = m as HandshakeDiagnostic;
          seen.push(`${connection.request?.target} handshake ${status}`);
        },
        open: (m: unknown) => {
          seen.push(`${(m as HandshakeDiagnostic).connection.request?.target} open`);
        },
        close: (m: unknown) => {
          const { connection, code } = m as CloseDiagnostic;
          seen.push(`${connection.request?.target} close ${code}`);
        },
        error: (m: unknown) => {
          const { connection, error } = m as ErrorDiagnostic;
          seen.push(`${connection.request?.target} error ${error.name}`);
        },
      };
      for (const [name, listener] of Object.entries(on)) {
        subscribe(diagnosticsChannels[name as keyof typeof on], listener);
      }
      const server = await serve(echo, { host: "127.0.0.1", port: 0 });
      const port = portOf(server.address);
      try {
        const client = await connect(`ws://127.0.0.1:${port}/node-diag`);
        await client.send("hi");
        assert.equal(await client.recv(), "hi");
        await client.close();

        // A raw client: a valid handshake, then a frame with the reserved opcode 0x3.
        const socket = netConnect(port, "127.0.0.1");
        socket.write(
          "GET /node-diag-raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        );
        // After the 101: in the same read as the request, the protocol would
        // fail before the connection opened (no `open` then, as no handler runs).
        await new Promise((resolve) => socket.once("data", resolve));
        socket.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0]));
        socket.resume();
        await new Promise((resolve) => socket.once("close", resolve));
        for (let i = 0; i < 200 && seen.filter((s) => s.includes("close")).length < 3; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        for (const [name, listener] of Object.entries(on)) {
          unsubscribe(diagnosticsChannels[name as keyof typeof on], listener);
        }
        await server.close();
      }
      const of = (target: string) => seen.filter((s) => s.startsWith(`${target} `)).sort();
      assert.deepEqual(of("/node-diag"), [
        "/node-diag close 1000",
        "/node-diag close 1000",
        "/node-diag handshake 101",
        "/node-diag handshake 101",
        "/node-diag open",
        "/node-diag open",
      ]);
      assert.deepEqual(
        seen.filter((s) => s.startsWith("/node-diag-raw ")),
        [
          "/node-diag-raw handshake 101",
          "/node-diag-raw open",
          "/node-diag-raw error ProtocolError",
          "/node-diag-raw close 1006",
        ],
      );
    },
  );
});
