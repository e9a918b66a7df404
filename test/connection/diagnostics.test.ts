import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { after, before, describe, test } from "node:test";
import { ClientConnection } from "../../src/connection/client.js";
import type { Connection } from "../../src/connection/connection.js";
import {
  type CloseDiagnostic,
  diagnosticsChannels,
  type ErrorDiagnostic,
  type HandshakeDiagnostic,
  type OpenDiagnostic,
} from "../../src/connection/diagnostics.js";
import { TimeoutError, TransportError } from "../../src/connection/errors.js";
import { ServerConnection } from "../../src/connection/server.js";
import { HandshakeError, ProtocolError } from "../../src/core/errors.js";
import { createTransportPair, serveInMemory } from "../../src/testing/index.js";

// src/connection/diagnostics.ts: a subscriber to the four channels sees every
// handshake, open, close and error of both roles. Runs on every runtime that
// has node:diagnostics_channel (scripts/test-runtimes.sh: Node, Bun, Deno).

const T = { timeout: 5000 };

type Seen =
  | { channel: "handshake"; message: HandshakeDiagnostic }
  | { channel: "open"; message: OpenDiagnostic }
  | { channel: "close"; message: CloseDiagnostic }
  | { channel: "error"; message: ErrorDiagnostic };

const seen: Seen[] = [];
type Channel = keyof typeof diagnosticsChannels;
const channelKeys = Object.keys(diagnosticsChannels) as Channel[];
const listeners = new Map<Channel, (message: unknown) => void>(
  channelKeys.map((channel) => [
    channel,
    (message: unknown): void => void seen.push({ channel, message } as Seen),
  ]),
);

/** What the channels said of the connections whose request target is `target`, as short strings. */
function trace(target: string): string[] {
  return seen
    .filter((s) => s.message.connection.request?.target === target)
    .map((s) => describeSeen(s));
}

function role(connection: Connection): string {
  if (connection instanceof ServerConnection) return "server";
  if (connection instanceof ClientConnection) return "client";
  return "bare";
}

function describeSeen(s: Seen): string {
  const who = role(s.message.connection);
  switch (s.channel) {
    case "handshake":
      return `${who} handshake ${s.message.status}`;
    case "open":
      return `${who} open`;
    case "close":
      return `${who} close ${s.message.code}${s.message.wasClean ? " clean" : ""}${s.message.error ? ` ${s.message.error.name}` : ""}`;
    case "error":
      return `${who} error ${s.message.error.name}`;
  }
}

