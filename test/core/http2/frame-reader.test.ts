import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameReader, ReadResult } from "../../../src/core/http2/frame-reader.js";
import { concat, frame } from "./wire.js";

interface Read {
  type: number;
  flags: number;
  streamId: number;
  payload: number[];
}

function readAll(reader: FrameReader, pieces: readonly Uint8Array[]): (Read | "oversize")[] {
  const out: (Read | "oversize")[] = [];
  for (const piece of pieces) {
    reader.push(piece);
    for (;;) {
      const r = reader.next();
      if (r === ReadResult.NEED_MORE) break;
      if (r === ReadResult.OVERSIZE) {
        out.push("oversize");
        return out;
      }
      out.push({
        type: reader.type,
        flags: reader.flags,
        streamId: reader.streamId,
        payload: [...reader.payload],
      });
    }
  }
  return out;
}

const stream = concat(
  frame(0, 1, 1, [1, 2, 3]),
  frame(4, 0, 0, []),
  frame(8, 0, 0x7fffffff, [0, 0, 0, 1]),
  frame(0xfe, 0xff, 3, new Uint8Array(300).fill(9)),
);
const expected = readAll(new FrameReader(16384), [stream]);

describe("FrameReader (RFC 9113 4.1)", () => {
  it("reads several frames from one read", () => {
    assert.equal(expected.length, 4);
    assert.deepEqual(expected[0], { type: 0, flags: 1, streamId: 1, payload: [1, 2, 3] });
    assert.deepEqual(expected[1], { type: 4, flags: 0, streamId: 0, payload: [] });
    assert.deepEqual((expected[2] as Read).streamId, 0x7fffffff);
    assert.deepEqual((expected[3] as Read).payload.length, 300);
  });

  it("gives the same frames for every split in two and byte by byte", () => {
    for (let i = 1; i < stream.length; i++)
      assert.deepEqual(
        readAll(new FrameReader(16384), [stream.slice(0, i), stream.slice(i)]),
        expected,
        `split at ${i}`,
      );
    assert.deepEqual(
      readAll(
        new FrameReader(16384),
        [...stream].map((b) => Uint8Array.of(b)),
      ),
      expected,
    );
  });

  it("ignores the reserved bit of the stream id", () => {
    const f = frame(0, 0, 5, [1]);
    f[5]! |= 0x80;
    assert.equal((readAll(new FrameReader(16384), [f])[0] as Read).streamId, 5);
  });

  it("a payload whole in the read is a view of it (no copy)", () => {
    const input = concat(frame(0, 0, 1, [1, 2]), frame(0, 0, 1, [3]));
    const reader = new FrameReader(16384);
    reader.push(input);
    assert.equal(reader.next(), ReadResult.FRAME);
    assert.equal(reader.payload.buffer, input.buffer);
    assert.equal(reader.payload.byteOffset, 9);
    assert.equal(reader.next(), ReadResult.FRAME);
    assert.equal(reader.payload.byteOffset, 20);
    assert.equal(reader.next(), ReadResult.NEED_MORE);
  });

  it("reports a frame over maxFrameSize from its header, before any payload", () => {
    const head = frame(0, 0, 1, new Uint8Array(16385)).subarray(0, 9);
    const reader = new FrameReader(16384);
    assert.deepEqual(readAll(reader, [head.subarray(0, 4), head.subarray(4)]), ["oversize"]);
    assert.equal(reader.length, 16385);
    assert.equal(reader.type, 0);
    const ok = frame(0, 0, 1, new Uint8Array(16384));
    assert.equal(readAll(new FrameReader(16384), [ok]).length, 1);
  });

  it("knows when it is inside a frame", () => {
    const reader = new FrameReader(16384);
    const f = frame(0, 0, 1, [1, 2, 3]);
    reader.push(f.subarray(0, 3));
    reader.next();
    assert.equal(reader.isInsideFrame, true);
    reader.push(f.subarray(3, 10));
    reader.next();
    assert.equal(reader.isInsideFrame, true);
    reader.push(f.subarray(10));
    assert.equal(reader.next(), ReadResult.FRAME);
    assert.equal(reader.isInsideFrame, false);
  });
});
