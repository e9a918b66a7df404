// `websocket-sansio connect` and proxies: the environment, --proxy,
// --no-proxy, and exit status 3 when the proxy fails.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseConnectArgs } from "../../src/cli/connect.js";
import { UsageError } from "../../src/cli/exit.js";
import { type NodeServer, serve } from "../../src/node/index.js";
import { connectProxy, type FakeProxy, fakeProxy } from "../node/fake-proxies.js";
import { runCli } from "./helpers.js";

/** The environment without any proxy variable, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/_proxy$/i.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

describe("connect: proxy arguments", () => {
  test("--proxy and --no-proxy", () => {
    const withProxy = parseConnectArgs(["--proxy", "socks5h://127.0.0.1:1080", "ws://h/"]);
    assert.ok(withProxy !== "help");
    assert.equal(withProxy.options.proxy, "socks5h://127.0.0.1:1080");
    const direct = parseConnectArgs(["--no-proxy", "ws://h/"]);
    assert.ok(direct !== "help");
    assert.equal(direct.options.proxy, null);
    const fromEnv = parseConnectArgs(["ws://h/"]);
    assert.ok(fromEnv !== "help");
    assert.equal(fromEnv.options.proxy, undefined);
    assert.throws(() => parseConnectArgs(["--proxy", "ftp://p", "ws://h/"]), UsageError);
    assert.throws(
      () => parseConnectArgs(["--proxy", "http://p", "--no-proxy", "ws://h/"]),
      UsageError,
    );
  });
});

describe("connect: through a proxy", () => {
  let server: NodeServer;
  let proxy: FakeProxy;
  let other: FakeProxy;
  let url: string;
  before(async () => {
    server = await serve(
      async (connection) => {
        for await (const message of connection) await connection.send(message);
      },
      { host: "127.0.0.1", port: 0 },
    );
    const address = server.address;
    assert.ok(address !== null && typeof address === "object");
    url = `ws://127.0.0.1:${address.port}/`;
    proxy = await connectProxy();
    other = await connectProxy();
  });
  after(async () => {
    await proxy.close();
    await other.close();
    await server.close();
  });

  test("honours the environment; --no-proxy and --proxy override it", {
    timeout: 20_000,
  }, async () => {
    const env = envWith({ http_proxy: proxy.url });
    const viaEnv = await runCli(["connect", url], { input: "one\n", env });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal(viaEnv.stdout, "one\n");
    assert.equal(proxy.requests.length, 1);
    assert.match(proxy.requests[0]!, /^CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1\r\n/);

    const direct = await runCli(["connect", "--no-proxy", url], { input: "two\n", env });
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(proxy.requests.length, 1);

    const explicit = await runCli(["connect", "--proxy", other.url, url], {
      input: "three\n",
      env,
    });
    assert.equal(explicit.status, 0, explicit.stderr);
    assert.equal(proxy.requests.length, 1);
    assert.equal(other.requests.length, 1);
  });

  test("a proxy's refusal exits with status 3 and names the proxy", {
    timeout: 20_000,
  }, async () => {
    const refusing = await fakeProxy((socket) =>
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n',
      ),
    );
    const result = await runCli(["connect", url], {
      input: "",
      env: envWith({ ws_proxy: refusing.url }),
    });
    assert.equal(result.status, 3);
    assert.match(
      result.stderr,
      new RegExp(
        `through proxy ${refusing.url.replace(/\./g, "\\.")}: 407 Proxy Authentication Required \\(no credentials given\\); Proxy-Authenticate: Basic realm="x"`,
      ),
    );
    await refusing.close();
    const unreachable = await runCli(["connect", "--proxy", "http://127.0.0.1:1", url], {
      input: "",
    });
    assert.equal(unreachable.status, 3);
    assert.match(unreachable.stderr, /Cannot connect to proxy http:\/\/127\.0\.0\.1:1: /);
  });
});
