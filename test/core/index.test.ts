import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as core from "../../src/core/index.js";

describe("the core's public entry point", () => {
  it("exports the protocol classes, errors and helpers", () => {
    for (const name of [
      "ClientProtocol",
      "ServerProtocol",
      "Protocol",
      "PreparedMessage",
      "prepareMessage",
      "WebSocketError",
      "ProtocolError",
      "InvalidStateError",
      "HandshakeError",
      "Headers",
      "CloseCode",
      "isValidCloseCode",
      "Opcode",
      "acceptKey",
      "parseWebSocketUrl",
      "ServerPerMessageDeflateFactory",
      "ClientPerMessageDeflateFactory",
    ]) {
      assert.equal(typeof (core as Record<string, unknown>)[name] !== "undefined", true, name);
    }
    assert.equal(core.DEFAULT_MAX_MESSAGE_BYTES, 1024 * 1024);
    const server = new core.ServerProtocol();
    assert.equal(server.state, "connecting");
  });
});
