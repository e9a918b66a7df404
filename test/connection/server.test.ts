import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TimeoutError } from "../../src/connection/errors.js";
import { pathOf, type ServerConnection } from "../../src/connection/server.js";
import { HandshakeError } from "../../src/core/errors.js";
import { createTransportPair, serveInMemory } from "../../src/testing/index.js";

const T = { timeout: 5000 };
const decoder = new TextDecoder();

async function handshakeError(promise: Promise<unknown>): Promise<HandshakeError> {
  const error = await promise.then(
    () => assert.fail("the handshake succeeded"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof HandshakeError, String(error));
  return error;
}

describe("pathOf", () => {
  test("is the target without its query, and without scheme and authority in absolute-form", () => {
    assert.equal(pathOf("/chat?room=1"), "/chat");
    assert.equal(pathOf("/"), "/");
    assert.equal(pathOf("/a/b"), "/a/b");
    assert.equal(pathOf("/?x=1"), "/");
    // RFC 9112 3.2.2: a server must accept the absolute-form; RFC 6455 4.1 names it.
    assert.equal(pathOf("http://example.com/chat?room=1"), "/chat");
    assert.equal(pathOf("wss://example.com:8443/a/b"), "/a/b");
    assert.equal(pathOf("http://example.com"), "/");
    assert.equal(pathOf("http://example.com?x=1"), "/");
    assert.equal(pathOf("HTTPS://user@example.com/chat"), "/chat");
  });
});

describe("Server", () => {
  test("runs the handler and closes with 1000 when it returns", T, async () => {
    const memory = serveInMemory(async (connection) => {
      await connection.send(`hello ${connection.request?.target}`);
    });
    const client = await memory.connect("ws://memory.test/path?q=1");
    assert.equal(await client.recv(), "hello /path?q=1");
    const info = await client.closed;
    assert.equal(info.code, 1000);
    assert.equal(info.wasClean, true);
    // The server's side completes its close a moment later.
    while (memory.server.connections.size > 0) await new Promise((r) => setTimeout(r, 1));
  });

  test("the server's response is the 101 it sent, also when it was not kept", T, async () => {
    for (const options of [
      { subprotocols: ["chat"], serverHeader: "test/1" }, // no hooks: rebuilt on demand
      { subprotocols: ["chat"], processResponse: () => {} }, // hooks: kept as sent
    ]) {
      let seen: ServerConnection | undefined;
      const memory = serveInMemory(async (connection) => {
        seen = connection;
        await connection.closed;
      }, options);
      const client = await memory.connect("ws://memory.test/", { subprotocols: ["chat"] });
      while (seen === undefined) await new Promise((r) => setTimeout(r, 1));
      const sent = client.response!;
      const response = seen.response!;
      assert.equal(response.status, 101);
      assert.equal(seen.response, response, "the same object on each access");
      assert.deepEqual([...response.headers], [...sent.headers]);
      assert.equal(response.headers.get("sec-websocket-protocol"), "chat");
      await client.close();
    }
  });

  test("closes with 1011 when the handler throws", T, async () => {
    const memory = serveInMemory(() => {
      throw new Error("boom");
    });
    const client = await memory.connect();
    const info = await client.closed;
    assert.equal(info.code, 1011);
  });

  test("processRequest can reject with any status, body and headers", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      processRequest: (request, connection) => {
        if (request.headers.get("authorization") === "Bearer good") return undefined;
        const response = connection.reject(401, "Who are you?\n");
        response.headers.set("WWW-Authenticate", "Bearer");
        return response;
      },
    });
    const error = await handshakeError(memory.connect());
    assert.equal(error.status, 401);
    assert.equal(error.headers?.get("www-authenticate"), "Bearer");
    assert.equal(decoder.decode(error.body), "Who are you?\n");
    const client = await memory.connect(undefined, { headers: { Authorization: "Bearer good" } });
    assert.equal(client.state, "open");
    await client.close();
  });

  test("an async processRequest and processResponse can add headers", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      processRequest: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return undefined;
      },
      processResponse: (_request, response) => {
        response.headers.append("X-Server", "test");
      },
    });
    const client = await memory.connect();
    assert.equal(client.response?.headers.get("x-server"), "test");
    await client.close();
  });

  test("a hook that throws answers 500", T, async () => {
    const memory = serveInMemory(() => {}, {
      processRequest: () => {
        throw new Error("hook failed");
      },
    });
    assert.equal((await handshakeError(memory.connect())).status, 500);
  });

  test("a hook that answers at once keeps the handshake in the same turn", T, async () => {
    // The hook queues a microtask before it returns: with the handshake done
    // at once it sees the connection open; behind an await it would not.
    const seen: string[] = [];
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      processRequest: (_request, connection) => {
        queueMicrotask(() => seen.push(connection.state));
        return undefined;
      },
    });
    const client = await memory.connect();
    await client.close();
    assert.deepEqual(seen, ["open"]);
    // A promise from the hook is still waited for.
    const later = serveInMemory(async (connection) => void (await connection.closed), {
      processRequest: async (_request, connection) => {
        queueMicrotask(() => seen.push(connection.state));
        await new Promise((resolve) => setTimeout(resolve, 5));
        return connection.reject(403, "No\n");
      },
    });
    assert.equal((await handshakeError(later.connect())).status, 403);
    assert.deepEqual(seen, ["open", "connecting"]);
  });

  test("origins outside the allow-list get 403", T, async () => {
    const memory = serveInMemory(() => {}, { origins: ["https://good.test"] });
    const error = await handshakeError(memory.connect(undefined, { origin: "https://evil.test" }));
    assert.equal(error.status, 403);
    const client = await memory.connect(undefined, { origin: "https://good.test" });
    await client.closed;
  });

  test("selectSubprotocol picks from the client's offer", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      selectSubprotocol: (offered) => offered.at(-1) ?? null,
    });
    const client = await memory.connect(undefined, { subprotocols: ["a", "b"] });
    assert.equal(client.subprotocol, "b");
    await client.close();
  });

  test("a request that does not ask for a WebSocket is answered, not upgraded", T, async () => {
    // A health check: a plain GET answered 200 by processRequest.
    const memory = serveInMemory(() => assert.fail("upgraded"), {
      processRequest: (request, connection) =>
        request.target === "/healthz" ? connection.reject(200, "OK\n") : undefined,
    });
    const [client, server] = createTransportPair();
    memory.server.handleTransport(server);
    const received: Uint8Array[] = [];
    const closed = new Promise<void>((resolve) => {
      client.start({
        onData: (chunk) => void received.push(chunk),
        onEnd: () => {},
        onDrain: () => {},
        onError: () => {},
        onClose: resolve,
      });
    });
    client.write([new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")]);
    await closed;
    const text = decoder.decode(Buffer.concat(received));
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\n\r\nOK\n$/);
  });

  test(
    "path filters the absolute-form of a target as its origin-form (RFC 9112 3.2.2)",
    T,
    async () => {
      const memory = serveInMemory(
        async (connection) => {
          await connection.closed;
        },
        { path: "/chat" },
      );
      const statusLine = async (target: string): Promise<string> => {
        const [client, server] = createTransportPair();
        memory.server.handleTransport(server);
        let text = "";
        const line = new Promise<string>((resolve) => {
          client.start({
            onData: (chunk) => {
              text += decoder.decode(chunk);
              if (text.includes("\r\n")) resolve(text.split("\r\n")[0]!);
            },
            onEnd: () => {},
            onDrain: () => {},
            onError: () => {},
            onClose: () => resolve(text),
          });
        });
        const head =
          `GET ${target} HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n` +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\n\r\n";
        client.write([new TextEncoder().encode(head)]);
        const status = await line;
        client.destroy();
        return status;
      };
      const switching = "HTTP/1.1 101 Switching Protocols";
      assert.equal(await statusLine("http://example.com/chat?room=1"), switching);
      assert.equal(await statusLine("/chat"), switching);
      assert.equal(await statusLine("http://example.com/other"), "HTTP/1.1 404 Not Found");
      await memory.server.close();
    },
  );

  test("a client that never sends its handshake is cut off at the open timeout", T, async () => {
    const memory = serveInMemory(() => {}, { openTimeoutMs: 30 });
    const received = async (sent: string): Promise<string> => {
      const [client, server] = createTransportPair();
      const connection: ServerConnection = memory.server.handleTransport(server);
      let text = "";
      client.start({
        onData: (chunk) => void (text += decoder.decode(chunk)),
        onEnd: () => {},
        onDrain: () => {},
        onError: () => {},
        onClose: () => {},
      });
      if (sent !== "") client.write([new TextEncoder().encode(sent)]);
      const info = await connection.closed;
      assert.ok(info.error instanceof TimeoutError);
      assert.equal(info.code, 1006);
      assert.ok(server.isClosed);
      return text;
    };
    // Silent: closed, nothing said (a TCP probe, a preconnect).
    assert.equal(await received(""), "");
    // A head still arriving: told why, as node:http's headersTimeout answers.
    const answer = await received("GET / HTTP/1.1\r\nHost: a\r\nUpg");
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/i);
  });

  test("close() sends 1001 to every client after what was already sent", T, async () => {
    const memory = serveInMemory(async (connection) => {
      for (let i = 0; i < 10; i++) void connection.send(`last words ${i}`);
      await connection.closed;
    });
    const clients = await Promise.all([memory.connect(), memory.connect(), memory.connect()]);
    assert.equal(memory.server.connections.size, 3);
    await memory.server.close();
    for (const client of clients) {
      const received: unknown[] = [];
      for await (const message of client) received.push(message);
      assert.equal(received.length, 10);
      assert.equal(received[9], "last words 9");
      const info = await client.closed;
      assert.equal(info.code, 1001);
      assert.equal(info.wasClean, true);
    }
    assert.equal(memory.server.connections.size, 0);
    // New connections are refused once closing.
    await assert.rejects(memory.connect());
  });

  test("close() destroys clients that never answer after the close timeout", T, async () => {
    const memory = serveInMemory(async (connection) => void (await connection.closed), {
      closeTimeoutMs: 30,
    });
    const client = await memory.connect();
    memory.wire![0].pause();
    const started = performance.now();
    await memory.server.close();
    assert.ok(performance.now() - started >= 25);
    memory.wire![0].resume();
    await client.closed;
  });
});
