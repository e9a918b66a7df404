import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWebSocketUrl } from "../../../src/core/handshake/url.js";

describe("parseWebSocketUrl", () => {
  it("RFC 6455 3: ws defaults to port 80 and resource name /", () => {
    assert.deepEqual(parseWebSocketUrl("ws://example.com"), {
      secure: false,
      host: "example.com",
      port: 80,
      resourceName: "/",
      hostHeader: "example.com",
    });
  });

  it("RFC 6455 3: wss defaults to port 443; the resource name is path and query", () => {
    assert.deepEqual(parseWebSocketUrl("wss://Example.COM/chat/room?id=1&x=%20"), {
      secure: true,
      host: "example.com",
      port: 443,
      resourceName: "/chat/room?id=1&x=%20",
      hostHeader: "example.com",
    });
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
