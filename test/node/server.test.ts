import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex, PassThrough } from "node:stream";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { TimeoutError } from "../../src/connection/errors.js";
import { Opcode } from "../../src/core/frame.js";
import { connect, createServer, serve } from "../../src/node/index.js";
import { SocketTransport } from "../../src/node/transport.js";
import { bytes, clientFrame } from "../helpers/wire.js";
import { echo, portOf, selfSigned, sleep } from "./helpers.js";

const T = { timeout: 10_000 };

function wsOpen(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function wsNext(ws: WebSocket): Promise<{ data: WebSocket.RawData; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once("message", (data, isBinary) => resolve({ data, isBinary })),
  );
}

function wsClosed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

describe("serve (node)", () => {
  test("echoes to a ws client, text and binary, large and small", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0 });
    const ws = await wsOpen(`ws://127.0.0.1:${portOf(server.address)}/`);
    ws.send("hello");
    let reply = await wsNext(ws);
    assert.equal(reply.data.toString(), "hello");
    assert.equal(reply.isBinary, false);
    const big = Buffer.alloc(300_000, 7);
    ws.send(big);
    reply = await wsNext(ws);
    assert.equal(reply.isBinary, true);
    assert.ok(big.equals(reply.data as Buffer));
    const closed = wsClosed(ws);
    ws.close(1000, "done");
    assert.equal((await closed).code, 1000);
    await server.close();
  });

  test("negotiates permessage-deflate by default, unless turned off", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0 });
    const ws = await wsOpen(`ws://127.0.0.1:${portOf(server.address)}/`, {
      perMessageDeflate: true,
    });
    assert.match(ws.extensions, /^permessage-deflate/);
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, name: "item" })));
    ws.send(text);
    assert.equal((await wsNext(ws)).data.toString(), text);
    ws.close();
    await server.close();
    const plain = await serve(echo, { host: "127.0.0.1", port: 0, compression: null });
    const ws2 = await wsOpen(`ws://127.0.0.1:${portOf(plain.address)}/`, {
      perMessageDeflate: true,
    });
    assert.equal(ws2.extensions, "");
    ws2.close();
    await plain.close();
  });

  test("answers many pipelined messages in few writes", T, async () => {
    // Counts the server's transport writes: the 2000 messages arrive in a
    // few reads, and the echoes of each read leave in one write.
    let writes = 0;
    const write = SocketTransport.prototype.write;
    SocketTransport.prototype.write = function (this: SocketTransport, chunks) {
      writes++;
      return write.call(this, chunks);
    };
    const server = await serve(echo, { host: "127.0.0.1", port: 0 });
    try {
      // Without compression: ws compresses each message in a turn of its own,
      // so with it the messages would not be pipelined (one read, and one
      // write, per message).
      const ws = await wsOpen(`ws://127.0.0.1:${portOf(server.address)}/`, {
        perMessageDeflate: false,
      });
      const count = 2000;
      const received: string[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on("message", (data) => {
          received.push(data.toString());
          if (received.length === count) resolve();
        }),
      );
      const before = writes; // the 101 is behind
      for (let i = 0; i < count; i++) ws.send(`m${i}`);
      await done;
      assert.deepEqual(
        received,
        Array.from({ length: count }, (_, i) => `m${i}`),
      );
      // About 20 KiB of frames: one or a few reads, so a handful of writes
      // (2 here, quiet); a write per message would be 2000.
      assert.ok(writes - before <= 10, `${writes - before} writes for ${count} echoes`);
      ws.close();
    } finally {
      SocketTransport.prototype.write = write;
      await server.close();
    }
  });

  test("listens on a Unix socket", T, async () => {
    const path = join(tmpdir(), `ws-sansio-${process.pid}-${Date.now()}.sock`);
    const server = await serve(echo, { socketPath: path });
    assert.equal(server.address, path);
    const client = await connect("ws://localhost/", { socketPath: path });
    await client.send("over unix");
    assert.equal(await client.recv(), "over unix");
    await client.close();
    await server.close();
  });

  test("serves wss: with TLS to ws and to our client", T, async () => {
    const { key, cert } = selfSigned();
    const server = await serve(echo, { host: "127.0.0.1", port: 0, tls: { key, cert } });
    const port = portOf(server.address);
    const ws = await wsOpen(`wss://localhost:${port}/`, { ca: cert });
    ws.send("secure");
    assert.equal((await wsNext(ws)).data.toString(), "secure");
    ws.close();
    const client = await connect(`wss://localhost:${port}/`, { tls: { ca: cert } });
    await client.send("ours");
    assert.equal(await client.recv(), "ours");
    await client.close();
    // An untrusted certificate fails the connection, not the server.
    await assert.rejects(connect(`wss://localhost:${port}/`, { openTimeoutMs: 2000 }));
    await server.close();
  });

  test("attaches to an http server, which keeps answering plain requests", T, async () => {
    const http = createHttpServer((_request, response) => response.end("plain http\n"));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = portOf(http.address());
    const server = await serve(echo, { server: http });
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest(`http://127.0.0.1:${port}/`, (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => void (text += chunk.toString()));
        response.on("end", () => resolve(text));
      })
        .on("error", reject)
        .end();
    });
    assert.equal(body, "plain http\n");
    const client = await connect(`ws://127.0.0.1:${port}/chat`);
    assert.equal(client.request?.target, "/chat");
    await client.send("via http");
    assert.equal(await client.recv(), "via http");
    await client.close();
    await server.close();
    await new Promise((resolve) => http.close(resolve));
  });

  test(
    "path filters upgrades: others are left to other listeners, or answered 404",
    T,
    async () => {
      const http = createHttpServer();
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const port = portOf(http.address());
      const chat = await serve(echo, { server: http, path: "/chat" });
      // Alone on the server: another path is answered 404, not accepted.
      await assert.rejects(connect(`ws://127.0.0.1:${port}/other`), { status: 404 });
      // With another WebSocket server on another path, each takes its own.
      const feed = await serve(
        async (connection) => {
          await connection.send("feed");
        },
        { server: http, path: "/feed" },
      );
      const a = await connect(`ws://127.0.0.1:${port}/chat?room=1`);
      await a.send("to chat");
      assert.equal(await a.recv(), "to chat");
      const b = await connect(`ws://127.0.0.1:${port}/feed`);
      assert.equal(await b.recv(), "feed");
      await a.close();
      await b.close();
      await chat.close();
      await feed.close();
      await new Promise((resolve) => http.close(resolve));
      // A listening server filters too.
      const own = await serve(echo, { host: "127.0.0.1", port: 0, path: "/ws" });
      await assert.rejects(connect(`ws://127.0.0.1:${portOf(own.address)}/`), { status: 404 });
      const c = await connect(`ws://127.0.0.1:${portOf(own.address)}/ws`);
      await c.close();
      await own.close();
    },
  );

  test("handleUpgrade takes over sockets from the app's http server", T, async () => {
    const wss = createServer(echo, {
      processRequest: (request, connection) =>
        request.headers.get("x-token") === "ok" ? undefined : connection.reject(403, "no\n"),
    });
    const http = createHttpServer();
    http.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = portOf(http.address());
    const ws = await wsOpen(`ws://127.0.0.1:${port}/`, { headers: { "X-Token": "ok" } });
    ws.send("taken over");
    assert.equal((await wsNext(ws)).data.toString(), "taken over");
    ws.close();
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`), /403/);
    await wss.close();
    await new Promise((resolve) => http.close(resolve));
  });

  test(
    "handleUpgrade takes any Duplex, not only a socket (a stream between the two)",
    T,
    async () => {
      const wss = createServer(echo);
      const http = createHttpServer();
      http.on("upgrade", (request, socket, head) => {
        // Two PassThroughs crossed: what one side writes, the other reads.
        const toUs = new PassThrough();
        const toSocket = new PassThrough();
        const near = Duplex.from({ readable: toSocket, writable: toUs });
        const far = Duplex.from({ readable: toUs, writable: toSocket });
        socket.pipe(near);
        near.pipe(socket);
        wss.handleUpgrade(request, far, head);
      });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const client = await connect(`ws://127.0.0.1:${portOf(http.address())}/`);
      await client.send("through a stream");
      assert.equal(await client.recv(), "through a stream");
      await client.close();
      await wss.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  );

  test(
    "handleUpgrade: the head as node:http parsed it, the frames sent with it, a body refused",
    T,
    async () => {
      let seen: [string, string][] = [];
      const wss = createServer(async (connection) => {
        seen = [...connection.request!.headers];
        for await (const message of connection) await connection.send(message);
      });
      const http = createHttpServer();
      http.on("upgrade", (request, socket, head) => wss.handleUpgrade(request, socket, head));
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const port = portOf(http.address());
      const exchange = async (request: string, extra: Uint8Array): Promise<string> => {
        const socket = netConnect(port, "127.0.0.1");
        let received = "";
        socket.on("data", (chunk: Buffer) => {
          received += chunk.toString("latin1");
        });
        await once(socket, "connect");
        // One write: node:http hands the frame over as the upgrade's head.
        socket.write(Buffer.concat([Buffer.from(request, "latin1"), extra]));
        for (let i = 0; i < 100 && !(received.endsWith("early") || received.includes(" 400 ")); i++)
          await sleep(20);
        socket.destroy();
        return received;
      };
      const handshake =
        "GET /x?y HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Mixed-Case: Kept\r\n";
      const answer = await exchange(
        `${handshake}\r\n`,
        clientFrame({ opcode: Opcode.TEXT, payload: "early" }),
      );
      assert.match(answer, /^HTTP\/1\.1 101 /);
      assert.ok(answer.endsWith("\x81\x05early"), "the frame sent with the request is echoed");
      assert.deepEqual(seen.at(-1), ["X-Mixed-Case", "Kept"]);
      const refused = await exchange(`${handshake}Content-Length: 3\r\n\r\n`, bytes("abc"));
      assert.match(refused, /^HTTP\/1\.1 400 /);
      assert.match(refused, /must not have a body/);
      await wss.close();
      await new Promise((resolve) => http.close(resolve));
    },
  );

  test("answers a health check without upgrading", T, async () => {
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      processRequest: (request, connection) =>
        request.target === "/healthz" ? connection.reject(200, "OK\n") : undefined,
    });
    const response = await fetch(`http://127.0.0.1:${portOf(server.address)}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "OK\n");
    await server.close();
  });

  test("shutdown sends 1001 to every live client after every message sent before", T, async () => {
    const server = await serve(
      async (connection) => {
        for (let i = 0; i < 100; i++) void connection.send(`message ${i}`);
        await connection.closed;
      },
      { host: "127.0.0.1", port: 0 },
    );
    const url = `ws://127.0.0.1:${portOf(server.address)}/`;
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = new WebSocket(url);
        const messages: string[] = [];
        ws.on("message", (data) => messages.push(data.toString()));
        await new Promise((resolve) => ws.once("open", resolve));
        return { ws, messages, closed: wsClosed(ws) };
      }),
    );
    while (server.connections.size < 20) await sleep(5);
    await server.close();
    for (const { messages, closed } of clients) {
      assert.equal((await closed).code, 1001);
      assert.equal(messages.length, 100);
      assert.equal(messages[99], "message 99");
    }
    assert.equal(server.connections.size, 0);
  });

  test("a client that never reads holds the sender back; memory stays bounded", T, async () => {
    let sent = 0;
    let senderBuffered = 0;
    const server = await serve(
      async (connection) => {
        const chunk = new Uint8Array(64 * 1024);
        for (; sent < 1000; sent++) {
          await connection.send(chunk);
          senderBuffered = Math.max(senderBuffered, connection.bufferedAmount);
        }
      },
      { host: "127.0.0.1", port: 0, compression: null },
    );
    const socket = netConnect(portOf(server.address), "127.0.0.1");
    socket.write(
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await new Promise((resolve) => socket.once("data", resolve));
    socket.pause(); // never reads again
    await sleep(300);
    // 1000 messages of 64 KiB = 64 MiB were asked for; the kernel buffers
    // and one high-water mark hold a few MiB at most.
    assert.ok(sent < 200, `${sent} sends went through`);
    assert.ok(senderBuffered < 1024 * 1024, `${senderBuffered} bytes buffered`);
    socket.destroy();
    await server.close();
  });

  test("a request head trickling past the open timeout is answered 408 and closed", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, openTimeoutMs: 300 });
    try {
      const socket = netConnect(portOf(server.address), "127.0.0.1");
      const started = Date.now();
      const head = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n";
      // A byte every 20 ms, stopping before the deadline (a byte in flight as
      // the server closes could turn its FIN into a reset).
      let sent = 0;
      const trickle = setInterval(() => {
        if (sent < head.length && Date.now() - started < 150) socket.write(head[sent++]!);
      }, 20);
      let received = "";
      socket.on("data", (chunk) => (received += chunk.toString("latin1")));
      socket.on("error", () => {});
      await once(socket, "close");
      clearInterval(trickle);
      const elapsed = Date.now() - started;
      assert.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.ok(elapsed >= 250 && elapsed < 3000, `closed after ${elapsed} ms`);
    } finally {
      await server.close();
    }
  });

  test(
    "a client that sends pings and never reads gets one pong, for the latest, once it reads",
    T,
    async () => {
      let connection: import("../../src/node/index.js").ServerConnection | undefined;
      let peak = 0;
      const server = await serve(
        async (c) => {
          connection = c;
          for await (const message of c) await c.send(message);
        },
        { host: "127.0.0.1", port: 0, compression: null },
      );
      const socket = netConnect(portOf(server.address), "127.0.0.1");
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      try {
        await new Promise((resolve) => socket.once("data", resolve));
        socket.pause(); // reads nothing for now
        // Masked pings (a zero key) of 125 bytes: 100,000 of them ask for 12.7 MB of pongs.
        const ping = (fill: number) =>
          Buffer.concat([Buffer.from([0x89, 0x80 | 125, 0, 0, 0, 0]), Buffer.alloc(125, fill)]);
        const batch = Buffer.concat(Array.from({ length: 1000 }, () => ping(0x61)));
        for (let i = 0; i < 100; i++) {
          if (!socket.write(batch)) await new Promise((resolve) => socket.once("drain", resolve));
          peak = Math.max(peak, connection?.bufferedAmount ?? 0);
        }
        socket.write(ping(0x7a)); // the latest
        await sleep(100);
        peak = Math.max(peak, connection?.bufferedAmount ?? 0);
        assert.ok(peak < 4 * 1024 * 1024, `${peak} bytes buffered`);
        // Reading again: the pongs written before the hold, then one for the latest ping.
        let received = Buffer.alloc(0);
        socket.on("data", (data: Buffer) => {
          received = Buffer.concat([received, data]);
        });
        socket.resume();
        const lastPong = Buffer.concat([Buffer.from([0x8a, 125]), Buffer.alloc(125, 0x7a)]);
        for (let i = 0; i < 100 && received.indexOf(lastPong) < 0; i++) await sleep(20);
        assert.ok(received.indexOf(lastPong) >= 0, "a pong answers the latest ping");
        assert.ok(received.length < 100_000 * 127, `${received.length} bytes of pongs`);
        // And the connection still works.
        socket.write(Buffer.from([0x82, 0x82, 0, 0, 0, 0, 0x68, 0x69]));
        const echoed = Buffer.from([0x82, 0x02, 0x68, 0x69]);
        for (let i = 0; i < 100 && received.indexOf(echoed) < 0; i++) await sleep(20);
        assert.ok(received.indexOf(echoed) >= 0, "the echo arrives");
      } finally {
        socket.destroy();
        await server.close();
      }
    },
  );

  test("a slow handshake is cut off at the open timeout, with TimeoutError", T, async () => {
    const errors: unknown[] = [];
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      openTimeoutMs: 100,
      logger: (record) => {
        if (record.event === "error") errors.push(record.details?.["error"]);
      },
    });
    const socket = netConnect(portOf(server.address), "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    // Timed from the connection: the server's deadline starts no sooner.
    await new Promise((resolve) => socket.once("connect", resolve));
    const started = performance.now();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n"); // never finishes the head
    await new Promise((resolve) => socket.once("close", resolve));
    const elapsed = performance.now() - started;
    // Never early; late by no more than timer and scheduling delays.
    assert.ok(elapsed >= 95 && elapsed < 400, `closed after ${elapsed} ms`);
    assert.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TimeoutError, String(errors[0]));
    assert.equal(errors[0].message, "Cannot open connection: no handshake within 100 ms");
    await server.close();
  });

  test("holds 1000 connections at once and closes them all", { timeout: 30_000 }, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, backlog: 2048 });
    const url = `ws://127.0.0.1:${portOf(server.address)}/`;
    const clients = [];
    for (let batch = 0; batch < 10; batch++) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(url)))));
    }
    assert.equal(server.connections.size, 1000);
    await Promise.all(
      clients.map(async (client, i) => {
        await client.send(`n${i}`);
        assert.equal(await client.recv(), `n${i}`);
      }),
    );
    await server.close();
    const infos = await Promise.all(clients.map((client) => client.closed));
    assert.ok(infos.every((info) => info.code === 1001 && info.wasClean));
  });
});
