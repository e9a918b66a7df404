// `websocket-sansio connect` in pipe mode, run as a child process against our
// server and against `ws`: lines in, messages out, exit statuses. (The
// interactive mode is tested in a real terminal in terminal.test.ts.)

import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { WebSocketServer as WsServer } from "ws";
import { normalizeUrl, parseConnectArgs } from "../../src/cli/connect.js";
import { UsageError } from "../../src/cli/exit.js";
import { type NodeServer, serve } from "../../src/node/index.js";
import { runCli } from "./helpers.js";

function portOf(address: AddressInfo | string | null): number {
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

/** A `ws` server on a free port; `onConnection` decides what it does. */
async function wsServer(
  options: ConstructorParameters<typeof WsServer>[0] = {},
): Promise<{ server: WsServer; url: string; requests: IncomingMessage[] }> {
  const server = new WsServer({ host: "127.0.0.1", port: 0, ...options });
  await once(server, "listening");
  const requests: IncomingMessage[] = [];
  server.on("connection", (_socket, request) => requests.push(request));
  return { server, url: `ws://127.0.0.1:${portOf(server.address())}/`, requests };
}

async function closeWs(server: WsServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("connect: arguments", () => {
  test("host:port and http URLs become ws URLs", () => {
    assert.equal(normalizeUrl("127.0.0.1:8765"), "ws://127.0.0.1:8765");
    assert.equal(normalizeUrl("localhost:1/chat?x=1"), "ws://localhost:1/chat?x=1");
    assert.equal(normalizeUrl("http://h:1/"), "ws://h:1/");
    assert.equal(normalizeUrl("HTTPS://h/"), "wss://h/");
    assert.equal(normalizeUrl("wss://h/"), "wss://h/");
    assert.equal(normalizeUrl("ftp://h/"), "ftp://h/");
  });

  test("options map to client options", () => {
    const parsed = parseConnectArgs([
      "-H",
      "Authorization: Bearer x y",
      "--header=X-A:1",
      "-s",
      "chat",
      "--subprotocol",
      "superchat",
      "--origin",
      "https://example.test",
      "-k",
      "--no-compression",
      "--wait",
      "250",
      "ws://h/",
    ]);
    assert.ok(parsed !== "help");
    assert.equal(parsed.url, "ws://h/");
    assert.equal(parsed.waitMs, 250);
    assert.deepEqual(parsed.options.headers, [
      ["Authorization", "Bearer x y"],
      ["X-A", "1"],
    ]);
    assert.deepEqual(parsed.options.subprotocols, ["chat", "superchat"]);
    assert.equal(parsed.options.origin, "https://example.test");
    assert.deepEqual(parsed.options.tls, { rejectUnauthorized: false });
    assert.equal(parsed.options.compression, null);
    const defaults = parseConnectArgs(["ws://h/"]);
    assert.ok(defaults !== "help");
    assert.equal(defaults.waitMs, 1000);
    assert.equal(defaults.options.compression?.length, 1);
    assert.equal(defaults.options.tls, undefined);
    assert.equal(parseConnectArgs(["--help"]), "help");
  });

  test("mistakes are usage errors", () => {
    for (const args of [
      [],
      ["ws://a/", "ws://b/"],
      ["-H", "no colon", "ws://h/"],
      ["-H", "bad name: 1", "ws://h/"],
      ["--wait", "soon", "ws://h/"],
      ["--wait", "-1", "ws://h/"],
      ["--timeout", "", "ws://h/"],
      ["--frobnicate", "ws://h/"],
    ]) {
      assert.throws(() => parseConnectArgs(args), UsageError, JSON.stringify(args));
    }
  });
});

describe("connect: pipe mode against websocket-sansio", () => {
  let server: NodeServer;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    server = await serve(
      async (connection) => {
        seen.push(connection.extensions.map((e) => e.name).join(","));
        for await (const message of connection) {
          if (message === "close-4001") await connection.close(4001, "told to");
          else if (message === "binary") await connection.send(new Uint8Array([0, 1, 2, 255]));
          else await connection.send(message);
        }
      },
      { host: "127.0.0.1", port: 0, compression: null },
    );
    url = `ws://127.0.0.1:${portOf(server.address)}/`;
  });
  after(() => server.close());

  test("sends each line, prints each message on its own line, exits 0", async () => {
    const result = await runCli(["connect", url, "--wait", "200"], {
      input: "hello\nwörld ✓\n\nlast line without newline",
    });
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, "hello\nwörld ✓\n\nlast line without newline\n");
    assert.equal(result.status, 0);
  });

  test("CRLF input lines lose their CR", async () => {
    const result = await runCli([url, "-w", "200"], { input: "a\r\nb\r\n" });
    assert.equal(result.stdout, "a\nb\n");
    assert.equal(result.status, 0);
  });

  test("binary messages are printed as raw bytes", async () => {
    const result = await runCli([url, "-w", "200"], { input: "binary\n" });
    assert.deepEqual([...result.stdoutBytes], [0, 1, 2, 255, 10]);
    assert.equal(result.status, 0);
  });

  test("a close with an application code exits 1 and says why", async () => {
    const result = await runCli([url], { input: "close-4001\n", keepStdinOpen: true });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Connection closed: 4001 "told to"/);
  });

  test("many lines keep their order", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    const result = await runCli([url, "-w", "300"], { input: `${lines.join("\n")}\n` });
    assert.equal(result.stdout, `${lines.join("\n")}\n`);
    assert.equal(result.status, 0);
  });
});

