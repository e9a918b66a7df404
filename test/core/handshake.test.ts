import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBase64 } from "../../src/core/base64.js";
import { HandshakeError } from "../../src/core/errors.js";
import type {
  ClientExtensionFactory,
  Extension,
  ExtensionParam,
  ServerExtensionFactory,
} from "../../src/core/extension.js";
import {
  acceptKey,
  acceptRequest,
  buildRequest,
  type ClientHandshakeOptions,
  checkResponse,
  DEFAULT_USER_AGENT,
  generateKey,
  parseWebSocketUrl,
  rejectResponse,
  type ServerHandshakeOptions,
  WEBSOCKET_GUID,
} from "../../src/core/handshake.js";
import { Headers } from "../../src/core/headers.js";
import {
  type Request,
  RequestParser,
  type Response,
  ResponseParser,
  serializeRequest,
  serializeResponse,
} from "../../src/core/http1.js";

// RFC 6455 1.3's example.
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

class FakeExtension implements Extension {
  readonly rsvBits = 0;
  disposed = false;
  constructor(
    readonly name: string,
    readonly params: readonly ExtensionParam[],
  ) {}
  encode(payload: Uint8Array) {
    return { payload, rsv: 0 };
  }
  decode(payload: Uint8Array) {
    return payload;
  }
  dispose() {
    this.disposed = true;
  }
}

/** A client factory that records its calls and accepts anything, or throws `refuse`. */
function clientFactory(name: string, offer: ExtensionParam[] = [], refuse?: unknown) {
  const calls: { params: readonly ExtensionParam[]; accepted: readonly Extension[] }[] = [];
  const created: FakeExtension[] = [];
  const factory: ClientExtensionFactory = {
    name,
    offer: () => offer,
    accept(params, accepted) {
      calls.push({ params, accepted: [...accepted] });
      if (refuse !== undefined) throw refuse;
      const extension = new FakeExtension(name, params);
      created.push(extension);
      return extension;
    },
  };
  return { factory, calls, created };
}

/** A server factory that answers `answer(params)` (null declines). */
function serverFactory(
  name: string,
  answer: (params: readonly ExtensionParam[]) => ExtensionParam[] | null = (params) => [...params],
) {
  const calls: { params: readonly ExtensionParam[]; accepted: readonly Extension[] }[] = [];
  const created: FakeExtension[] = [];
  const factory: ServerExtensionFactory = {
    name,
    negotiate(params, accepted) {
      calls.push({ params, accepted: [...accepted] });
      const answered = answer(params);
      if (answered === null) return null;
      const extension = new FakeExtension(name, answered);
      created.push(extension);
      return { params: answered, extension };
    },
  };
  return { factory, calls, created };
}

function handshakeRequest(fields: [string, string][] = [], drop: string[] = []): Request {
  const headers = new Headers([
    ["Host", "server.example.com"],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", KEY],
    ["Sec-WebSocket-Version", "13"],
  ]);
  for (const name of drop) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
  return { method: "GET", target: "/chat", headers, version: "1.1" };
}

function switching(fields: [string, string][] = [], drop: string[] = []): Response {
  const headers = new Headers([
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", ACCEPT],
  ]);
  for (const name of drop) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
  return { status: 101, reason: "Switching Protocols", headers, body: new Uint8Array(0) };
}

function checkFails(
  response: Response,
  options: ClientHandshakeOptions,
  pattern: RegExp,
): HandshakeError {
  let caught: unknown;
  try {
    checkResponse(response, KEY, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof HandshakeError, `expected a HandshakeError, got ${caught}`);
  assert.match(caught.message, pattern);
  assert.equal(caught.status, response.status);
  assert.equal(caught.headers, response.headers);
  assert.equal(caught.body, response.body);
  return caught;
}

function rejected(
  request: Request,
  options: ServerHandshakeOptions,
  status: number,
  pattern: RegExp,
) {
  const result = acceptRequest(request, options);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.response.status, status);
  assert.equal(result.error.status, status);
  assert.match(result.error.message, pattern);
  assert.equal(new TextDecoder().decode(result.response.body), `${result.error.message}\n`);
  assert.equal(result.response.headers.get("connection"), "close");
  return result;
}

