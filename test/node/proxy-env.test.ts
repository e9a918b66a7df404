// The environment chooses the proxy: each variable in both cases, their
// precedence, no_proxy, httpoxy. connect() runs in child processes whose
// process.env holds the case's variables (and none of this process's proxy
// variables), against recording CONNECT proxies, a pair per case. One child
// runs the whole table, setting process.env before each connect() (a child
// per case cost a second each on a loaded machine); a few cases also run in a
// fresh child each, with the variables in the child's own environment.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type NodeServer, type ServerConnection, serve } from "../../src/node/index.js";
import { connectProxy, type FakeProxy } from "./fake-proxies.js";
import { portOf, run, selfSigned } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/proxy-env-child.js", import.meta.url));

/** This process's environment without any proxy variable. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/_proxy$/i.test(name) && name !== "REQUEST_METHOD") env[name] = value;
  }
  // When this suite runs on Deno, the children are Deno too, and Deno's own
  // update check would go through the case's proxy (a CONNECT to
  // dl.deno.land that the fake proxy would count as the client's).
  env["DENO_NO_UPDATE_CHECK"] = "1";
  return env;
}

describe("proxy from the environment (child processes)", () => {
  const tls = selfSigned();
  let plain: NodeServer;
  let secure: NodeServer;
  const proxies: FakeProxy[] = [];

  before(async () => {
    const echo = async (connection: ServerConnection): Promise<void> => {
      for await (const message of connection) await connection.send(message);
    };
    plain = await serve(echo, { host: "127.0.0.1", port: 0 });
    secure = await serve(echo, { host: "127.0.0.1", port: 0, tls });
  });

  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await plain.close();
    await secure.close();
  });

  const targetOf = (scheme: "ws" | "wss"): string =>
    scheme === "ws"
      ? `ws://127.0.0.1:${portOf(plain.address)}/`
      : `wss://localhost:${portOf(secure.address)}/`;

  /** A case with its own proxies A and B, and its variables with their URLs filled in. */
  async function prepare(
    vars: Record<string, string>,
  ): Promise<{ a: FakeProxy; b: FakeProxy; env: Record<string, string> }> {
    const a = await connectProxy();
    const b = await connectProxy();
    proxies.push(a, b);
    const env = Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [
        name,
        value.replace("$A", a.url).replace("$B", b.url),
      ]),
    );
    return { a, b, env };
  }

  function routeOf(a: FakeProxy, b: FakeProxy, label = ""): string {
    assert.ok(
      a.requests.length + b.requests.length <= 1,
      `${label}: ${[...a.requests, ...b.requests].join(" / ")}`,
    );
    return a.requests.length === 1 ? "A" : b.requests.length === 1 ? "B" : "direct";
  }

  const cases: [scheme: "ws" | "wss", vars: Record<string, string>, expected: string][] = [
    ["ws", {}, "direct"],
    ["ws", { ws_proxy: "$A" }, "A"],
    ["ws", { WS_PROXY: "$A" }, "A"],
    ["ws", { ws_proxy: "$A", https_proxy: "$B" }, "A"],
    ["ws", { https_proxy: "$A" }, "A"],
    ["ws", { HTTPS_PROXY: "$A", http_proxy: "$B" }, "A"],
    ["ws", { http_proxy: "$A" }, "A"],
    ["ws", { HTTP_PROXY: "$A", all_proxy: "$B" }, "A"],
    ["ws", { all_proxy: "$A" }, "A"],
    ["ws", { ALL_PROXY: "$A" }, "A"],
    ["ws", { http_proxy: "$A", HTTP_PROXY: "$B" }, "A"],
    ["ws", { WS_PROXY: "$B", ws_proxy: "$A" }, "A"],
    ["ws", { wss_proxy: "$A" }, "direct"],
    ["wss", { wss_proxy: "$A", https_proxy: "$B" }, "A"],
    ["wss", { WSS_PROXY: "$A" }, "A"],
    ["wss", { https_proxy: "$A" }, "A"],
    ["wss", { HTTPS_PROXY: "$A", all_proxy: "$B" }, "A"],
    ["wss", { http_proxy: "$A" }, "direct"],
    ["wss", { HTTP_PROXY: "$A", ALL_PROXY: "$B" }, "B"],
    ["wss", { all_proxy: "$A" }, "A"],
    ["wss", { ws_proxy: "$A" }, "direct"],
    ["ws", { http_proxy: "$A", no_proxy: "127.0.0.1" }, "direct"],
    ["ws", { http_proxy: "$A", NO_PROXY: "127.0.0.0/8" }, "direct"],
    ["ws", { http_proxy: "$A", no_proxy: "*" }, "direct"],
    ["ws", { http_proxy: "$A", no_proxy: "example.com, 127.0.0.1:1" }, "A"],
    ["wss", { https_proxy: "$A", no_proxy: ".localhost" }, "direct"],
    ["wss", { https_proxy: "$A", no_proxy: "", NO_PROXY: "localhost" }, "A"],
    ["ws", { HTTP_PROXY: "$A", REQUEST_METHOD: "GET" }, "direct"],
    ["ws", { https_proxy: "", HTTPS_PROXY: "$A", http_proxy: "$B" }, "B"],
  ];

  test("the precedence table, no_proxy and httpoxy, in one child", {
    timeout: 30_000,
  }, async () => {
    const prepared = await Promise.all(cases.map(([, vars]) => prepare(vars)));
    const list = cases.map(([scheme], i) => ({
      url: targetOf(scheme),
      env: prepared[i]!.env,
      ...(scheme === "wss" ? { ca: tls.cert } : {}),
    }));
    const { stdout } = await run(
      process.execPath,
      [CHILD, JSON.stringify(list)],
      20_000,
      baseEnv(),
    );
    const lines = stdout.trim().split("\n");
    cases.forEach(([scheme, vars, expected], i) => {
      const label = `${scheme} ${JSON.stringify(vars)}`;
      assert.equal(lines[i], "ok", label);
      assert.equal(
        routeOf(prepared[i]!.a, prepared[i]!.b, label),
        expected,
        `${label}: ${prepared[i]!.a.requests.join(" / ")}`,
      );
    });
  });

  test("a fresh child per case, the variables in its own environment", {
    timeout: 30_000,
  }, async () => {
    for (const [scheme, vars, expected] of [
      ["ws", { ws_proxy: "$A", WS_PROXY: "$B" }, "A"],
      ["wss", { HTTPS_PROXY: "$A" }, "A"],
      ["ws", { http_proxy: "$A", NO_PROXY: "127.0.0.1" }, "direct"],
    ] as const) {
      const { a, b, env } = await prepare(vars);
      const list = [{ url: targetOf(scheme), ...(scheme === "wss" ? { ca: tls.cert } : {}) }];
      const { stdout } = await run(process.execPath, [CHILD, JSON.stringify(list)], 20_000, {
        ...baseEnv(),
        ...env,
      });
      assert.equal(stdout.trim(), "ok");
      assert.equal(routeOf(a, b), expected, `${scheme} ${JSON.stringify(vars)}`);
    }
  });
});
