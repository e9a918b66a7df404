import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocketError } from "../../../src/core/errors.js";
import { FREE_CHEAP_STREAMS, isStreamAbuse } from "../../../src/core/http2/calm.js";
import { ClosedBy, ClosedStreams, RECENT_STREAMS } from "../../../src/core/http2/closed-streams.js";
import { errorCodeName, Http2ErrorCode } from "../../../src/core/http2/error-codes.js";
import { Http2Error, peerError } from "../../../src/core/http2/errors.js";
import { isUpdateDue } from "../../../src/core/http2/flow-window.js";
import { frameTypeName } from "../../../src/core/http2/frame-types.js";
import { checkStreamIdLeft, Ended, STATE_NAMES } from "../../../src/core/http2/stream.js";

describe("HTTP/2 small parts", () => {
  it("error codes and frame types have names", () => {
    assert.equal(errorCodeName(Http2ErrorCode.ENHANCE_YOUR_CALM), "ENHANCE_YOUR_CALM");
    assert.equal(errorCodeName(0x99), "0x99");
    assert.equal(frameTypeName(9), "CONTINUATION");
    assert.equal(frameTypeName(0x20), "frame type 0x20");
  });

  it("Http2Error says whose fault, keeps the cause, is a WebSocketError", () => {
    const cause = new Error("inner");
    const e = peerError(Http2ErrorCode.PROTOCOL_ERROR, "Cannot accept frame: x", cause);
    assert.ok(e instanceof Http2Error && e instanceof WebSocketError);
    assert.equal(e.name, "Http2Error");
    assert.equal(e.message, "Cannot accept frame: x (peer's fault)");
    assert.equal(e.peer, true);
    assert.equal(e.cause, cause);
  });

  it("a WINDOW_UPDATE is due once half a window is owed", () => {
    assert.equal(isUpdateDue(0, 0), false);
    assert.equal(isUpdateDue(32767, 65535), false);
    assert.equal(isUpdateDue(32768, 65535), true);
    assert.equal(isUpdateDue(1, 0), true);
  });

  it("the rapid-reset budget: free streams, then one per answered stream", () => {
    assert.equal(isStreamAbuse(FREE_CHEAP_STREAMS, 0), false);
    assert.equal(isStreamAbuse(FREE_CHEAP_STREAMS + 1, 0), true);
    assert.equal(isStreamAbuse(FREE_CHEAP_STREAMS + 10, 10), false);
  });

  it("the ring of closed streams forgets the oldest", () => {
    const ring = new ClosedStreams();
    assert.equal(ring.how(1), ClosedBy.UNKNOWN);
    ring.add(1, ClosedBy.LOCAL_RESET);
    ring.add(3, ClosedBy.ENDED);
    assert.equal(ring.how(1), ClosedBy.LOCAL_RESET);
    assert.equal(ring.how(3), ClosedBy.ENDED);
    for (let i = 0; i < RECENT_STREAMS - 1; i++) ring.add(101 + 2 * i, ClosedBy.ENDED);
    assert.equal(ring.how(1), ClosedBy.UNKNOWN);
    assert.equal(ring.how(3), ClosedBy.ENDED);
    ring.add(3, ClosedBy.LOCAL_RESET);
    assert.equal(ring.how(3), ClosedBy.LOCAL_RESET, "the newest note holds");
  });

  it("stream states by END_STREAM bits (RFC 9113 5.1)", () => {
    assert.equal(STATE_NAMES[0], "open");
    assert.equal(STATE_NAMES[Ended.LOCAL], "half-closed (local)");
    assert.equal(STATE_NAMES[Ended.REMOTE], "half-closed (remote)");
    assert.equal(STATE_NAMES[Ended.BOTH], "closed");
  });
});

describe("stream ids", () => {
  it("run out past 2^31-1 (RFC 9113 5.1.1): a new connection is needed", () => {
    checkStreamIdLeft(2 ** 31 - 1);
    assert.throws(() => checkStreamIdLeft(2 ** 31 + 1), {
      name: "InvalidStateError",
      message: /stream ids are used up/,
    });
  });
});
