import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptRequest } from "../../../src/core/handshake/http1-server.js";
import { DEFAULT_USER_AGENT } from "../../../src/core/handshake/options.js";
import { ACCEPT, handshakeRequest, KEY, rejected } from "../../helpers/handshake.js";

describe("acceptRequest", () => {
  it("RFC 6455 4.2.2: answers the RFC 1.3 example request with 101 and the accept value", () => {
    const result = acceptRequest(handshakeRequest(), {});
    assert.ok(result.ok);
    assert.equal(result.response.status, 101);
    assert.equal(result.response.reason, "Switching Protocols");
    assert.equal(result.response.body.length, 0);
    assert.deepEqual(
      [...result.response.headers],
      [
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Accept", ACCEPT],
        ["Server", DEFAULT_USER_AGENT],
      ],
    );
    assert.equal(result.subprotocol, null);
    assert.deepEqual(result.extensions, []);
    assert.ok(acceptRequest(handshakeRequest()).ok);
  });

  it("sends the configured Server header, or none", () => {
    const custom = acceptRequest(handshakeRequest(), { serverHeader: "mine" });
    assert.equal(custom.response.headers.get("server"), "mine");
    assert.equal(
      acceptRequest(handshakeRequest(), { serverHeader: null }).response.headers.has("server"),
      false,
    );
    const refused = acceptRequest(
      { ...handshakeRequest(), method: "POST" },
      { serverHeader: null },
    );
    assert.equal(refused.response.headers.has("server"), false);
  });

  it("RFC 6455 4.2.1 item 1: a method other than GET gets 405 with Allow: GET", () => {
    const result = rejected(
      { ...handshakeRequest(), method: "POST" },
      {},
      405,
      /method POST is not GET/,
    );
    assert.equal(result.response.headers.get("allow"), "GET");
    assert.equal(result.response.headers.get("server"), DEFAULT_USER_AGENT);
  });

  it("RFC 6455 4.2.1 item 1: HTTP lower than 1.1 gets 400", () => {
    rejected(
      { ...handshakeRequest(), version: "1.0" },
      {},
      400,
      /HTTP\/1\.0 is older than HTTP\/1\.1/,
    );
    rejected({ ...handshakeRequest(), version: "0.9" }, {}, 400, /older/);
    rejected({ ...handshakeRequest(), version: "x" }, {}, 400, /older/);
    assert.ok(acceptRequest({ ...handshakeRequest(), version: "1.2" }).ok);
    assert.ok(acceptRequest({ ...handshakeRequest(), version: "2.0" }).ok);
    const { version: _, ...noVersion } = handshakeRequest();
    assert.ok(acceptRequest(noVersion).ok);
  });

  it("RFC 6455 4.2.1 item 2: a missing or repeated Host gets 400", () => {
    rejected(handshakeRequest([], ["host"]), {}, 400, /expected one Host header/);
    rejected(handshakeRequest([["Host", "other"]]), {}, 400, /expected one Host header/);
  });

  it("RFC 6455 4.2.1 item 3: Upgrade must contain websocket, case-insensitively, else 426", () => {
    assert.ok(acceptRequest(handshakeRequest([["Upgrade", "h2c, WebSocket"]], ["upgrade"])).ok);
    const result = rejected(
      handshakeRequest([], ["upgrade"]),
      {},
      426,
      /Upgrade header "" lacks websocket/,
    );
    assert.equal(result.response.headers.get("upgrade"), "websocket");
    rejected(handshakeRequest([["Upgrade", "h2c"]], ["upgrade"]), {}, 426, /lacks websocket/);
    rejected(
      handshakeRequest([["Upgrade", "web socket"]], ["upgrade"]),
      {},
      400,
      /Cannot parse Upgrade/,
    );
  });

  it("RFC 6455 4.2.1 item 4: Connection must contain the Upgrade token, case-insensitively, else 426", () => {
    assert.ok(
      acceptRequest(handshakeRequest([["Connection", "keep-alive, upgrade"]], ["connection"])).ok,
    );
    assert.ok(
      acceptRequest(handshakeRequest([["Connection", "keep-alive"]])).ok,
      "split over two fields",
    );
    const result = rejected(
      handshakeRequest([["Connection", "keep-alive"]], ["connection"]),
      {},
      426,
      /lacks Upgrade/,
    );
    assert.equal(result.response.headers.get("upgrade"), "websocket");
    rejected(handshakeRequest([], ["connection"]), {}, 426, /Connection header ""/);
    rejected(
      handshakeRequest([["Connection", "up grade"]], ["connection"]),
      {},
      400,
      /Cannot parse Connection/,
    );
  });

  it("RFC 6455 4.2.1 item 5: a missing or repeated Sec-WebSocket-Key gets 400", () => {
    rejected(handshakeRequest([], ["sec-websocket-key"]), {}, 400, /got 0/);
    rejected(handshakeRequest([["Sec-WebSocket-Key", KEY]]), {}, 400, /got 2/);
  });

  it("RFC 6455 4.2.1 item 5: a key that does not base64-decode to 16 bytes gets 400", () => {
    for (const key of [
      "",
      "abc",
      "AAAAAAAAAAAAAAAAAAAA",
      "AAAAAAAAAAAAAAAAAAAAAAA=",
      "AAAAAAAAAAAAAAAAAAAAAA",
      "dGhlIHNhbXBsZSBub25jZQ=!",
    ]) {
      rejected(
        handshakeRequest([["Sec-WebSocket-Key", key]], ["sec-websocket-key"]),
        {},
        400,
        /invalid Sec-WebSocket-Key/,
      );
    }
    assert.ok(
      acceptRequest(handshakeRequest([["Sec-WebSocket-Key", ` ${KEY} `]], ["sec-websocket-key"]))
        .ok,
    );
  });

  it("RFC 6455 4.2.2: a missing, repeated or unsupported version gets 426 with Sec-WebSocket-Version: 13", () => {
    const cases: [string, string][][] = [
      [],
      [["Sec-WebSocket-Version", "8"]],
      [["Sec-WebSocket-Version", "13, 8"]],
      [
        ["Sec-WebSocket-Version", "13"],
        ["Sec-WebSocket-Version", "13"],
      ],
    ];
    for (const fields of cases) {
      const result = rejected(
        handshakeRequest(fields, ["sec-websocket-version"]),
        {},
        426,
        /unsupported Sec-WebSocket-Version/,
      );
      assert.equal(result.response.headers.get("sec-websocket-version"), "13");
    }
  });

  it("RFC 6455 4.2.1 item 1: a target that names no resource gets 400", () => {
    for (const target of ["*", "chat", "?x=1", "/chat#top", "ftp://example.com/chat"]) {
      rejected({ ...handshakeRequest(), target }, {}, 400, /names no resource/);
    }
    // Otherwise the target is not looked at: routing is the application's.
    for (const target of [
      "/",
      "/chat?room=1&x=%2F",
      "//double",
      "http://server.example.com/chat",
      "HTTPS://server.example.com:8443/chat?x=1",
      "ws://server.example.com/chat",
      "wss://server.example.com/",
    ]) {
      assert.ok(acceptRequest({ ...handshakeRequest(), target }).ok, target);
    }
  });
});
