// `websocket-sansio serve` as a child process: echo and broadcast, the page at
// `/`, permessage-deflate, TLS, logs, and a graceful stop on SIGINT/SIGTERM.

import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { UsageError } from "../../src/cli/exit.js";
import { parseServeArgs } from "../../src/cli/serve.js";
import { connect } from "../../src/node/index.js";
import { selfSigned } from "../node/helpers.js";
import { runCli, startServe } from "./helpers.js";

function fetchText(
  port: number,
  path: string,
  method = "GET",
): Promise<{
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: "127.0.0.1", port, path, method, timeout: 5000 },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => void (body += chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("timeout", () => request.destroy(new Error("HTTP request timed out")));
    request.on("error", reject);
    request.end();
  });
}

describe("serve: arguments", () => {
  test("defaults and options", () => {
    assert.deepEqual(parseServeArgs([]), {
      host: "127.0.0.1",
      port: 8765,
      broadcast: false,
      tls: undefined,
      compression: true,
      redis: undefined,
      redisCluster: undefined,
      workers: 1,
    });
    const parsed = parseServeArgs(["--host", "::1", "-p", "0", "-b", "--no-compression"]);
    assert.ok(parsed !== "help");
    assert.equal(parsed.host, "::1");
    assert.equal(parsed.port, 0);
    assert.equal(parsed.broadcast, true);
    assert.equal(parsed.compression, false);
    const fanout = parseServeArgs(["-b", "--redis", "redis://10.0.0.1:6379", "--workers", "4"]);
    assert.ok(fanout !== "help");
    assert.equal(fanout.redis, "redis://10.0.0.1:6379");
    assert.equal(fanout.workers, 4);
    const sharded = parseServeArgs([
      "-b",
      "--redis-cluster",
      "redis://10.0.0.1:7000, redis://10.0.0.2:7000",
    ]);
    assert.ok(sharded !== "help");
    assert.deepEqual(sharded.redisCluster, ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]);
    assert.equal(sharded.redis, undefined);
    assert.equal(parseServeArgs(["-h"]), "help");
  });

  test("mistakes are usage errors", () => {
    for (const args of [
      ["--port", "http"],
      ["--port", "65536"],
      ["--port", "-1"],
      ["--cert", "only-cert.pem"],
      ["--cert", "/nonexistent/cert.pem", "--key", "/nonexistent/key.pem"],
      ["extra"],
      ["--frobnicate"],
      ["--redis", "redis://127.0.0.1:6379"], // without --broadcast
      ["-b", "--redis", "127.0.0.1:6379"],
      ["--redis-cluster", "redis://127.0.0.1:7000"], // without --broadcast
      ["-b", "--redis-cluster", "redis://127.0.0.1:7000,127.0.0.1:7001"],
      ["-b", "--redis", "redis://127.0.0.1:6379", "--redis-cluster", "redis://127.0.0.1:7000"],
      ["--workers", "0"],
      ["--workers", "two"],
    ]) {
      assert.throws(() => parseServeArgs(args), UsageError, JSON.stringify(args));
    }
  });

  test("a port in use exits 3 with a clear message", async () => {
    const listener = createNetServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const address = listener.address();
    assert.ok(address !== null && typeof address === "object");
    try {
      const result = await runCli(["serve", "--port", String(address.port)]);
      assert.equal(result.status, 3);
      assert.match(result.stderr, /Cannot listen on 127\.0\.0\.1:\d+: address already in use/);
    } finally {
      listener.close();
    }
  });
});

