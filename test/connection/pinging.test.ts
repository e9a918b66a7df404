import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectionClosedOK, TimeoutError } from "../../src/connection/errors.js";
import { connectPair } from "../../src/testing/index.js";

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

  test("an unsolicited pong answers nothing and costs nothing", T, async () => {
    const { client, server } = await connectPair({ server: { pingIntervalMs: null } });
    const ping = server.ping("awaited");
    // The client's own ping gets a pong the server did not ask for.
    await client.ping("unrelated");
    assert.ok((await ping) >= 0, "the server's ping is answered by its own pong");
    await client.close();
  });

  test("a pong that answers a later ping() also answers the keepalive ping", T, async () => {
    const { client, server, wire } = await connectPair({
      server: { pingIntervalMs: 10, pingTimeoutMs: 200 },
    });
    await tick(20); // the keepalive ping is out
    wire[0].pause(); // its pong waits with the client's reads
    const later = server.ping("later");
    wire[0].resume();
    assert.ok((await later) >= 0);
    await tick(250);
    assert.equal(server.state, "open", "the keepalive ping counted as answered");
    await client.close();
  });
});
