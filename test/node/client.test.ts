import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { type RawData, type WebSocket, WebSocketServer as WsServer } from "ws";
import { HandshakeError } from "../../src/core/errors.js";
import {
  ConnectionClosedError,
  connect,
  TimeoutError,
  TransportError,
} from "../../src/node/index.js";
import { portOf } from "./helpers.js";

const T = { timeout: 10_000 };

function wsEchoServer(options: ConstructorParameters<typeof WsServer>[0] = {}): Promise<WsServer> {
  return new Promise((resolve) => {
    const wss: WsServer = new WsServer({ host: "127.0.0.1", port: 0, ...options }, () =>
      resolve(wss),
    );
    wss.on("connection", (ws: WebSocket) => {
      ws.on("message", (data: RawData, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    });
  });
}

function closeWs(wss: WsServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

function rawServer(onSocket: (socket: Socket) => void): Promise<NetServer> {
  return new Promise((resolve) => {
    const server = createNetServer(onSocket);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe("connect (node)", () => {
  test("talks to a ws server: text, binary, fragments, ping, close", T, async () => {
    const wss = await wsEchoServer();
    const client = await connect(`ws://127.0.0.1:${portOf(wss.address())}/`);
    assert.ok(client.remoteAddress === "127.0.0.1");
    await client.send("hello ws");
    assert.equal(await client.recv(), "hello ws");
    await client.send(new Uint8Array(100_000).fill(3));
    const big = await client.recv();
    assert.ok(big instanceof Uint8Array && big.length === 100_000 && big[99_999] === 3);
    await client.send(["frag", "ments"]);
    assert.equal(await client.recv(), "fragments");
    assert.ok((await client.ping()) >= 0);
    const info = await client.close(1000, "bye");
    assert.equal(info.code, 1000);
    assert.equal(info.reason, "bye");
    assert.equal(info.wasClean, true);
    await closeWs(wss);
  });

  test("compresses with a ws server that supports permessage-deflate", T, async () => {
    const wss = await wsEchoServer({ perMessageDeflate: true });
    const client = await connect(`ws://127.0.0.1:${portOf(wss.address())}/`);
    assert.deepEqual(
      client.extensions.map((extension) => extension.name),
      ["permessage-deflate"],
    );
    const text = "compressible ".repeat(10_000);
    await client.send(text);
    assert.equal(await client.recv(), text);
    await client.close();
    const plain = await connect(`ws://127.0.0.1:${portOf(wss.address())}/`, { compression: null });
    assert.deepEqual(plain.extensions, []);
    await plain.close();
    await closeWs(wss);
  });

  test("sends subprotocols, origin, user agent and headers", T, async () => {
    let seen: IncomingHttpHeaders = {};
    const wss = await wsEchoServer({
      handleProtocols: (protocols) => (protocols.has("v2") ? "v2" : false),
      verifyClient: (info: { req: { headers: IncomingHttpHeaders } }) => {
        seen = info.req.headers;
        return true;
      },
    });
    const client = await connect(`ws://127.0.0.1:${portOf(wss.address())}/`, {
      subprotocols: ["v1", "v2"],
      origin: "https://app.test",
      userAgent: "tester/1",
      headers: { "X-Custom": "yes" },
    });
    assert.equal(client.subprotocol, "v2");
    assert.equal(seen.origin, "https://app.test");
    assert.equal(seen["user-agent"], "tester/1");
    assert.equal(seen["x-custom" as "origin"], "yes");
    await client.close();
    await closeWs(wss);
  });

  test("a refused handshake rejects with status, headers and body", T, async () => {
    const http = createHttpServer((_request, response) => {
      response.writeHead(403, { "X-Why": "nope" }).end("forbidden here\n");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const error = await connect(`ws://127.0.0.1:${portOf(http.address())}/`).then(
      () => assert.fail("connected"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof HandshakeError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.headers?.get("x-why"), "nope");
    assert.equal(new TextDecoder().decode(error.body), "forbidden here\n");
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  test("follows an HTTP redirect to another server", T, async () => {
    const wss = await wsEchoServer();
    const target = `ws://127.0.0.1:${portOf(wss.address())}/there`;
    let authorization: string | undefined = "unset";
    wss.on("connection", (_ws, request) => void (authorization = request.headers.authorization));
    const http = createHttpServer((_request, response) => {
      response.writeHead(302, { Location: target }).end();
    });
    await new Promise<void>((resolve) => http.listen(0, "localhost", resolve));
    const client = await connect(`ws://localhost:${portOf(http.address())}/here`, {
      headers: { Authorization: "Bearer secret" },
    });
    assert.equal(client.request?.target, "/there");
    // Another host: the credentials stayed behind.
    assert.equal(authorization, undefined);
    await client.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await closeWs(wss);
  });

  test("a refused TCP connection rejects with TransportError", T, async () => {
    const server = await rawServer(() => {});
    const port = portOf(server.address());
    await new Promise((resolve) => server.close(resolve));
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`), TransportError);
  });

  test("a server that never answers the handshake hits the open timeout", T, async () => {
    const sockets: Socket[] = [];
    const server = await rawServer((socket) => void sockets.push(socket));
    const started = Date.now();
    await assert.rejects(
      connect(`ws://127.0.0.1:${portOf(server.address())}/`, { openTimeoutMs: 100 }),
      TimeoutError,
    );
    assert.ok(Date.now() - started < 2000);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test("keepalive finds a silent half-open peer", T, async () => {
    // A peer that completes the handshake and then goes silent, as a peer
    // behind a dead NAT would: nothing is read, nothing is answered.
    const sockets: Socket[] = [];
    const server = await rawServer((socket) => {
      sockets.push(socket);
      socket.once("data", (head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head.toString())![1]!;
        socket.write(switchingProtocols(key));
        socket.pause();
      });
    });
    const client = await connect(`ws://127.0.0.1:${portOf(server.address())}/`, {
      pingIntervalMs: 30,
      pingTimeoutMs: 50,
      closeTimeoutMs: 50,
    });
    const started = Date.now();
    const info = await client.closed;
    assert.ok(Date.now() - started < 2000);
    assert.equal(info.code, 1006);
    assert.ok(info.error instanceof TimeoutError, String(info.error));
    await assert.rejects(client.recv(), ConnectionClosedError);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  test("a peer that resets mid-message closes the connection abnormally", T, async () => {
    const server = await rawServer((socket) => {
      socket.once("data", (head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head.toString())![1]!;
        socket.write(switchingProtocols(key));
        // A text frame announcing 100 bytes, of which 10 arrive, then a reset.
        socket.write(Buffer.concat([Buffer.from([0x81, 100]), Buffer.alloc(10, 0x61)]));
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    const client = await connect(`ws://127.0.0.1:${portOf(server.address())}/`);
    await assert.rejects(client.recv(), (error: unknown) => {
      assert.ok(error instanceof ConnectionClosedError);
      assert.equal(error.code, 1006);
      return true;
    });
    const info = await client.closed;
    assert.equal(info.wasClean, false);
    await new Promise((resolve) => server.close(resolve));
  });
});

// A 101 response computed independently of the core (RFC 6455 4.2.2).
function switchingProtocols(key: string): string {
  const accept = createHash("sha1")
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest("base64");
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}
