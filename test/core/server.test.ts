import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClientProtocol } from "../../src/core/client.js";
import { HandshakeError, InvalidStateError } from "../../src/core/errors.js";
import type { ServerExtensionFactory } from "../../src/core/extension.js";
import { Opcode } from "../../src/core/frame.js";
import { acceptKey } from "../../src/core/handshake/accept-key.js";
import { requestFromHead } from "../../src/core/http1/parsed-request.js";
import { ServerProtocol } from "../../src/core/server.js";
import { bytewise, drain, feed } from "../helpers/drive.js";
import { pump } from "../helpers/pump.js";
import { bytes, clientFrame, concat, text } from "../helpers/wire.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const REQUEST = bytes(
  `GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n`,
);

function requested(input: Uint8Array = REQUEST, options = {}) {
  const s = new ServerProtocol(options);
  const r = feed(s, input);
  return { s, r };
}

describe("ServerProtocol: opening handshake (RFC 6455 4.2)", () => {
  it("reports the request, then accepts it with a 101 (4.2.2, 1.3's example key)", () => {
    for (const chunks of [[REQUEST], bytewise(REQUEST)]) {
      const s = new ServerProtocol({ subprotocols: ["superchat"] });
      const r = feed(s, ...chunks);
      assert.equal(r.events.length, 1);
      const event = r.events[0]!;
      assert.ok(event.type === "request");
      assert.equal(event.request.target, "/chat");
      assert.equal(s.request, event.request);
      const response = s.accept(event.request);
      assert.equal(response.status, 101);
      assert.equal(response.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      s.sendResponse(response);
      assert.equal(s.state, "open");
      assert.equal(s.subprotocol, "superchat");
      const out = text(concat(s.takeOutput().chunks));
      assert.match(out, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(out, /\r\nSec-WebSocket-Protocol: superchat\r\n/);
    }
  });

  it("frames sent right after the request are processed once the response is sent", () => {
    const early = clientFrame({ opcode: Opcode.TEXT, payload: "early" });
    const s = new ServerProtocol();
    const r = feed(s, concat([REQUEST, early.subarray(0, 3)]), early.subarray(3));
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["request"],
    );
    s.sendResponse(s.accept(s.request!));
    assert.deepEqual(drain(s).events, [{ type: "text", data: "early" }]);
  });

  it("refuses with an HTTP error: the transport closes after the response", () => {
    const { s } = requested();
    const response = s.reject(403, "go away");
    assert.equal(response.status, 403);
    s.sendResponse(response);
    const d = drain(s);
    assert.match(
      text(d.output.length ? d.output : new Uint8Array()),
      /^HTTP\/1\.1 403 Forbidden\r\n/,
    );
    assert.equal(d.closeTransport, true);
    const closed = d.events.at(-1);
    assert.ok(closed?.type === "closed" && closed.error instanceof HandshakeError);
    assert.equal(closed.error.status, 403);
    assert.equal(s.state, "closed");
  });

  it("an invalid WebSocket request gets its error response from accept (426 for version 8)", () => {
    const bad = bytes(text(REQUEST).replace("Version: 13", "Version: 8"));
    const { s } = requested(bad);
    const response = s.accept(s.request!);
    assert.equal(response.status, 426);
    assert.equal(response.headers.get("sec-websocket-version"), "13");
    s.sendResponse(response);
    assert.equal(s.state, "closed");
  });

  it("answers a request that cannot be parsed with 400 by itself", () => {
    const { s, r } = requested(bytes("GARBAGE\r\n\r\n"));
    assert.match(text(r.output), /^HTTP\/1\.1 400 /);
    assert.equal(r.closeTransport, true);
    assert.equal(r.events.at(-1)?.type, "closed");
    assert.equal(s.state, "closed");
    const { r: r2 } = requested(bytes(`GET / HTTP/1.1\r\n${"X-A: b\r\n".repeat(200)}\r\n`));
    assert.match(text(r2.output), /^HTTP\/1\.1 431 /);
  });

  it("takes the protocol options: limits and random source", () => {
    let calls = 0;
    const s = new ServerProtocol({
      maxMessageBytes: 50,
      maxFrameBytes: 10,
      random: () => {
        calls++;
      },
    });
    assert.equal(s.maxMessageBytes, 50);
    assert.equal(s.maxFrameBytes, 10);
    feed(s, REQUEST);
    s.sendResponse(s.accept(s.request!));
    s.takeOutput();
    const r = feed(s, clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(11) }));
    assert.equal(r.frames.at(-1)!.opcode, Opcode.CLOSE);
    assert.equal(calls, 0);
  });

  it("disposes extensions negotiated for a response it does not send", () => {
    const disposed: string[] = [];
    let n = 0;
    const factory: ServerExtensionFactory = {
      name: "x-test",
      negotiate: () => {
        const id = `x${++n}`;
        return {
          params: [],
          extension: {
            name: "x-test",
            rsvBits: 0,
            encode: (payload) => ({ payload, rsv: 0 }),
            decode: (payload) => payload,
            dispose: () => disposed.push(id),
          },
        };
      },
    };
    const offer = bytes(
      text(REQUEST).replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-test\r\n\r\n"),
    );
    const { s } = requested(offer, { extensions: [factory] });
    assert.equal(s.accept(s.request!).headers.get("sec-websocket-extensions"), "x-test");
    s.accept(s.request!);
    assert.deepEqual(disposed, ["x1"]);
    s.sendResponse(s.reject(503));
    assert.deepEqual(disposed, ["x1", "x2"]);
    const { s: t } = requested();
    t.sendResponse(t.reject(503));
    assert.equal(t.state, "closed");
    // accept() after the handshake: the response cannot be sent, so what it
    // negotiated is released at once, and the open connection keeps its own.
    const { s: u } = requested(offer, { extensions: [factory] });
    u.sendResponse(u.accept(u.request!));
    assert.equal(u.state, "open");
    assert.equal(u.accept(u.request!).status, 101);
    assert.deepEqual(disposed, ["x1", "x2", "x4"]);
    assert.equal(u.extensions.length, 1);
  });

  it("acceptAndSend writes the very bytes of sendResponse(accept(request)), building no 101", () => {
    const early = clientFrame({ opcode: Opcode.TEXT, payload: "early" });
    const cases: [string, Record<string, unknown>][] = [
      ["defaults", {}],
      ["a subprotocol", { subprotocols: ["superchat"] }],
      ["selectSubprotocol", { selectSubprotocol: (offered: string[]) => offered[0] ?? null }],
      ["no Server header", { serverHeader: null }],
      ["a Server header of its own", { serverHeader: "demo/1.0 (test)" }],
      ["both", { subprotocols: ["chat"], serverHeader: "x" }],
    ];
    for (const [what, options] of cases) {
      const input = concat([REQUEST, early]);
      const { s: built } = requested(input, options);
      built.sendResponse(built.accept(built.request!));
      const { s: direct } = requested(input, options);
      assert.equal(direct.acceptAndSend(direct.request!), null, what);
      assert.equal(direct.state, "open", what);
      assert.equal(direct.subprotocol, built.subprotocol, what);
      const [a, b] = [drain(direct), drain(built)];
      assert.equal(text(a.output), text(b.output), what);
      assert.match(text(a.output), /^HTTP\/1\.1 101 /, what);
      assert.deepEqual(a.events, b.events, what);
      assert.deepEqual(a.events, [{ type: "text", data: "early" }], what);
    }
  });

  it("acceptAndSend returns the response it sends when it must build one", () => {
    // A refusal: the transport closes after it.
    const bad = bytes(text(REQUEST).replace("Version: 13", "Version: 8"));
    const { s } = requested(bad);
    const refused = s.acceptAndSend(s.request!);
    assert.equal(refused?.status, 426);
    assert.equal(s.state, "closed");
    assert.match(text(drain(s).output), /^HTTP\/1\.1 426 /);
    // An extension answer is sent, and kept in the response.
    const factory: ServerExtensionFactory = {
      name: "x-test",
      negotiate: () => ({
        params: [["p", "1"]],
        extension: {
          name: "x-test",
          rsvBits: 0,
          encode: (payload) => ({ payload, rsv: 0 }),
          decode: (payload) => payload,
        },
      }),
    };
    const offer = bytes(
      text(REQUEST).replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-test\r\n\r\n"),
    );
    const { s: t } = requested(offer, { extensions: [factory] });
    const response = t.acceptAndSend(t.request!);
    assert.equal(response?.status, 101);
    assert.equal(response.headers.get("sec-websocket-extensions"), "x-test; p=1");
    assert.equal(t.extensions.length, 1);
    assert.match(text(drain(t).output), /\r\nSec-WebSocket-Extensions: x-test; p=1\r\n/);
  });

  it("acceptAndSend checks what it writes and when", () => {
    const { s } = requested(REQUEST, { serverHeader: "bad\r\nX-Injected: 1" });
    assert.throws(() => s.acceptAndSend(s.request!), {
      name: "TypeError",
      message: 'Cannot serialize HTTP response: invalid character in header "Server"',
    });
    assert.throws(() => s.sendResponse(s.accept(s.request!)), TypeError);
    assert.throws(() => new ServerProtocol().acceptAndSend(s.request!), InvalidStateError);
    const { s: t } = requested();
    t.acceptAndSend(t.request!);
    assert.throws(() => t.acceptAndSend(t.request!), InvalidStateError);
  });

  it("misuse: responding with no request, or with a 101 not built by accept", () => {
    const s = new ServerProtocol();
    assert.throws(() => s.sendResponse(s.reject(400)), InvalidStateError);
    const { s: t } = requested();
    const forged = { ...t.accept(t.request!) };
    assert.throws(() => t.sendResponse(forged), InvalidStateError);
  });

  it("EOF during the handshake closes with a handshake error", () => {
    const s = new ServerProtocol();
    feed(s, REQUEST.subarray(0, 10));
    s.receiveEof();
    const e = drain(s).events.at(-1);
    assert.ok(e?.type === "closed" && e.error instanceof HandshakeError);
  });

  it("answers a request head still arriving at the caller's deadline with 408 (RFC 9110 15.5.9)", () => {
    // At every cut of the request before its end.
    for (let cut = 1; cut < REQUEST.length; cut++) {
      const s = new ServerProtocol();
      assert.equal(feed(s, REQUEST.subarray(0, cut)).events.length, 0);
      assert.equal(s.refuseIncompleteRequest(), true, `cut at ${cut}`);
      const r = drain(s);
      assert.match(text(r.output), /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.match(text(r.output), /its head was not complete in time\n$/);
      assert.equal(r.closeTransport, true);
      const closed = r.events.at(-1);
      assert.ok(closed?.type === "closed" && closed.error instanceof HandshakeError);
      assert.equal((closed.error as HandshakeError).status, 408);
      assert.equal(s.state, "closed");
      assert.equal(s.refuseIncompleteRequest(), false);
    }
    // Nothing yet (a silent connection): nothing to answer; the caller just closes.
    const silent = new ServerProtocol();
    assert.equal(silent.refuseIncompleteRequest(), false);
    assert.equal(drain(silent).output.length, 0);
    // The request is in (parsed here, or handed over parsed): it is not late.
    const { s: whole } = requested();
    assert.equal(whole.refuseIncompleteRequest(), false);
    assert.equal(whole.state, "connecting");
    const handed = new ServerProtocol();
    handed.receiveRequest(requestFromHead("GET", "/", "1.1", ["Host", "a"]));
    assert.equal(handed.refuseIncompleteRequest(), false);
  });

  it("bounds what a client sends before the response", () => {
    const { s } = requested();
    s.receiveData(new Uint8Array(40 * 1024));
    assert.equal(s.state, "connecting");
    s.receiveData(new Uint8Array(40 * 1024));
    assert.equal(s.state, "closed");
    assert.equal(drain(s).closeTransport, true);
  });
});

