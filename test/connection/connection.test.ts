import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import type { LogRecord } from "../../src/connection/log.js";
import { CLOSE_DEADLINE_SET, OPENED } from "../../src/connection/state.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// The public face of src/connection/connection.ts and its dispatch of the
// protocol's events; each part of a connection has its own file of tests
// beside this one (incoming, sending, flushing, pinging, closing, settings).
describe("Connection", () => {
  test("close(null) sends a close frame without a code: the peer sees 1005", T, async () => {
    const { client, server } = await connectPair();
    const info = await client.close(null);
    assert.deepEqual(info, { code: 1005, reason: "", wasClean: true });
    assert.deepEqual(await server.closed, { code: 1005, reason: "", wasClean: true });
  });

  test("echoes text and every kind of binary view", T, async () => {
    const { client, server } = await connectPair();
    const echo = (async () => {
      for await (const message of server) await server.send(message);
    })();
    await client.send("héllo");
    assert.equal(await client.recv(), "héllo");
    await client.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await client.recv(), new Uint8Array([1, 2, 3]));
    await client.send(new Uint16Array([0x0102, 0x0304]));
    assert.equal((await client.recv()).length, 4);
    const buffer = new ArrayBuffer(6);
    new Uint8Array(buffer).set([9, 8, 7, 6, 5, 4]);
    await client.send(new DataView(buffer, 2, 3));
    assert.deepEqual(await client.recv(), new Uint8Array([7, 6, 5]));
    await client.send(buffer);
    assert.deepEqual(await client.recv(), new Uint8Array([9, 8, 7, 6, 5, 4]));
    const info = await client.close();
    assert.deepEqual(info, { code: 1000, reason: "", wasClean: true });
    await echo;
    assert.deepEqual(await server.closed, { code: 1000, reason: "", wasClean: true });
  });

  test("runs over a protocol whose handshake happened elsewhere", T, async () => {
    const [a, b] = createTransportPair();
    const client = new Connection(new Protocol("client", { subprotocol: "x" }), a);
    const server = new Connection(new Protocol("server"), b);
    assert.equal(client.state, "open");
    assert.equal(client.subprotocol, "x");
    assert.equal(client.request, undefined);
    await client.send("no handshake");
    assert.equal(await server.recv(), "no handshake");
    await server.send(new Uint8Array([5]));
    assert.deepEqual(await client.recv(), new Uint8Array([5]));
    assert.equal((await server.close()).wasClean, true);
    assert.equal((await client.closed).code, 1000);
  });

  test("exposes the handshake, subprotocol and address", T, async () => {
    const { client, server } = await connectPair({
      client: { subprotocols: ["chat", "superchat"] },
      server: { subprotocols: ["superchat"] },
    });
    assert.equal(client.subprotocol, "superchat");
    assert.equal(server.subprotocol, "superchat");
    assert.equal(client.state, "open");
    assert.equal(client.request?.method, "GET");
    assert.equal(server.request?.headers.get("sec-websocket-protocol"), "chat, superchat");
    assert.equal(client.response?.status, 101);
    assert.equal(server.response?.status, 101);
    assert.equal(server.remoteAddress, "memory");
    assert.deepEqual(client.extensions, []);
    await client.close();
  });

  test("logs open and close, and debug records only at debug level", T, async () => {
    const records: LogRecord[] = [];
    const logger = (record: LogRecord): void => void records.push(record);
    const { client, server } = await connectPair({ server: { logger } });
    await client.send("x");
    await server.recv();
    await client.close();
    await server.closed;
    assert.equal(records[0]?.message, "GET / 101");
    assert.deepEqual(
      records.map((r) => r.event),
      ["handshake", "open", "close", "closed"],
    );
    const debug: LogRecord[] = [];
    const pair = await connectPair({
      server: { logger: (r) => void debug.push(r), logLevel: "debug" },
    });
    await pair.client.send("x");
    await pair.server.recv();
    const lengths = debug.filter((r) => r.event === "recv").map((r) => r.details);
    assert.deepEqual(lengths, [{ length: 1 }]);
    await pair.client.close();
    // "warn" drops the info records and keeps the warnings: a transport reset.
    const warn: LogRecord[] = [];
    const failing = await connectPair({
      server: { logger: (r) => void warn.push(r), logLevel: "warn" },
    });
    failing.wire[0].reset();
    await failing.server.closed;
    assert.deepEqual(
      warn.map((r) => `${r.level} ${r.event}`),
      ["warn error", "warn closed"],
    );
  });

  test("opens once: the open deadline goes, keepalive starts, onOpen runs once", T, async () => {
    const { client, server } = await connectPair({ server: { pingIntervalMs: 1000 } });
    const state = server as unknown as {
      flags: number;
      openCloseDeadline: unknown;
      keepaliveDeadline: unknown;
    };
    assert.ok(state.flags & OPENED);
    assert.equal(state.flags & CLOSE_DEADLINE_SET, 0);
    assert.equal(state.openCloseDeadline, undefined, "the open deadline is cancelled");
    assert.notEqual(state.keepaliveDeadline, undefined, "the first keepalive ping is armed");
    await client.close();
    await server.closed;
    assert.equal(state.keepaliveDeadline, undefined, "closing cancels keepalive");
  });

  test("an open, idle connection after an echo holds no rare state and no queue", T, async () => {
    const [a, b] = createTransportPair();
    const client = new Connection(new Protocol("client"), a);
    const server = new Connection(new Protocol("server"), b);
    const echo = (async () => {
      for await (const message of server) await server.send(message);
    })();
    await client.send("x");
    assert.equal(await client.recv(), "x");
    await tick();
    const state = server as unknown as { rare: unknown; queue: unknown };
    // What an idle connection costs is its fields: the rare state is made only
    // for pings, closing, backpressure or a second reader.
    assert.equal(state.rare, undefined);
    assert.equal(state.queue, undefined);
    await client.close();
    await echo;
  });
});
