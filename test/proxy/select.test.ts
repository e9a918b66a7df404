import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bypassesProxy, proxyFromEnv, selectProxy } from "../../src/proxy/select.js";

const P = "http://p:1";
const Q = "http://q:2";

describe("proxyFromEnv", () => {
  it("follows the precedence, lower case before upper case", () => {
    for (const [url, env, expected] of [
      // ws: ws_proxy, https_proxy, http_proxy, all_proxy
      ["ws://h/", { ws_proxy: P, https_proxy: Q }, P],
      ["ws://h/", { WS_PROXY: P, https_proxy: Q }, P],
      ["ws://h/", { https_proxy: P, http_proxy: Q }, P],
      ["ws://h/", { HTTPS_PROXY: P, http_proxy: Q }, P],
      ["ws://h/", { http_proxy: P, all_proxy: Q }, P],
      ["ws://h/", { HTTP_PROXY: P, all_proxy: Q }, P],
      ["ws://h/", { all_proxy: P }, P],
      ["ws://h/", { ALL_PROXY: P }, P],
      ["ws://h/", { wss_proxy: P }, undefined],
      // wss: wss_proxy, https_proxy, all_proxy; never http_proxy
      ["wss://h/", { wss_proxy: P, https_proxy: Q }, P],
      ["wss://h/", { WSS_PROXY: P, https_proxy: Q }, P],
      ["wss://h/", { https_proxy: P, all_proxy: Q }, P],
      ["wss://h/", { http_proxy: P }, undefined],
      ["wss://h/", { HTTP_PROXY: P, ALL_PROXY: Q }, Q],
      ["wss://h/", { ws_proxy: P }, undefined],
      // lower case wins; an empty lower case hides the upper case; empty is unset
      ["ws://h/", { ws_proxy: P, WS_PROXY: Q }, P],
      ["ws://h/", { https_proxy: "", HTTPS_PROXY: Q, http_proxy: P }, P],
      ["ws://h/", { ws_proxy: "", WS_PROXY: Q }, undefined],
      ["ws://h/", { ws_proxy: "  " }, undefined],
      ["wss://h/", { WSS_PROXY: "", https_proxy: P }, P],
      ["ws://h/", {}, undefined],
      // httpoxy: HTTP_PROXY ignored under CGI, http_proxy is not
      ["ws://h/", { HTTP_PROXY: P, REQUEST_METHOD: "GET" }, undefined],
      ["ws://h/", { http_proxy: P, REQUEST_METHOD: "GET" }, P],
    ] as const) {
      assert.equal(proxyFromEnv(url, env), expected, `${url} ${JSON.stringify(env)}`);
    }
  });

  it("bypasses hosts in no_proxy or NO_PROXY", () => {
    assert.equal(proxyFromEnv("ws://internal.lan/", { ws_proxy: P, no_proxy: ".lan" }), undefined);
    assert.equal(proxyFromEnv("ws://internal.lan/", { ws_proxy: P, NO_PROXY: "lan" }), undefined);
    assert.equal(proxyFromEnv("ws://x.com/", { ws_proxy: P, no_proxy: "lan" }), P);
    assert.equal(proxyFromEnv("wss://h:8443/", { wss_proxy: P, no_proxy: "h:8443" }), undefined);
    assert.equal(proxyFromEnv("wss://h/", { wss_proxy: P, no_proxy: "h:8443" }), P);
    assert.equal(proxyFromEnv("wss://h/", { wss_proxy: P, no_proxy: "h:443" }), undefined);
    assert.equal(proxyFromEnv("ws://h/", { ws_proxy: P, no_proxy: "h:80" }), undefined);
    assert.equal(proxyFromEnv("ws://[::1]:9/", { ws_proxy: P, no_proxy: "[::1]:9" }), undefined);
    assert.equal(proxyFromEnv("ws://h/", { ws_proxy: P, no_proxy: "", NO_PROXY: "*" }), P);
  });
});

describe("selectProxy", () => {
  it("an explicit proxy wins over the environment and no_proxy; null disables", () => {
    const env = { ws_proxy: Q, no_proxy: "*" };
    assert.equal(selectProxy("ws://h/", P, env), P);
    assert.equal(selectProxy("ws://h/", new URL("socks5h://s:1"), env), "socks5h://s:1");
    assert.equal(selectProxy("ws://h/", null, { ws_proxy: Q }), undefined);
    assert.equal(selectProxy("ws://h/", undefined, { ws_proxy: Q }), Q);
    assert.equal(selectProxy("ws://h/", undefined, undefined), undefined);
  });
});

describe("bypassesProxy", () => {
  it("matches no_proxy entries", () => {
    for (const [host, port, list, expected] of [
      ["anything", 80, "*", true],
      ["anything", 80, "a, *", false], // `*` only alone, as curl
      ["example.com", 80, "example.com", true],
      ["EXAMPLE.com.", 80, "example.COM", true],
      ["a.example.com", 80, "example.com", true],
      ["a.example.com", 80, ".example.com", true],
      ["example.com", 80, ".example.com", true],
      ["a.example.com", 80, "*.example.com", true],
      ["badexample.com", 80, "example.com", false],
      ["example.com", 80, "a.example.com", false],
      ["example.com", 8080, "example.com:8080", true],
      ["example.com", 80, "example.com:8080", false],
      ["x", 80, "a b,,c  x", true],
      ["127.0.0.1", 80, "127.0.0.1", true],
      ["127.0.0.2", 80, "127.0.0.1", false],
      ["10.20.30.40", 80, "10.0.0.0/8", true],
      ["11.20.30.40", 80, "10.0.0.0/8", false],
      ["10.20.30.40", 80, "10.0.0.0/8:80", true],
      ["10.20.30.40", 80, "10.0.0.0/8:81", false],
      ["[::1]", 80, "::1", true],
      ["::1", 80, "[::1]", true],
      ["[::1]", 80, "0:0::1", true],
      ["[::1]", 8080, "[::1]:8080", true],
      ["[::1]", 80, "[::1]:8080", false],
      ["[fd00::7]", 80, "fc00::/7", true],
      ["[fe80::7]", 80, "fc00::/7", false],
      ["127.0.0.1", 80, "::1", false],
      ["localhost", 80, "127.0.0.1", false], // names are not resolved
      ["10.0.0.1", 80, "10.0.0.0/99", false],
    ] as const) {
      assert.equal(bypassesProxy(host, port, list), expected, `${host}:${port} in "${list}"`);
    }
  });
});