describe("connect: pipe mode against ws", () => {
  test("echo with permessage-deflate negotiated by default", async () => {
    const { server, url, requests } = await wsServer({ perMessageDeflate: true });
    const negotiated: string[] = [];
    server.on("connection", (socket) => {
      negotiated.push(socket.extensions);
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    try {
      const big = "x".repeat(100_000);
      const result = await runCli([url, "-w", "300"], { input: `one\n${big}\ntwo\n` });
      assert.equal(result.stdout, `one\n${big}\ntwo\n`);
      assert.equal(result.status, 0);
      assert.match(requests[0]?.headers["sec-websocket-extensions"] ?? "", /permessage-deflate/);
      assert.match(negotiated[0] ?? "", /permessage-deflate/);
    } finally {
      await closeWs(server);
    }
  });

  test("--no-compression offers no extension; headers, origin and subprotocol are sent", async () => {
    const { server, url, requests } = await wsServer({
      perMessageDeflate: true,
      handleProtocols: (protocols) => (protocols.has("superchat") ? "superchat" : false),
    });
    server.on("connection", (socket) => {
      socket.send(`protocol=${socket.protocol}`);
      socket.close(1000);
    });
    try {
      const result = await runCli([
        "connect",
        "--no-compression",
        "-H",
        "X-Token: s3cret",
        "--origin",
        "https://example.test",
        "-s",
        "chat",
        "-s",
        "superchat",
        url,
      ]);
      assert.equal(result.stdout, "protocol=superchat\n");
      assert.equal(result.status, 0);
      const headers = requests[0]?.headers;
      assert.equal(headers?.["sec-websocket-extensions"], undefined);
      assert.equal(headers?.["x-token"], "s3cret");
      assert.equal(headers?.origin, "https://example.test");
      assert.equal(headers?.["sec-websocket-protocol"], "chat, superchat");
    } finally {
      await closeWs(server);
    }
  });

  test("a server that closes normally ends the client at once, even with stdin open", async () => {
    const { server, url } = await wsServer();
    server.on("connection", (socket) => {
      socket.send("bye");
      socket.close(1001, "going");
    });
    try {
      const started = performance.now();
      const result = await runCli([url], { keepStdinOpen: true });
      assert.equal(result.stdout, "bye\n");
      assert.equal(result.status, 0);
      assert.ok(performance.now() - started < 5000);
    } finally {
      await closeWs(server);
    }
  });

  test("a connection dropped without a close frame exits 1", async () => {
    const { server, url } = await wsServer();
    server.on("connection", (socket) => socket.terminate());
    try {
      const result = await runCli([url], { keepStdinOpen: true });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /Connection closed: 1006/);
    } finally {
      await closeWs(server);
    }
  });

  test("--wait keeps the connection open for late replies", async () => {
    const { server, url } = await wsServer();
    server.on("connection", (socket) => {
      socket.on("message", (data) => setTimeout(() => socket.send(`late ${data}`), 300));
    });
    try {
      const result = await runCli([url, "--wait", "1500"], { input: "a\n" });
      assert.equal(result.stdout, "late a\n");
      assert.equal(result.status, 0);
    } finally {
      await closeWs(server);
    }
  });
});

describe("connect: failures", () => {
  test("a refused connection exits 3", async () => {
    const listener = createNetServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = portOf(listener.address());
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const result = await runCli([`ws://127.0.0.1:${port}/`]);
    assert.equal(result.status, 3);
    assert.match(
      result.stderr,
      new RegExp(`Cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    assert.equal(result.stdout, "");
  });

  test("a refused handshake exits 4 with the status line and the body", async () => {
    const http = createHttpServer((_request, response) => {
      response.writeHead(404, "Nothing Here", { "Content-Type": "text/plain" });
      response.end("No WebSocket at this path\n");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    try {
      const result = await runCli([`ws://127.0.0.1:${portOf(http.address())}/nope`]);
      assert.equal(result.status, 4);
      assert.match(result.stderr, /404 "Nothing Here"/);
      assert.match(result.stderr, /No WebSocket at this path/);
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  test("bad URLs and arguments exit 2 with a hint", async () => {
    const bad = await runCli(["connect", "ws://exa mple/"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Cannot parse WebSocket URL: invalid URL "ws:\/\/exa mple\/"/);
    const scheme = await runCli(["connect", "ftp://example.test/"]);
    assert.equal(scheme.status, 2);
    assert.match(scheme.stderr, /scheme "ftp:" is not ws: or wss:/);
    const missing = await runCli(["connect"]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /Missing URL\nRun "websocket-sansio connect --help" for usage/);
  });
});
