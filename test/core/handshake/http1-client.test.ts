import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError } from "../../../src/core/errors.js";
import { acceptKey, generateKey } from "../../../src/core/handshake/accept-key.js";
import { buildRequest, checkResponse } from "../../../src/core/handshake/http1-client.js";
import { acceptRequest } from "../../../src/core/handshake/http1-server.js";
import {
  type ClientHandshakeOptions,
  DEFAULT_USER_AGENT,
} from "../../../src/core/handshake/options.js";
import { parseWebSocketUrl } from "../../../src/core/handshake/url.js";
import { Headers } from "../../../src/core/headers.js";
import type { Response } from "../../../src/core/http1/message.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { ResponseParser } from "../../../src/core/http1/response-parser.js";
import { serializeRequest, serializeResponse } from "../../../src/core/http1/serialize.js";
import {
  ACCEPT,
  checkFails,
  clientFactory,
  KEY,
  serverFactory,
  switching,
} from "../../helpers/handshake.js";

describe("buildRequest", () => {
  const url = parseWebSocketUrl("ws://example.com:8080/chat?x=1");

  it("RFC 6455 4.1: GET the resource name with the required fields, in order", () => {
    const request = buildRequest(url, KEY, {});
    assert.equal(request.method, "GET");
    assert.equal(request.target, "/chat?x=1");
    assert.deepEqual(
      [...request.headers],
      [
        ["Host", "example.com:8080"],
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Key", KEY],
        ["Sec-WebSocket-Version", "13"],
        ["User-Agent", DEFAULT_USER_AGENT],
      ],
    );
    assert.equal(DEFAULT_USER_AGENT, "websocket-sansio/0.1");
    assert.deepEqual([...buildRequest(url, KEY).headers], [...request.headers]);
  });

  it("RFC 6455 4.1: offers subprotocols, extensions and Origin", () => {
    const deflate = clientFactory("permessage-deflate", [["client_max_window_bits", null]]);
    const other = clientFactory("x-other");
    const request = buildRequest(url, KEY, {
      subprotocols: ["chat", "superchat"],
      extensions: [deflate.factory, other.factory],
      origin: "http://example.com",
      userAgent: "test/1",
    });
    assert.equal(request.headers.get("sec-websocket-protocol"), "chat, superchat");
    assert.equal(
      request.headers.get("sec-websocket-extensions"),
      "permessage-deflate; client_max_window_bits, x-other",
    );
    assert.equal(request.headers.get("origin"), "http://example.com");
    assert.equal(request.headers.get("user-agent"), "test/1");
  });

  it("sends no User-Agent when userAgent is null, and no empty optional fields", () => {
    const request = buildRequest(url, KEY, { userAgent: null, subprotocols: [], extensions: [] });
    assert.equal(request.headers.size, 5);
  });

  it("adds extra headers last; a name already used is replaced", () => {
    const request = buildRequest(url, KEY, {
      headers: [
        ["Cookie", "a=1"],
        ["user-agent", "mine"],
        ["Cookie", "b=2"],
      ],
    });
    assert.deepEqual([...request.headers].slice(5), [
      ["Cookie", "a=1"],
      ["user-agent", "mine"],
      ["Cookie", "b=2"],
    ]);
    assert.equal(
      buildRequest(url, KEY, { headers: { Authorization: "Bearer x" } }).headers.get(
        "authorization",
      ),
      "Bearer x",
    );
  });

  it("RFC 6455 4.1: subprotocols must be unique tokens (U+0021-U+007E, no separators)", () => {
    for (const bad of ["", "a b", "a,b", "caf\xe9", "a\x7f", "(a)"]) {
      assert.throws(
        () => buildRequest(url, KEY, { subprotocols: [bad] }),
        /invalid subprotocol/,
        bad,
      );
    }
    assert.throws(
      () => buildRequest(url, KEY, { subprotocols: ["a", "b", "a"] }),
      (e: unknown) => e instanceof TypeError && /duplicate subprotocol "a"/.test(e.message),
    );
  });

  it("RFC 6455 9.1: rejects extension offers that are not valid syntax", () => {
    const bad = clientFactory("x", [["a", "1 2"]]);
    assert.throws(() => buildRequest(url, KEY, { extensions: [bad.factory] }), TypeError);
  });
});

