import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError, InvalidStateError } from "../../../src/core/errors.js";
import { ExtendedConnectClientProtocol } from "../../../src/core/extended-connect-client.js";
import { ExtendedConnectServerProtocol } from "../../../src/core/extended-connect-server.js";
import type { ServerExtensionFactory } from "../../../src/core/extension.js";
import { Opcode } from "../../../src/core/frame.js";
import { acceptKey } from "../../../src/core/handshake/accept-key.js";
import {
  buildExtendedConnectRequest,
  checkExtendedConnectResponse,
  type ExtendedConnectRequest,
  extendedConnectResponse,
  fieldsForHttp2,
  negotiateExtendedConnect,
  requestFromFields,
} from "../../../src/core/handshake/extended-connect.js";
import { rejectResponse } from "../../../src/core/handshake/refusal.js";
import { parseWebSocketUrl } from "../../../src/core/handshake/url.js";
import { Headers } from "../../../src/core/headers.js";
import type { Response } from "../../../src/core/http1/message.js";
import { permessageDeflate } from "../../../src/node/permessage-deflate.js";
import { drain, feed, splits } from "../../helpers/drive.js";
import { pump } from "../../helpers/pump.js";
import { clientFrame } from "../../helpers/wire.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** What Chromium sends (RFC 8441 5's example, with its usual fields). */
function chromeRequest(extra: [string, string][] = []): ExtendedConnectRequest {
  return requestFromFields([
    [":method", "CONNECT"],
    [":protocol", "websocket"],
    [":scheme", "https"],
    [":authority", "server.example.com"],
    [":path", "/chat"],
    ["sec-websocket-version", "13"],
    ["sec-websocket-protocol", "chat, superchat"],
    ["origin", "http://www.example.com"],
    ...extra,
  ]);
}

function refusal(request: ExtendedConnectRequest, options = {}) {
  const result = negotiateExtendedConnect(request, options);
  assert.equal(result.ok, false);
  return result as Extract<typeof result, { ok: false }>;
}

describe("buildExtendedConnectRequest", () => {
  it("sends the pseudo-headers and no Upgrade, Connection, Host or key (RFC 8441 4, 5)", () => {
    const request = buildExtendedConnectRequest(parseWebSocketUrl("wss://example.com:8443/a?b"), {
      subprotocols: ["chat", "v2"],
      origin: "https://example.com",
    });
    assert.equal(request.method, "CONNECT");
    assert.equal(request.protocol, "websocket");
    assert.equal(request.scheme, "https");
    assert.equal(request.authority, "example.com:8443");
    assert.equal(request.target, "/a?b");
    assert.equal(request.version, "2");
    assert.deepEqual(
      [...request.headers],
      [
        ["sec-websocket-version", "13"],
        ["sec-websocket-protocol", "chat, v2"],
        ["origin", "https://example.com"],
        ["user-agent", "websocket-sansio/0.1"],
      ],
    );
  });

  it("uses http for ws: and adds a key only when given", () => {
    const request = buildExtendedConnectRequest(parseWebSocketUrl("ws://h/"), {}, KEY, "3");
    assert.equal(request.scheme, "http");
    assert.equal(request.authority, "h");
    assert.equal(request.version, "3");
    assert.equal(request.headers.get("sec-websocket-key"), KEY);
  });

  it("refuses connection-specific extra headers (RFC 9113 8.2.2) and bad subprotocols", () => {
    const url = parseWebSocketUrl("ws://h/");
    assert.throws(
      () => buildExtendedConnectRequest(url, { headers: { Connection: "keep-alive" } }),
      /header "Connection" is not allowed over HTTP\/2/,
    );
    assert.throws(() => buildExtendedConnectRequest(url, { subprotocols: ["a b"] }), TypeError);
  });

  it("offers extensions as over HTTP/1.1", () => {
    const request = buildExtendedConnectRequest(parseWebSocketUrl("ws://h/"), {
      extensions: [permessageDeflate().client],
    });
    assert.match(request.headers.get("sec-websocket-extensions")!, /^permessage-deflate/);
  });
});