describe("acceptKey and generateKey", () => {
  it("RFC 6455 1.3/4.2.2: the example key gives the example accept value", () => {
    assert.equal(WEBSOCKET_GUID, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    assert.equal(acceptKey(KEY), ACCEPT);
  });

  it("RFC 6455 4.2.2: accept = base64(SHA-1(key + GUID)), checked against node:crypto", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString("base64");
        const expected = createHash("sha1")
          .update(key + WEBSOCKET_GUID)
          .digest("base64");
        assert.equal(acceptKey(key), expected);
      }),
    );
  });

  it("hashes keys of any length and any characters as UTF-8, like node:crypto", () => {
    // The server only accepts 24-character base64 keys, but acceptKey is
    // public: other keys take the general path, and results do not leak
    // between calls that share the scratch buffers.
    for (const key of [
      "",
      "short",
      "x".repeat(100),
      `${"é".repeat(23)}=`,
      `${"A".repeat(23)}\u20ac`,
    ]) {
      const expected = createHash("sha1")
        .update(key + WEBSOCKET_GUID)
        .digest("base64");
      assert.equal(acceptKey(key), expected, key);
      assert.equal(acceptKey(KEY), ACCEPT);
    }
  });

  it("RFC 6455 4.1: the key is base64 of 16 bytes from the injected random source", () => {
    const key = generateKey((bytes) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = i;
    });
    assert.deepEqual(
      decodeBase64(key),
      Uint8Array.from({ length: 16 }, (_, i) => i),
    );
  });

  it("RFC 6455 4.1: keys from the default source are fresh for each connection", () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateKey()));
    assert.equal(keys.size, 50);
    for (const key of keys) assert.equal(decodeBase64(key)?.length, 16);
  });
});

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

  describe("subprotocols", () => {
    const options = { subprotocols: ["chat", "superchat"] };
    it("RFC 6455 4.1: returns the offered subprotocol the server selected", () => {
      assert.equal(
        checkResponse(switching([["Sec-WebSocket-Protocol", " superchat "]]), KEY, options)
          .subprotocol,
        "superchat",
      );
      assert.equal(checkResponse(switching(), KEY, options).subprotocol, null);
    });
    it("RFC 6455 4.1: a subprotocol that was not offered fails", () => {
      checkFails(
        switching([["Sec-WebSocket-Protocol", "other"]]),
        options,
        /subprotocol "other" was not offered/,
      );
      checkFails(switching([["Sec-WebSocket-Protocol", "chat"]]), {}, /was not offered/);
      checkFails(switching([["Sec-WebSocket-Protocol", "Chat"]]), options, /was not offered/);
    });
    it("RFC 6455 4.1: several subprotocols, or an empty value, fail", () => {
      checkFails(
        switching([["Sec-WebSocket-Protocol", "chat, superchat"]]),
        options,
        /expected one subprotocol/,
      );
      checkFails(switching([["Sec-WebSocket-Protocol", ""]]), options, /expected one subprotocol/);
      checkFails(
        switching([["Sec-WebSocket-Protocol", "c h"]]),
        options,
        /Cannot parse Sec-WebSocket-Protocol/,
      );
    });
    it("RFC 6455 11.3.4: a repeated Sec-WebSocket-Protocol fails", () => {
      checkFails(
        switching([
          ["Sec-WebSocket-Protocol", "chat"],
          ["Sec-WebSocket-Protocol", "chat"],
        ]),
        options,
        /repeated Sec-WebSocket-Protocol/,
      );
    });
  });

  describe("extensions", () => {
    it("RFC 6455 9.1: hands each response element to the matching factory, in the server's order", () => {
      const a = clientFactory("a");
      const b = clientFactory("b");
      const result = checkResponse(switching([["Sec-WebSocket-Extensions", "b; x=1, a"]]), KEY, {
        extensions: [a.factory, b.factory],
      });
      assert.deepEqual(result.extensions, [b.created[0], a.created[0]]);
      assert.deepEqual(b.calls, [{ params: [["x", "1"]], accepted: [] }]);
      assert.deepEqual(a.calls, [{ params: [], accepted: [b.created[0]] }]);
    });

    it("RFC 6455 4.1: an extension that was not offered fails", () => {
      const a = clientFactory("a");
      checkFails(
        switching([["Sec-WebSocket-Extensions", "b"]]),
        { extensions: [a.factory] },
        /extension "b" was not offered/,
      );
      checkFails(
        switching([["Sec-WebSocket-Extensions", "a"]]),
        {},
        /extension "a" was not offered/,
      );
    });

    it("RFC 6455 9.1: each offer is accepted at most once; earlier extensions are disposed on failure", () => {
      const a = clientFactory("a");
      checkFails(
        switching([["Sec-WebSocket-Extensions", "a, a"]]),
        { extensions: [a.factory] },
        /extension "a" was not offered/,
      );
      assert.equal(a.created.length, 1);
      assert.equal(a.created[0]!.disposed, true);
    });

    it("tries the next offer of the same name when a factory refuses", () => {
      const first = clientFactory("a", [], new Error("wrong params"));
      const second = clientFactory("a");
      const result = checkResponse(switching([["Sec-WebSocket-Extensions", "a; p"]]), KEY, {
        extensions: [first.factory, second.factory],
      });
      assert.deepEqual(result.extensions, second.created);
      assert.equal(first.calls.length, 1);
    });

    it("RFC 7692 7: a factory's refusal fails the handshake with its error as cause", () => {
      const refusal = new Error("unknown parameter");
      const first = clientFactory("a", [], refusal);
      const second = clientFactory("a", [], new Error("second"));
      const error = checkFails(
        switching([["Sec-WebSocket-Extensions", "a; bogus"]]),
        { extensions: [first.factory, second.factory] },
        /extension "a" refused: unknown parameter/,
      );
      assert.equal(error.cause, refusal);
      const odd = clientFactory("a", [], "a string");
      assert.equal(
        checkFails(
          switching([["Sec-WebSocket-Extensions", "a"]]),
          { extensions: [odd.factory] },
          /refused: a string/,
        ).cause,
        "a string",
      );
    });

    it("RFC 6455 4.1: a malformed Sec-WebSocket-Extensions fails", () => {
      const a = clientFactory("a");
      const error = checkFails(
        switching([["Sec-WebSocket-Extensions", 'a; b="x y"']]),
        { extensions: [a.factory] },
        /Cannot parse Sec-WebSocket-Extensions/,
      );
      assert.ok(error.cause instanceof HandshakeError);
      checkFails(
        switching([["Sec-WebSocket-Extensions", ""]]),
        { extensions: [a.factory] },
        /no extension/,
      );
    });

    it("RFC 6455 11.3.2: a repeated Sec-WebSocket-Extensions fails", () => {
      const a = clientFactory("a");
      const b = clientFactory("b");
      checkFails(
        switching([
          ["Sec-WebSocket-Extensions", "a"],
          ["Sec-WebSocket-Extensions", "b"],
        ]),
        { extensions: [a.factory, b.factory] },
        /repeated Sec-WebSocket-Extensions/,
      );
    });
  });
});

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

  describe("origins", () => {
    const options = { origins: ["https://example.com", null] };
    it("RFC 6455 4.2.2/10.2: an origin in the list is accepted; null allows requests without Origin", () => {
      assert.ok(acceptRequest(handshakeRequest([["Origin", "https://example.com"]]), options).ok);
      assert.ok(acceptRequest(handshakeRequest(), options).ok);
      assert.ok(
        acceptRequest(handshakeRequest([["Origin", "https://evil.example"]])).ok,
        "no list: any origin",
      );
    });
    it("RFC 6455 4.2.2/10.2: another origin, a missing one not allowed, or several get 403", () => {
      rejected(
        handshakeRequest([["Origin", "https://evil.example"]]),
        options,
        403,
        /origin "https:\/\/evil.example" is not allowed/,
      );
      rejected(
        handshakeRequest(),
        { origins: ["https://example.com"] },
        403,
        /origin "" is not allowed/,
      );
      rejected(
        handshakeRequest([
          ["Origin", "https://example.com"],
          ["Origin", "https://example.com"],
        ]),
        options,
        403,
        /not allowed/,
      );
    });
  });

  describe("subprotocols", () => {
    it("RFC 6455 4.2.2: selects the first of the server's subprotocols that the client offered", () => {
      const request = handshakeRequest([
        ["Sec-WebSocket-Protocol", "chat, superchat"],
        ["Sec-WebSocket-Protocol", "v2"],
      ]);
      const result = acceptRequest(request, { subprotocols: ["v2", "superchat", "chat"] });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, "v2");
      assert.equal(result.response.headers.get("sec-websocket-protocol"), "v2");
    });
    it("RFC 6455 4.2.2: sends no header (never an empty one) when nothing matches", () => {
      const result = acceptRequest(handshakeRequest([["Sec-WebSocket-Protocol", "chat"]]), {
        subprotocols: ["other"],
      });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, null);
      assert.equal(result.response.headers.has("sec-websocket-protocol"), false);
      assert.equal(
        acceptRequest(handshakeRequest([["Sec-WebSocket-Protocol", "chat"]])).response.headers.has(
          "sec-websocket-protocol",
        ),
        false,
      );
    });
    it("selectSubprotocol wins over subprotocols and sees the offers and the request", () => {
      const request = handshakeRequest([["Sec-WebSocket-Protocol", "a, b"]]);
      const seen: unknown[] = [];
      const result = acceptRequest(request, {
        subprotocols: ["a"],
        selectSubprotocol: (offered, r) => {
          seen.push(offered, r);
          return "b";
        },
      });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, "b");
      assert.deepEqual(seen, [["a", "b"], request]);
      const none = acceptRequest(request, { selectSubprotocol: () => null });
      assert.ok(none.ok);
      assert.equal(none.response.headers.has("sec-websocket-protocol"), false);
    });
    it("selectSubprotocol sees an empty list when the client offers none", () => {
      const seen: unknown[] = [];
      const result = acceptRequest(handshakeRequest(), {
        selectSubprotocol: (offered) => {
          seen.push(offered);
          return null;
        },
      });
      assert.ok(result.ok);
      assert.deepEqual(seen, [[]]);
    });
    it("answers 500 when selectSubprotocol throws or picks something not offered", () => {
      const request = handshakeRequest([["Sec-WebSocket-Protocol", "a"]]);
      const failure = new Error("boom");
      const thrown = rejected(
        request,
        {
          selectSubprotocol: () => {
            throw failure;
          },
        },
        500,
        /selectSubprotocol failed: boom/,
      );
      assert.equal(thrown.error.cause, failure);
      rejected(
        request,
        { selectSubprotocol: () => "z" },
        500,
        /returned "z", which the client did not offer/,
      );
    });
    it("RFC 6455 4.2.1: a malformed Sec-WebSocket-Protocol gets 400", () => {
      rejected(
        handshakeRequest([["Sec-WebSocket-Protocol", "a b"]]),
        { subprotocols: ["a"] },
        400,
        /Cannot parse Sec-WebSocket-Protocol/,
      );
    });
  });

  describe("extensions", () => {
    it("RFC 6455 9.1: answers each accepted offer with the factory's parameters", () => {
      const a = serverFactory("a", () => [["x", "1"]]);
      const b = serverFactory("b");
      const result = acceptRequest(
        handshakeRequest([["Sec-WebSocket-Extensions", "b; y, c, a; z=2"]]),
        {
          extensions: [a.factory, b.factory],
        },
      );
      assert.ok(result.ok);
      assert.deepEqual(result.extensions, [b.created[0], a.created[0]]);
      assert.equal(result.response.headers.get("sec-websocket-extensions"), "b; y, a; x=1");
      assert.deepEqual(b.calls, [{ params: [["y", null]], accepted: [] }]);
      assert.deepEqual(a.calls, [{ params: [["z", "2"]], accepted: [b.created[0]] }]);
    });

    it("RFC 7692 5: tries offers in order, takes the first accepted and skips later offers of that name", () => {
      const deflate = serverFactory("d", (params) => (params.length === 0 ? [] : null));
      const result = acceptRequest(
        handshakeRequest([
          ["Sec-WebSocket-Extensions", "d; p=1"],
          ["Sec-WebSocket-Extensions", "d, d; q"],
        ]),
        { extensions: [deflate.factory] },
      );
      assert.ok(result.ok);
      assert.equal(deflate.calls.length, 2);
      assert.equal(result.extensions.length, 1);
      assert.equal(result.response.headers.get("sec-websocket-extensions"), "d");
    });

    it("asks the next factory of the same name when one declines; none answers when all decline", () => {
      const declines = serverFactory("d", () => null);
      const accepts = serverFactory("d");
      const result = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d"]]), {
        extensions: [declines.factory, accepts.factory],
      });
      assert.deepEqual(result.ok && result.extensions, accepts.created);
      const none = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d, unknown"]]), {
        extensions: [declines.factory],
      });
      assert.ok(none.ok);
      assert.equal(none.response.headers.has("sec-websocket-extensions"), false);
      const unsupported = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d"]]));
      assert.ok(unsupported.ok);
      assert.equal(unsupported.response.headers.has("sec-websocket-extensions"), false);
    });

    it("RFC 6455 4.2.1/9.1: a malformed Sec-WebSocket-Extensions gets 400", () => {
      const result = rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "a;;"]]),
        {},
        400,
        /Cannot parse Sec-WebSocket-Extensions/,
      );
      assert.ok(result.error.cause instanceof HandshakeError);
    });

    it("answers 500, disposing what was negotiated, when a factory throws or answers bad parameters", () => {
      const ok = serverFactory("a");
      const failure = new Error("broken");
      const throwing: ServerExtensionFactory = {
        name: "b",
        negotiate: () => {
          throw failure;
        },
      };
      const result = rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "a, b"]]),
        { extensions: [ok.factory, throwing] },
        500,
        /extension "b" failed: broken/,
      );
      assert.equal(result.error.cause, failure);
      assert.equal(ok.created[0]!.disposed, true);
      const bad = serverFactory("c", () => [["p", "not a token"]]);
      rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "c"]]),
        { extensions: [bad.factory] },
        500,
        /invalid parameter/,
      );
      assert.equal(bad.created[0]!.disposed, true);
      const noDispose: ServerExtensionFactory = {
        name: "e",
        negotiate: () => ({
          params: [["p", "x y"]],
          extension: { ...new FakeExtension("e", []), dispose: undefined } as unknown as Extension,
        }),
      };
      rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "e"]]),
        { extensions: [noDispose] },
        500,
        /invalid parameter/,
      );
    });
  });

  it("does not look at the request target (routing is the application's)", () => {
    assert.ok(acceptRequest({ ...handshakeRequest(), target: "*" }).ok);
  });
});

