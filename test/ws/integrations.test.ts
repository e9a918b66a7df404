// The facade as the engine of other libraries and under web frameworks: Socket.IO 4.8
// (`wsEngine`) with socket.io-client, an Express app and a Fastify app.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import express from "express";
import Fastify from "fastify";
import { Server as SocketIoServer } from "socket.io";
import { type Socket as ClientSocket, io as ioClient } from "socket.io-client";
import RealWebSocket from "ws";
import WebSocket, { WebSocketServer } from "../../src/ws/index.js";
import { closed, closeServer, next, open } from "./helpers.js";

const T = { timeout: 15_000 };

function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}

describe("ws facade under other libraries", () => {
  for (const transports of [["websocket"], ["polling", "websocket"]]) {
    test(
      `Socket.IO 4.8 with wsEngine, client transports ${transports.join(" then ")}`,
      T,
      async () => {
        const http = createServer();
        const io = new SocketIoServer(http, { wsEngine: WebSocketServer });
        io.on("connection", (socket) => {
          socket.on("echo", (payload: unknown, ack: (reply: unknown) => void) => ack(payload));
          socket.on("join", (room: string) => void socket.join(room));
          socket.on(
            "shout",
            (room: string, text: string) => void socket.to(room).emit("heard", text),
          );
        });
        http.listen(0, "127.0.0.1");
        await once(http, "listening");
        const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
        const a = ioClient(url, { transports, forceNew: true });
        const b = ioClient(url, { transports, forceNew: true });
        await Promise.all([connected(a), connected(b)]);
        if (transports.length === 2) {
          // Upgraded from long-polling to WebSocket through the facade.
          while (
            a.io.engine.transport.name !== "websocket" ||
            b.io.engine.transport.name !== "websocket"
          ) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
        // The engine is the facade.
        assert.ok((io.engine as unknown as { ws: unknown }).ws instanceof WebSocketServer);
        const binary = Buffer.from([0, 1, 2, 255]);
        const reply = await a.emitWithAck("echo", { text: "héllo", binary });
        assert.equal(reply.text, "héllo");
        assert.deepEqual(Buffer.from(reply.binary), binary);
        b.emit("join", "room");
        await b.emitWithAck("echo", "sync"); // the join is done
        const heard = new Promise((resolve) => b.once("heard", resolve));
        a.emit("shout", "room", "to the room");
        assert.equal(await heard, "to the room");
        a.disconnect();
        b.disconnect();
        while (io.of("/").sockets.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        await new Promise((resolve) => io.close(resolve));
      },
    );
  }

  test("an Express app: HTTP routes and a WebSocket path on one server", T, async () => {
    const app = express();
    app.get("/", (_req, res) => void res.send("hello over HTTP"));
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const wss = new WebSocketServer({ server, path: "/ws" });
    wss.on("connection", (ws) =>
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })),
    );
    const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    assert.equal(await (await fetch(`http://${base}/`)).text(), "hello over HTTP");
    const ws = await open(new RealWebSocket(`ws://${base}/ws?token=1`));
    ws.send("through express");
    const [data] = (await next(ws, "message")) as [Buffer];
    assert.equal(data.toString(), "through express");
    ws.close();
    await closed(ws);
    // Another path is refused (400), as ws does with `path`.
    const other = new WebSocket(`ws://${base}/elsewhere`);
    const [error] = (await next(other, "error")) as [Error];
    assert.equal(error.message, "Unexpected server response: 400");
    await closeServer(wss);
    server.close();
  });

  test("a Fastify app: handleUpgrade from the server's upgrade event", T, async () => {
    const fastify = Fastify();
    fastify.get("/health", async () => ({ ok: true }));
    const wss = new WebSocketServer({ noServer: true });
    wss.on("connection", (ws, request) => ws.send(`hello ${request.url}`));
    fastify.server.on("upgrade", (request, socket, head) => {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
    });
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    const base = `127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    assert.deepEqual(await (await fetch(`http://${base}/health`)).json(), { ok: true });
    const ws = new WebSocket(`ws://${base}/live`);
    const [data] = (await next(ws, "message")) as [Buffer];
    assert.equal(data.toString(), "hello /live");
    ws.close();
    await closed(ws);
    await closeServer(wss);
    await fastify.close();
  });
});
