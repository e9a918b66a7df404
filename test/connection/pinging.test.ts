import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import { ConnectionClosedOK, TimeoutError } from "../../src/connection/errors.js";
import { Protocol } from "../../src/core/protocol.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// src/connection/pinging.ts: ping() and keepalive.
describe("Pings and keepalive", () => {
  test("ping resolves with the round-trip time; a pong answers earlier pings", T, async () => {
    const { client, server } = await connectPair();
    const latency = await client.ping();
    assert.ok(latency >= 0 && latency < 1000);
    assert.equal(client.latency, latency);
    const first = client.ping("one");
    const second = client.ping("two");
    await assert.rejects(client.ping("two"), /same data/);
    assert.ok((await first) >= 0);
    assert.ok((await second) >= 0);
    const pending = server.ping("never answered");
    await client.close();
    await assert.rejects(pending, (error: unknown) => error instanceof ConnectionClosedOK);
  });

  test("keepalive finds a silent peer and fails with 1011", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { pingIntervalMs: 20, pingTimeoutMs: 30, closeTimeoutMs: 30 },
      client: { pingIntervalMs: null },
    });
    // The client stops reading: pings go unanswered, as with a dead peer.
    wire[0].pause();
    const info = await server.closed;
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof TimeoutError, String(info.error));
    assert.match(info.error.message, /pong/);
    wire[0].resume();
    const clientInfo = await client.closed;
    assert.equal(clientInfo.code, 1011);
    assert.equal(clientInfo.reason, "keepalive ping timeout");
  });

  test("keepalive keeps a live connection open and measures latency", T, async () => {
    const { client, server } = await connectPair({
      server: { pingIntervalMs: 10, pingTimeoutMs: 100 },
    });
    await tick(60);
    assert.equal(server.state, "open");
    assert.ok(server.latency > 0);
    await client.close();
  });

  test("an unsolicited pong answers nothing and allocates nothing", T, async () => {
    const [raw, b] = createTransportPair();
    raw.start({ onData() {}, onEnd() {}, onDrain() {}, onError() {}, onClose() {} });
    const server = new Connection(new Protocol("server"), b, { pingIntervalMs: null });
    const reading = server.recv();
    // A pong (RFC 6455 5.5.3 allows unsolicited ones), then a message: "a".
    raw.write([new Uint8Array([0x8a, 0x81, 0, 0, 0, 0, 1, 0x81, 0x81, 0, 0, 0, 0, 0x61])]);
    assert.equal(await reading, "a");
    assert.equal(server.latency, 0);
    assert.equal((server as unknown as { rare: unknown }).rare, undefined);
    raw.destroy();
    await server.closed;
  });

  test("a pong that answers a later ping() also answers the keepalive ping", T, async () => {
    // A raw peer that answers only the latest of the first two pings (RFC
    // 6455 5.5.3 allows it), and every ping after them.
    const [raw, b] = createTransportPair();
    const pings: number[][] = [];
    const pong = (payload: readonly number[]): void =>
      void raw.write([new Uint8Array([0x8a, 0x80 | payload.length, 0, 0, 0, 0, ...payload])]);
    raw.start({
      onData: (chunk) => {
        // Unmasked server frames: [0x89, length, ...payload] for a ping.
        for (let at = 0; at < chunk.length; at += 2 + chunk[at + 1]!) {
          if (chunk[at] !== 0x89) continue;
          const payload = [...chunk.subarray(at + 2, at + 2 + chunk[at + 1]!)];
          pings.push(payload);
          if (pings.length > 2) pong(payload);
        }
      },
      onEnd: () => {},
      onDrain: () => {},
      onError: () => {},
      onClose: () => {},
    });
    const server = new Connection(new Protocol("server"), b, {
      pingIntervalMs: 10,
      pingTimeoutMs: 100,
    });
    for (let i = 0; i < 500 && pings.length === 0; i++) await tick(1);
    assert.equal(pings.length, 1, "the keepalive ping is out");
    const later = server.ping("later");
    for (let i = 0; i < 500 && pings.length === 1; i++) await tick(1);
    pong([...new TextEncoder().encode("later")]); // not the keepalive ping's
    assert.ok((await later) >= 0);
    await tick(150); // past the keepalive ping's pong deadline
    assert.equal(server.state, "open", "the keepalive ping counted as answered");
    raw.destroy();
    await server.closed;
  });
});

describe("Pings and pongs without waiting", () => {
  test("sendPing() and sendPong() send at once; the peer's observer sees both", T, async () => {
    const { client, server } = await connectPair();
    const atServer: string[] = [];
    const atClient: string[] = [];
    const text = (data: Uint8Array): string => new TextDecoder().decode(data);
    server.observe((event) => {
      if (event.type === "ping" || event.type === "pong")
        atServer.push(`${event.type} ${text(event.data)}`);
    });
    client.observe((event) => {
      if (event.type === "ping" || event.type === "pong")
        atClient.push(`${event.type} ${text(event.data)}`);
    });
    client.sendPing("a");
    client.sendPong(new TextEncoder().encode("b"));
    client.sendPing();
    await tick(20);
    assert.deepEqual(atServer, ["ping a", "pong b", "ping "]);
    // Pings are answered automatically; the client sees the pongs.
    assert.deepEqual(atClient, ["pong a", "pong "]);
    assert.throws(() => client.sendPing("x".repeat(126)), RangeError);
    await client.close();
    assert.throws(() => client.sendPong());
  });
});
