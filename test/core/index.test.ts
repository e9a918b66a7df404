// The public entry point, used as an application would: every export is
// exercised for what it does, through `src/core/index.js` only.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as core from "../../src/core/index.js";
import { fflateCodec } from "../../src/web/fflate-codec.js";
import { pump } from "../helpers/pump.js";

/** Both ends wired together; the server accepts every request it sees. */
function pumpAccepting(client: core.ClientProtocol, server: core.ServerProtocol) {
  const [clientEvents, serverEvents] = pump(client, server, (side, event) => {
    if (side === server && event.type === "request")
      server.sendResponse(server.accept(event.request));
  });
  return { client: clientEvents, server: serverEvents };
}

describe("the core's public entry point", () => {
  it("a ClientProtocol and a ServerProtocol shake hands, negotiate, exchange messages and close", () => {
    const compression = { codec: fflateCodec };
    const client = new core.ClientProtocol("ws://example.com/chat", {
      subprotocols: ["chat"],
      extensions: [new core.ClientPerMessageDeflateFactory(compression)],
    });
    const server = new core.ServerProtocol({
      subprotocols: ["chat"],
      extensions: [new core.ServerPerMessageDeflateFactory(compression)],
    });
    assert.equal(client.state, "connecting");
    assert.equal(server.state, "connecting");
    client.sendRequest(client.connect());
    let events = pumpAccepting(client, server);
    assert.equal(client.state, "open");
    assert.equal(server.state, "open");
    assert.equal(client.subprotocol, "chat");
    assert.deepEqual(
      server.extensions.map((e) => e.name),
      [core.PERMESSAGE_DEFLATE],
    );
    assert.equal(events.client[0]?.type, "response");

    client.sendText("hello ".repeat(50));
    server.sendPrepared(core.prepareMessage(new Uint8Array([1, 2, 3])));
    client.sendPing("p");
    events = pumpAccepting(client, server);
    assert.deepEqual(
      events.server.map((e) => e.type),
      ["text", "ping"],
    );
    assert.equal((events.server[0] as core.TextEvent).data, "hello ".repeat(50));
    assert.deepEqual(
      events.client.map((e) => e.type),
      ["binary", "pong"],
    );

    client.sendClose(core.CloseCode.NORMAL_CLOSURE, "bye");
    events = pumpAccepting(client, server);
    assert.deepEqual(events.server.at(-2), { type: "close", code: 1000, reason: "bye" });
    const closed = events.client.at(-1) as core.ClosedEvent;
    // The server's echo carries the code (RFC 6455 5.5.1) and, as ws's does, the reason.
    assert.deepEqual(closed, { type: "closed", code: 1000, reason: "bye", wasClean: true });
    assert.equal(client.state, "closed");
    assert.equal(server.state, "closed");
  });

  it("a Protocol starts open (handshake done elsewhere) and fails a peer's error with a ProtocolError", () => {
    const protocol = new core.Protocol("server", { maxMessageBytes: 4 });
    assert.equal(protocol.state, "open");
    assert.equal(protocol.maxMessageBytes, 4);
    assert.equal(core.DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024);
    // A masked binary frame of 5 bytes: over the limit (1009).
    protocol.receiveData(Uint8Array.from([0x82, 0x85, 0, 0, 0, 0, 1, 2, 3, 4, 5]));
    protocol.receiveEof();
    const closed = protocol.takeEvents().at(-1) as core.ClosedEvent;
    assert.ok(closed.error instanceof core.ProtocolError);
    assert.ok(closed.error instanceof core.WebSocketError);
    assert.equal(closed.error.closeCode, core.CloseCode.MESSAGE_TOO_BIG);
  });

  it("errors say whose fault: local misuse is an InvalidStateError, a refused handshake a HandshakeError", () => {
    const server = new core.ServerProtocol();
    assert.throws(() => server.sendText("x"), core.InvalidStateError);
    server.receiveData(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    const request = server.takeEvents()[0] as core.RequestEvent;
    const response = server.accept(request.request);
    assert.equal(response.status, 426, "a GET without Upgrade: websocket");
    server.sendResponse(response);
    const closed = server.takeEvents().at(-1) as core.ClosedEvent;
    assert.ok(closed.error instanceof core.HandshakeError);
    assert.equal(closed.error.status, 426);
    assert.equal(new core.ExtensionError("x").closeCode, 1011);
  });

  it("exports the RFC's helpers and tables", () => {
    // RFC 6455 1.3's example key and answer.
    assert.equal(core.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    const url = core.parseWebSocketUrl("wss://example.com:8443/a?b=c");
    assert.equal(url.secure, true);
    assert.equal(url.resourceName, "/a?b=c");
    assert.throws(() => core.parseWebSocketUrl("http://example.com/"), TypeError);
    const headers = new core.Headers();
    headers.append("Sec-WebSocket-Protocol", "chat");
    assert.equal(headers.get("sec-websocket-protocol"), "chat");
    assert.equal(core.Opcode.TEXT, 1);
    assert.equal(core.Opcode.PONG, 0xa);
    assert.equal(core.isValidCloseCode(core.CloseCode.NORMAL_CLOSURE), true);
    assert.equal(core.isValidCloseCode(core.CloseCode.NO_STATUS_RCVD), false);
    assert.equal(core.PERMESSAGE_DEFLATE_DEFAULTS.thresholdBytes, 128);
    const prepared = core.prepareMessage("hi");
    assert.ok(prepared instanceof core.PreparedMessage);
    assert.deepEqual([...prepared.serverFrame], [0x81, 2, 0x68, 0x69]);
    assert.equal(typeof core.PerMessageDeflate, "function");
  });
});