describe("rejectResponse", () => {
  it("builds a plain-text response with reason, Content-Length and Connection: close", () => {
    const response = rejectResponse(403, "no entry ✋");
    assert.equal(response.status, 403);
    assert.equal(response.reason, "Forbidden");
    assert.equal(new TextDecoder().decode(response.body), "no entry ✋");
    assert.deepEqual(
      [...response.headers],
      [
        ["Content-Type", "text/plain; charset=utf-8"],
        ["Content-Length", String(response.body.length)],
        ["Connection", "close"],
      ],
    );
    assert.equal(response.body.length, 12);
  });

  it("accepts bytes, defaults to an empty body, and leaves unknown reasons empty", () => {
    assert.deepEqual(rejectResponse(400, Uint8Array.of(1, 2)).body, Uint8Array.of(1, 2));
    const empty = rejectResponse(599);
    assert.equal(empty.reason, "");
    assert.equal(empty.body.length, 0);
    assert.equal(empty.headers.get("content-length"), "0");
  });

  it("lets extra headers replace its own", () => {
    const response = rejectResponse(401, "", {
      "Content-Type": "text/html",
      "WWW-Authenticate": "Basic",
    });
    assert.equal(response.headers.get("content-type"), "text/html");
    assert.equal(response.headers.get("www-authenticate"), "Basic");
  });

  it("throws RangeError for an invalid status", () => {
    for (const status of [99, 1000, 4.5]) assert.throws(() => rejectResponse(status), RangeError);
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
