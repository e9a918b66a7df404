import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Http2ErrorCode } from "../../../src/core/http2/error-codes.js";
import { Http2Error } from "../../../src/core/http2/errors.js";
import {
  applySettings,
  DEFAULT_SETTINGS,
  encodeSettings,
  localSettings,
} from "../../../src/core/http2/settings.js";
import { settingsPayload } from "./wire.js";

const apply = (pairs: [number, number][], fromServer = false, current = DEFAULT_SETTINGS) =>
  applySettings(current, Uint8Array.from(settingsPayload(pairs)), fromServer);

describe("settings (RFC 9113 6.5.2, RFC 8441 3)", () => {
  it("our defaults per role", () => {
    const server = localSettings("server", undefined);
    assert.equal(server.maxConcurrentStreams, 100);
    assert.equal(server.enableConnectProtocol, true);
    assert.equal(server.enablePush, false);
    const client = localSettings("client", { initialWindowSize: 1 << 20 });
    assert.equal(client.maxConcurrentStreams, 0xffffffff);
    assert.equal(client.enableConnectProtocol, false);
    assert.equal(client.initialWindowSize, 1 << 20);
  });

  it("bad local settings are a RangeError (the caller's fault)", () => {
    assert.throws(() => localSettings("server", { maxFrameSize: 1000 }), RangeError);
    assert.throws(() => localSettings("server", { initialWindowSize: 2 ** 31 }), RangeError);
    assert.throws(() => localSettings("server", { enablePush: true }), RangeError);
    assert.throws(() => localSettings("client", { maxConcurrentStreams: -1 }), RangeError);
    assert.throws(() => localSettings("client", { headerTableSize: 1.5 }), /headerTableSize/);
    assert.throws(
      () => localSettings("server", { maxHeaderListSize: 2 ** 32 }),
      /maxHeaderListSize/,
    );
  });

  it("encodes what differs from the RFC defaults, and ENABLE_PUSH 0 for a client", () => {
    assert.deepEqual(
      [...encodeSettings(localSettings("client", undefined), "client")],
      settingsPayload([
        [2, 0],
        [6, 16384],
      ]),
    );
    assert.deepEqual(
      [
        ...encodeSettings(
          localSettings("server", {
            headerTableSize: 0,
            initialWindowSize: 1,
            maxFrameSize: 20000,
          }),
          "server",
        ),
      ],
      settingsPayload([
        [1, 0],
        [3, 100],
        [4, 1],
        [5, 20000],
        [6, 16384],
        [8, 1],
      ]),
    );
  });

  it("applies a peer's values; unknown ids are ignored; the last one wins", () => {
    const s = apply([
      [1, 100],
      [3, 7],
      [4, 1000],
      [5, 32768],
      [6, 9999],
      [8, 1],
      [0x1234, 5],
      [3, 8],
    ]);
    assert.ok(!(s instanceof Http2Error));
    assert.deepEqual(s, {
      headerTableSize: 100,
      enablePush: true,
      maxConcurrentStreams: 8,
      initialWindowSize: 1000,
      maxFrameSize: 32768,
      maxHeaderListSize: 9999,
      enableConnectProtocol: true,
    });
  });

  for (const [what, pairs, fromServer, code] of [
    ["ENABLE_PUSH 2", [[2, 2]], false, Http2ErrorCode.PROTOCOL_ERROR],
    ["ENABLE_PUSH 1 from a server", [[2, 1]], true, Http2ErrorCode.PROTOCOL_ERROR],
    ["INITIAL_WINDOW_SIZE 2^31", [[4, 2 ** 31]], false, Http2ErrorCode.FLOW_CONTROL_ERROR],
    ["MAX_FRAME_SIZE 16383", [[5, 16383]], false, Http2ErrorCode.PROTOCOL_ERROR],
    ["MAX_FRAME_SIZE 2^24", [[5, 2 ** 24]], false, Http2ErrorCode.PROTOCOL_ERROR],
    ["ENABLE_CONNECT_PROTOCOL 2", [[8, 2]], true, Http2ErrorCode.PROTOCOL_ERROR],
    [
      "ENABLE_CONNECT_PROTOCOL 1 then 0",
      [
        [8, 1],
        [8, 0],
      ],
      true,
      Http2ErrorCode.PROTOCOL_ERROR,
    ],
  ] as [string, [number, number][], boolean, number][]) {
    it(`${what} is an Http2Error ${code}, the peer's fault`, () => {
      const e = apply(pairs, fromServer);
      assert.ok(e instanceof Http2Error);
      assert.equal(e.code, code);
      assert.equal(e.peer, true);
      assert.match(e.message, /^Cannot apply SETTINGS: .* \(peer's fault\)$/);
    });
  }

  it("ENABLE_PUSH 1 from a client and ENABLE_CONNECT_PROTOCOL 1 again are fine", () => {
    assert.ok(!(apply([[2, 1]], false) instanceof Http2Error));
    const on = apply([[8, 1]], true);
    assert.ok(!(on instanceof Http2Error));
    assert.ok(!(apply([[8, 1]], true, on) instanceof Http2Error));
    assert.ok(apply([[8, 0]], true, on) instanceof Http2Error);
  });
});
