// The facade's WebSocketServer: options, hooks and events beyond the README.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { connect as netConnect } from "node:net";
import { describe, test } from "node:test";
import RealWebSocket from "ws";
import { WebSocketServer } from "../../src/ws/index.js";
import { closed, closeServer, listening, next, open } from "./helpers.js";

const T = { timeout: 10_000 };

/** Sends a raw upgrade request and resolves with the response head. */
async function rawHandshake(port: number, head: string): Promise<string> {
  const socket = netConnect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(head);
  let text = "";
  socket.on("data", (chunk) => (text += chunk));
  await new Promise((resolve) => socket.on("close", resolve));
  return text;
}

describe("ws facade: WebSocketServer", () => {
  test("one of port, server, noServer: ws's TypeError", () => {
    assert.throws(() => new WebSocketServer({}), {
      name: "TypeError",
      message: 'One and only one of the "port", "server", or "noServer" options must be specified',
    });
    const wss = new WebSocketServer({ noServer: true });
    assert.throws(() => wss.address(), { message: 'The server is operating in "noServer" mode' });
  });

  test("path: other paths get 400; the listening callback; address()", T, async () => {
    let called = false;
    const wss = new WebSocketServer(
      { host: "127.0.0.1", port: 0, path: "/ws" },
      () => (called = true),
    );
    await once(wss, "listening");
    assert.equal(called, true);
    const { port } = wss.address() as { port: number };
    const ok = await open(new RealWebSocket(`ws://127.0.0.1:${port}/ws?x=1`));
    ok.close();
    await closed(ok);
    const other = new RealWebSocket(`ws://127.0.0.1:${port}/other`);
    const [, response] = (await next(other, "unexpected-response")) as [
      unknown,
      { statusCode: number },
    ];
    assert.equal(response.statusCode, 400);
    other.on("error", () => {});
    other.terminate();
    // A plain HTTP request to ws's own server gets 426.
    const plain = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(plain.status, 426);
    await closeServer(wss);
  });

  test("the headers event adds response headers; clientTracking: false", T, async () => {
    const { wss, url } = await listening({ clientTracking: false });
    assert.equal(wss.clients, undefined);
    wss.on("headers", (headers, request) => {
      assert.equal(headers[0], "HTTP/1.1 101 Switching Protocols");
      headers.push(`Set-Cookie: seen=${request.url}`);
    });
    const ws = new RealWebSocket(`${url}/cookie`);
    const opened = once(ws, "open"); // emitted right after upgrade
    const [response] = (await next(ws, "upgrade")) as [{ headers: Record<string, string[]> }];
    assert.deepEqual(response.headers["set-cookie"], ["seen=/cookie"]);
    await opened;
    ws.close();
    await closed(ws);
    await closeServer(wss);
  });

  test("wsClientError gets ws's message, the socket and the request", T, async () => {
    const { wss, url } = await listening();
    const seen: string[] = [];
    wss.on("wsClientError", (error, socket, request) => {
      seen.push(`${error.message} ${request.url}`);
      socket.destroy();
    });
    const port = Number(new URL(url).port);
    await rawHandshake(
      port,
      "GET /bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert.deepEqual(seen, ["Missing or invalid Sec-WebSocket-Key header /bad"]);
    await closeServer(wss);
  });

  test(
    "shouldHandle can be overridden; handleUpgrade twice with one socket throws",
    T,
    async () => {
      class Only extends WebSocketServer {
        override shouldHandle(request: { url?: string | undefined }): boolean {
          return request.url === "/mine";
        }
      }
      const http = createServer();
      const wss = new Only({ noServer: true });
      let thrown: Error | undefined;
      http.on("upgrade", (request, socket, head) => {
        wss.handleUpgrade(request, socket, head, (ws) => ws.close());
        try {
          wss.handleUpgrade(request, socket, head, () => {});
        } catch (error) {
          thrown = error as Error;
        }
      });
      http.listen(0, "127.0.0.1");
      await once(http, "listening");
      const port = (http.address() as { port: number }).port;
      const mine = new RealWebSocket(`ws://127.0.0.1:${port}/mine`);
      await closed(mine);
      assert.match(thrown?.message ?? "", /called more than once with the same socket/);
      const other = new RealWebSocket(`ws://127.0.0.1:${port}/other`);
      other.on("error", () => {});
      const [, response] = (await next(other, "unexpected-response")) as [
        unknown,
        { statusCode: number },
      ];
      assert.equal(response.statusCode, 400);
      other.terminate();
      await closeServer(wss);
      http.close();
    },
  );

  test(
    "close(): clients stay open, close is emitted when they are gone; a second close errors",
    T,
    async () => {
      const http = createServer();
      const wss = new WebSocketServer({ server: http });
      http.listen(0, "127.0.0.1");
      await once(http, "listening");
      const ws = await open(
        new RealWebSocket(`ws://127.0.0.1:${(http.address() as { port: number }).port}/`),
      );
      let serverClosed = false;
      wss.close(() => (serverClosed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(serverClosed, false);
      assert.equal(ws.readyState, RealWebSocket.OPEN);
      ws.close();
      await closed(ws);
      while (!serverClosed) await new Promise((resolve) => setTimeout(resolve, 5));
      const error = await new Promise<Error | undefined>((resolve) => wss.close(resolve));
      assert.equal(error?.message, "The server is not running");
      http.close();
    },
  );
});