describe("requestFromFields and fieldsForHttp2", () => {
  it("separates pseudo-headers and keeps repeated fields", () => {
    const request = requestFromFields([
      [":method", "CONNECT"],
      [":path", "/"],
      ["cookie", ["a=1", "b=2"]],
      ["x-absent", undefined],
    ]);
    assert.equal(request.method, "CONNECT");
    assert.equal(request.protocol, undefined);
    assert.deepEqual(request.headers.getAll("cookie"), ["a=1", "b=2"]);
    assert.equal(request.headers.has("x-absent"), false);
  });

  it("keeps the values every WebSocket repeats as they came, and any other value too", () => {
    const request = requestFromFields([
      [":method", "CONNECT"],
      [":protocol", "websocket"],
      [":scheme", "http"],
      [":path", "/"],
      ["sec-websocket-version", "13"],
      ["sec-websocket-protocol", "13"],
    ]);
    assert.equal(request.protocol, "websocket");
    assert.equal(request.scheme, "http");
    assert.equal(request.headers.get("sec-websocket-version"), "13");
    const odd = requestFromFields([
      [":method", "CONNECT"],
      [":scheme", "https"],
      ["sec-websocket-version", "8"],
    ]);
    assert.equal(odd.scheme, "https");
    assert.equal(odd.headers.get("sec-websocket-version"), "8");
  });

  it("leaves out the fields HTTP/2 forbids", () => {
    const response = rejectResponse(403, "no\n");
    assert.deepEqual(fieldsForHttp2(response.headers), [
      ["content-type", "text/plain; charset=utf-8"],
      ["content-length", "3"],
    ]);
  });
});

describe("negotiateExtendedConnect", () => {
  it("accepts Chromium's request and selects a subprotocol", () => {
    const result = negotiateExtendedConnect(chromeRequest(), { subprotocols: ["superchat"] });
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.subprotocol, "superchat");
  });

  it("answers 405 to another method, 400 to a tunnel, 501 to another protocol", () => {
    const get = chromeRequest();
    get.method = "GET";
    assert.equal(refusal(get).response.status, 405);
    assert.equal(refusal(get).response.headers.get("allow"), "CONNECT");
    const tunnel = chromeRequest();
    tunnel.protocol = undefined;
    assert.equal(refusal(tunnel).response.status, 400);
    const other = chromeRequest();
    other.protocol = "webtransport";
    assert.equal(refusal(other).response.status, 501);
  });

  it("answers 400 without :scheme, :path or :authority (RFC 8441 4)", () => {
    for (const field of ["scheme", "target", "authority"] as const) {
      const request = chromeRequest();
      if (field === "target") request.target = "";
      else request[field] = undefined;
      const refused = refusal(request);
      assert.equal(refused.response.status, 400, field);
      assert.ok(refused.error instanceof HandshakeError);
    }
  });

  it("answers 426 to a missing or wrong version, 403 to a bad origin, as over HTTP/1.1", () => {
    const wrong = chromeRequest();
    wrong.headers.set("sec-websocket-version", "8");
    const refused = refusal(wrong);
    assert.equal(refused.response.status, 426);
    assert.equal(refused.response.headers.get("sec-websocket-version"), "13");
    const none = chromeRequest();
    none.headers.delete("sec-websocket-version");
    assert.equal(refusal(none).response.status, 426);
    assert.equal(refusal(chromeRequest(), { origins: ["https://ok"] }).response.status, 403);
  });

  it("needs no key, Upgrade or Connection", () => {
    assert.equal(negotiateExtendedConnect(chromeRequest()).ok, true);
  });
});

describe("extendedConnectResponse and checkExtendedConnectResponse", () => {
  it("answers 200, with an accept only when a valid key came", () => {
    const plain = extendedConnectResponse(chromeRequest(), "chat", "", {});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.has("sec-websocket-accept"), false);
    assert.equal(plain.headers.get("sec-websocket-protocol"), "chat");
    const keyed = extendedConnectResponse(chromeRequest([["sec-websocket-key", KEY]]), null, "", {
      serverHeader: null,
    });
    assert.deepEqual([...keyed.headers], [["sec-websocket-accept", acceptKey(KEY)]]);
  });

  const response = (status: number, fields: [string, string][] = []): Response => ({
    status,
    reason: "",
    headers: new Headers(fields),
    body: new Uint8Array(0),
  });

  it("accepts any 2xx, with or without an accept", () => {
    assert.deepEqual(checkExtendedConnectResponse(response(200), KEY), {
      subprotocol: null,
      extensions: [],
    });
    checkExtendedConnectResponse(response(204, [["sec-websocket-accept", acceptKey(KEY)]]), KEY);
    checkExtendedConnectResponse(response(200, [["sec-websocket-accept", "whatever"]]), undefined);
  });

  it("refuses another status, a wrong accept, a subprotocol not offered", () => {
    assert.throws(
      () => checkExtendedConnectResponse(response(101), KEY),
      (error: HandshakeError) => error.status === 101 && /answered 101/.test(error.message),
    );
    assert.throws(
      () => checkExtendedConnectResponse(response(200, [["sec-websocket-accept", "x"]]), KEY),
      /wrong Sec-WebSocket-Accept/,
    );
    assert.throws(
      () => checkExtendedConnectResponse(response(200, [["sec-websocket-protocol", "x"]]), KEY),
      /subprotocol "x" was not offered/,
    );
  });
});

