// Protocol.receiveData's answer "nothing of this input is kept" (what lets
// the Node transport free a read at once, see src/node/transport.ts): every
// input it answers `true` for is overwritten right after the call, and the
// messages must come out intact all the same.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ProtocolEvent } from "../../src/core/events.js";
import { Opcode } from "../../src/core/frame.js";
import { Protocol } from "../../src/core/protocol.js";
import { clientFrame, concat } from "../helpers/wire.js";

interface Sent {
  opcode: number;
  payload: Uint8Array;
}

function payloadOf(length: number, seed: number): Uint8Array {
  const payload = new Uint8Array(length);
  // ASCII only, so that text messages are valid UTF-8.
  for (let i = 0; i < length; i++) payload[i] = 0x61 + ((i * 7 + seed) % 26);
  return payload;
}

/** Feeds `wire` cut at `cuts`, scribbling over each input answered `true`; returns the messages and the answers. */
function receive(wire: Uint8Array, cuts: readonly number[]) {
  const protocol = new Protocol("server", { maxMessageBytes: 4 * 1024 * 1024 });
  const events: ProtocolEvent[] = [];
  const answers: boolean[] = [];
  let at = 0;
  for (const cut of [...cuts, wire.length]) {
    const input = wire.slice(at, cut);
    at = cut;
    const released = protocol.receiveData(input);
    answers.push(released);
    if (released) input.fill(0xee);
    events.push(...protocol.takeEvents());
  }
  return { events, answers };
}

function assertMessages(events: readonly ProtocolEvent[], sent: readonly Sent[]): void {
  const got = events.filter((e) => e.type === "text" || e.type === "binary");
  assert.equal(got.length, sent.length);
  for (const [i, event] of got.entries()) {
    const expected = sent[i]!;
    if (event.type === "text") {
      assert.equal(expected.opcode, Opcode.TEXT);
      assert.equal(event.data, new TextDecoder().decode(expected.payload));
    } else if (event.type === "binary") {
      assert.equal(expected.opcode, Opcode.BINARY);
      assert.deepEqual(event.data, expected.payload);
    }
  }
}

describe("Protocol.receiveData: inputs it keeps nothing of", () => {
  it("answers true for the reads of a large message past its first quarter, and the message is intact", () => {
    const payload = payloadOf(1024 * 1024, 3);
    const wire = clientFrame({ opcode: Opcode.BINARY, payload });
    const cuts: number[] = [];
    for (let at = 65536; at < wire.length; at += 65536) cuts.push(at);
    const { events, answers } = receive(wire, cuts);
    assertMessages(events, [{ opcode: Opcode.BINARY, payload }]);
    // 17 reads: the first holds the header, the first quarter is kept as
    // views until the message's buffer is made; the rest is copied there.
    assert.equal(answers.length, 17);
    assert.equal(answers[0], false);
    assert.ok(answers.filter(Boolean).length >= 12, `${answers}`);
    assert.equal(answers.at(-1), true);
  });

  it("answers false for reads whose frames are delivered as views on them", () => {
    const wire = concat([
      clientFrame({ opcode: Opcode.BINARY, payload: payloadOf(100, 1) }),
      clientFrame({ opcode: Opcode.BINARY, payload: payloadOf(200, 2) }),
    ]);
    const { answers } = receive(wire, []);
    assert.deepEqual(answers, [false]);
  });

  it("keeps every message intact whatever the cuts, when every input answered true is overwritten", () => {
    const frameArb = fc.record({
      text: fc.boolean(),
      length: fc.oneof(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 60_000, max: 70_000 }),
        fc.integer({ min: 100_000, max: 300_000 }),
      ),
      seed: fc.integer({ min: 0, max: 25 }),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 700_000 }), { maxLength: 30 }),
        (specs, rawCuts) => {
          const sent = specs.map((s) => ({
            opcode: s.text ? Opcode.TEXT : Opcode.BINARY,
            payload: payloadOf(s.length, s.seed),
          }));
          const wire = concat(sent.map((m) => clientFrame(m)));
          const cuts = [...new Set(rawCuts.filter((c) => c < wire.length))].sort((a, b) => a - b);
          const { events } = receive(wire, cuts);
          assertMessages(events, sent);
        },
      ),
      { numRuns: 60 },
    );
  });
});
