// Connections through real proxies (tinyproxy, squid, stunnel, microsocks,
// dante), each started by the test on a free loopback port, and the failure
// list: unreachable proxies, refusals, bad credentials, SOCKS reply codes,
// garbage, truncated and silent proxies. After each failure the proxy side
// sees its connection closed.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HandshakeError } from "../../src/core/errors.js";
import {
  connect,
  type NodeServer,
  ProxyError,
  type ServerConnection,
  serve,
  TransportError,
} from "../../src/node/index.js";
import { connectProxy, fakeProxy } from "./fake-proxies.js";
import { portOf, roundTrip, run, selfSigned } from "./helpers.js";
import * as proxies from "./proxy-servers.js";

const T = { timeout: 20_000 };
const tls = selfSigned();

/** Echo servers, ws: and wss:, that remember the headers of each request. */
let plain: NodeServer;
let secure: NodeServer;
const seen: { headers: [string, string][] }[] = [];

async function echo(connection: ServerConnection): Promise<void> {
  seen.push({ headers: [...(connection.request?.headers ?? [])] });
  for await (const message of connection) await connection.send(message);
}

before(async () => {
  plain = await serve(echo, { host: "127.0.0.1", port: 0 });
  secure = await serve(echo, { host: "127.0.0.1", port: 0, tls });
});

after(async () => {
  await plain.close();
  await secure.close();
});

const wsUrl = (host = "127.0.0.1"): string => `ws://${host}:${portOf(plain.address)}/`;
const wssUrl = (host = "localhost"): string => `wss://${host}:${portOf(secure.address)}/`;

