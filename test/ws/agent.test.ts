// ws's `agent` option on the facade, over real sockets: a plain http.Agent
// (with and without keep-alive), https-proxy-agent through tinyproxy,
// socks-proxy-agent through microsocks, wss through an https agent and
// through a proxy, a failing agent, refusals and redirects through an agent.
// Each test proves the agent was used (its connections counted, the proxy's
// log read), so it fails if the option were ignored.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  createServer,
  get,
  Agent as HttpAgent,
  type IncomingMessage,
  type Server,
} from "node:http";
import { createServer as createHttpsServer, Agent as HttpsAgent } from "node:https";
import { type AddressInfo, createServer as netCreateServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { HttpsProxyAgent } from "https-proxy-agent";
import { SocksProxyAgent } from "socks-proxy-agent";
import { WebSocket, WebSocketServer } from "../../src/ws/index.js";
import { selfSigned } from "../node/helpers.js";
import {
  freePort,
  microsocks,
  type ProxyServer,
  skipUnless,
  tinyproxy,
} from "../node/proxy-servers.js";
import { closed } from "./helpers.js";
import { closeRealWs, play } from "./play.js";

const T = { timeout: 15_000 };
after(closeRealWs);

/** An http.Agent that counts the sockets it makes. */
class CountingAgent extends HttpAgent {
  created = 0;
  override createConnection(...args: Parameters<HttpAgent["createConnection"]>) {
    this.created++;
    return super.createConnection(...args);
  }
}

interface Target {
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly port: number;
  /** TCP connections the HTTP server accepted. */
  readonly connections: () => number;
  /** The head of each upgrade request received: `method target` then the raw fields. */
  readonly heads: string[][];
  close(): Promise<void>;
}

/**
 * An HTTP(S) server that answers plain requests (`/plain` with 200, `/refuse`
 * with 403 and a chunked body, `/moved` with a 302 to `/echo`) and upgrades
 * the rest to an echoing facade server.
 */
async function target(tls?: { key: string; cert: string }): Promise<Target> {
  const server = tls === undefined ? createServer() : createHttpsServer(tls);
  let connections = 0;
  server.on(tls === undefined ? "connection" : "secureConnection", () => connections++);
  server.on("request", (req: IncomingMessage, res) => {
    if (req.url === "/refuse") {
      res.writeHead(403, { "X-Why": "go away" });
      res.write("not ");
      res.end("here");
    } else res.end("plain");
  });
  // Compression on, so that the tests see the core's negotiation through the agent.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const heads: string[][] = [];
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    heads.push([`${req.method} ${req.url}`, ...req.rawHeaders]);
    if (req.url === "/refuse") {
      socket.end(
        "HTTP/1.1 403 Forbidden\r\nX-Why: go away\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnot \r\n4\r\nhere\r\n0\r\n\r\n",
      );
      return;
    }
    if (req.url === "/moved") {
      socket.end("HTTP/1.1 302 Found\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    server,
    wss,
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    heads,
    async close() {
      for (const client of wss.clients ?? []) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens `ws`, sends `text`, and resolves with the echo, then closes cleanly. */
async function echoOnce(ws: WebSocket, text = "hello"): Promise<string> {
  const closing = closed(ws);
  const errors: Error[] = [];
  ws.on("error", (error) => errors.push(error));
  await once(ws, "open");
  ws.send(text);
  const [data] = (await once(ws, "message")) as [Buffer];
  ws.close(1000, "done");
  const { code } = await closing;
  assert.deepEqual(errors, []);
  assert.equal(code, 1000);
  return data.toString();
}

/** Resolves with the next error and the close that follows it. */
async function failure(ws: WebSocket): Promise<{ error: Error; code: number; order: string[] }> {
  const order: string[] = [];
  let error: Error | undefined;
  ws.on("error", (e) => {
    order.push("error");
    error = e;
  });
  const { code } = await new Promise<{ code: number }>((resolve) =>
    ws.once("close", (code: number) => {
      order.push("close");
      resolve({ code });
    }),
  );
  assert.ok(error, "no error before close");
  return { error, code, order };
}

describe("ws facade: agent (plain http.Agent)", () => {
  let server: Target;
  before(async () => {
    server = await target();
  });
  after(() => server.close());

  test(
    "the handshake goes through the agent's socket; upgrade as without an agent",
    T,
    async () => {
      const agent = new CountingAgent({ keepAlive: false });
      // Over the server side's 8 KiB line limit of our own parser: sent all the same.
      const cookie = `a=${"x".repeat(10_000)}`;
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/echo`, {
        agent,
        headers: { Cookie: cookie },
      });
      const upgrade = once(ws, "upgrade") as Promise<[IncomingMessage]>;
      assert.equal(await echoOnce(ws), "hello");
      const [response] = await upgrade;
      assert.equal(response.statusCode, 101);
      assert.equal(response.headers["upgrade"]?.toLowerCase(), "websocket");
      assert.equal(agent.created, 1);
      assert.equal(ws.extensions, "permessage-deflate");
      agent.destroy();
      // The request is the core's, field for field, as on a direct
      // connection (the key aside).
      const direct = new WebSocket(`ws://127.0.0.1:${server.port}/echo`, {
        headers: { Cookie: cookie },
      });
      assert.equal(await echoOnce(direct), "hello");
      const [viaAgent, viaSocket] = server.heads
        .slice(-2)
        .map((head) =>
          head.map((field, i) =>
            head[i - 1]?.toLowerCase() === "sec-websocket-key" ? "KEY" : field,
          ),
        );
      assert.ok(viaAgent?.includes("Sec-WebSocket-Extensions"), String(viaAgent));
      assert.equal(viaAgent?.at(-1), cookie);
      assert.deepEqual(viaAgent, viaSocket);
    },
  );

  test(
    "keepAlive: a pooled socket is reused for the handshake and leaves the pool",
    T,
    async () => {
      const agent = new CountingAgent({ keepAlive: true });
      const before = server.connections();
      // A plain request leaves its socket in the agent's pool...
      await new Promise<void>((resolve, reject) => {
        get({ host: "127.0.0.1", port: server.port, path: "/plain", agent }, (res) => {
          res.resume();
          res.on("end", resolve);
        }).on("error", reject);
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(Object.keys(agent.freeSockets).length, 1);
      // ...which the WebSocket's handshake takes.
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/echo`, { agent });
      assert.equal(await echoOnce(ws, "again"), "again");
      assert.equal(agent.created, 1);
      assert.equal(server.connections() - before, 1);
      // Upgraded, the socket is no longer the agent's.
      assert.equal(Object.keys(agent.freeSockets).length, 0);
      assert.equal(Object.keys(agent.sockets).length, 0);
      agent.destroy();
    },
  );

  test(
    "followRedirects: each request goes through the agent; closes as without one",
    T,
    async () => {
      // Without an agent first: the redirected attempt's end must not leave the
      // WebSocket CLOSING (close() would then never send its frame).
      for (const agent of [false, new CountingAgent({ keepAlive: false })] as const) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/moved`, {
          agent,
          followRedirects: true,
        });
        const redirects: string[] = [];
        ws.on("redirect", (url) => redirects.push(url));
        assert.equal(await echoOnce(ws), "hello");
        assert.deepEqual(redirects, [`ws://127.0.0.1:${server.port}/echo`]);
        assert.equal(ws.url, `ws://127.0.0.1:${server.port}/echo`);
        if (agent !== false) {
          assert.equal(agent.created, 2);
          agent.destroy();
        }
      }
    },
  );

  test("a redirect not followed: error then close 1006, as without an agent", T, async () => {
    const agent = new CountingAgent();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/moved`, { agent });
    const { error, code, order } = await failure(ws);
    assert.equal(error.message, "Unexpected server response: 302");
    assert.equal(code, 1006);
    assert.deepEqual(order, ["error", "close"]);
    assert.equal(agent.created, 1);
  });

  test(
    "unexpected-response: the refusal's status, headers and body, as without an agent",
    T,
    async () => {
      const seen: { status: number; why: string | undefined; body: string }[] = [];
      for (const agent of [undefined, new CountingAgent()]) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/refuse`, { agent });
        const closing = closed(ws);
        const [request, response] = (await once(ws, "unexpected-response")) as [
          unknown,
          IncomingMessage,
        ];
        assert.ok(request);
        let body = "";
        for await (const chunk of response) body += String(chunk);
        seen.push({ status: response.statusCode!, why: response.headers["x-why"] as string, body });
        // As ws: the refusal is the listener's, and the WebSocket waits for it.
        assert.equal(ws.readyState, WebSocket.CONNECTING);
        ws.on("error", () => {});
        ws.terminate();
        assert.equal((await closing).code, 1006);
        if (agent !== undefined) assert.equal(agent.created, 1);
      }
      assert.deepEqual(seen[1], seen[0]);
      assert.deepEqual(seen[0], { status: 403, why: "go away", body: "not here" });
    },
  );

  test(
    "the response is checked by our core: a wrong accept key fails the handshake",
    T,
    async () => {
      // A server that answers 101 with a bad Sec-WebSocket-Accept.
      const bad = createServer();
      bad.on("upgrade", (_req, socket: Socket) => {
        socket.end(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        );
      });
      bad.listen(0, "127.0.0.1");
      await once(bad, "listening");
      const agent = new CountingAgent();
      const ws = new WebSocket(`ws://127.0.0.1:${(bad.address() as AddressInfo).port}/`, { agent });
      const { error, code } = await failure(ws);
      assert.match(error.message, /Sec-WebSocket-Accept/i);
      assert.equal(code, 1006);
      assert.equal(agent.created, 1);
      await new Promise((resolve) => bad.close(resolve));
    },
  );
});

describe("ws facade: agent (an agent whose connection fails)", () => {
  test("error (the agent's) then close 1006, the same trace as ws", T, async () => {
    // The target is up: only going through the agent fails (a proxy that is
    // not there: the agent's own connection is refused).
    const live = await target();
    const params = { proxyPort: await freePort(), targetPort: live.port };
    const { client: ours } = await play("agent", "proxy refused", params, {
      server: "facade",
      client: "facade",
    });
    const { client: ws } = await play("agent", "proxy refused", params, {
      server: "ws",
      client: "ws",
    });
    assert.match(ours[0]!, /^error Error\(ECONNREFUSED: .*ECONNREFUSED.*\) \[[23]\]$/);
    assert.match(ours[1]!, /^close 1006 "" \[3\]$/);
    assert.deepEqual(ours, ws);
    await live.close();
  });
});

describe("ws facade: agent (a proxy that never answers)", () => {
  test("handshakeTimeout: error then close 1006", T, async () => {
    const silent = netCreateServer();
    const sockets: Socket[] = [];
    silent.on("connection", (socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
    });
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const live = await target();
    const agent = new HttpsProxyAgent(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const ws = new WebSocket(`ws://127.0.0.1:${live.port}/echo`, { agent, handshakeTimeout: 200 });
    const { error, code, order } = await failure(ws);
    assert.equal(error.message, "Opening handshake has timed out");
    assert.equal(code, 1006);
    assert.deepEqual(order, ["error", "close"]);
    // ws never times out here: Node arms a request's timeout once the agent
    // has handed it a socket. The agent's socket to the proxy is its own: as
    // with ws, it ends when the proxy ends it.
    assert.equal(sockets.length, 1);
    for (const socket of sockets) socket.destroy();
    silent.close();
    await live.close();
  });
});

describe("ws facade: agent (https-proxy-agent through tinyproxy)", () => {
  const skip = skipUnless("tinyproxy");
  let proxy: ProxyServer;
  let plain: Target;
  let secure: Target;
  let tls: { key: string; cert: string };
  before(async () => {
    if (skip) return;
    proxy = await tinyproxy();
    tls = selfSigned();
    plain = await target();
    secure = await target(tls);
  });
  after(async () => {
    if (skip) return;
    await Promise.all([plain.close(), secure.close(), proxy.stop()]);
  });

  function connects(port: number): number {
    return proxy.log().split(`CONNECT 127.0.0.1:${port} `).length - 1;
  }

  test("ws: through the proxy's CONNECT tunnel", { ...T, skip }, async () => {
    const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
    const ws = new WebSocket(`ws://127.0.0.1:${plain.port}/echo`, { agent });
    assert.equal(await echoOnce(ws, "through"), "through");
    assert.equal(connects(plain.port), 1, proxy.log());
  });

  test("wss: TLS to the target inside the tunnel, with ca", { ...T, skip }, async () => {
    const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
    const ws = new WebSocket(`wss://localhost:${secure.port}/echo`, { agent, ca: tls.cert });
    assert.equal(await echoOnce(ws, "secret"), "secret");
    assert.equal(connects(secure.port), 0, "named by host");
    assert.match(proxy.log(), new RegExp(`CONNECT localhost:${secure.port} `));
  });

  test("wss: an untrusted certificate is refused (rejectUnauthorized)", {
    ...T,
    skip,
  }, async () => {
    const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
    const ws = new WebSocket(`wss://127.0.0.1:${secure.port}/echo`, { agent });
    const { error, code, order } = await failure(ws);
    assert.equal((error as { code?: string }).code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    assert.equal(code, 1006);
    assert.deepEqual(order, ["error", "close"]);
    assert.equal(connects(secure.port), 1, proxy.log());
    // rejectUnauthorized: false reaches the agent's tls.connect.
    const lax = new WebSocket(`wss://127.0.0.1:${secure.port}/echo`, {
      agent,
      rejectUnauthorized: false,
    });
    assert.equal(await echoOnce(lax, "lax"), "lax");
    assert.equal(connects(secure.port), 2, proxy.log());
  });

  test("followRedirects through the proxy: a CONNECT per request", { ...T, skip }, async () => {
    const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxy.port}`);
    const before = connects(plain.port);
    const ws = new WebSocket(`ws://127.0.0.1:${plain.port}/moved`, {
      agent,
      followRedirects: true,
    });
    assert.equal(await echoOnce(ws), "hello");
    assert.equal(connects(plain.port) - before, 2, proxy.log());
  });
});

