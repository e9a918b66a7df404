// Our server over HTTP/2: raw node:http2 clients send what a peer may
// (good, bad, floods), and our client checks what a WebSocket sees.

import assert from "node:assert/strict";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  createSecureServer,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { httpAnswers } from "../../src/cli/http-answers.js";
import { page } from "../../src/cli/page.js";
import { Opcode } from "../../src/core/frame.js";
import { connect, type NodeServer, type NodeServerOptions, serve } from "../../src/node/index.js";
import { clientFrame, parseFrames } from "../helpers/wire.js";
import {
  echo,
  PYTHON,
  portOf,
  roundTrip,
  run,
  selfSigned,
  skipWithoutPython,
  sleep,
} from "../node/helpers.js";

const tls = selfSigned();
const skipH2 = await skipWithoutPython("h2", "python3-h2");
// Python fixtures live beside this file's source (the build does not copy them).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../test/http2/fixtures");
const T = { timeout: 20_000 };

async function tlsServer(options: NodeServerOptions = {}, handler = echo): Promise<NodeServer> {
  return serve(handler, { host: "127.0.0.1", port: 0, tls, ...options });
}

/** A raw HTTP/2 session to `server`, once its SETTINGS arrived. */
async function session(server: NodeServer, secure = true): Promise<ClientHttp2Session> {
  const origin = `${secure ? "https" : "http"}://127.0.0.1:${portOf(server.address)}`;
  const s = http2Connect(origin, { rejectUnauthorized: false });
  s.on("error", () => {});
  await new Promise((resolve) => s.once("remoteSettings", resolve));
  return s;
}

const WEBSOCKET: OutgoingHttpHeaders = {
  ":method": "CONNECT",
  ":protocol": "websocket",
  ":scheme": "https",
  ":path": "/",
  ":authority": "127.0.0.1",
  "sec-websocket-version": "13",
};

/** Sends a request head; resolves with the response head and the whole body. */
function request(
  s: ClientHttp2Session,
  head: OutgoingHttpHeaders,
): Promise<{ headers: IncomingHttpHeaders; body: string; stream: ClientHttp2Stream }> {
  const stream = s.request(head, { endStream: head[":method"] !== "CONNECT" });
  return new Promise((resolve, reject) => {
    let body = "";
    stream.on("error", reject);
    stream.once("response", (headers) => {
      if (headers[":status"] === 200 && head[":method"] === "CONNECT") {
        resolve({ headers, body, stream });
        return;
      }
      stream.on("data", (chunk: Buffer) => void (body += chunk.toString()));
      stream.on("end", () => {
        // A CONNECT stream stays open on our side until we end it.
        stream.close();
        resolve({ headers, body, stream });
      });
    });
  });
}

