import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FrameOutput,
  writeGoaway,
  writeHeaders,
  writePing,
  writeRstStream,
  writeSettingsAck,
  writeWindowUpdate,
} from "../../../src/core/http2/frame-writer.js";
import { concat, F, parseFrames, T } from "./wire.js";

describe("FrameOutput and the frame writers (RFC 9113 4.1, 6)", () => {
  it("packs small frames into one chunk and hands DATA payloads out as views", () => {
    const out = new FrameOutput();
    assert.equal(out.hasOutput, false);
    writeWindowUpdate(out, 0, 1000);
    writeRstStream(out, 3, 8);
    const payload = new Uint8Array(100).fill(1);
    out.header(100, T.DATA, F.END_STREAM, 5);
    out.view(payload);
    out.view(new Uint8Array(0)); // nothing: no empty chunk in the output
    writeSettingsAck(out);
    assert.equal(out.hasOutput, true);
    const chunks = out.take();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], payload);
    assert.equal(chunks[0]!.buffer, chunks[2]!.buffer, "one slab");
    const frames = parseFrames(concat(...chunks));
    assert.deepEqual(
      frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length]),
      [
        [T.WINDOW_UPDATE, 0, 0, 4],
        [T.RST_STREAM, 0, 3, 4],
        [T.DATA, F.END_STREAM, 5, 100],
        [T.SETTINGS, F.ACK, 0, 0],
      ],
    );
    assert.deepEqual([...frames[0]!.payload], [0, 0, 3, 0xe8]);
    assert.equal(out.hasOutput, false);
    assert.deepEqual(out.take(), []);
  });

  it("never writes over bytes it handed out", () => {
    const out = new FrameOutput();
    writeRstStream(out, 1, 1);
    const [first] = out.take();
    const copy = first!.slice();
    for (let i = 0; i < 1000; i++) writeRstStream(out, 3, 2);
    out.take();
    assert.deepEqual(first, copy);
  });

  it("cuts a header block into HEADERS and CONTINUATIONs at the max frame size", () => {
    const out = new FrameOutput();
    const block = new Uint8Array(40_000).map((_, i) => i & 0xff);
    writeHeaders(out, 7, block, true, 16384);
    const frames = parseFrames(concat(...out.take()));
    assert.deepEqual(
      frames.map((f) => [f.type, f.flags, f.streamId, f.payload.length]),
      [
        [T.HEADERS, F.END_STREAM, 7, 16384],
        [T.CONTINUATION, 0, 7, 16384],
        [T.CONTINUATION, F.END_HEADERS, 7, 40_000 - 32768],
      ],
    );
    assert.deepEqual(concat(...frames.map((f) => f.payload)), block);
  });

  it("a small block is one HEADERS with END_HEADERS", () => {
    const out = new FrameOutput();
    writeHeaders(out, 1, Uint8Array.of(0x82), false, 16384);
    const [f] = parseFrames(concat(...out.take()));
    assert.deepEqual([f!.type, f!.flags, [...f!.payload]], [T.HEADERS, F.END_HEADERS, [0x82]]);
  });

  it("PING copies its 8 octets; GOAWAY cuts its debug data to 256 bytes", () => {
    const out = new FrameOutput();
    const opaque = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    writePing(out, opaque, true);
    opaque.fill(0);
    writeGoaway(out, 5, 11, new Uint8Array(1000).fill(0x61));
    const [ping, goaway] = parseFrames(concat(...out.take()));
    assert.deepEqual([...ping!.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(ping!.flags, F.ACK);
    assert.equal(goaway!.payload.length, 8 + 256);
    assert.deepEqual([...goaway!.payload.subarray(0, 8)], [0, 0, 0, 5, 0, 0, 0, 11]);
  });

  it("counts ACKs until taken", () => {
    const out = new FrameOutput();
    writeSettingsAck(out);
    writePing(out, new Uint8Array(8), true);
    writePing(out, new Uint8Array(8), false);
    assert.equal(out.pendingAcks, 2);
    out.take();
    assert.equal(out.pendingAcks, 0);
  });
});
