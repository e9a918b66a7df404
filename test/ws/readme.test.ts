// ws's README examples (and doc/ws.md's verifyClient), run against the facade:
// the code is ws's, only the import changed. Real ws clients talk to the
// facade's servers and the facade's clients to them, so each side is checked
// against the real thing.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import RealWebSocket from "ws";
import WebSocket, {
  createWebSocketStream,
  type VerifyClientCallback,
  type VerifyClientInfo,
  WebSocketServer,
} from "../../src/ws/index.js";
import { closed, closeServer, listening, next, open } from "./helpers.js";

const T = { timeout: 10_000 };

describe("ws README examples on websocket-sansio/ws", () => {
  test("simple server, sending and receiving text data", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => {
      ws.on("error", assert.fail);
      ws.on("message", (data) => ws.send(`received: ${data}`));
      ws.send("something");
    });
    for (const Client of [WebSocket, RealWebSocket] as const) {
      // The facade's class and ws's, driven by the same code.
      const ws = new (Client as typeof RealWebSocket)(url);
      const received: string[] = [];
      ws.on("open", () => ws.send("hello"));
      ws.on("message", (data: Buffer) => {
        received.push(data.toString());
        if (received.length === 2) ws.close();
      });
      await closed(ws);
      assert.deepEqual(received, ["something", "received: hello"], Client.name);
    }
    await closeServer(wss);
  });

  test("echo with binary data, isBinary kept", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    const ws = await open(new RealWebSocket(url));
    const array = new Float32Array(5).map((_, i) => i / 2);
    ws.send(array);
    const [data, isBinary] = (await next(ws, "message")) as [Buffer, boolean];
    assert.equal(isBinary, true);
    assert.deepEqual(
      new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)),
      array,
    );
    ws.close();
    await closed(ws);
    await closeServer(wss);
  });

  test("external HTTP server", T, async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on("connection", (ws) => ws.send("hi from http"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const ws = new RealWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const [data] = (await next(ws, "message")) as [Buffer];
    assert.equal(data.toString(), "hi from http");
    ws.close();
    await closed(ws);
    await closeServer(wss);
    server.close();
  });

  test("multiple servers sharing a single HTTP server (noServer, handleUpgrade)", T, async () => {
    const server = createServer();
    const wss1 = new WebSocketServer({ noServer: true });
    const wss2 = new WebSocketServer({ noServer: true });
    wss1.on("connection", (ws) => ws.send("one"));
    wss2.on("connection", (ws) => ws.send("two"));
    server.on("upgrade", (request, socket, head) => {
      const { pathname } = new URL(request.url ?? "/", "wss://base.url");
      if (pathname === "/foo") {
        wss1.handleUpgrade(request, socket, head, (ws) => wss1.emit("connection", ws, request));
      } else if (pathname === "/bar") {
        wss2.handleUpgrade(request, socket, head, (ws) => wss2.emit("connection", ws, request));
      } else {
        socket.destroy();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [path, expected] of [
      ["/foo", "one"],
      ["/bar", "two"],
    ]) {
      const ws = new WebSocket(`${base}${path}`);
      const [data] = (await next(ws, "message")) as [Buffer];
      assert.equal(data.toString(), expected);
      ws.close();
      await closed(ws);
    }
    const refused = new RealWebSocket(`${base}/other`);
    refused.on("error", () => {});
    await closed(refused);
    await Promise.all([closeServer(wss1), closeServer(wss2)]);
    server.close();
  });

  test("client authentication before handleUpgrade", T, async () => {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    wss.on("connection", (ws, request) => ws.send(`hello ${request.headers.authorization}`));
    server.on("upgrade", (request, socket, head) => {
      socket.on("error", () => {});
      if (request.headers.authorization !== "token") {
        socket.write("HTTP/1.1 401 Unauthorized\r\n\r\n");
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const denied = new WebSocket(url);
    const [error] = (await next(denied, "error")) as [Error];
    assert.equal(error.message, "Unexpected server response: 401");
    const ws = new WebSocket(url, { headers: { authorization: "token" } });
    const [data] = (await next(ws, "message")) as [Buffer];
    assert.equal(data.toString(), "hello token");
    ws.close();
    await closed(ws);
    await closeServer(wss);
    server.close();
  });

  test("server broadcast to every other client", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => {
        for (const client of wss.clients!) {
          if (client !== ws && client.readyState === WebSocket.OPEN)
            client.send(data, { binary: isBinary });
        }
      });
    });
    const clients = await Promise.all([0, 1, 2].map(() => open(new WebSocket(url))));
    while (wss.clients!.size < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const got = clients.slice(1).map((c) => next<[Buffer, boolean]>(c, "message"));
    let echoed = false;
    clients[0]!.on("message", () => (echoed = true));
    clients[0]!.send("to all");
    for (const [data, isBinary] of await Promise.all(got)) {
      assert.equal(data.toString(), "to all");
      assert.equal(isBinary, false);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(echoed, false);
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => closed(c)));
    await closeServer(wss);
  });

  test("the isAlive heartbeat terminates a client that stopped answering pings", T, async () => {
    const { wss, url } = await listening();
    const alive = new Map<WebSocket, boolean>();
    wss.on("connection", (ws) => {
      alive.set(ws, true);
      ws.on("pong", () => alive.set(ws, true));
    });
    const interval = setInterval(() => {
      for (const ws of wss.clients!) {
        if (alive.get(ws) === false) {
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        ws.ping();
      }
    }, 50);
    wss.on("close", () => clearInterval(interval));
    // One client answers pings, the other is stuck (ws's own client with autoPong off).
    const healthy = await open(new RealWebSocket(url));
    const stuck = await open(new RealWebSocket(url, { autoPong: false }));
    let pings = 0;
    stuck.on("ping", () => pings++);
    const { code } = await closed(stuck);
    assert.equal(code, 1006);
    assert.ok(pings >= 1);
    assert.equal(healthy.readyState, RealWebSocket.OPEN);
    // The server's side of the stuck client closes when its socket does.
    while (wss.clients!.size > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    healthy.close();
    await closed(healthy);
    await closeServer(wss);
  });

  test("client-side heartbeat: a ping event with its payload", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => ws.ping("beat"));
    const ws = new WebSocket(url);
    const [payload] = (await next(ws, "ping")) as [Buffer];
    assert.equal(payload.toString(), "beat");
    ws.close();
    await closed(ws);
    await closeServer(wss);
  });

  test(
    "verifyClient refuses synchronously (401) and asynchronously (code, message, headers)",
    T,
    async () => {
      const { wss, url } = await listening({
        verifyClient: (info: VerifyClientInfo, done: VerifyClientCallback) => {
          setTimeout(() => {
            if (info.req.url === "/ok") done(true);
            else done(false, 403, "Go away", { "X-Reason": "test" });
          }, 1);
        },
      });
      const refused = new RealWebSocket(`${url}/no`);
      const [, response] = (await next(refused, "unexpected-response")) as [
        unknown,
        { statusCode: number; headers: Record<string, string>; on: Function },
      ];
      assert.equal(response.statusCode, 403);
      assert.equal(response.headers["x-reason"], "test");
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk));
      await once(response as never, "end");
      assert.equal(body, "Go away");
      refused.on("error", () => {}); // terminate() while CONNECTING reports an error, as in ws
      refused.terminate();
      const ok = await open(new RealWebSocket(`${url}/ok`));
      ok.close();
      await closed(ok);
      await closeServer(wss);

      const sync = await listening({ verifyClient: () => false });
      const denied = new WebSocket(sync.url);
      const closing = closed(denied); // emitted right after `error`, as in ws
      const [error] = (await next(denied, "error")) as [Error];
      assert.equal(error.message, "Unexpected server response: 401");
      assert.equal((await closing).code, 1006);
      await closeServer(sync.wss);
    },
  );

  test("createWebSocketStream pipes both ways", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => {
      const duplex = createWebSocketStream(ws);
      duplex.pipe(duplex); // echo through the stream API
    });
    const ws = new WebSocket(url);
    const duplex = createWebSocketStream(ws, { encoding: "utf8" });
    duplex.write("piped ");
    duplex.write("data");
    let text = "";
    duplex.on("data", (chunk: string) => {
      text += chunk;
      if (text === "piped data") duplex.end();
    });
    await once(duplex, "close");
    assert.equal(text, "piped data");
    assert.equal(ws.readyState, WebSocket.CLOSED);
    await closeServer(wss);
  });
});