/** Runs the handshake between the two protocols as an HTTP/2 layer would; returns the heads sent. */
function handshake(
  client: ExtendedConnectClientProtocol,
  serverOptions = {},
  edit?: (request: ExtendedConnectRequest) => void,
) {
  const heads: Response[] = [];
  const server = new ExtendedConnectServerProtocol(serverOptions, (head) => heads.push(head));
  const request = client.connect();
  edit?.(request);
  client.sendRequest(request);
  // The request crosses as a HEADERS frame: only its fields survive.
  server.receiveRequest(
    requestFromFields([
      [":method", request.method],
      [":protocol", request.protocol],
      [":scheme", request.scheme],
      [":authority", request.authority],
      [":path", request.target],
      ...request.headers,
    ]),
  );
  const [event] = server.takeEvents();
  assert.equal(event?.type, "request");
  server.sendResponse(
    server.accept((event as unknown as { request: ExtendedConnectRequest }).request),
  );
  return { server, heads };
}

describe("ExtendedConnectClientProtocol and ExtendedConnectServerProtocol", () => {
  it("open with a 200 and exchange masked frames, permessage-deflate on", () => {
    const deflate = permessageDeflate();
    const client = new ExtendedConnectClientProtocol("wss://h/chat", {
      subprotocols: ["chat"],
      extensions: [deflate.client],
    });
    const { server, heads } = handshake(client, {
      subprotocols: ["chat"],
      extensions: [deflate.server],
    });
    assert.equal(heads.length, 1);
    assert.equal(heads[0]!.status, 200);
    assert.equal(
      heads[0]!.headers.get("sec-websocket-accept"),
      acceptKey(client.request!.headers.get("sec-websocket-key")!),
    );
    assert.equal(server.state, "open");
    client.receiveResponse(heads[0]!);
    assert.equal(client.state, "open");
    assert.deepEqual(client.takeEvents(), [{ type: "response", response: heads[0] }]);
    assert.equal(client.subprotocol, "chat");
    assert.equal(client.extensions.length, 1);
    client.sendText("hello ".repeat(100));
    const { chunks } = client.takeOutput();
    // Masked and compressed, as over TCP (RFC 8441 5: the framing is unchanged).
    assert.equal(chunks[0]![0]! & 0x40, 0x40);
    assert.equal(chunks[0]![1]! & 0x80, 0x80);
    for (const chunk of chunks) server.receiveData(chunk.slice());
    assert.deepEqual(server.takeEvents(), [{ type: "text", data: "hello ".repeat(100) }]);
    server.sendClose(1000);
    // The closing handshake crosses; then the server asks for the transport's
    // end (END_STREAM both ways, which pump stands in for) and both close cleanly.
    const [serverEvents, clientEvents] = pump(server, client);
    assert.deepEqual(
      clientEvents.map((e) => e.type),
      ["close", "closed"],
    );
    assert.deepEqual(serverEvents.at(-1), {
      type: "closed",
      code: 1000,
      reason: "",
      wasClean: true,
    });
    assert.equal(server.state, "closed");
    assert.equal(client.state, "closed");
  });

  it("acceptAndSend keeps no plain 200, which extendedConnectResponse builds again", () => {
    const heads: Response[] = [];
    const plain = new ExtendedConnectServerProtocol({ subprotocols: ["chat"] }, (head) =>
      heads.push(head),
    );
    plain.receiveRequest(chromeRequest());
    assert.equal(plain.acceptAndSend(plain.request!), null);
    assert.equal(plain.state, "open");
    assert.deepEqual(extendedConnectResponse(plain.request!, plain.subprotocol, "", {}), heads[0]);
    const deflate = new ExtendedConnectServerProtocol(
      { extensions: [permessageDeflate().server] },
      () => {},
    );
    deflate.receiveRequest(
      chromeRequest([["sec-websocket-extensions", "permessage-deflate; client_max_window_bits"]]),
    );
    const response = deflate.acceptAndSend(deflate.request!);
    assert.match(response!.headers.get("sec-websocket-extensions")!, /^permessage-deflate/);
  });

  it("keep the frames that arrive before the response, cut anywhere", () => {
    const data = clientFrame({ opcode: Opcode.TEXT, payload: "early" });
    for (const cut of [...splits(data), [data]]) {
      const heads: Response[] = [];
      const server = new ExtendedConnectServerProtocol({}, (head) => heads.push(head));
      const request = chromeRequest();
      server.receiveRequest(request);
      server.takeEvents();
      for (const part of cut) server.receiveData(part.slice());
      assert.equal(server.takeEvents().length, 0);
      server.sendResponse(server.accept(request));
      assert.deepEqual(server.takeEvents(), [{ type: "text", data: "early" }]);
    }
  });

  it("refuse with a head, the body as output, then the end of the stream", () => {
    const heads: Response[] = [];
    const server = new ExtendedConnectServerProtocol({ origins: [] }, (head) => heads.push(head));
    server.receiveRequest(chromeRequest());
    const [event] = server.takeEvents();
    const response = server.accept(
      (event as unknown as { request: ExtendedConnectRequest }).request,
    );
    assert.equal(response.status, 403);
    server.sendResponse(response);
    assert.equal(heads[0], response);
    const out = drain(server);
    assert.match(
      new TextDecoder().decode(out.output),
      /origin "http:\/\/www.example.com" is not allowed/,
    );
    assert.equal(out.closeTransport, true);
    assert.equal(server.state, "closed");
  });

  it("treat a 200 that accept() did not build as a refusal (a health check)", () => {
    const heads: Response[] = [];
    const server = new ExtendedConnectServerProtocol({}, (head) => heads.push(head));
    server.receiveRequest(chromeRequest());
    server.sendResponse(server.reject(200, "OK\n"));
    assert.equal(heads[0]!.status, 200);
    const out = drain(server);
    assert.equal(new TextDecoder().decode(out.output), "OK\n");
    assert.equal(out.closeTransport, true);
  });

  it("fail when the stream closes or floods before the response", () => {
    const ended = new ExtendedConnectServerProtocol({}, () => {});
    ended.receiveRequest(chromeRequest());
    ended.receiveEof();
    assert.equal(ended.state, "closed");
    const flooded = new ExtendedConnectServerProtocol({}, () => {});
    flooded.receiveRequest(chromeRequest());
    flooded.receiveData(new Uint8Array(64 * 1024 + 1));
    assert.equal(flooded.state, "closed");
    assert.throws(() => flooded.sendResponse(flooded.reject(400)), InvalidStateError);
  });

  it("client: a refusal fails the handshake with the status; data before the head fails it", () => {
    const client = new ExtendedConnectClientProtocol("ws://h/");
    client.sendRequest(client.connect());
    client.receiveResponse({
      status: 404,
      reason: "",
      headers: new Headers(),
      body: new Uint8Array(0),
    });
    const [event] = client.takeEvents();
    assert.equal(event?.type, "response");
    assert.equal((event as { error?: HandshakeError }).error?.status, 404);
    assert.equal(client.state, "closed");
    const early = new ExtendedConnectClientProtocol("ws://h/");
    early.sendRequest(early.connect());
    feed(early, new Uint8Array([0x81, 0]));
    assert.equal(early.state, "closed");
  });

  it("client: ends the stream once close frames went both ways (no TIME_WAIT to spare)", () => {
    const client = new ExtendedConnectClientProtocol("ws://h/");
    const { server, heads } = handshake(client);
    client.receiveResponse(heads[0]!);
    client.takeEvents();
    client.sendClose(1000);
    for (const chunk of client.takeOutput().chunks) server.receiveData(chunk.slice());
    const echo = server.takeOutput();
    for (const chunk of echo.chunks) client.receiveData(chunk.slice());
    // Over TCP a client waits for the server to close first (RFC 6455 7.1.1).
    assert.equal(client.takeOutput().closeTransport, true);
  });

  it("client: sends no key when told not to", () => {
    const client = new ExtendedConnectClientProtocol("ws://h/", { sendKey: false });
    assert.equal(client.connect().headers.has("sec-websocket-key"), false);
    assert.throws(() => client.receiveResponse(rejectResponse(200)), InvalidStateError);
  });

  it("client: takes a URL object; ignores empty reads; fails on a stream ended before the head", () => {
    const client = new ExtendedConnectClientProtocol(new URL("wss://h/x"));
    assert.equal(client.url.resourceName, "/x");
    client.sendRequest(client.connect());
    assert.throws(() => client.sendRequest(client.connect()), InvalidStateError);
    client.receiveData(new Uint8Array(0));
    assert.equal(client.state, "connecting");
    client.receiveEof();
    assert.equal(client.state, "closed");
  });

  it("server: takes one request only; ignores empty reads", () => {
    const server = new ExtendedConnectServerProtocol({}, () => {});
    server.receiveRequest(chromeRequest());
    assert.throws(() => server.receiveRequest(chromeRequest()), InvalidStateError);
    server.receiveData(new Uint8Array(0));
    server.sendResponse(server.accept(server.request!));
    assert.equal(server.state, "open");
  });

  it("server: releases what accept() negotiated when it is too late, or replaced", () => {
    const disposed: string[] = [];
    // An extension without dispose(), and one with it.
    const factory = (name: string, withDispose: boolean): ServerExtensionFactory => ({
      name,
      negotiate: () => ({
        params: [],
        extension: {
          name,
          rsvBits: 0,
          encode: (payload) => ({ payload, rsv: 0 }),
          decode: (payload) => payload,
          ...(withDispose ? { dispose: () => void disposed.push(name) } : {}),
        },
      }),
    });
    const options = { extensions: [factory("x-plain", false), factory("x-disposed", true)] };
    const offer: [string, string][] = [["sec-websocket-extensions", "x-plain, x-disposed"]];
    const server = new ExtendedConnectServerProtocol(options, () => {});
    server.receiveRequest(chromeRequest(offer));
    server.accept(server.request!);
    // A second accept() replaces the first one's negotiation, which is released.
    server.accept(server.request!);
    assert.deepEqual(disposed, ["x-disposed"]);
    server.sendResponse(server.reject(403));
    assert.deepEqual(disposed, ["x-disposed", "x-disposed"]);
    // After the handshake ended, accept() releases at once what it negotiated.
    server.accept(server.request!);
    assert.deepEqual(disposed, ["x-disposed", "x-disposed", "x-disposed"]);
  });
});

