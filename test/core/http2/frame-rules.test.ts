import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Http2ErrorCode } from "../../../src/core/http2/error-codes.js";
import { checkFrameRules } from "../../../src/core/http2/frame-rules.js";
import { T } from "./wire.js";

describe("frame rules (RFC 9113 6)", () => {
  it("frames that need a stream, on stream 0: PROTOCOL_ERROR", () => {
    for (const type of [
      T.DATA,
      T.HEADERS,
      T.PRIORITY,
      T.RST_STREAM,
      T.PUSH_PROMISE,
      T.CONTINUATION,
    ])
      assert.equal(checkFrameRules(type, 0, 4)?.code, Http2ErrorCode.PROTOCOL_ERROR, `${type}`);
  });

  it("connection frames on a stream: PROTOCOL_ERROR", () => {
    for (const type of [T.SETTINGS, T.PING, T.GOAWAY])
      assert.equal(checkFrameRules(type, 1, 8)?.code, Http2ErrorCode.PROTOCOL_ERROR, `${type}`);
  });

  it("fixed and least lengths: FRAME_SIZE_ERROR", () => {
    assert.equal(checkFrameRules(T.PING, 0, 8), undefined);
    assert.equal(checkFrameRules(T.PING, 0, 9)?.code, Http2ErrorCode.FRAME_SIZE_ERROR);
    assert.equal(checkFrameRules(T.RST_STREAM, 1, 4), undefined);
    assert.equal(checkFrameRules(T.RST_STREAM, 1, 5)?.code, Http2ErrorCode.FRAME_SIZE_ERROR);
    assert.equal(checkFrameRules(T.WINDOW_UPDATE, 0, 4), undefined);
    assert.equal(checkFrameRules(T.WINDOW_UPDATE, 3, 4), undefined);
    assert.equal(checkFrameRules(T.WINDOW_UPDATE, 3, 0)?.code, Http2ErrorCode.FRAME_SIZE_ERROR);
    assert.equal(checkFrameRules(T.GOAWAY, 0, 100), undefined);
    assert.equal(
      checkFrameRules(T.GOAWAY, 0, 7)?.message,
      "Cannot accept frame: GOAWAY of 7 bytes on stream 0, under 8 (peer's fault)",
    );
  });

  it("unknown types have no rule", () => {
    assert.equal(checkFrameRules(0x42, 0, 1), undefined);
    assert.equal(checkFrameRules(0xff, 7, 0), undefined);
  });
});