describe("serving WebSockets over HTTP/2", () => {
  test(
    "advertises extended CONNECT and the stream limit, and echoes over a stream",
    T,
    async () => {
      const server = await tlsServer({ maxConcurrentStreams: 7 });
      const s = await session(server);
      try {
        assert.equal(s.remoteSettings.enableConnectProtocol, true);
        assert.equal(s.remoteSettings.maxConcurrentStreams, 7);
        // 64 KiB frames: a 16 KiB message in one DATA frame.
        assert.equal(s.remoteSettings.maxFrameSize, 65_536);
        const { headers, stream } = await request(s, WEBSOCKET);
        assert.equal(headers[":status"], 200);
        assert.equal(headers["sec-websocket-accept"], undefined);
        // A client frame in, the echo out: the framing is RFC 6455's.
        stream.write(clientFrame({ opcode: Opcode.TEXT, payload: "over h2" }));
        const [reply] = await new Promise<Buffer[]>((resolve) =>
          stream.once("data", (d) => resolve([d])),
        );
        assert.deepEqual(
          parseFrames(reply!).map((f) => [f.opcode, new TextDecoder().decode(f.payload)]),
          [[Opcode.TEXT, "over h2"]],
        );
        // A close frame: the echo, then END_STREAM.
        stream.write(clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8] }));
        stream.end();
        const rest: Buffer[] = [];
        stream.on("data", (d: Buffer) => rest.push(d));
        await new Promise((resolve) => stream.once("close", resolve));
        assert.equal(stream.rstCode, constants.NGHTTP2_NO_ERROR);
        assert.deepEqual(
          parseFrames(Buffer.concat(rest)).map((f) => f.opcode),
          [Opcode.CLOSE],
        );
      } finally {
        s.destroy();
        await server.close();
      }
    },
  );

  test("answers bad requests as HTTP/2 responses: 400, 405, 426, 403, 501", T, async () => {
    const server = await tlsServer({ origins: ["https://ok.example"] });
    const s = await session(server);
    try {
      const ok = { ...WEBSOCKET, origin: "https://ok.example" };
      // CONNECT without :protocol: a tunnel, which we never open.
      const tunnel = await request(s, { ":method": "CONNECT", ":authority": "127.0.0.1:1" });
      assert.equal(tunnel.headers[":status"], 400);
      assert.match(tunnel.body, /CONNECT without :protocol/);
      const get = await request(s, { ":method": "GET", ":path": "/" });
      assert.equal(get.headers[":status"], 405);
      assert.equal(get.headers.allow, "CONNECT");
      const version = await request(s, { ...ok, "sec-websocket-version": "8" });
      assert.equal(version.headers[":status"], 426);
      assert.equal(version.headers["sec-websocket-version"], "13");
      const origin = await request(s, { ...WEBSOCKET, origin: "https://evil.example" });
      assert.equal(origin.headers[":status"], 403);
      const other = await request(s, { ...ok, ":protocol": "webtransport" });
      assert.equal(other.headers[":status"], 501);
      // The session survived all of it.
      const { headers } = await request(s, ok);
      assert.equal(headers[":status"], 200);
    } finally {
      s.destroy();
      await server.close();
    }
  });

  test("runs the same hooks as over HTTP/1.1", T, async () => {
    const seen: (number | undefined)[] = [];
    const server = await tlsServer({}, async (connection) => {
      seen.push(connection.response?.status);
      await echo(connection);
    });
    const plain = await session(server);
    await request(plain, WEBSOCKET);
    plain.destroy();
    await server.close();
    // The 200 was not kept (idle memory) and is built again when asked for.
    assert.deepEqual(seen, [200]);
    await hooks();
  });

  async function hooks(): Promise<void> {
    const server = await tlsServer({
      subprotocols: ["chat"],
      processRequest: (request, connection) => {
        if (request.target === "/healthz") return connection.reject(200, "OK\n");
        if (request.headers.get("authorization") !== "Bearer x") return connection.reject(401);
        return undefined;
      },
      processResponse: (_request, response) => {
        response.headers.set("X-Hook", "yes");
      },
    });
    const s = await session(server);
    try {
      const health = await request(s, { ":method": "GET", ":path": "/healthz" });
      assert.deepEqual([health.headers[":status"], health.body], [200, "OK\n"]);
      const denied = await request(s, WEBSOCKET);
      assert.equal(denied.headers[":status"], 401);
      const { headers } = await request(s, {
        ...WEBSOCKET,
        authorization: "Bearer x",
        "sec-websocket-protocol": "other, chat",
      });
      assert.equal(headers[":status"], 200);
      assert.equal(headers["x-hook"], "yes");
      assert.equal(headers["sec-websocket-protocol"], "chat");
    } finally {
      s.destroy();
      await server.close();
    }
  }

  test(
    "serves HTTP/1.1 and HTTP/2 on one TLS port, and h2c beside HTTP/1.1 when asked",
    T,
    async () => {
      for (const secure of [true, false]) {
        const server = await serve(echo, {
          host: "127.0.0.1",
          port: 0,
          ...(secure ? { tls } : { h2c: true }),
        });
        try {
          const url = `${secure ? "wss" : "ws"}://127.0.0.1:${portOf(server.address)}/`;
          const options = { tls: { rejectUnauthorized: false } };
          const h1 = await connect(url, options);
          const h2 = await connect(url, { ...options, http2: true });
          assert.equal(h1.response?.status, 101);
          assert.equal(h2.response?.status, 200);
          for (const client of [h1, h2]) await roundTrip(client, "both");
        } finally {
          await server.close();
        }
      }
    },
  );

  test("closes gracefully: 1001 to every WebSocket, then the sessions end", T, async () => {
    const server = await tlsServer();
    const url = `wss://127.0.0.1:${portOf(server.address)}/`;
    const clients = await Promise.all(
      Array.from({ length: 5 }, () =>
        connect(url, { http2: true, tls: { rejectUnauthorized: false } }),
      ),
    );
    assert.equal(server.connections.size, 5);
    await server.close();
    for (const client of clients) {
      assert.deepEqual(await client.closed, {
        code: 1001,
        reason: "Server shutting down",
        wasClean: true,
      });
    }
  });

  test("refuses a bad maxConcurrentStreams when it starts, not on a connection", T, async () => {
    await assert.rejects(
      serve(echo, { host: "127.0.0.1", port: 0, h2c: true, maxConcurrentStreams: -1 }),
      (error: Error) =>
        error instanceof RangeError && /maxConcurrentStreams -1/.test(error.message),
    );
  });

  test("holds streams over maxConcurrentStreams back; the others are unharmed", T, async () => {
    const server = await tlsServer({ maxConcurrentStreams: 3 });
    const s = await session(server);
    try {
      const open = await Promise.all([1, 2, 3].map(() => request(s, WEBSOCKET)));
      // The client must wait for a free stream (RFC 9113 5.1.2); Node's does.
      let fourthOpened = false;
      const fourth = request(s, WEBSOCKET).then((result) => {
        fourthOpened = true;
        return result;
      });
      await sleep(200);
      assert.equal(fourthOpened, false);
      assert.equal(server.connections.size, 3);
      const { stream } = open[0]!;
      stream.write(clientFrame({ opcode: Opcode.TEXT, payload: "still here" }));
      const reply = await new Promise<Buffer>((resolve) => stream.once("data", resolve));
      assert.equal(new TextDecoder().decode(parseFrames(reply)[0]!.payload), "still here");
      open[1]!.stream.close(constants.NGHTTP2_CANCEL);
      assert.equal((await fourth).headers[":status"], 200);
    } finally {
      s.destroy();
      await server.close();
    }
  });

  test("a stream flood past maxConcurrentStreams is refused; the server goes on", {
    ...T,
    skip: skipH2,
  }, async () => {
    const server = await serve(echo, {
      host: "127.0.0.1",
      port: 0,
      h2c: true,
      maxConcurrentStreams: 50,
    });
    try {
      // A raw client (Python h2) that ignores the limit and opens 300 streams at once.
      const { stdout } = await run(
        PYTHON,
        [join(FIXTURES, "h2_flood.py"), String(portOf(server.address)), "300"],
        15_000,
      );
      const flood = JSON.parse(stdout) as Record<string, number | boolean | null>;
      assert.equal(flood["max"], 50);
      assert.equal(flood["connect"], 1);
      // At most the limit became WebSockets; the rest were refused (RST_STREAM),
      // or the session was cut off (GOAWAY).
      assert.ok((flood["ok"] as number) <= 50, stdout);
      assert.ok((flood["refused"] as number) > 0 || flood["goaway"] === true, stdout);
      const client = await connect(`ws://127.0.0.1:${portOf(server.address)}/`, { http2: true });
      await roundTrip(client, "after the flood");
    } finally {
      await server.close();
    }
  });

  test("survives rapid resets (CVE-2023-44487): other sessions keep working", T, async () => {
    const server = await tlsServer({ maxConcurrentStreams: 100 });
    const attacker = await session(server);
    const url = `wss://127.0.0.1:${portOf(server.address)}/`;
    const victim = await connect(url, { http2: true, tls: { rejectUnauthorized: false } });
    try {
      // Open and cancel streams as fast as the client can: each one costs the
      // server a handshake unless it cuts the session off.
      for (let i = 0; i < 1000 && !attacker.destroyed && !attacker.closed; i++) {
        const stream = attacker.request(WEBSOCKET, { endStream: false });
        stream.on("error", () => {});
        stream.close(constants.NGHTTP2_CANCEL);
        if (i % 100 === 99) await sleep(0);
      }
      await sleep(200);
      await victim.send("fine");
      assert.equal(await victim.recv(), "fine");
      // Every cancelled stream's connection is gone; only the victim's is left.
      for (let i = 0; i < 50 && server.connections.size > 1; i++) await sleep(20);
      assert.equal(server.connections.size, 1);
    } finally {
      attacker.destroy();
      await victim.close();
      await server.close();
    }
  });

  test("a stream whose reader stops backs up that stream only", T, async () => {
    const chunk = new Uint8Array(64 * 1024);
    let stuckSends = 0;
    const server = await tlsServer({ compression: null }, async (connection) => {
      if (connection.request?.target === "/flood") {
        // Sends until the stream's window and buffer are full, then waits.
        for (;;) {
          await connection.send(chunk);
          stuckSends++;
        }
      }
      await echo(connection);
    });
    const s = await session(server);
    try {
      const flood = await request(s, { ...WEBSOCKET, ":path": "/flood" });
      flood.stream.pause(); // never read: its window shuts
      await sleep(300);
      const sentBefore = stuckSends;
      // The window (64 KiB by default) plus the stream's buffer: well under 1 MiB.
      assert.ok(sentBefore < 16, `${sentBefore} sends went through`);
      const { stream } = await request(s, WEBSOCKET);
      for (let i = 0; i < 50; i++) {
        stream.write(clientFrame({ opcode: Opcode.TEXT, payload: `m${i}` }));
        const reply = await new Promise<Buffer>((resolve) => stream.once("data", resolve));
        assert.equal(new TextDecoder().decode(parseFrames(reply)[0]!.payload), `m${i}`);
      }
      assert.equal(stuckSends, sentBefore);
    } finally {
      s.destroy();
      await server.close();
    }
  });

  test(
    "attaches to an application's http2.createSecureServer beside its own requests",
    T,
    async () => {
      const app = createSecureServer({ ...tls, allowHTTP1: true }, (request, response) => {
        response.end(`app saw ${request.method} ${request.url}`);
      });
      await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
      const server = await serve(echo, { server: app });
      const port = (app.address() as { port: number }).port;
      const s = http2Connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
      s.on("error", () => {});
      try {
        await new Promise((resolve) => s.once("remoteSettings", resolve));
        assert.equal(s.remoteSettings.enableConnectProtocol, true);
        const page = await request(s, { ":method": "GET", ":path": "/page" });
        assert.equal(page.body, "app saw GET /page");
        const client = await connect(`wss://127.0.0.1:${port}/`, {
          http2: true,
          tls: { rejectUnauthorized: false },
        });
        await client.send("attached");
        assert.equal(await client.recv(), "attached");
        const tunnel = await request(s, { ":method": "CONNECT", ":authority": "127.0.0.1:1" });
        assert.equal(tunnel.headers[":status"], 405);
        await client.close();
      } finally {
        s.destroy();
        await server.close();
        await new Promise((resolve) => app.close(resolve));
      }
    },
  );

  test("closes an HTTP/2 connection that opens no stream within the open timeout", T, async () => {
    const server = await tlsServer({ openTimeoutMs: 200 });
    const s = await session(server);
    try {
      await new Promise((resolve) => s.once("close", resolve));
      // And one that opened a WebSocket in time keeps it.
      const client = await connect(`wss://127.0.0.1:${portOf(server.address)}/`, {
        http2: true,
        tls: { rejectUnauthorized: false },
      });
      await sleep(300);
      await roundTrip(client, "kept");
    } finally {
      s.destroy();
      await server.close();
    }
  });

  test(
    "the CLI's page at / and its health check over HTTP/2, beside its WebSocket",
    T,
    async () => {
      // The command line's request hook (src/cli/serve.ts), through serve() as there.
      const server = await tlsServer({ processRequest: httpAnswers(page("echo")) });
      const s = await session(server);
      try {
        const home = await request(s, { ":method": "GET", ":path": "/", ":scheme": "https" });
        assert.equal(home.headers[":status"], 200);
        assert.match(String(home.headers["content-type"]), /^text\/html/);
        assert.match(home.body, /^<!doctype html>/);
        assert.equal(home.headers["content-length"], String(Buffer.byteLength(home.body)));
        const health = await request(s, { ":method": "GET", ":path": "/healthz" });
        assert.deepEqual([health.headers[":status"], health.body], [200, "OK\n"]);
        const head = await request(s, { ":method": "HEAD", ":path": "/" });
        assert.deepEqual([head.headers[":status"], head.body], [200, ""]);
        const post = await request(s, { ":method": "POST", ":path": "/" });
        assert.equal(post.headers[":status"], 405);
        const missing = await request(s, { ":method": "GET", ":path": "/nothing" });
        assert.equal(missing.headers[":status"], 404);
        // And the page's WebSocket, on the same connection.
        const { headers } = await request(s, WEBSOCKET);
        assert.equal(headers[":status"], 200);
      } finally {
        s.destroy();
        await server.close();
      }
    },
  );

  test("a raw HTTP/1.1 handshake still works on the TLS port (ALPN http/1.1)", T, async () => {
    const server = await tlsServer();
    try {
      const client = await connect(`wss://127.0.0.1:${portOf(server.address)}/`, {
        tls: { rejectUnauthorized: false },
      });
      assert.equal(client.response?.status, 101);
      await client.close();
    } finally {
      await server.close();
    }
  });
});
