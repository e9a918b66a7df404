import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWebSocketUrl } from "../../../src/core/handshake/url.js";

describe("parseWebSocketUrl", () => {
  it("RFC 6455 3: ws defaults to port 80, wss to 443; the resource name is path and query, / when empty", () => {
    const cases: [string, boolean, number, string][] = [
      ["ws://example.com", false, 80, "/"],
      ["wss://Example.COM/chat/room?id=1&x=%20", true, 443, "/chat/room?id=1&x=%20"],
    ];
    for (const [url, secure, port, resourceName] of cases) {
      const hostHeader = "example.com";
      assert.deepEqual(parseWebSocketUrl(url), {
        secure,
        host: "example.com",
        port,
        resourceName,
        hostHeader,
      });
    }
    assert.equal(parseWebSocketUrl("ws://example.com?q").resourceName, "/?q");
  });

  it("RFC 6455 4.1: Host carries :port only when it is not the default", () => {
    assert.equal(parseWebSocketUrl("ws://example.com:80/").hostHeader, "example.com");
    assert.equal(parseWebSocketUrl("wss://example.com:443/").hostHeader, "example.com");
    const url = parseWebSocketUrl("ws://example.com:443/");
    assert.equal(url.hostHeader, "example.com:443");
    assert.equal(url.port, 443);
    assert.equal(parseWebSocketUrl("wss://example.com:80/").port, 80);
    assert.equal(parseWebSocketUrl("wss://example.com:8443/").hostHeader, "example.com:8443");
  });

  it("RFC 6455 3: brackets IPv6 hosts in Host but not in host", () => {
    const url = parseWebSocketUrl("ws://[::1]:8080/x");
    assert.equal(url.host, "::1");
    assert.equal(url.hostHeader, "[::1]:8080");
    assert.equal(url.port, 8080);
    assert.equal(parseWebSocketUrl("wss://[2001:DB8::1]").hostHeader, "[2001:db8::1]");
    assert.equal(parseWebSocketUrl("ws://127.0.0.1:9001").host, "127.0.0.1");
  });

  it("accepts a URL object", () => {
    assert.equal(parseWebSocketUrl(new URL("wss://example.com/a?b")).resourceName, "/a?b");
  });

  it("RFC 6455 3: rejects fragments, even empty ones, but not an escaped %23", () => {
    assert.throws(() => parseWebSocketUrl("ws://example.com/#frag"), /fragments are not allowed/);
    assert.throws(() => parseWebSocketUrl("ws://example.com/chat#"), TypeError);
    assert.equal(parseWebSocketUrl("ws://example.com/a%23b").resourceName, "/a%23b");
  });

  it("RFC 6455 3/4.1: rejects schemes other than ws and wss", () => {
    for (const url of [
      "http://example.com/",
      "https://example.com/",
      "ftp://example.com/",
      "wsx://a",
    ]) {
      assert.throws(
        () => parseWebSocketUrl(url),
        (e: unknown) => e instanceof TypeError && /is not ws: or wss:/.test(e.message),
      );
    }
  });

  it("RFC 6455 4.1: rejects unparsable URLs with the parser's error as cause", () => {
    for (const url of ["", "example.com", "ws://", "ws://exa mple.com", "ws://example.com:99999"]) {
      assert.throws(
        () => parseWebSocketUrl(url),
        (e: unknown) =>
          e instanceof TypeError &&
          /^Cannot parse WebSocket URL: invalid URL/.test(e.message) &&
          e.cause !== undefined,
        url,
      );
    }
  });

  it("rejects credentials", () => {
    assert.throws(
      () => parseWebSocketUrl("ws://user:pass@example.com/"),
      /credentials are not allowed/,
    );
    assert.throws(() => parseWebSocketUrl("ws://:pass@example.com/"), /credentials/);
  });
});
