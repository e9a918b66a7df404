/**
 * `Protocol.streamMessages`: messages reported piece by piece as they arrive
 * (`fragment` events), fed whole, split at every position and byte by byte.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FragmentEvent, ProtocolEvent } from "../../src/core/events.js";
import type { Extension } from "../../src/core/extension.js";
import { Opcode } from "../../src/core/frame.js";
import { Protocol } from "../../src/core/protocol.js";
import { bytewise, feed, splits } from "../helpers/drive.js";
import { bytes, clientFrame, concat, frame } from "../helpers/wire.js";

function streaming(role: "client" | "server" = "server", options = {}): Protocol {
  const p = new Protocol(role, options);
  p.streamMessages = true;
  return p;
}

/**
 * The events with each streamed message's fragments joined, checking on the
 * way that only the last fragment has `fin`, that no other one is empty, and
 * that a message's fragments all have its type.
 */
function joined(events: ProtocolEvent[]): unknown[] {
  const out: unknown[] = [];
  let pieces: FragmentEvent[] = [];
  for (const event of events) {
    if (event.type !== "fragment") {
      out.push(event);
      continue;
    }
    pieces.push(event);
    if (!event.fin) {
      assert.ok(event.data.length > 0, "only the last fragment may be empty");
      continue;
    }
    const text = typeof pieces[0]!.data === "string";
    for (const piece of pieces) assert.equal(typeof piece.data === "string", text);
    out.push(
      text
        ? { streamed: "text", data: pieces.map((p) => p.data).join("") }
        : { streamed: "binary", data: concat(pieces.map((p) => p.data as Uint8Array)) },
    );
    pieces = [];
  }
  if (pieces.length > 0) out.push({ unfinished: pieces.map((p) => p.data) });
  return out;
}

/** Feeds `input` whole, split in two everywhere and byte by byte: the joined messages must agree. */
function agreeOnSplits(make: () => Protocol, input: Uint8Array, expected: unknown[]): void {
  assert.deepEqual(joined(feed(make(), input).events), expected, "whole");
  for (const parts of splits(input)) {
    assert.deepEqual(
      joined(feed(make(), ...parts).events),
      expected,
      `split at ${parts[0]!.length}`,
    );
  }
  assert.deepEqual(joined(feed(make(), ...bytewise(input)).events), expected, "bytewise");
}

function closeCodeOf(output: Uint8Array): number {
  // An unmasked server close frame: 2 bytes of header, then the code.
  assert.equal(output[0], 0x88);
  return (output[2]! << 8) | output[3]!;
}

describe("Protocol.streamMessages: fragment events", () => {
  it("is off by default: a fragmented message is assembled", () => {
    const p = new Protocol("server");
    assert.equal(p.streamMessages, false);
    const r = feed(
      p,
      clientFrame({ opcode: Opcode.TEXT, payload: "ab", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "c" }),
    );
    assert.deepEqual(r.events, [{ type: "text", data: "abc" }]);
  });

  it("reports each frame of a fragmented message as it arrives, the last with fin", () => {
    const p = streaming();
    const first = feed(p, clientFrame({ opcode: Opcode.BINARY, payload: [1, 2], fin: false }));
    assert.deepEqual(first.events, [{ type: "fragment", data: bytes([1, 2]), fin: false }]);
    const next = feed(
      p,
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [3], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [4, 5] }),
    );
    assert.deepEqual(next.events, [
      { type: "fragment", data: bytes([3]), fin: false },
      { type: "fragment", data: bytes([4, 5]), fin: true },
    ]);
  });

  it("keeps the text and binary events for a message that arrives whole", () => {
    const r = feed(
      streaming(),
      concat([
        clientFrame({ opcode: Opcode.TEXT, payload: "whole" }),
        clientFrame({ opcode: Opcode.BINARY, payload: [9] }),
      ]),
    );
    assert.deepEqual(r.events, [
      { type: "text", data: "whole" },
      { type: "binary", data: bytes([9]) },
    ]);
  });

  it("reports the part of a large frame that each read brings, without buffering the frame", () => {
    const payload = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff);
    const wire = clientFrame({ opcode: Opcode.BINARY, payload });
    const p = streaming();
    const sizes: number[] = [];
    const got: Uint8Array[] = [];
    for (let at = 0; at < wire.length; at += 65536) {
      const chunk = wire.slice(at, at + 65536);
      p.receiveData(chunk);
      for (const event of p.takeEvents()) {
        assert.equal(event.type, "fragment");
        const data = (event as FragmentEvent).data as Uint8Array;
        // A view on the read (unmasked in place), not a copy.
        assert.equal(data.buffer, chunk.buffer);
        sizes.push(data.length);
        got.push(data);
      }
    }
    assert.deepEqual(sizes, [65536 - 14, 65536, 65536, 200_000 - 3 * 65536 + 14]);
    assert.deepEqual(concat(got), payload);
  });

  it("agrees on the messages however the input is cut (text, binary, control frames between)", () => {
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "κό", fin: false }),
      clientFrame({ opcode: Opcode.PING, payload: "p" }),
      clientFrame({
        opcode: Opcode.CONTINUATION,
        payload: bytes("σμε 𝄞").subarray(0, 7),
        fin: false,
      }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: bytes("σμε 𝄞").subarray(7) }),
      clientFrame({ opcode: Opcode.BINARY, payload: [1, 2, 3], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [4] }),
      clientFrame({ opcode: Opcode.TEXT, payload: "é€" }),
      clientFrame({ opcode: Opcode.TEXT, payload: "", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "" }),
    ]);
    // "é€" and the empty text each come whole in some cuts and streamed in
    // others: joined, they read the same either way.
    const normalize = (events: unknown[]) =>
      events.map((e) => {
        const event = e as { type?: string; streamed?: string; data: unknown };
        return event.type === "text" ? { streamed: "text", data: event.data } : e;
      });
    const expected = [
      { type: "ping", data: bytes("p") },
      { streamed: "text", data: "κόσμε 𝄞" },
      { streamed: "binary", data: bytes([1, 2, 3, 4]) },
      { streamed: "text", data: "é€" },
      { streamed: "text", data: "" },
    ];
    const check = (events: ProtocolEvent[], label: string) =>
      assert.deepEqual(normalize(joined(events)), expected, label);
    check(feed(streaming(), input).events, "whole");
    for (const parts of splits(input)) {
      check(feed(streaming(), ...parts).events, `split at ${parts[0]!.length}`);
    }
    check(feed(streaming(), ...bytewise(input)).events, "bytewise");
  });

  it("holds a code point cut between pieces until it is whole", () => {
    const p = streaming();
    const clef = bytes("𝄞"); // 4 bytes
    const wire = clientFrame({ opcode: Opcode.TEXT, payload: concat([bytes("a"), clef]) });
    // Header (6 bytes) and "a" plus two bytes of the clef, then the rest.
    const r = feed(p, wire.subarray(0, 9), wire.subarray(9));
    assert.deepEqual(r.events, [
      { type: "fragment", data: "a", fin: false },
      { type: "fragment", data: "𝄞", fin: true },
    ]);
  });

  it("streams a client's received messages too (unmasked frames)", () => {
    agreeOnSplits(
      () => streaming("client"),
      concat([
        frame({ opcode: Opcode.BINARY, payload: [7, 8], fin: false }),
        frame({ opcode: Opcode.CONTINUATION, payload: [9] }),
      ]),
      [{ streamed: "binary", data: bytes([7, 8, 9]) }],
    );
  });

  it("applies a change from the next message on", () => {
    const p = new Protocol("server");
    const a = feed(p, clientFrame({ opcode: Opcode.TEXT, payload: "a", fin: false }));
    p.streamMessages = true;
    const b = feed(
      p,
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "b" }),
      clientFrame({ opcode: Opcode.TEXT, payload: "c", fin: false }),
    );
    p.streamMessages = false;
    const c = feed(
      p,
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "d" }),
      clientFrame({ opcode: Opcode.TEXT, payload: "e", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "f" }),
    );
    assert.deepEqual(
      [...a.events, ...b.events, ...c.events],
      [
        { type: "text", data: "ab" },
        { type: "fragment", data: "c", fin: false },
        { type: "fragment", data: "d", fin: true },
        { type: "text", data: "ef" },
      ],
    );
  });
});