describe("extended CONNECT edge cases", () => {
  it("keeps allowed extra headers and takes pseudo-header values given as lists", () => {
    const request = buildExtendedConnectRequest(parseWebSocketUrl("ws://h/"), {
      headers: { Authorization: "Bearer x" },
    });
    assert.equal(request.headers.get("authorization"), "Bearer x");
    assert.equal(requestFromFields([[":path", ["/a", "/b"]]]).target, "/a,/b");
  });

  it("defaults the HTTP version to 2", () => {
    const request = chromeRequest();
    delete request.version;
    request.method = "GET";
    assert.match(refusal(request).error.message, /method GET is not CONNECT/);
    assert.equal(extendedConnectResponse(request, null, "", {}).version, "2");
    const incomplete = chromeRequest();
    delete incomplete.version;
    incomplete.scheme = undefined;
    assert.match(refusal(incomplete).error.message, /over HTTP\/2 lacks/);
  });

  it("client: refuses repeated accepts and keeps the cause of a malformed answer", () => {
    const head = (fields: [string, string][]): Response => ({
      status: 200,
      reason: "",
      headers: new Headers(fields),
      body: new Uint8Array(0),
    });
    const accept = acceptKey(KEY);
    assert.throws(
      () =>
        checkExtendedConnectResponse(
          head([
            ["sec-websocket-accept", accept],
            ["sec-websocket-accept", accept],
          ]),
          KEY,
        ),
      /expected one Sec-WebSocket-Accept header, got 2/,
    );
    assert.throws(
      () => checkExtendedConnectResponse(head([["sec-websocket-extensions", "bad;;"]]), KEY),
      (error: HandshakeError) => error instanceof HandshakeError && error.cause !== undefined,
    );
  });
});