describe("ws facade: agent (wss through https.Agent)", () => {
  let secure: Target;
  let tls: { key: string; cert: string };
  before(async () => {
    tls = selfSigned();
    secure = await target(tls);
  });
  after(() => secure.close());

  test("the agent's TLS options and ours: ca trusts, its absence refuses", T, async () => {
    const refused = new WebSocket(`wss://127.0.0.1:${secure.port}/echo`, {
      agent: new HttpsAgent(),
    });
    const { error, code } = await failure(refused);
    assert.equal((error as { code?: string }).code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    assert.equal(code, 1006);
    // The agent's own options (as ws: the request's options go to it too).
    const trusting = new HttpsAgent({ ca: tls.cert });
    const before = secure.connections();
    const ws = new WebSocket(`wss://localhost:${secure.port}/echo`, { agent: trusting });
    assert.equal(await echoOnce(ws, "tls"), "tls");
    assert.equal(secure.connections() - before, 1);
    const lax = new WebSocket(`wss://127.0.0.1:${secure.port}/echo`, {
      agent: new HttpsAgent(),
      rejectUnauthorized: false,
    });
    assert.equal(await echoOnce(lax, "lax"), "lax");
  });
});

describe("ws facade: agent (the wrong kind of agent)", () => {
  test(
    "an http.Agent for wss: Node's ERR_INVALID_PROTOCOL as error, then close 1006",
    T,
    async () => {
      const agent = new CountingAgent();
      const ws = new WebSocket("wss://127.0.0.1:1/", { agent });
      const { error, code, order } = await failure(ws);
      assert.equal((error as { code?: string }).code, "ERR_INVALID_PROTOCOL");
      assert.equal(code, 1006);
      assert.deepEqual(order, ["error", "close"]);
      assert.equal(agent.created, 0);
    },
  );
});

describe("ws facade: agent (socks-proxy-agent through microsocks)", () => {
  const skip = skipUnless("microsocks");
  let proxy: ProxyServer;
  let plain: Target;
  before(async () => {
    if (skip) return;
    proxy = await microsocks();
    plain = await target();
  });
  after(async () => {
    if (skip) return;
    await Promise.all([plain.close(), proxy.stop()]);
  });

  test("ws: through a SOCKS5 tunnel", { ...T, skip }, async () => {
    const agent = new SocksProxyAgent(`socks5://127.0.0.1:${proxy.port}`);
    const ws = new WebSocket(`ws://127.0.0.1:${plain.port}/echo`, { agent });
    assert.equal(await echoOnce(ws, "socks"), "socks");
    // microsocks logs each client it tunnels; none would be seen on a direct connection.
    assert.match(proxy.log(), /client\[\d+\] 127\.0\.0\.1: connected to 127\.0\.0\.1:\d+/);
  });
});

describe("ws facade: skipUTF8Validation", () => {
  test("accepted, and text is still validated (1007)", T, async () => {
    // A server that sends an invalid UTF-8 text frame right after its 101.
    const server = createServer();
    server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
      const accept = createHash("sha1")
        .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(Buffer.from([0x81, 0x02, 0xc3, 0x28]));
      socket.on("data", () => socket.end());
      socket.on("error", () => {});
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      skipUTF8Validation: true,
      perMessageDeflate: false,
    });
    const errors: Error[] = [];
    ws.on("error", (error) => errors.push(error));
    const { code } = await closed(ws);
    assert.equal(code, 1006, "the server answers the 1007 close frame by closing the socket");
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { code?: string }).code, "WS_ERR_INVALID_UTF8");
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
