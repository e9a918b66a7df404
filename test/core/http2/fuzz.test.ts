/**
 * Random input never makes the machine throw or blame itself: every error
 * is the peer's (never INTERNAL_ERROR), and the output stays whole frames.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Http2Session } from "../../../src/core/http2/index.js";
import { concat, frame, GET, literalBlock, PREFACE, parseFrames, T } from "./wire.js";

/** A frame that is often almost right: real types and flags, small stream ids, short payloads. */
const anyFrame = fc
  .record({
    type: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 255 })),
    flags: fc.oneof(fc.constantFrom(0, 1, 4, 5, 8, 0x20, 0x25), fc.integer({ min: 0, max: 255 })),
    streamId: fc.oneof(fc.constantFrom(0, 1, 3, 5), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.constant(literalBlock(GET)),
      fc.constantFrom(
        Uint8Array.of(0, 0, 0, 1),
        Uint8Array.of(0, 4, 0, 0, 0, 0),
        Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0),
      ),
    ),
  })
  .map(({ type, flags, streamId, payload }) => frame(type, flags, streamId, payload));

function check(session: Http2Session, pieces: readonly Uint8Array[]): void {
  for (const piece of pieces) session.receiveData(piece);
  for (const e of session.takeEvents()) {
    if (e.type === "error") assert.equal(e.error.peer, true, e.error.message);
    if (e.type === "reset" && e.error !== undefined) assert.equal(e.error.peer, true);
  }
  const out = session.takeOutput();
  const bytes = concat(...out.chunks);
  const frames = parseFrames(bytes[0] === 0x50 ? bytes.subarray(24) : bytes);
  assert.ok(frames.every((f) => f.type <= 9));
}

describe("Http2Session: random input", () => {
  it("a server given random frames after its preface", () => {
    fc.assert(
      fc.property(
        fc.array(anyFrame, { maxLength: 30 }),
        fc.integer({ min: 1, max: 50 }),
        (frames, cut) => {
          // Two open streams first, so frames reach stream states, not only errors.
          const bytes = concat(
            PREFACE,
            frame(T.SETTINGS, 0, 0),
            frame(T.HEADERS, 4, 1, literalBlock(GET)),
            frame(T.HEADERS, 5, 3, literalBlock(GET)),
            ...frames,
          );
          const pieces: Uint8Array[] = [];
          for (let at = 0; at < bytes.length; at += cut) pieces.push(bytes.slice(at, at + cut));
          check(new Http2Session({ role: "server" }), pieces);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a client with open streams given random frames", () => {
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 30 }), (frames) => {
        const client = new Http2Session({ role: "client" });
        client.request(GET);
        client.request(GET, true);
        check(client, [frame(T.SETTINGS, 0, 0), ...frames]);
      }),
      { numRuns: 2000 },
    );
  });

  it("random bytes, with or without a preface", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, preface) => {
        const s = new Http2Session({ role: preface ? "server" : "client" });
        check(s, [preface ? concat(PREFACE, bytes) : bytes]);
      }),
      { numRuns: 2000 },
    );
  });
});