/** Waits until `target`'s trace has `count` entries (the server closes a moment after the client). */
async function traceOf(target: string, count: number): Promise<string[]> {
  for (let i = 0; i < 500 && trace(target).length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return trace(target);
}

describe("Diagnostics channels", () => {
  before(() => {
    for (const [channel, listener] of listeners) subscribe(diagnosticsChannels[channel], listener);
  });
  after(() => {
    for (const [channel, listener] of listeners)
      unsubscribe(diagnosticsChannels[channel], listener);
  });

  test("the names are undici's pattern with our prefix", () => {
    assert.deepEqual(Object.values(diagnosticsChannels), [
      "websocket-sansio:handshake",
      "websocket-sansio:open",
      "websocket-sansio:close",
      "websocket-sansio:error",
    ]);
  });

  test(
    "an echo and a normal close: handshake, open and close on both sides, no error",
    T,
    async () => {
      const memory = serveInMemory(async (connection) => {
        for await (const message of connection) await connection.send(message);
      });
      const client = await memory.connect("ws://memory.test/diag-echo");
      await client.send("hi");
      assert.equal(await client.recv(), "hi");
      await client.close(1000, "bye");
      const lines = await traceOf("/diag-echo", 6);
      assert.deepEqual(lines, [
        "server handshake 101",
        "server open",
        "client handshake 101",
        "client open",
        "client close 1000 clean",
        "server close 1000 clean",
      ]);
      const serverHandshake = seen.find(
        (s) => s.channel === "handshake" && role(s.message.connection) === "server",
      );
      assert.equal(serverHandshake?.message.connection.response?.status, 101);
      const open = seen.find(
        (s): s is Extract<Seen, { channel: "open" }> =>
          s.channel === "open" && s.message.connection === client,
      );
      assert.equal(open?.message.request?.target, "/diag-echo");
      const close = seen.find(
        (s): s is Extract<Seen, { channel: "close" }> =>
          s.channel === "close" && s.message.connection === client,
      );
      assert.equal(close?.message.reason, "bye");
    },
  );

  test(
    "a refused handshake: the status on both sides, the client's HandshakeError",
    T,
    async () => {
      const memory = serveInMemory(() => assert.fail("the handler ran"), {
        processRequest: (_request, connection) => connection.reject(401, "Who are you?\n"),
      });
      await assert.rejects(memory.connect("ws://memory.test/diag-refused"), HandshakeError);
      const lines = await traceOf("/diag-refused", 6);
      // Each side's order is fixed; the two sides interleave as the wire delivers.
      // The server's protocol closes with the HandshakeError of the response it
      // sent, as its `closed` says.
      assert.deepEqual(
        lines.filter((line) => line.startsWith("server")),
        ["server handshake 401", "server error HandshakeError", "server close 1006 HandshakeError"],
      );
      assert.deepEqual(
        lines.filter((line) => line.startsWith("client")),
        ["client handshake 401", "client error HandshakeError", "client close 1006 HandshakeError"],
      );
      assert.ok(!lines.some((line) => line.includes("open")));
    },
  );

  test(
    "the peer's protocol error: error then close with 1002 on the side that saw it",
    T,
    async () => {
      let accepted!: (connection: ServerConnection) => void;
      const server = new Promise<ServerConnection>((resolve) => {
        accepted = resolve;
      });
      const memory = serveInMemory(async (connection) => {
        accepted(connection);
        await connection.closed;
      });
      const client = await memory.connect("ws://memory.test/diag-protocol");
      await server;
      // A masked frame with the reserved opcode 0x3, written under the client.
      memory.wire![0].write([new Uint8Array([0x83, 0x80, 0, 0, 0, 0])]);
      const info = await client.closed;
      assert.equal(info.code, 1002);
      const lines = await traceOf("/diag-protocol", 7);
      const serverLines = lines.filter((line) => line.startsWith("server"));
      assert.deepEqual(serverLines, [
        "server handshake 101",
        "server open",
        "server error ProtocolError",
        "server close 1006 ProtocolError",
      ]);
      const error = seen.find(
        (s): s is Extract<Seen, { channel: "error" }> =>
          s.channel === "error" && s.message.connection.request?.target === "/diag-protocol",
      );
      assert.ok(error?.message.error instanceof ProtocolError);
      assert.match(error.message.error.message, /opcode/);
      // The client received the server's close frame (1002) and closed cleanly.
      assert.deepEqual(
        lines.filter((line) => line.startsWith("client")),
        ["client handshake 101", "client open", "client close 1002 clean"],
      );
    },
  );

  test(
    "a handler that throws, an open timeout and a transport error are published",
    T,
    async () => {
      const memory = serveInMemory(
        async (connection) => {
          if (connection.request?.target === "/diag-throws") throw new Error("handler bug");
          await connection.closed;
        },
        { openTimeoutMs: 50 },
      );
      const client = await memory.connect("ws://memory.test/diag-throws");
      assert.equal((await client.closed).code, 1011);
      const thrown = await traceOf("/diag-throws", 7);
      assert.ok(thrown.includes("server error Error"), thrown.join("\n"));
      assert.ok(thrown.includes("server close 1011 clean"), thrown.join("\n"));

      // A server whose client never sends its request: the open timeout.
      const pair = memory.server.handleTransport(createTransportPair()[1]);
      const timedOut = await pair.closed;
      assert.ok(timedOut.error instanceof TimeoutError);
      const timeouts = seen.filter(
        (s) => s.message.connection === pair && (s.channel === "error" || s.channel === "close"),
      );
      assert.deepEqual(
        timeouts.map((s) => describeSeen(s)),
        ["server error TimeoutError", "server close 1006 TimeoutError"],
      );

      // The transport fails under an open client.
      const failing = await memory.connect("ws://memory.test/diag-transport");
      memory.wire![1].reset(); // the server's side resets: the client's transport fails
      const failed = await failing.closed;
      assert.ok(failed.error instanceof TransportError);
      const lines = await traceOf("/diag-transport", 5);
      assert.ok(lines.includes("client error TransportError"), lines.join("\n"));
      assert.ok(lines.includes("client close 1006 TransportError"), lines.join("\n"));
    },
  );
});
