// The facade's WebSocket beyond the README: binaryType, pause/resume, the DOM-style
// events, protocol errors with ws's codes, compression with ws, client options.

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createNetServer, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import RealWebSocket, { WebSocketServer as RealServer } from "ws";
import WebSocket, { WebSocketServer } from "../../src/ws/index.js";
import { closed, closeServer, listening, next, open } from "./helpers.js";

const T = { timeout: 10_000 };

async function realServer(
  options: Record<string, unknown> = {},
): Promise<{ wss: RealServer; url: string }> {
  const wss = new RealServer({ host: "127.0.0.1", port: 0, ...options });
  await once(wss, "listening");
  const address = wss.address();
  return {
    wss,
    url: `ws://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`,
  };
}

describe("ws facade: WebSocket", () => {
  test("binaryType: nodebuffer, arraybuffer, fragments, blob", T, async () => {
    const { wss, url } = await realServer();
    wss.on("connection", (ws) =>
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })),
    );
    const ws = await open(new WebSocket(url));
    const payload = Buffer.from([1, 2, 3]);
    const seen: string[] = [];
    for (const type of ["nodebuffer", "arraybuffer", "fragments", "blob"] as const) {
      ws.binaryType = type;
      ws.send(payload);
      const [data, isBinary] = (await next(ws, "message")) as [unknown, boolean];
      assert.equal(isBinary, true);
      if (type === "nodebuffer") assert.ok(Buffer.isBuffer(data));
      if (type === "arraybuffer") assert.ok(data instanceof ArrayBuffer);
      if (type === "fragments") assert.ok(Array.isArray(data) && Buffer.isBuffer(data[0]));
      if (type === "blob") assert.ok(data instanceof Blob);
      seen.push(type);
    }
    ws.binaryType = "bogus" as never; // ignored, as in ws
    assert.equal(ws.binaryType, "blob");
    ws.close();
    await closed(ws);
    await closeServer(wss);
  });

  test("pause() holds messages until resume()", T, async () => {
    const { wss, url } = await listening();
    let server: WebSocket | undefined;
    wss.on("connection", (ws) => (server = ws));
    const ws = await open(new RealWebSocket(url));
    while (server === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const received: string[] = [];
    server.on("message", (data) => received.push(String(data)));
    server.pause();
    assert.equal(server.isPaused, true);
    ws.send("held");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(received, []);
    server.resume();
    assert.equal(server.isPaused, false);
    await next(server, "message");
    assert.deepEqual(received, ["held"]);
    ws.close();
    await closed(ws);
    await closeServer(wss);
  });

  test("addEventListener and on<event> attributes with ws's event objects", T, async () => {
    const { wss, url } = await listening();
    wss.on("connection", (ws) => {
      ws.send("text");
      ws.send(Buffer.from("bin"));
      ws.close(4001, "why");
    });
    const ws = new WebSocket(url);
    const events: string[] = [];
    const onMessage = (event: { data: unknown }) =>
      events.push(`message ${typeof event.data === "string" ? event.data : "binary"}`);
    ws.addEventListener("message", onMessage);
    ws.addEventListener("message", onMessage); // counted once, as in ws
    ws.onopen = (event) => events.push(`open ${(event as { type: string }).type}`);
    const done = new Promise<void>((resolve) => {
      ws.onclose = (event) => {
        const e = event as { code: number; reason: string; wasClean: boolean };
        events.push(`close ${e.code} ${e.reason} ${e.wasClean}`);
        resolve();
      };
    });
    await done;
    assert.deepEqual(events, [
      "open open",
      "message text",
      "message binary",
      "close 4001 why true",
    ]);
    assert.equal(typeof ws.onclose, "function");
    ws.removeEventListener("message", onMessage);
    assert.equal(ws.listenerCount("message"), 0);
    await closeServer(wss);
  });

  test(
    "a peer's protocol error: ws's error and code, the close code sent, then close 1006",
    T,
    async () => {
      const { wss, url } = await listening();
      const errors: Error[] = [];
      const closing = new Promise<number>((resolve) => {
        wss.on("connection", (ws) => {
          ws.on("error", (error) => errors.push(error));
          ws.on("close", (code) => resolve(code));
        });
      });
      // A raw client that sends an unmasked frame (RFC 6455 5.1: the server must fail it).
      const { port } = new URL(url);
      const socket = netConnect(Number(port), "127.0.0.1");
      await once(socket, "connect");
      socket.write(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      const chunks: Buffer[] = [];
      socket.on("data", (chunk) => {
        chunks.push(chunk);
        if (chunks.length === 1) socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
      });
      socket.on("error", () => {});
      assert.equal(await closing, 1006);
      assert.equal(errors.length, 1);
      const error = errors[0] as RangeError & { code: string; closeCode: number };
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "Invalid WebSocket frame: MASK must be set");
      assert.equal(error.code, "WS_ERR_EXPECTED_MASK");
      assert.equal(error.closeCode, 1002);
      const wire = Buffer.concat(chunks);
      const close = wire.subarray(wire.indexOf("\r\n\r\n") + 4);
      assert.equal(close[0], 0x88);
      assert.equal(close.readUInt16BE(2), 1002);
      socket.destroy();
      await closeServer(wss);
    },
  );

  test(
    "permessage-deflate with ws both ways (client offers by default, server when asked)",
    T,
    async () => {
      const { wss, url } = await listening({ perMessageDeflate: true });
      wss.on("connection", (ws) =>
        ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })),
      );
      const big = "compressible ".repeat(1000);
      for (const Client of [WebSocket, RealWebSocket] as const) {
        const ws = await open(new (Client as typeof RealWebSocket)(url));
        assert.equal(ws.extensions, "permessage-deflate", Client.name);
        ws.send(big);
        const [data] = (await next(ws, "message")) as [Buffer];
        assert.equal(data.toString(), big);
        ws.close();
        await closed(ws);
      }
      await closeServer(wss);
      const plain = await listening();
      const ws = await open(new RealWebSocket(plain.url));
      assert.equal(ws.extensions, "", "no compression on the server by default, as ws");
      ws.close();
      await closed(ws);
      await closeServer(plain.wss);
    },
  );

  test(
    "client errors: the runtime's error when refused, ws's on timeout and unexpected responses",
    T,
    async () => {
      // Nothing listens on this port.
      const probe = createNetServer();
      probe.listen(0, "127.0.0.1");
      await once(probe, "listening");
      const port = (probe.address() as { port: number }).port;
      probe.close();
      const refused = new WebSocket(`ws://127.0.0.1:${port}/`);
      const [error] = (await next(refused, "error")) as [Error & { code: string }];
      assert.equal(error.code, "ECONNREFUSED");

      // A server that accepts TCP and never answers.
      const silent = createNetServer(() => {});
      silent.listen(0, "127.0.0.1");
      await once(silent, "listening");
      const slow = new WebSocket(`ws://127.0.0.1:${(silent.address() as { port: number }).port}/`, {
        handshakeTimeout: 50,
      });
      const [timeout] = (await next(slow, "error")) as [Error];
      assert.equal(timeout.message, "Opening handshake has timed out");
      silent.close();

      const { wss, url } = await listening({ verifyClient: () => false });
      const unexpected = new WebSocket(url);
      const [, response] = (await next(unexpected, "unexpected-response")) as [
        unknown,
        { statusCode: number },
      ];
      assert.equal(response.statusCode, 401);
      await closeServer(wss);
    },
  );

  test("ws+unix: URLs, headers, origin and the subprotocol", T, async () => {
    const socketPath = join(tmpdir(), `ws-facade-${process.pid}-${Date.now()}.sock`);
    const { createServer } = await import("node:http");
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on("connection", (ws, request) =>
      ws.send(
        `${request.url} ${request.headers["x-token"]} ${request.headers.origin} ${ws.protocol}`,
      ),
    );
    http.listen(socketPath);
    await once(http, "listening");
    const ws = new WebSocket(`ws+unix:${socketPath}:/chat?x=1`, ["v2", "v1"], {
      headers: { "X-Token": "abc" },
      origin: "https://example.com",
    });
    const [data] = (await next(ws, "message")) as [Buffer];
    assert.equal(data.toString(), "/chat?x=1 abc https://example.com v2");
    assert.equal(ws.protocol, "v2");
    ws.close();
    await closed(ws);
    await closeServer(wss);
    http.close();
  });
});