describe("checkResponse", () => {
  it("RFC 6455 4.1: accepts the RFC 1.3 example response", () => {
    assert.deepEqual(checkResponse(switching(), KEY, {}), { subprotocol: null, extensions: [] });
    assert.deepEqual(checkResponse(switching(), KEY), { subprotocol: null, extensions: [] });
  });

  it("RFC 6455 4.1: a status other than 101 fails, carrying status, headers and body", () => {
    const response: Response = {
      status: 403,
      reason: "Forbidden",
      headers: new Headers({ "Content-Type": "text/plain" }),
      body: new TextEncoder().encode("go away"),
    };
    checkFails(response, {}, /^Cannot open WebSocket: server answered 403 "Forbidden"$/);
    checkFails({ ...switching(), status: 200 }, {}, /answered 200/);
  });

  it("RFC 6455 4.1: Upgrade must be websocket, compared case-insensitively", () => {
    assert.ok(checkResponse(switching([["Upgrade", "WebSocket"]], ["upgrade"]), KEY));
    checkFails(switching([], ["upgrade"]), {}, /invalid Upgrade header ""/);
    checkFails(switching([["Upgrade", "h2c"]], ["upgrade"]), {}, /invalid Upgrade header "h2c"/);
    checkFails(switching([["Upgrade", "websocket, h2c"]], ["upgrade"]), {}, /invalid Upgrade/);
    const error = checkFails(
      switching([["Upgrade", "web socket"]], ["upgrade"]),
      {},
      /Cannot parse Upgrade/,
    );
    assert.ok(error.cause instanceof HandshakeError);
  });

  it("RFC 6455 4.1: Connection must contain the Upgrade token, case-insensitively", () => {
    assert.ok(
      checkResponse(switching([["Connection", "keep-alive, upgrade"]], ["connection"]), KEY),
    );
    checkFails(switching([], ["connection"]), {}, /invalid Connection header ""/);
    checkFails(switching([["Connection", "keep-alive"]], ["connection"]), {}, /invalid Connection/);
    checkFails(
      switching([["Connection", "up grade"]], ["connection"]),
      {},
      /Cannot parse Connection/,
    );
  });

  it("RFC 6455 4.1: Sec-WebSocket-Accept must be present and right; surrounding whitespace is ignored", () => {
    assert.ok(
      checkResponse(
        switching([["Sec-WebSocket-Accept", ` ${ACCEPT}\t`]], ["sec-websocket-accept"]),
        KEY,
      ),
    );
    checkFails(
      switching([], ["sec-websocket-accept"]),
      {},
      /expected one Sec-WebSocket-Accept header, got 0/,
    );
    checkFails(
      switching(
        [["Sec-WebSocket-Accept", acceptKey("AAAAAAAAAAAAAAAAAAAAAA==")]],
        ["sec-websocket-accept"],
      ),
      {},
      /wrong Sec-WebSocket-Accept/,
    );
    checkFails(
      switching([["Sec-WebSocket-Accept", ACCEPT.toLowerCase()]], ["sec-websocket-accept"]),
      {},
      /wrong/,
    );
  });

  it("RFC 6455 11.3.3: a repeated Sec-WebSocket-Accept fails", () => {
    checkFails(switching([["Sec-WebSocket-Accept", ACCEPT]]), {}, /got 2/);
  });
});

describe("opening handshake over bytes", () => {
  it("RFC 6455 4: a client request and server response round-trip through the HTTP parsers", () => {
    const clientDeflate = clientFactory("permessage-deflate", [["client_max_window_bits", null]]);
    const serverDeflate = serverFactory("permessage-deflate", () => [
      ["server_no_context_takeover", null],
    ]);
    const key = generateKey();
    const clientOptions: ClientHandshakeOptions = {
      subprotocols: ["chat", "superchat"],
      extensions: [clientDeflate.factory],
      origin: "https://example.com",
    };
    const request = buildRequest(parseWebSocketUrl("wss://example.com/chat"), key, clientOptions);
    const received = new RequestParser().feed(serializeRequest(request));
    assert.ok(received);
    const accepted = acceptRequest(received.request, {
      subprotocols: ["superchat"],
      extensions: [serverDeflate.factory],
      origins: ["https://example.com"],
    });
    assert.ok(accepted.ok);
    assert.deepEqual(serverDeflate.calls[0]!.params, [["client_max_window_bits", null]]);
    const answer = new ResponseParser().feed(serializeResponse(accepted.response));
    assert.ok(answer);
    const result = checkResponse(answer.response, key, clientOptions);
    assert.equal(result.subprotocol, "superchat");
    assert.deepEqual(result.extensions, clientDeflate.created);
    assert.deepEqual(clientDeflate.calls[0]!.params, [["server_no_context_takeover", null]]);
  });

  it("RFC 6455 4.1: a rejection reaches the client as a HandshakeError with the status and body", () => {
    const key = generateKey();
    const request = buildRequest(parseWebSocketUrl("ws://example.com/"), key, {});
    request.headers.set("Sec-WebSocket-Version", "8");
    const refused = acceptRequest(new RequestParser().feed(serializeRequest(request))!.request, {});
    assert.ok(!refused.ok);
    const answer = new ResponseParser().feed(serializeResponse(refused.response));
    assert.throws(
      () => checkResponse(answer!.response, key, {}),
      (e: unknown) =>
        e instanceof HandshakeError &&
        e.status === 426 &&
        e.headers?.get("sec-websocket-version") === "13" &&
        new TextDecoder().decode(e.body).includes("unsupported Sec-WebSocket-Version"),
    );
  });
});