/** Asserts that the last request the target saw carried no credentials for the proxy. */
function targetSawNoProxyCredentials(): void {
  const last = seen.at(-1);
  assert.ok(last !== undefined);
  for (const [name, value] of last.headers) {
    assert.ok(!/^proxy-/i.test(name), `the target saw ${name}`);
    assert.ok(!value.includes("s3cret"), `the target saw the password in ${name}`);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("through tinyproxy (HTTP CONNECT)", { skip: proxies.skipUnless("tinyproxy") }, () => {
  const proxy = proxies.runningFor(proxies.tinyproxy);

  test("ws: and wss: (TLS to the target inside the tunnel)", T, async () => {
    const url = `http://127.0.0.1:${proxy.port}`;
    await roundTrip(await connect(wsUrl(), { proxy: url }));
    await roundTrip(await connect(wssUrl(), { proxy: url, tls: { ca: tls.cert } }));
    assert.match(proxy.log(), /CONNECT/);
  });
});

describe("through squid with Basic auth", { skip: proxies.skipUnless("squid") }, () => {
  const proxy = proxies.runningFor(proxies.squid);
  const { user, password } = proxies.squidCredentials;

  test("407 with the challenge, then success with credentials", T, async () => {
    const bare = `http://127.0.0.1:${proxy.port}`;
    const denied = await rejection(connect(wsUrl(), { proxy: bare }));
    assert.ok(denied instanceof ProxyError, String(denied));
    assert.equal(denied.status, 407);
    assert.match(denied.message, /407 Proxy Authentication Required \(no credentials given\)/);
    assert.match(denied.message, /Proxy-Authenticate: Basic realm="websocket-sansio-test"/);
    assert.equal(denied.proxy, bare);

    const wrong = await rejection(
      connect(wsUrl(), { proxy: `http://${user}:wrong@127.0.0.1:${proxy.port}` }),
    );
    assert.ok(wrong instanceof ProxyError);
    assert.equal(wrong.status, 407);
    assert.match(wrong.message, /\(credentials refused\)/);
    assert.doesNotMatch(wrong.message, /wrong/);

    const withCredentials = `http://${user}:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`;
    await roundTrip(await connect(wsUrl(), { proxy: withCredentials }));
    targetSawNoProxyCredentials();
    await roundTrip(await connect(wssUrl(), { proxy: withCredentials, tls: { ca: tls.cert } }));
    targetSawNoProxyCredentials();
  });
});

describe("through stunnel and tinyproxy (an https:// proxy)", {
  skip: proxies.skipUnless("tinyproxy", "stunnel"),
}, () => {
  let backend: proxies.ProxyServer;
  let proxy: proxies.ProxyServer;
  before(async () => {
    backend = await proxies.tinyproxy();
    proxy = await proxies.stunnel(backend.port, tls);
  });
  after(async () => {
    await proxy.stop();
    await backend.stop();
  });

  test("ws: over TLS to the proxy, wss: as TLS inside TLS", T, async () => {
    const url = `https://localhost:${proxy.port}`;
    await roundTrip(await connect(wsUrl(), { proxy: url, proxyTls: { ca: tls.cert } }));
    await roundTrip(
      await connect(wssUrl(), { proxy: url, proxyTls: { ca: tls.cert }, tls: { ca: tls.cert } }),
    );
  });

  test("a proxy certificate that does not verify is the proxy's error", T, async () => {
    const error = await rejection(connect(wsUrl(), { proxy: `https://localhost:${proxy.port}` }));
    assert.ok(error instanceof ProxyError, String(error));
    assert.match(error.message, /^Cannot connect to proxy https:\/\/localhost:\d+: /);
  });
});

describe("through microsocks (SOCKS5)", { skip: proxies.skipUnless("microsocks") }, () => {
  let open: proxies.ProxyServer;
  let authenticated: proxies.ProxyServer;
  before(async () => {
    open = await proxies.microsocks();
    authenticated = await proxies.microsocks({ user: "bob", password: "pa:ss@" });
  });
  after(async () => {
    await open.stop();
    await authenticated.stop();
  });

  test("socks5h (the proxy resolves) and socks5 (we resolve), ws: and wss:", T, async () => {
    await roundTrip(
      await connect(wsUrl("localhost"), { proxy: `socks5h://127.0.0.1:${open.port}` }),
    );
    await roundTrip(
      await connect(wsUrl("localhost"), { proxy: `socks5://127.0.0.1:${open.port}` }),
    );
    await roundTrip(
      await connect(wssUrl(), { proxy: `socks5h://127.0.0.1:${open.port}`, tls: { ca: tls.cert } }),
    );
  });

  test("user/password: accepted, refused, missing", T, async () => {
    const port = authenticated.port;
    await roundTrip(
      await connect(wsUrl(), {
        proxy: `socks5h://bob:${encodeURIComponent("pa:ss@")}@127.0.0.1:${port}`,
      }),
    );
    targetSawNoProxyCredentials();
    const wrong = await rejection(
      connect(wsUrl(), { proxy: `socks5h://bob:nope@127.0.0.1:${port}` }),
    );
    assert.ok(wrong instanceof ProxyError);
    assert.match(wrong.message, /credentials refused \(RFC 1929 status 0x0[1-9a-f]\)$/);
    assert.equal(wrong.isTransient, false);
    const missing = await rejection(connect(wsUrl(), { proxy: `socks5h://127.0.0.1:${port}` }));
    assert.match(missing.message, /the proxy requires authentication \(no credentials given\)$/);
  });

  test("examples/socks-own-io.ts: the machines over a raw socket", T, async () => {
    const example = fileURLToPath(new URL("../../examples/socks-own-io.js", import.meta.url));
    const { stdout } = await run(
      process.execPath,
      [example, `socks5h://127.0.0.1:${open.port}`, wsUrl("localhost")],
      10_000,
    );
    assert.equal(stdout, 'received "Hello through SOCKS!"\nclosed, code 1000\n');
  });

  test("a closed target port: reply 0x05 (connection refused)", T, async () => {
    const closed = await proxies.freePort();
    const error = await rejection(
      connect(`ws://127.0.0.1:${closed}/`, { proxy: `socks5h://127.0.0.1:${open.port}` }),
    );
    assert.ok(error instanceof ProxyError);
    assert.equal(error.replyCode, 0x05);
    assert.match(error.message, /SOCKS5 reply 0x05 \(connection refused\)$/);
    assert.equal(error.isTransient, true);
  });
});

describe("through dante (SOCKS4, SOCKS5)", { skip: proxies.skipUnless("danted") }, () => {
  const proxy = proxies.runningFor(proxies.danted);

  test("socks4 (we resolve), socks5 and socks5h, ws: and wss:", T, async () => {
    for (const scheme of ["socks4", "socks5", "socks5h"]) {
      const url = `${scheme}://127.0.0.1:${proxy.port}`;
      await roundTrip(await connect(wsUrl("localhost"), { proxy: url }));
      await roundTrip(await connect(wssUrl(), { proxy: url, tls: { ca: tls.cert } }));
    }
  });

  test("a target its rules block: SOCKS5 0x02, SOCKS4 0x5b", T, async () => {
    const five = await rejection(
      connect("ws://10.0.0.1:9/", { proxy: `socks5://127.0.0.1:${proxy.port}` }),
    );
    assert.ok(five instanceof ProxyError);
    assert.equal(five.replyCode, 0x02);
    assert.match(five.message, /SOCKS5 reply 0x02 \(connection not allowed by ruleset\)$/);
    const four = await rejection(
      connect("ws://10.0.0.1:9/", { proxy: `socks4://127.0.0.1:${proxy.port}` }),
    );
    assert.ok(four instanceof ProxyError);
    assert.equal(four.replyCode, 0x5b);
  });
});

describe("through a SOCKS4a proxy (IO::Socket::Socks)", {
  skip: proxies.skipUnless("socks4a"),
}, () => {
  const proxy = proxies.runningFor(proxies.socks4a);

  test("socks4a sends the name, socks4 the address we resolved; ws: and wss:", T, async () => {
    await roundTrip(
      await connect(wsUrl("localhost"), { proxy: `socks4a://127.0.0.1:${proxy.port}` }),
    );
    await roundTrip(
      await connect(wssUrl(), {
        proxy: `socks4a://me@127.0.0.1:${proxy.port}`,
        tls: { ca: tls.cert },
      }),
    );
    await roundTrip(
      await connect(wsUrl("localhost"), { proxy: `socks4://127.0.0.1:${proxy.port}` }),
    );
    const port = portOf(plain.address);
    const requests = proxy.log().match(/^CONNECT .*$/gm);
    assert.deepEqual(requests, [
      `CONNECT localhost:${port}`,
      `CONNECT localhost:${portOf(secure.address)}`,
      `CONNECT 127.0.0.1:${port}`,
    ]);
  });
});

describe("proxy failures", () => {
  test("refused: nothing listens on the proxy's port", T, async () => {
    const port = await proxies.freePort();
    const error = await rejection(connect(wsUrl(), { proxy: `http://127.0.0.1:${port}` }));
    assert.ok(error instanceof ProxyError);
    assert.match(
      error.message,
      new RegExp(`^Cannot connect to proxy http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    assert.equal(error.isTransient, true);
    assert.ok(error.cause instanceof Error);
  });

  test("unreachable: the proxy's name does not resolve", T, async () => {
    const error = await rejection(connect(wsUrl(), { proxy: "socks5h://proxy.invalid:1080" }));
    assert.ok(error instanceof ProxyError);
    assert.match(
      error.message,
      /^Cannot connect to proxy socks5h:\/\/proxy\.invalid:1080: .*ENOTFOUND/,
    );
  });

  test(
    "403, garbage, a truncated reply, SOCKS refusals: each closes the connection",
    T,
    async () => {
      const cases: [
        respond: (socket: import("node:net").Socket) => void,
        scheme: string,
        check: RegExp,
      ][] = [
        [
          (s) => s.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
          "http",
          /: 403 Forbidden$/,
        ],
        [
          (s) => s.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
          "http",
          /: 403 Forbidden$/,
        ],
        [
          (s) => s.write("SSH-2.0-OpenSSH_9.2\r\n"),
          "http",
          /: invalid reply: invalid status line "SSH-2\.0-OpenSSH_9\.2"$/,
        ],
        [
          (s) => s.end("HTTP/1.1 200 Conn"),
          "http",
          /: the proxy closed the connection in the middle of its reply$/,
        ],
        [(s) => s.end(), "http", /: the proxy closed the connection before its reply$/],
        [(s) => s.write(Buffer.from([5, 0xff])), "socks5h", /: the proxy requires authentication/],
        [(s) => s.write(Buffer.from([0, 0x5d, 0, 0, 0, 0, 0, 0])), "socks4", /: SOCKS4 reply 0x5d/],
        [
          (s) => s.write(Buffer.from([0x48, 0x54])),
          "socks4",
          /: invalid reply: version 0x48 instead of SOCKS4's 0x00$/,
        ],
      ];
      for (const [respond, scheme, check] of cases) {
        const proxy = await fakeProxy(respond, scheme);
        const error = await rejection(connect(wsUrl(), { proxy: proxy.url }));
        assert.ok(error instanceof ProxyError, String(error));
        assert.match(error.message, check);
        assert.match(
          error.message,
          new RegExp(`through proxy ${scheme}://127\\.0\\.0\\.1:${proxy.port}:`),
        );
        await proxy.allClosed();
        await proxy.close();
      }
    },
  );

  test("SOCKS5: a reply code after the greeting", T, async () => {
    const proxy = await fakeProxy((socket) => {
      socket.write(Buffer.from([5, 0]));
      socket.once("data", () => socket.write(Buffer.from([5, 4, 0, 1, 0, 0, 0, 0, 0, 0])));
    }, "socks5h");
    const error = await rejection(connect(wsUrl(), { proxy: proxy.url }));
    assert.ok(error instanceof ProxyError);
    assert.equal(error.replyCode, 4);
    assert.match(error.message, /SOCKS5 reply 0x04 \(host unreachable\)$/);
    await proxy.allClosed();
    await proxy.close();
  });

  test("a silent proxy: the open timeout covers the tunnel", T, async () => {
    const proxy = await fakeProxy(() => {});
    const started = performance.now();
    const error = await rejection(connect(wsUrl(), { proxy: proxy.url, openTimeoutMs: 300 }));
    const elapsed = performance.now() - started;
    assert.ok(error instanceof ProxyError, String(error));
    assert.match(error.message, /no tunnel within the open timeout$/);
    assert.equal(error.isTransient, true);
    assert.ok(elapsed >= 250 && elapsed < 2000, `${elapsed} ms`);
    await proxy.allClosed();
    await proxy.close();
  });

  test("the open timeout also covers the handshake after the tunnel", T, async () => {
    // Tunnel granted at once, then the "target" never answers the handshake.
    const proxy = await fakeProxy((socket) => socket.write("HTTP/1.1 200 OK\r\n\r\n"));
    const started = performance.now();
    const error = await rejection(connect(wsUrl(), { proxy: proxy.url, openTimeoutMs: 300 }));
    assert.match(error.name, /TimeoutError/);
    assert.ok(performance.now() - started < 2000);
    await proxy.allClosed();
    await proxy.close();
  });

  test("bytes after the proxy's reply reach the WebSocket handshake", T, async () => {
    // The proxy's 200 and the "target's" response arrive in one write: the
    // response must be read by the handshake, not dropped with the reply.
    const proxy = await fakeProxy((socket) =>
      socket.write("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n"),
    );
    const error = await rejection(connect(wsUrl(), { proxy: proxy.url }));
    assert.ok(error instanceof HandshakeError, String(error));
    assert.equal(error.status, 418);
    await proxy.allClosed();
    await proxy.close();
  });

  test("TLS to the target failing inside the tunnel is the target's error", T, async () => {
    const proxy = await fakeProxy((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n\r\n");
      socket.once("data", () => socket.end("not TLS"));
    });
    const error = await rejection(connect("wss://localhost:1/", { proxy: proxy.url }));
    assert.ok(error instanceof TransportError, String(error));
    assert.match(
      error.message,
      /^Cannot connect to localhost:1 through proxy http:\/\/127\.0\.0\.1:\d+: /,
    );
    await proxy.allClosed();
    await proxy.close();
  });

  test("a redirect chooses the proxy again, for the new host", T, async () => {
    const proxy = await connectProxy();
    const redirect = await fakeProxy((socket) =>
      socket.end(
        `HTTP/1.1 302 Found\r\nLocation: ws://localhost:${portOf(plain.address)}/\r\n\r\n`,
      ),
    );
    // 127.0.0.1 is reached directly (no_proxy), localhost through the proxy.
    const env = { ws_proxy: proxy.url, no_proxy: "127.0.0.1" };
    await roundTrip(await connect(`ws://127.0.0.1:${redirect.port}/`, { proxyEnv: env }));
    assert.equal(redirect.requests.length, 1);
    assert.match(redirect.requests[0]!, /^GET \/ HTTP\/1\.1\r\n/);
    assert.deepEqual(
      proxy.requests.map((request) => request.split("\r\n")[0]),
      [`CONNECT localhost:${portOf(plain.address)} HTTP/1.1`],
    );
    await proxy.close();
    await redirect.close();
  });
});