describe("Protocol.streamMessages: the same checks as assembled messages", () => {
  it("fails with 1007 at an invalid byte inside a frame, before the rest of it arrives (8.1)", () => {
    const payload = new Uint8Array(100_000).fill(0x61);
    payload[50_000] = 0xff;
    const wire = clientFrame({ opcode: Opcode.TEXT, payload });
    const p = streaming();
    const early = feed(p, wire.subarray(0, 40_000));
    assert.deepEqual(
      early.events.map((e) => e.type),
      ["fragment"],
    );
    assert.equal(early.output.length, 0);
    const bad = feed(p, wire.subarray(40_000, 60_000));
    assert.deepEqual(bad.events, [], "nothing of the piece with the bad byte is reported");
    assert.equal(closeCodeOf(bad.output), 1007);
    assert.equal(p.state, "closing");
    // The rest is not processed.
    const rest = feed(p, wire.subarray(60_000));
    assert.deepEqual(rest.events, []);
  });

  it("fails with 1007 at an invalid sequence cut between frames", () => {
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: [0x61, 0xe2, 0x82], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [0x41], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "never" }),
    ]);
    for (const parts of [[input], ...splits(input)]) {
      const r = feed(streaming(), ...parts);
      assert.equal(closeCodeOf(r.output), 1007);
      assert.equal(joined(r.events).length <= 1, true);
      for (const event of r.events)
        assert.deepEqual(event, { type: "fragment", data: "a", fin: false });
    }
  });

  it("fails with 1007 when the message ends inside a code point", () => {
    const r = feed(
      streaming(),
      clientFrame({ opcode: Opcode.TEXT, payload: [0x61, 0xc3], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [] }),
    );
    assert.deepEqual(r.events, [{ type: "fragment", data: "a", fin: false }]);
    assert.equal(closeCodeOf(r.output), 1007);
  });

  it("fails with 1009 at the header of a frame past the message limit", () => {
    const p = streaming("server", { maxMessageBytes: 10 });
    const r = feed(
      p,
      clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(6), fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: new Uint8Array(5) }),
    );
    assert.deepEqual(r.events, [{ type: "fragment", data: new Uint8Array(6), fin: false }]);
    assert.equal(closeCodeOf(r.output), 1009);
  });

  it("with an extension, decodes each frame whole, then reports it", () => {
    const xor = (payload: Uint8Array) => payload.map((b) => b ^ 0x55);
    const extension: Extension = {
      name: "x-xor",
      rsvBits: 0x40,
      encode: (payload, first) => ({ payload: xor(payload), rsv: first ? 0x40 : 0 }),
      decode: (payload) => xor(payload),
    };
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, rsv: 4, payload: xor(bytes("hé")), fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: xor(bytes("llo")) }),
    ]);
    const make = () => streaming("server", { extensions: [extension] });
    const r = feed(make(), input.subarray(0, 5), input.subarray(5));
    assert.deepEqual(r.events, [
      { type: "fragment", data: "hé", fin: false },
      { type: "fragment", data: "llo", fin: true },
    ]);
    agreeOnSplits(make, input, [{ streamed: "text", data: "héllo" }]);
  });
});