describe("ClientProtocol and ServerProtocol together", () => {
  it("handshake, messages both ways, and a clean close initiated by the client", () => {
    const client = new ClientProtocol("ws://localhost:8080/echo", { subprotocols: ["v2", "v1"] });
    const server = new ServerProtocol({ subprotocols: ["v1"] });
    client.sendRequest(client.connect());
    let [clientEvents, serverEvents] = pump(client, server);
    const request = serverEvents.find((e) => e.type === "request")!;
    assert.ok(request.type === "request");
    assert.equal(request.request.headers.get("host"), "localhost:8080");
    server.sendResponse(server.accept(request.request));
    [clientEvents, serverEvents] = pump(client, server);
    assert.equal(client.state, "open");
    assert.equal(client.subprotocol, "v1");
    client.sendText("hello");
    server.sendBinary(bytes("bin"));
    [clientEvents, serverEvents] = pump(client, server);
    assert.deepEqual(serverEvents, [{ type: "text", data: "hello" }]);
    assert.deepEqual(clientEvents, [{ type: "binary", data: bytes("bin") }]);
    client.sendClose(1000, "done");
    [clientEvents, serverEvents] = pump(client, server);
    assert.deepEqual(serverEvents.at(-1), {
      type: "closed",
      code: 1000,
      reason: "done",
      wasClean: true,
    });
    // The server echoes the code and the reason.
    assert.deepEqual(clientEvents.at(-1), {
      type: "closed",
      code: 1000,
      reason: "done",
      wasClean: true,
    });
    assert.equal(client.state, "closed");
    assert.equal(server.state, "closed");
    assert.equal(acceptKey(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
});