describe("serve: echo", () => {
  test("echoes text and binary with permessage-deflate, logs opens and closes", async () => {
    const server = await startServe();
    try {
      const client = await connect(`ws://127.0.0.1:${server.port}/`, {
        compression: [
          (await import("../../src/node/permessage-deflate.js")).permessageDeflate().client,
        ],
      });
      assert.deepEqual(
        client.extensions.map((e) => e.name),
        ["permessage-deflate"],
      );
      await client.send("hello");
      assert.equal(await client.recv(), "hello");
      await client.send(new Uint8Array([1, 2, 3]));
      assert.deepEqual(await client.recv(), new Uint8Array([1, 2, 3]));
      const big = "é".repeat(300_000); // 600 kB, under the 1 MiB default
      await client.send(big);
      assert.equal(await client.recv(), big);
      await client.close(1000, "done");
      await server.waitForLog(/127\.0\.0\.1:\d+ connected \(permessage-deflate\)/);
      await server.waitForLog(/127\.0\.0\.1:\d+ closed 1000 \(normal closure\) "done"/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test("--no-compression negotiates no extension", async () => {
    const server = await startServe(["--no-compression"]);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
      await once(ws, "open");
      assert.equal(ws.extensions, "");
      ws.send("plain");
      const [data] = await once(ws, "message");
      assert.equal(String(data), "plain");
      ws.close();
      await once(ws, "close");
    } finally {
      await server.stop();
    }
  });

  test("the pipe client talks to it", async () => {
    const server = await startServe();
    try {
      const result = await runCli(["connect", `127.0.0.1:${server.port}`, "-w", "200"], {
        input: "one\ntwo\n",
      });
      assert.equal(result.stdout, "one\ntwo\n");
      assert.equal(result.status, 0);
    } finally {
      await server.stop();
    }
  });
});

describe("serve: broadcast", () => {
  test("relays each message to every client", async () => {
    const server = await startServe(["--broadcast"]);
    try {
      const url = `ws://127.0.0.1:${server.port}/`;
      const alice = await connect(url);
      const bob = await connect(url);
      await server.waitForLog(/connected[^\n]*\n[^\n]*connected/);
      await alice.send("hi from alice");
      assert.equal(await bob.recv(), "hi from alice");
      assert.equal(await alice.recv(), "hi from alice");
      await bob.send("hi from bob");
      assert.equal(await alice.recv(), "hi from bob");
      assert.equal(await bob.recv(), "hi from bob");
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await server.stop();
    }
  });
});

describe("serve: HTTP", () => {
  test("GET / answers the page; other paths 404; other methods 405", async () => {
    const server = await startServe();
    try {
      const page = await fetchText(server.port, "/");
      assert.equal(page.status, 200);
      assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
      assert.match(String(page.headers["content-security-policy"]), /connect-src 'self'/);
      assert.match(page.body, /<title>websocket-sansio echo server<\/title>/);
      assert.match(page.body, /new WebSocket\(url\)/);
      const head = await fetchText(server.port, "/?x=1", "HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.body, "");
      // The headers of the GET, its length included (RFC 9110 9.3.2).
      assert.equal(head.headers["content-length"], String(Buffer.byteLength(page.body)));
      const health = await fetchText(server.port, "/healthz");
      assert.equal(health.status, 200);
      assert.equal(health.body, "OK\n");
      const missing = await fetchText(server.port, "/favicon.ico");
      assert.equal(missing.status, 404);
      const post = await fetchText(server.port, "/", "POST");
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, "GET, HEAD");
    } finally {
      await server.stop();
    }
  });
});

describe("serve: the log of connections that fail", () => {
  // One line per event: a failure is not logged again as a warning when the
  // connection's own close line (or the handshake's) says it.
  test("a connection reset after its handshake logs one close line, with the reset", async () => {
    const server = await startServe();
    try {
      const socket = netConnect(server.port, "127.0.0.1");
      await once(socket, "connect");
      socket.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
      const [head] = (await once(socket, "data")) as [Buffer];
      assert.match(head.toString("latin1"), /^HTTP\/1\.1 101 /);
      const port = socket.localPort;
      socket.resetAndDestroy();
      const line = await server.waitForLog(
        new RegExp(`127\\.0\\.0\\.1:${port} closed 1006 [^\\n]*\\n`),
      );
      assert.match(line, /\(not clean\): Cannot use transport: read ECONNRESET\n$/);
      // A later line flushes the batch the close line was in: nothing else was logged for it.
      const other = new WebSocket(`ws://127.0.0.1:${server.port}/`);
      await once(other, "open");
      other.terminate();
      await server.waitForLog(/connected \(permessage-deflate\)\n[^\n]*closed 1006/);
      assert.doesNotMatch(server.stderr(), /Transport error|Connection closed/);
    } finally {
      await server.stop();
    }
  });

  test("a malformed handshake request is logged once, with its status", async () => {
    const server = await startServe();
    try {
      const socket = netConnect(server.port, "127.0.0.1");
      await once(socket, "connect");
      socket.write(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Version: 13\r\n\r\n",
      );
      socket.resume();
      await once(socket, "close");
      await server.waitForLog(/Connection closed: Handshake refused with status 400/);
      assert.equal(server.stderr().match(/status 400/g)?.length, 1);
    } finally {
      await server.stop();
    }
  });
});

describe("serve: a slow request head", () => {
  // A client that trickles its request a byte at a time is closed at the
  // open timeout (10 s), as the library's own server does: the CLI answers
  // HTTP itself rather than through node:http (whose header timeout is 60 s).
  test("is closed at the 10 s open timeout", { timeout: 20_000 }, async () => {
    const server = await startServe();
    try {
      const socket = netConnect(server.port, "127.0.0.1");
      await once(socket, "connect");
      const started = Date.now();
      const head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
      let sent = 0;
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write(head[sent++ % head.length] ?? "a");
      }, 500);
      socket.resume();
      await once(socket, "close");
      clearInterval(trickle);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 9_500 && elapsed < 12_000, `closed after ${elapsed} ms`);
    } finally {
      await server.stop();
    }
  });
});

