import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect, reconnect } from "../../src/connection/client.js";
import { TimeoutError, TransportError } from "../../src/connection/errors.js";
import type { ServerConnection } from "../../src/connection/server.js";
import { HandshakeError } from "../../src/core/errors.js";
import type { Response } from "../../src/core/http1/message.js";
import { createTransportPair, serveInMemory } from "../../src/testing/index.js";

const T = { timeout: 5000 };

/** A refusal of `connection`'s handshake that redirects to `location`. */
function redirect(connection: ServerConnection, status: number, location: string): Response {
  const response = connection.reject(status);
  response.headers.set("Location", location);
  return response;
}

describe("connect", () => {
  test("follows redirects and drops credentials on another host", T, async () => {
    const seen: { host: string | undefined; auth: string | undefined; target: string }[] = [];
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      processRequest: (request, connection) => {
        seen.push({
          host: request.headers.get("host"),
          auth: request.headers.get("authorization"),
          target: request.target,
        });
        if (request.target === "/a") return redirect(connection, 302, "/b");
        if (request.target === "/b") return redirect(connection, 307, "http://other.test/c");
        return undefined;
      },
    });
    const client = await memory.connect("ws://memory.test/a", {
      headers: { Authorization: "Bearer secret" },
    });
    assert.deepEqual(seen, [
      { host: "memory.test", auth: "Bearer secret", target: "/a" },
      { host: "memory.test", auth: "Bearer secret", target: "/b" },
      { host: "other.test", auth: undefined, target: "/c" },
    ]);
    await client.close();
  });

  test("gives up after maxRedirects", T, async () => {
    const memory = serveInMemory(() => {}, {
      processRequest: (_request, connection) => {
        return redirect(connection, 301, "/again");
      },
    });
    await assert.rejects(memory.connect(undefined, { maxRedirects: 3 }), /more than 3 redirects/);
  });

  test("refuses a redirect from wss: to ws:", T, async () => {
    const memory = serveInMemory(() => {}, {
      processRequest: (_request, connection) => {
        return redirect(connection, 302, "ws://memory.test/");
      },
    });
    await assert.rejects(memory.connect("wss://memory.test/"), /insecure/);
  });

  test("times out when the server never answers", T, async () => {
    const error = await connect("ws://silent.test/", {
      openTimeoutMs: 30,
      dial: async () => createTransportPair()[0],
    }).then(
      () => assert.fail("connected"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TimeoutError);
  });

  test("wraps dial failures in TransportError", T, async () => {
    const error = await connect("ws://refused.test/", {
      dial: () => Promise.reject(new Error("connect ECONNREFUSED")),
    }).then(
      () => assert.fail("connected"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof TransportError);
    assert.match(error.message, /refused\.test.*ECONNREFUSED/);
  });

  test("gives up when its signal aborts: before dialing, and during the handshake", T, async () => {
    const reason = new Error("changed my mind");
    await assert.rejects(
      connect("ws://silent.test/", {
        signal: AbortSignal.abort(reason),
        dial: () => assert.fail("dialed"),
      }),
      (error) => error === reason,
    );
    const [client, server] = createTransportPair();
    let serverClosed = false;
    server.start({
      onData() {},
      onEnd() {},
      onDrain() {},
      onError() {},
      onClose: () => void (serverClosed = true),
    });
    const controller = new AbortController();
    const connecting = connect("ws://silent.test/", {
      signal: controller.signal,
      dial: async () => client,
    });
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(connecting, (error) => error === reason);
    // The transport was reset, not left waiting for the open timeout.
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(serverClosed);
  });

  test("rejects URLs that are not ws: or wss:", T, async () => {
    await assert.rejects(connect("http://x.test/", { dial: () => assert.fail() }), TypeError);
  });
});

describe("reconnect", () => {
  test("yields a new connection after each close, backing off on failures", T, async () => {
    let refusals = 2;
    let accepted = 0;
    const memory = serveInMemory(
      async (connection) => {
        accepted++;
        await connection.send(`connection ${accepted}`);
        await connection.close();
      },
      {
        processRequest: (_request, connection) =>
          refusals-- > 0 ? connection.reject(503, "busy") : undefined,
      },
    );
    const received: unknown[] = [];
    const delays: number[] = [];
    let last = performance.now();
    for await (const connection of reconnect("ws://memory.test/", {
      initialDelayMs: 10,
      random: () => 0.999,
      dial: async (url) => {
        const now = performance.now();
        delays.push(now - last);
        last = now;
        return dialThrough(memory, url);
      },
    })) {
      received.push(await connection.recv());
      if (received.length === 2) break;
    }
    assert.deepEqual(received, ["connection 1", "connection 2"]);
    // Two 503s: waits of about 10 ms then 20 ms before the first success.
    assert.ok(delays[1]! >= 8 && delays[2]! >= 16, delays.join(", "));
  });

  test("stops on a fatal error", T, async () => {
    const memory = serveInMemory(() => {}, {
      processRequest: (_request, connection) => connection.reject(404),
    });
    const iterate = async (): Promise<void> => {
      for await (const _ of reconnect("ws://memory.test/", {
        initialDelayMs: 1,
        dial: (url) => dialThrough(memory, url),
      })) {
        assert.fail("connected");
      }
    };
    await assert.rejects(iterate(), (error: unknown) => {
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.status, 404);
      return true;
    });
  });
});

// A dialer reaching an in-memory server.
async function dialThrough(memory: ReturnType<typeof serveInMemory>, _url: URL) {
  const [client, server] = createTransportPair();
  memory.server.handleTransport(server);
  return client;
}
