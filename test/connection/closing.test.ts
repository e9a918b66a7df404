import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/connection/connection.js";
import {
  type CloseInfo,
  ConnectionClosedError,
  TimeoutError,
  TransportError,
} from "../../src/connection/errors.js";
import { ClientProtocol } from "../../src/core/client.js";
import { WebSocketError } from "../../src/core/errors.js";
import { connectPair, createTransportPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };

// src/connection/closing.ts: close(), the open and close deadlines, the
// transport's error and close.
describe("Closing", () => {
  test("the close timeout destroys a peer that never answers the close", T, async () => {
    const { client, server, wire } = await connectPair({ client: { closeTimeoutMs: 30 } });
    wire[1].pause();
    const started = performance.now();
    const info: CloseInfo = await client.close();
    assert.ok(performance.now() - started >= 25);
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof TimeoutError);
    wire[1].resume();
    assert.equal((await server.closed).code, 1000);
  });

  test("a transport error after open reads as TransportError, its cause kept", T, async () => {
    const { client, server, wire } = await connectPair();
    const reading = server.recv();
    wire[0].reset();
    const info = await server.closed;
    assert.equal(info.code, 1006);
    assert.ok(info.error instanceof TransportError, String(info.error));
    assert.match(info.error.message, /^Cannot use transport: .*reset/);
    assert.ok(info.error.cause instanceof Error);
    assert.ok(!(info.error.cause instanceof TransportError), "the runtime's error is the cause");
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.equal(error.cause, info.error);
      return true;
    });
    await client.closed;
  });

  test("close() during the handshake ends the transport at once", T, async () => {
    const [a] = createTransportPair();
    // A client protocol that never sends its request stays connecting.
    const connection = new Connection(new ClientProtocol("ws://example.com/"), a);
    assert.equal(connection.state, "connecting");
    const info = await connection.close();
    assert.equal(info.code, 1006);
    assert.ok(info.error instanceof WebSocketError);
    assert.equal(info.error.message, "Cannot open connection: closed during the handshake");
    assert.equal(a.isClosed, true);
  });

  test(
    "the open deadline aborts a handshake that does not finish, with TimeoutError",
    T,
    async () => {
      const [a] = createTransportPair();
      const started = performance.now();
      const connection = new Connection(new ClientProtocol("ws://example.com/"), a, {
        openTimeoutMs: 50,
      });
      const info = await connection.closed;
      const elapsed = performance.now() - started;
      assert.ok(info.error instanceof TimeoutError, String(info.error));
      assert.equal(info.error.message, "Cannot open connection: no handshake within 50 ms");
      // A deadline never fires early; late only by the timer's and the machine's delay.
      assert.ok(elapsed >= 49 && elapsed < 300, `aborted after ${elapsed} ms`);
    },
  );

  test("closed is one promise, resolved once, also when asked after the end", T, async () => {
    const { client, server } = await connectPair();
    const first = server.closed;
    assert.equal(server.closed, first);
    await client.close(1001, "away");
    const info: CloseInfo = await first;
    assert.deepEqual(info, { code: 1001, reason: "away", wasClean: true });
    // The client's view: the close the server echoed, code and reason.
    assert.deepEqual(await client.closed, { code: 1001, reason: "away", wasClean: true });
  });
});

describe("Closing for event APIs", () => {
  test("terminate() closes the transport at once: 1006 on both sides", T, async () => {
    const { client, server } = await connectPair();
    client.terminate();
    const info = await client.closed;
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof WebSocketError);
    assert.equal(info.error.message, "Cannot keep connection: terminated locally");
    assert.equal((await server.closed).code, 1006);
    client.terminate(); // nothing left to do
  });

  test("close(null) sends a close frame without a code: 1005 on both sides", T, async () => {
    const { client, server } = await connectPair();
    const info = await client.close(null);
    assert.deepEqual(info, { code: 1005, reason: "", wasClean: true });
    assert.deepEqual(await server.closed, { code: 1005, reason: "", wasClean: true });
  });
});