describe("serve: TLS", () => {
  test("--cert and --key serve wss:// and https://", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-tls-"));
    const { key, cert } = selfSigned();
    writeFileSync(join(dir, "key.pem"), key);
    writeFileSync(join(dir, "cert.pem"), cert);
    const server = await startServe([
      "--cert",
      join(dir, "cert.pem"),
      "--key",
      join(dir, "key.pem"),
    ]);
    try {
      assert.match(server.stderr(), /Listening on wss:\/\/127\.0\.0\.1:\d+\/ .*open https:\/\//);
      const url = `wss://127.0.0.1:${server.port}/`;
      const client = await connect(url, { tls: { ca: cert } });
      await client.send("secure");
      assert.equal(await client.recv(), "secure");
      await client.close();
      // The CLI client refuses the unknown certificate, unless told not to check it.
      const refused = await runCli([url]);
      assert.equal(refused.status, 3);
      assert.match(refused.stderr, /--insecure/);
      const insecure = await runCli([url, "--insecure", "-w", "200"], { input: "ok\n" });
      assert.equal(insecure.stdout, "ok\n");
      assert.equal(insecure.status, 0);
      // The same port over HTTP/2: the WebSocket is an extended CONNECT stream.
      const h2 = await connect(url, { tls: { ca: cert }, http2: true });
      assert.equal(h2.response?.status, 200);
      await h2.send("over h2");
      assert.equal(await h2.recv(), "over h2");
      await h2.close();
      const cli = await runCli([url, "--insecure", "--http2", "-w", "200"], { input: "h2\n" });
      assert.equal(cli.stdout, "h2\n");
      assert.equal(cli.status, 0);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("serve: graceful stop", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} closes every client with 1001, then exits 0`, async () => {
      const server = await startServe();
      const url = `ws://127.0.0.1:${server.port}/`;
      const clients = await Promise.all([connect(url), connect(url)]);
      await server.waitForLog(/connected[^\n]*\n[^\n]*connected/);
      const status = await server.stop(signal);
      const closes = await Promise.all(clients.map((client) => client.closed));
      for (const info of closes) {
        assert.equal(info.code, 1001);
        assert.equal(info.wasClean, true);
      }
      assert.equal(status, 0);
      assert.match(
        server.stderr(),
        new RegExp(`Stopping \\(${signal}\\): closing 2 connections with 1001`),
      );
      assert.match(server.stderr(), /Stopped\n$/);
    });
  }

  test("a client in pipe mode exits 0 when the server stops", async () => {
    const server = await startServe();
    const running = runCli([`ws://127.0.0.1:${server.port}/`], { keepStdinOpen: true });
    await server.waitForLog(/connected/);
    await server.stop("SIGINT");
    const result = await running;
    assert.equal(result.status, 0);
  });

  test("the page is still served with keep-alive connections open at stop", async () => {
    const server = await startServe();
    // A keep-alive HTTP connection must not hold the stop back.
    await new Promise<void>((resolve, reject) => {
      httpGet(
        {
          host: "127.0.0.1",
          port: server.port,
          path: "/",
          agent: false,
          headers: { connection: "keep-alive" },
        },
        (response) => {
          response.resume();
          response.on("end", resolve);
        },
      ).on("error", reject);
    });
    const started = performance.now();
    assert.equal(await server.stop(), 0);
    assert.ok(performance.now() - started < 3000);
  });
});
