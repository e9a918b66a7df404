import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ExtensionError, InvalidStateError, ProtocolError } from "../../src/core/errors.js";
import type { ProtocolEvent } from "../../src/core/events.js";
import type { Extension } from "../../src/core/extension.js";
import { Opcode } from "../../src/core/frame.js";
import { PreparedMessage, prepareMessage } from "../../src/core/prepared-message.js";
import { Protocol } from "../../src/core/protocol.js";
import { protocolOptions } from "../../src/core/settings.js";
import { bytewise, drain, feed, splits } from "../helpers/drive.js";
import { bytes, clientFrame, concat, frame, parseFrames, text } from "../helpers/wire.js";

const server = (options = {}) => new Protocol("server", options);
const client = (options = {}) => new Protocol("client", options);

function closeOf(events: ProtocolEvent[]) {
  return events.find((e) => e.type === "close");
}
function failedWith(p: Protocol, events: ProtocolEvent[], output: Uint8Array, code: number) {
  const frames = parseFrames(output);
  const last = frames.at(-1);
  assert.ok(last, "a close frame was sent");
  assert.equal(last.opcode, Opcode.CLOSE);
  assert.equal((last.payload[0]! << 8) | last.payload[1]!, code);
  assert.equal(p.state, "closing");
  assert.equal(
    events.some((e) => e.type === "text" || e.type === "binary"),
    false,
  );
}

/** Feeds the input whole, split at every position, and byte by byte; all must agree. */
function agreeOnSplits(make: () => Protocol, input: Uint8Array) {
  const whole = feed(make(), input);
  for (const parts of splits(input)) {
    const r = feed(make(), ...parts);
    assert.deepEqual(r.events, whole.events);
    assert.deepEqual(
      r.frames.map((f) => [f.opcode, f.payload]),
      whole.frames.map((f) => [f.opcode, f.payload]),
    );
    assert.equal(r.closeTransport, whole.closeTransport);
  }
  const r = feed(make(), ...bytewise(input));
  assert.deepEqual(r.events, whole.events);
  return whole;
}

describe("Protocol: receiving data frames (RFC 6455 5.2, 5.6)", () => {
  for (const size of [0, 1, 125, 126, 127, 128, 65535, 65536, 70000]) {
    it(`server receives a masked binary frame of ${size} bytes`, () => {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
      const r = feed(server(), clientFrame({ opcode: Opcode.BINARY, payload }));
      assert.deepEqual(r.events, [{ type: "binary", data: payload }]);
      assert.equal(r.output.length, 0);
    });
  }

  it("client receives an unmasked text frame (5.1)", () => {
    const r = feed(client(), frame({ opcode: Opcode.TEXT, payload: "héllo €𝄞" }));
    assert.deepEqual(r.events, [{ type: "text", data: "héllo €𝄞" }]);
  });

  it("accepts a non-minimal length encoding from the peer", () => {
    const r = feed(server(), clientFrame({ opcode: Opcode.TEXT, payload: "hi", lengthBits: 64 }));
    assert.deepEqual(r.events, [{ type: "text", data: "hi" }]);
  });

  it("parses several frames in one read and the same frames split anywhere (5.2)", () => {
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "one" }),
      clientFrame({ opcode: Opcode.BINARY, payload: [1, 2, 3] }),
      clientFrame({ opcode: Opcode.TEXT, payload: "κόσμε", fin: false }),
      clientFrame({ opcode: Opcode.PING, payload: "p" }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "!" }),
      clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(300) }),
    ]);
    const r = agreeOnSplits(server, input);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["text", "binary", "ping", "text", "binary"],
    );
    assert.deepEqual(r.events[3], { type: "text", data: "κόσμε!" });
    assert.equal(r.frames.length, 1);
    assert.equal(r.frames[0]!.opcode, Opcode.PONG);
  });

  it("the message limit counts each message on its own", () => {
    const p = server({ maxMessageBytes: 100 });
    const full = clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(100) });
    const r = feed(p, concat([full, full, full]));
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["binary", "binary", "binary"],
    );
    const q = server({ maxMessageBytes: 100 });
    const parts = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "a".repeat(60), fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "a".repeat(40) }),
      clientFrame({ opcode: Opcode.TEXT, payload: "b".repeat(60), fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "b".repeat(40) }),
    ]);
    assert.deepEqual(
      feed(q, parts).events.map((e) => e.type),
      ["text", "text"],
    );
  });

  it("zero-length fragments and an empty message (5.4)", () => {
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "" }),
      clientFrame({ opcode: Opcode.BINARY, payload: "", fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "" }),
    ]);
    const r = agreeOnSplits(server, input);
    assert.deepEqual(r.events, [
      { type: "text", data: "" },
      { type: "binary", data: new Uint8Array(0) },
    ]);
  });

  it("reassembles a fragmented binary message byte-exact (5.4, 6.2)", () => {
    const a = Uint8Array.from({ length: 200 }, (_, i) => i);
    const input = concat([
      clientFrame({ opcode: Opcode.BINARY, payload: a.subarray(0, 100), fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: a.subarray(100) }),
    ]);
    const r = agreeOnSplits(server, input);
    assert.deepEqual(r.events, [{ type: "binary", data: a }]);
  });

  it("unmasks a large payload arriving in pieces at any alignment", () => {
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
    const input = clientFrame({ opcode: Opcode.BINARY, payload });
    for (const cut of [1, 3, 7, 8, 9, 100, 1001, 4000]) {
      const parts = [
        input.subarray(0, cut),
        input.subarray(cut, cut + 777),
        input.subarray(cut + 777),
      ];
      assert.deepEqual(feed(server(), ...parts).events, [{ type: "binary", data: payload }]);
    }
  });

  it("takes Node Buffers and gives plain Uint8Array views (no copy) of them", () => {
    const input = Buffer.from(clientFrame({ opcode: Opcode.BINARY, payload: "abc" }));
    const p = server();
    p.receiveData(input);
    const [event] = p.takeEvents();
    assert.ok(event?.type === "binary");
    assert.equal(event.data.constructor, Uint8Array);
    assert.equal(event.data.buffer, input.buffer);
    assert.equal(text(event.data), "abc");
  });

  it("a masking key of zero leaves the payload as is", () => {
    const payload = new Uint8Array(100).fill(9);
    const r = feed(server(), frame({ opcode: Opcode.BINARY, payload, mask: [0, 0, 0, 0] }));
    assert.deepEqual(r.events, [{ type: "binary", data: payload }]);
  });
});

describe("Protocol: the unfragmented-message fast path", () => {
  // A whole text or binary message in one read takes #receiveUnfragmented;
  // cut by reads, the same frame takes the general path. Both must agree.
  const message = fc.oneof(
    fc.record({
      opcode: fc.constant(Opcode.TEXT),
      payload: fc.string({ unit: "binary", maxLength: 40 }).map(bytes),
    }),
    fc.record({ opcode: fc.constant(Opcode.TEXT), payload: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ opcode: fc.constant(Opcode.BINARY), payload: fc.uint8Array({ maxLength: 40 }) }),
  );

  it("gives the same events and output as the general path, for valid and invalid text", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), (messages) => {
        const input = concat(messages.map((m) => clientFrame(m)));
        // The close reason may differ (a text cut inside a code point reads
        // "truncated" on the general path), the code may not.
        const summary = (r: ReturnType<typeof feed>) => ({
          events: r.events,
          frames: r.frames.map((f) =>
            f.opcode === Opcode.CLOSE
              ? [f.opcode, f.payload[0], f.payload[1]]
              : [f.opcode, f.payload],
          ),
          closeTransport: r.closeTransport,
        });
        const whole = summary(feed(server(), input));
        for (const parts of [...splits(input), bytewise(input)]) {
          assert.deepEqual(summary(feed(server(), ...parts)), whole);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("decodes a whole text frame, and fails invalid UTF-8 in one with 1007 (8.1)", () => {
    const ok = feed(server(), clientFrame({ opcode: Opcode.TEXT, payload: "héllo" }));
    assert.deepEqual(ok.events, [{ type: "text", data: "héllo" }]);
    const p = server();
    const bad = feed(p, clientFrame({ opcode: Opcode.TEXT, payload: [0x68, 0xc3] }));
    failedWith(p, bad.events, bad.output, 1007);
  });

  it("is not taken with an extension, even one that defines no RSV bit", () => {
    const log: string[] = [];
    const plain: Extension = { ...xorExtension(log), rsvBits: 0 };
    const p = new Protocol("server", { extensions: [plain] });
    const r = feed(p, clientFrame({ opcode: Opcode.BINARY, payload: "ab" }));
    assert.deepEqual(r.events, [{ type: "binary", data: bytes("ab") }]);
    assert.deepEqual(log, ["decode 0 true true 1048576"]);
  });
});

describe("Protocol: framing errors fail the connection (RFC 6455 5.1-5.5, 7.1.7)", () => {
  const cases: [string, () => Protocol, Uint8Array, number][] = [
    [
      "unmasked frame to a server (5.1)",
      server,
      frame({ opcode: Opcode.TEXT, payload: "x" }),
      1002,
    ],
    [
      "masked frame to a client (5.1)",
      client,
      clientFrame({ opcode: Opcode.TEXT, payload: "x" }),
      1002,
    ],
    ["RSV1 without an extension (5.2)", server, clientFrame({ opcode: Opcode.TEXT, rsv: 4 }), 1002],
    ["RSV2 (5.2)", server, clientFrame({ opcode: Opcode.BINARY, rsv: 2 }), 1002],
    ["RSV3 on a ping (5.2)", server, clientFrame({ opcode: Opcode.PING, rsv: 1 }), 1002],
    ["reserved data opcode 0x3 (5.2)", server, clientFrame({ opcode: 3 }), 1002],
    ["reserved data opcode 0x7 (5.2)", server, clientFrame({ opcode: 7 }), 1002],
    ["reserved control opcode 0xb (5.2)", server, clientFrame({ opcode: 0xb }), 1002],
    ["reserved control opcode 0xf (5.2)", server, clientFrame({ opcode: 0xf }), 1002],
    ["fragmented ping (5.5)", server, clientFrame({ opcode: Opcode.PING, fin: false }), 1002],
    [
      "ping of 126 bytes (5.5)",
      server,
      clientFrame({ opcode: Opcode.PING, payload: new Uint8Array(126) }),
      1002,
    ],
    [
      "continuation without a message (5.4)",
      server,
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "x" }),
      1002,
    ],
    [
      "new message inside a fragmented one (5.4)",
      server,
      concat([
        clientFrame({ opcode: Opcode.TEXT, payload: "a", fin: false }),
        clientFrame({ opcode: Opcode.TEXT, payload: "b" }),
      ]),
      1002,
    ],
    [
      "64-bit length with the top bit set (5.2)",
      server,
      clientFrame({ opcode: Opcode.BINARY, length: 1n << 63n, lengthBits: 64 }),
      1002,
    ],
    [
      "a 2^62-byte frame, refused without allocating (10.4)",
      server,
      clientFrame({ opcode: Opcode.BINARY, length: 1n << 62n, lengthBits: 64 }),
      1009,
    ],
    [
      "a frame over maxMessageBytes (10.4)",
      () => server({ maxMessageBytes: 10 }),
      clientFrame({ opcode: Opcode.BINARY, length: 11n }),
      1009,
    ],
    [
      "a frame over maxFrameBytes (10.4)",
      () => server({ maxFrameBytes: 4 }),
      clientFrame({ opcode: Opcode.BINARY, payload: "12345" }),
      1009,
    ],
    [
      "a fragmented message over maxMessageBytes (10.4)",
      () => server({ maxMessageBytes: 8 }),
      concat([
        clientFrame({ opcode: Opcode.BINARY, payload: "12345", fin: false }),
        clientFrame({ opcode: Opcode.CONTINUATION, payload: "6789" }),
      ]),
      1009,
    ],
    [
      "invalid UTF-8 in a text message (8.1)",
      server,
      clientFrame({ opcode: Opcode.TEXT, payload: [0xce, 0xba, 0xff] }),
      1007,
    ],
    [
      "a text message ending inside a code point (8.1)",
      server,
      concat([
        clientFrame({ opcode: Opcode.TEXT, payload: [0x61], fin: false }),
        clientFrame({ opcode: Opcode.CONTINUATION, payload: [0xe2, 0x82] }),
      ]),
      1007,
    ],
    [
      "invalid UTF-8 in a later fragment (8.1)",
      server,
      concat([
        clientFrame({ opcode: Opcode.TEXT, payload: "ok", fin: false }),
        clientFrame({ opcode: Opcode.CONTINUATION, payload: [0xed, 0xa0, 0x80], fin: false }),
      ]),
      1007,
    ],
    [
      "a 1-byte close payload (5.5.1)",
      server,
      clientFrame({ opcode: Opcode.CLOSE, payload: [3] }),
      1002,
    ],
    [
      "close code 1005 on the wire (7.4.1)",
      server,
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xed] }),
      1002,
    ],
    [
      "close code 999 (7.4.2)",
      server,
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe7] }),
      1002,
    ],
    [
      "close code 5000 (7.4.2)",
      server,
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x13, 0x88] }),
      1002,
    ],
    [
      "invalid UTF-8 in a close reason (5.5.1)",
      server,
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8, 0xc0, 0xaf] }),
      1007,
    ],
  ];
  for (const [name, make, input, code] of cases) {
    it(`${name} → ${code}`, () => {
      const p = make();
      const r = feed(p, input);
      failedWith(p, r.events, r.output, code);
      // Anything after the error is not processed (7.1.7).
      const after = feed(
        p,
        (p.role === "server" ? clientFrame : frame)({ opcode: Opcode.TEXT, payload: "late" }),
      );
      assert.deepEqual(after.events, []);
      assert.equal(after.output.length, 0);
      p.receiveEof();
      const closed = drain(p).events.at(-1);
      assert.equal(closed?.type, "closed");
      assert.ok(closed.error instanceof ProtocolError);
      assert.equal(closed.error.closeCode, code);
      assert.equal(closed.wasClean, false);
      assert.equal(closed.code, 1006);
    });
  }

  it("holds back a faulty frame behind messages from the same read, so they can be answered first", () => {
    const p = server();
    const input = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "Hello, world!" }),
      clientFrame({ opcode: Opcode.TEXT, payload: "x", rsv: 2 }),
      clientFrame({ opcode: Opcode.PING }),
    ]);
    const r = feed(p, input);
    assert.deepEqual(r.events, [{ type: "text", data: "Hello, world!" }]);
    assert.equal(r.output.length, 0);
    assert.equal(p.hasHeldInput, true);
    // The application answers, then lets the protocol go on (Autobahn 3.2 strict).
    p.sendText("Hello, world!");
    p.receiveData(clientFrame({ opcode: Opcode.TEXT, payload: "dropped" }));
    p.receiveHeldInput();
    const d = drain(p);
    assert.deepEqual(d.events, []);
    assert.deepEqual(
      d.frames.map((f) => f.opcode),
      [Opcode.TEXT, Opcode.CLOSE],
    );
    assert.equal((d.frames[1]!.payload[0]! << 8) | d.frames[1]!.payload[1]!, 1002);
    assert.equal(p.hasHeldInput, false);
    p.receiveHeldInput();
    assert.equal(p.hasOutput, false);
  });

  it("holds back a close frame behind messages from the same read, so they can be answered first", () => {
    const close = clientFrame({ opcode: Opcode.CLOSE, payload: new Uint8Array([0x03, 0xe8]) });
    const input = concat([clientFrame({ opcode: Opcode.TEXT, payload: "last" }), close]);
    // Split anywhere after the close frame's header, the close frame comes in
    // a later read and is answered at once; whole, it waits.
    const p = server();
    const r = feed(p, input);
    assert.deepEqual(r.events, [{ type: "text", data: "last" }]);
    assert.equal(r.output.length, 0);
    assert.equal(p.hasHeldInput, true);
    assert.equal(p.state, "open");
    p.sendText("answer");
    p.receiveHeldInput();
    const d = drain(p);
    assert.deepEqual(
      d.frames.map((f) => f.opcode),
      [Opcode.TEXT, Opcode.CLOSE],
    );
    assert.equal(text(d.frames[0]!.payload), "answer");
    assert.equal(p.state, "closing"); // a server then closes the transport
    assert.equal(d.closeTransport, true);
    // A close frame alone in its read, or after our own close, is answered at once.
    const alone = server();
    feed(alone, clientFrame({ opcode: Opcode.TEXT, payload: "last" }));
    const answered = feed(alone, close);
    assert.equal(alone.hasHeldInput, false);
    assert.equal(answered.frames.at(-1)?.opcode, Opcode.CLOSE);
    const closing = server();
    closing.sendClose(1000);
    drain(closing);
    const reply = feed(closing, input);
    assert.equal(closing.hasHeldInput, false);
    assert.deepEqual(
      reply.events.slice(0, 2).map((event) => event.type),
      ["text", "close"],
    );
    assert.equal(closing.closeExpected, true);
    // A close frame whose header or payload a read cut is not held (it is
    // answered when its last byte arrives).
    for (const cut of [input.length - close.length + 1, input.length - 1]) {
      const split = server();
      feed(split, input.subarray(0, cut));
      assert.equal(split.hasHeldInput, false);
      const rest = feed(split, input.subarray(cut));
      assert.equal(rest.frames.at(-1)?.opcode, Opcode.CLOSE, `cut at ${cut}`);
    }
  });

  it("the end of the stream processes held-back input first", () => {
    const p = server();
    feed(
      p,
      concat([clientFrame({ opcode: Opcode.BINARY, payload: "a" }), clientFrame({ opcode: 5 })]),
    );
    p.receiveEof();
    const d = drain(p);
    assert.equal(d.frames[0]!.opcode, Opcode.CLOSE);
    const closed = d.events.at(-1);
    assert.ok(closed?.type === "closed" && closed.error?.message.includes("reserved opcode 0x5"));
  });

  it("a server closes the transport at once when failing; a client waits for the server (7.1.7)", () => {
    const s = server();
    assert.equal(feed(s, frame({ opcode: Opcode.TEXT })).closeTransport, true);
    assert.equal(s.closeExpected, true);
    const c = client();
    assert.equal(feed(c, clientFrame({ opcode: Opcode.TEXT })).closeTransport, false);
    assert.equal(c.closeExpected, true);
    c.receiveEof();
    assert.equal(drain(c).closeTransport, true);
    assert.equal(c.closeExpected, false);
  });

  it("fails fast on invalid UTF-8 inside a frame that has not fully arrived (8.1, Autobahn 6.4.3)", () => {
    const input = clientFrame({
      opcode: Opcode.TEXT,
      payload: [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xf4, 0x90, 0x80, 0x80, 0x65],
    });
    const p = server();
    // Header, mask and the first 6 payload bytes (a valid prefix), then F4 90: already invalid.
    const r1 = feed(p, input.subarray(0, 6 + 6));
    assert.equal(r1.output.length, 0);
    const r2 = feed(p, input.subarray(12, 13));
    failedWith(p, r2.events, r2.output, 1007);
  });

  it("fails fast on invalid UTF-8 across fragments before the message ends (Autobahn 6.4.1)", () => {
    const p = server();
    const r = feed(
      p,
      clientFrame({ opcode: Opcode.TEXT, payload: [0xce, 0xba], fin: false }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: [0xf4, 0x90, 0x80, 0x80], fin: false }),
    );
    failedWith(p, r.events, r.output, 1007);
  });

  it("validates UTF-8 across fragments split inside a code point (6.2.3)", () => {
    const all = bytes("Hello-µ@ßöäüàá-UTF-8!!");
    const input = concat(
      Array.from(all, (b, i) =>
        clientFrame({
          opcode: i === 0 ? Opcode.TEXT : Opcode.CONTINUATION,
          payload: [b],
          fin: i === all.length - 1,
        }),
      ),
    );
    assert.deepEqual(agreeOnSplits(server, input).events, [
      { type: "text", data: "Hello-µ@ßöäüàá-UTF-8!!" },
    ]);
  });
});

describe("Protocol: control frames (RFC 6455 5.5)", () => {
  it("answers a ping with a pong carrying the same data, even between fragments (5.5.2, 5.4)", () => {
    const input = concat([
      clientFrame({ opcode: Opcode.BINARY, payload: "ab", fin: false }),
      clientFrame({ opcode: Opcode.PING, payload: "x".repeat(125) }),
      clientFrame({ opcode: Opcode.PING, payload: "" }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "c" }),
    ]);
    const r = agreeOnSplits(server, input);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["ping", "ping", "binary"],
    );
    assert.deepEqual(
      r.frames.map((f) => [f.opcode, text(f.payload), f.masked]),
      [
        [Opcode.PONG, "x".repeat(125), false],
        [Opcode.PONG, "", false],
      ],
    );
  });

  it("a client's pong is masked", () => {
    const r = feed(client(), frame({ opcode: Opcode.PING, payload: "hey" }));
    assert.equal(r.frames[0]!.masked, true);
    assert.equal(text(r.frames[0]!.payload), "hey");
  });

  it("accepts unsolicited pongs without answering (5.5.3)", () => {
    const r = feed(server(), clientFrame({ opcode: Opcode.PONG, payload: "u" }));
    assert.deepEqual(r.events, [{ type: "pong", data: bytes("u") }]);
    assert.equal(r.output.length, 0);
  });

  it("a ping after our close frame is reported but not answered", () => {
    const p = server();
    p.sendClose(1000);
    drain(p);
    const r = feed(p, clientFrame({ opcode: Opcode.PING, payload: "late" }));
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["ping"],
    );
    assert.equal(r.output.length, 0);
  });
});

describe("Protocol: holding pongs (RFC 6455 5.5.3)", () => {
  it("while held, pings are reported and only the latest is answered, once released", () => {
    const p = server();
    assert.equal(p.holdPongs, false);
    p.holdPongs = true;
    const input = concat(
      ["a", "bb", "ccc"].map((payload) => clientFrame({ opcode: Opcode.PING, payload })),
    );
    const r = feed(p, input);
    assert.deepEqual(
      r.events.map((e) => [e.type, text((e as { data: Uint8Array }).data)]),
      [
        ["ping", "a"],
        ["ping", "bb"],
        ["ping", "ccc"],
      ],
    );
    assert.equal(r.output.length, 0);
    // The kept data is a copy: the input may be reused after receiveData.
    input.fill(0);
    p.holdPongs = false;
    const out = drain(p);
    assert.deepEqual(
      out.frames.map((f) => [f.opcode, text(f.payload)]),
      [[Opcode.PONG, "ccc"]],
    );
    // Released with nothing pending, and holding again: nothing is sent.
    p.holdPongs = false;
    p.holdPongs = true;
    p.holdPongs = false;
    assert.equal(drain(p).output.length, 0);
    // Not held: answered at once, as before.
    assert.equal(feed(p, clientFrame({ opcode: Opcode.PING, payload: "d" })).frames.length, 1);
  });

  it("pings beyond 64 KiB of waiting output get one pong, for the latest, when output is taken", () => {
    const p = server();
    const pings = Array.from({ length: 2000 }, (_, i) =>
      clientFrame({ opcode: Opcode.PING, payload: `${i}`.padStart(125, "-") }),
    );
    p.receiveData(concat(pings));
    assert.equal(p.takeEvents().length, 2000);
    const pongs = parseFrames(concat(p.takeOutput().chunks));
    // About 64 KiB of pongs answered one by one (127 bytes each), then one for the latest.
    assert.ok(pongs.length > 500 && pongs.length < 530, `${pongs.length} pongs`);
    assert.ok(pongs.every((f) => f.opcode === Opcode.PONG));
    assert.equal(text(pongs.at(-2)!.payload), `${pongs.length - 2}`.padStart(125, "-"));
    assert.equal(text(pongs.at(-1)!.payload), "1999".padStart(125, "-"));
    assert.equal(p.takeOutput().chunks.length, 0);
  });

  it("a pong held until after our close frame is dropped (5.5.2)", () => {
    const p = server();
    p.holdPongs = true;
    feed(p, clientFrame({ opcode: Opcode.PING, payload: "x" }));
    p.sendClose(1000);
    drain(p);
    p.holdPongs = false;
    assert.equal(drain(p).output.length, 0);
  });
});

describe("Protocol: closing (RFC 6455 5.5.1, 7)", () => {
  it("echoes a close frame's code and reason; the server then closes the transport first (7.1.1)", () => {
    const p = server();
    const r = feed(
      p,
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8, ...bytes("bye")] }),
    );
    assert.deepEqual(closeOf(r.events), { type: "close", code: 1000, reason: "bye" });
    assert.deepEqual(
      r.frames.map((f) => [f.opcode, [...f.payload]]),
      [[Opcode.CLOSE, [0x03, 0xe8, ...bytes("bye")]]],
    );
    assert.equal(r.closeTransport, true);
    assert.equal(p.state, "closing");
    assert.equal(p.closeExpected, true);
    p.receiveEof();
    assert.deepEqual(drain(p).events, [
      { type: "closed", code: 1000, reason: "bye", wasClean: true },
    ]);
    assert.equal(p.state, "closed");
    assert.equal(p.closeExpected, false);
  });

  it("echoes an empty close frame with an empty one and reports 1005 (7.1.5)", () => {
    const p = client();
    const r = feed(p, frame({ opcode: Opcode.CLOSE }));
    assert.deepEqual(closeOf(r.events), { type: "close", code: 1005, reason: "" });
    assert.equal(r.frames[0]!.payload.length, 0);
    assert.equal(r.frames[0]!.masked, true);
    // The client waits for the server to close TCP.
    assert.equal(r.closeTransport, false);
    assert.equal(p.closeExpected, true);
    p.receiveEof();
    const d = drain(p);
    assert.equal(d.closeTransport, true);
    assert.deepEqual(d.events, [{ type: "closed", code: 1005, reason: "", wasClean: true }]);
  });

  for (const code of [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
  ]) {
    it(`accepts close code ${code} (7.4)`, () => {
      const r = feed(
        server(),
        clientFrame({ opcode: Opcode.CLOSE, payload: [code >> 8, code & 0xff] }),
      );
      assert.deepEqual(closeOf(r.events), { type: "close", code, reason: "" });
      assert.equal((r.frames[0]!.payload[0]! << 8) | r.frames[0]!.payload[1]!, code);
    });
  }

  for (const code of [0, 999, 1004, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
    it(`refuses close code ${code} with 1002 (7.4)`, () => {
      const p = server();
      const r = feed(p, clientFrame({ opcode: Opcode.CLOSE, payload: [code >> 8, code & 0xff] }));
      failedWith(p, r.events, r.output, 1002);
    });
  }

  it("we close first: the peer's close completes the handshake; nothing after it is processed", () => {
    const p = server();
    p.sendClose(1001, "going");
    const sent = drain(p);
    assert.deepEqual(
      sent.frames.map((f) => [f.opcode, text(f.payload.subarray(2))]),
      [[Opcode.CLOSE, "going"]],
    );
    assert.equal(sent.closeTransport, false);
    assert.equal(p.closeExpected, true);
    const r = feed(
      p,
      concat([
        clientFrame({ opcode: Opcode.TEXT, payload: "still delivered" }),
        clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe9] }),
        clientFrame({ opcode: Opcode.TEXT, payload: "discarded" }),
      ]),
    );
    assert.deepEqual(
      r.events.map((e) => e.type),
      ["text", "close"],
    );
    assert.equal(r.output.length, 0);
    assert.equal(r.closeTransport, true);
    p.receiveEof();
    assert.deepEqual(drain(p).events.at(-1), {
      type: "closed",
      code: 1001,
      reason: "",
      wasClean: true,
    });
  });

  it("a close in the middle of a fragmented message is still a close (7.1.5)", () => {
    const r = feed(
      server(),
      clientFrame({ opcode: Opcode.TEXT, payload: "a", fin: false }),
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8] }),
    );
    assert.deepEqual(r.events, [{ type: "close", code: 1000, reason: "" }]);
  });

  it("reports 1006 and an unclean close when the transport ends without a close frame (7.1.5)", () => {
    const p = server();
    feed(p, clientFrame({ opcode: Opcode.TEXT, payload: "x", fin: false }));
    p.receiveEof();
    const d = drain(p);
    assert.deepEqual(d.events, [{ type: "closed", code: 1006, reason: "", wasClean: false }]);
    assert.equal(d.closeTransport, true);
    p.receiveEof();
    assert.deepEqual(drain(p).events, []);
    assert.equal(p.takeOutput().chunks.length, 0);
  });

  it("refuses to send codes that never go on the wire and oversized reasons (7.4.1, 5.5)", () => {
    const p = server();
    for (const code of [1005, 1006, 1015, 999, 5000])
      assert.throws(() => p.sendClose(code), RangeError);
    assert.throws(() => p.sendClose(1000, "é".repeat(62)), RangeError);
    assert.throws(() => p.sendClose(undefined, "why"), TypeError);
    p.sendClose(1000, "é".repeat(61));
    assert.equal(drain(p).frames[0]!.payload.length, 124);
  });

  it("sendClose without a code sends an empty close body", () => {
    const p = client();
    p.sendClose();
    const f = drain(p).frames[0]!;
    assert.equal(f.opcode, Opcode.CLOSE);
    assert.equal(f.payload.length, 0);
    assert.equal(f.masked, true);
  });

  it("fail() while open sends the close frame with the reason; a second fail only ends", () => {
    const p = server();
    p.fail(1011, "oops");
    const d = drain(p);
    assert.deepEqual(
      d.frames.map((f) => text(f.payload.subarray(2))),
      ["oops"],
    );
    assert.equal(d.closeTransport, true);
    p.fail(1011);
    assert.equal(p.hasOutput, false);
    p.receiveEof();
    p.fail(1011);
    assert.equal(p.state, "closed");
  });

  it("a long failure message is not put in the close frame (123-byte limit)", () => {
    const p = server({ maxMessageBytes: 1 });
    const r = feed(p, clientFrame({ opcode: Opcode.BINARY, payload: "0123456789" }));
    assert.equal(
      r.frames[0]!.payload.length,
      2 + "Cannot parse frame: frame of 10 bytes, limit 1".length,
    );
    const q = server();
    q.receiveData(clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8] }));
    assert.equal(q.closeExpected, true);
  });
});

describe("Protocol: sending (RFC 6455 5.1-5.4, 6.1)", () => {
  it("a client masks every frame with a fresh key; a server never masks (5.1, 5.3)", () => {
    const c = client();
    c.sendText("a");
    c.sendBinary(new Uint8Array(3));
    c.sendPing("p");
    c.sendPong();
    const frames = drain(c).frames;
    assert.ok(frames.every((f) => f.masked));
    assert.equal(new Set(frames.map((f) => f.key!.join())).size, frames.length);
    const s = server();
    s.sendText("a");
    s.sendPing();
    assert.ok(drain(s).frames.every((f) => !f.masked));
  });

  it("takes masking keys from the injected random source", () => {
    let calls = 0;
    const c = client({
      random: (b: Uint8Array) => {
        calls++;
        b.fill(0xab);
      },
    });
    c.sendBinary(bytes("xyz"));
    const f = drain(c).frames[0]!;
    assert.deepEqual([...f.key!], [0xab, 0xab, 0xab, 0xab]);
    assert.equal(text(f.payload), "xyz");
    assert.equal(calls, 1);
  });

  for (const size of [0, 125, 126, 65535, 65536, 100000]) {
    for (const role of ["client", "server"] as const) {
      it(`${role} encodes ${size} bytes with the minimal length (5.2)`, () => {
        const p = new Protocol(role);
        const payload = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
        p.sendBinary(payload);
        const [f] = drain(p).frames;
        const expected = (size < 126 ? 2 : size < 65536 ? 4 : 10) + (role === "client" ? 4 : 0);
        assert.equal(f!.headerBytes, expected);
        assert.deepEqual(f!.payload, payload);
      });
    }
  }

  for (const sample of [
    "",
    "a",
    "héllo",
    "€".repeat(41),
    "x".repeat(42),
    "€".repeat(42),
    "𝄞".repeat(100),
    "a".repeat(5000),
    "é".repeat(3000),
    "z".repeat(70000),
  ]) {
    for (const role of ["client", "server"] as const) {
      it(`${role} sends text of ${sample.length} UTF-16 units as minimal, valid UTF-8`, () => {
        const p = new Protocol(role);
        p.sendText(sample);
        const [f] = drain(p).frames;
        const encoded = bytes(sample);
        const expected =
          (encoded.length < 126 ? 2 : encoded.length < 65536 ? 4 : 10) +
          (role === "client" ? 4 : 0);
        assert.equal(f!.headerBytes, expected);
        assert.equal(text(f!.payload), sample);
      });
    }
  }

  it("sends a lone surrogate as U+FFFD (the WHATWG policy; 5.6 requires valid UTF-8)", () => {
    const p = server();
    p.sendText("a\ud800b");
    assert.deepEqual([...drain(p).frames[0]!.payload], [0x61, 0xef, 0xbf, 0xbd, 0x62]);
  });

  it("sends fragments in order: first with the opcode, then continuations, FIN on the last (5.4)", () => {
    const p = client();
    p.sendText("a", false);
    p.sendPing("between");
    p.sendContinuation("b", false);
    p.sendContinuation(bytes("c"), true);
    p.sendBinary(bytes("d"), false);
    p.sendContinuation(bytes("e"), true);
    const frames = drain(p).frames.map((f) => [f.opcode, f.fin, text(f.payload)]);
    assert.deepEqual(frames, [
      [Opcode.TEXT, false, "a"],
      [Opcode.PING, true, "between"],
      [Opcode.CONTINUATION, false, "b"],
      [Opcode.CONTINUATION, true, "c"],
      [Opcode.BINARY, false, "d"],
      [Opcode.CONTINUATION, true, "e"],
    ]);
  });

  it("refuses to interleave messages or continue none (5.4)", () => {
    const p = server();
    assert.throws(() => p.sendContinuation("x", true), InvalidStateError);
    p.sendText("a", false);
    assert.throws(() => p.sendText("b"), InvalidStateError);
    assert.throws(() => p.sendPrepared(prepareMessage("c")), InvalidStateError);
  });

  it("refuses control frames over 125 bytes (5.5)", () => {
    const p = server();
    assert.throws(() => p.sendPing(new Uint8Array(126)), RangeError);
    assert.throws(() => p.sendPong("x".repeat(126)), RangeError);
    p.sendPing(new Uint8Array(125));
    assert.equal(drain(p).frames[0]!.payload.length, 125);
  });

  it("refuses to send after the close frame (7.1.3)", () => {
    const p = server();
    p.sendClose(1000);
    for (const send of [
      () => p.sendText("x"),
      () => p.sendBinary(new Uint8Array(1)),
      () => p.sendPing(),
      () => p.sendPong(),
      () => p.sendClose(1000),
      () => p.sendContinuation("x", true),
    ]) {
      assert.throws(
        send,
        (e: unknown) => e instanceof InvalidStateError && /closing/.test(e.message),
      );
    }
  });

  it("large unmasked payloads are queued without a copy", () => {
    const p = server();
    const payload = new Uint8Array(20000).fill(1);
    p.sendBinary(payload);
    const { chunks } = p.takeOutput();
    assert.equal(chunks.length, 2);
    assert.equal(chunks[1], payload);
  });

  it("frames written in one turn leave as few chunks as possible", () => {
    const p = server();
    for (let i = 0; i < 100; i++) p.sendText(`message ${i}`);
    assert.equal(p.bufferedBytes > 0, true);
    const { chunks } = p.takeOutput();
    assert.ok(chunks.length <= 2, `${chunks.length} chunks`);
    assert.equal(parseFrames(concat(chunks)).length, 100);
    assert.equal(p.bufferedBytes, 0);
    assert.equal(p.takeOutput().chunks.length, 0);
  });

  it("interleaved connections still produce their own frames in order", () => {
    const a = server();
    const b = client();
    for (let i = 0; i < 3000; i++) {
      a.sendText(`a${i}`);
      b.sendText(`b${i}`);
    }
    const fa = drain(a).frames.map((f) => text(f.payload));
    const fb = drain(b).frames.map((f) => text(f.payload));
    assert.deepEqual(
      fa,
      Array.from({ length: 3000 }, (_, i) => `a${i}`),
    );
    assert.deepEqual(
      fb,
      Array.from({ length: 3000 }, (_, i) => `b${i}`),
    );
  });
});

describe("Protocol: prepared messages (broadcast)", () => {
  it("a server sends the frame built once; a client frames and masks it", () => {
    const m = prepareMessage("hello");
    assert.ok(m instanceof PreparedMessage);
    assert.equal(m.serverFrame, m.serverFrame);
    const s = server();
    s.sendPrepared(m);
    s.sendPrepared(prepareMessage(new Uint8Array(20000)));
    const fs = drain(s).frames;
    assert.deepEqual(
      fs.map((f) => [f.opcode, f.payload.length, f.masked]),
      [
        [Opcode.TEXT, 5, false],
        [Opcode.BINARY, 20000, false],
      ],
    );
    const c = client();
    c.sendPrepared(prepareMessage(bytes("bin")));
    const [f] = drain(c).frames;
    assert.deepEqual([f!.opcode, text(f!.payload), f!.masked], [Opcode.BINARY, "bin", true]);
  });
});

/** A toy extension that XORs payloads with 0x55 and marks messages with RSV1. */
function xorExtension(log: string[] = []): Extension {
  const xor = (p: Uint8Array) => p.map((b) => b ^ 0x55);
  let transformed = false;
  return {
    name: "x-xor",
    rsvBits: 0x40,
    encode(payload, first, fin) {
      log.push(`encode ${first} ${fin}`);
      return { payload: xor(payload), rsv: first ? 0x40 : 0 };
    },
    decode(payload, rsv, first, fin, maxBytes) {
      log.push(`decode ${rsv} ${first} ${fin} ${maxBytes}`);
      if (payload[0] === (0x55 ^ 0x21)) throw new ProtocolError(1007, "bang");
      if (payload[0] === (0x55 ^ 0x3f)) throw new Error("codec crashed");
      if (payload[0] === (0x55 ^ 0x2b)) return new Uint8Array(maxBytes + 1);
      // Like permessage-deflate: the first frame's RSV1 covers the whole message.
      if (first) transformed = rsv !== 0;
      return transformed ? xor(payload) : payload;
    },
    dispose() {
      log.push("dispose");
    },
  };
}

describe("Protocol: extensions (RFC 6455 9)", () => {
  it("runs outgoing data frames through encode and incoming through decode; RSV1 is allowed", () => {
    const log: string[] = [];
    const p = new Protocol("server", { extensions: [xorExtension(log)], subprotocol: "chat" });
    assert.equal(p.subprotocol, "chat");
    assert.equal(p.extensions.length, 1);
    p.sendText("hi", false);
    p.sendContinuation("!", true);
    p.sendPing("ctl");
    const frames = drain(p).frames;
    assert.deepEqual(
      frames.map((f) => [f.rsv, f.payload[0]]),
      [
        [4, 0x68 ^ 0x55],
        [0, 0x21 ^ 0x55],
        [0, 0x63],
      ],
    );
    const x = (s: string) => bytes(s).map((b) => b ^ 0x55);
    const r = feed(
      p,
      concat([
        clientFrame({ opcode: Opcode.TEXT, rsv: 4, payload: x("hé"), fin: false }),
        clientFrame({ opcode: Opcode.CONTINUATION, payload: x("y") }),
        clientFrame({ opcode: Opcode.BINARY, payload: "plain" }),
      ]),
    );
    assert.deepEqual(r.events, [
      { type: "text", data: "héy" },
      { type: "binary", data: bytes("plain") },
    ]);
    assert.deepEqual(log.slice(2, 5), [
      "decode 64 true false 1048576",
      "decode 0 false true 1048573",
      "decode 0 true true 1048576",
    ]);
    p.receiveEof();
    assert.equal(log.at(-1), "dispose");
  });

  for (const [first, code] of [
    [0x21, 1007],
    [0x3f, 1011],
    [0x2b, 1009],
  ] as const) {
    it(`a decode failure fails the connection with ${code}`, () => {
      const p = new Protocol("client", { extensions: [xorExtension()] });
      const r = feed(p, frame({ opcode: Opcode.BINARY, rsv: 4, payload: [first ^ 0x55] }));
      failedWith(p, r.events, r.output, code);
    });
  }

  it("says whose fault a decode failure is: the peer's ProtocolError as thrown, our extension's as an ExtensionError with its cause", () => {
    // The peer's fault: the extension's own ProtocolError is the closed event's error.
    const peer = new Protocol("client", { extensions: [xorExtension()] });
    const r1 = feed(peer, frame({ opcode: Opcode.BINARY, rsv: 4, payload: [0x21 ^ 0x55] }));
    peer.receiveEof();
    const closed1 = peer.takeEvents().at(-1);
    assert.equal(closed1?.type, "closed");
    const error1 = closed1.type === "closed" ? closed1.error : undefined;
    assert.ok(error1 instanceof ProtocolError);
    assert.equal(error1.message, "bang");
    assert.equal(error1.closeCode, 1007);
    assert.equal(text(r1.frames[0]!.payload.subarray(2)), "bang");
    // Ours: a plain Error becomes an ExtensionError (1011) that keeps it as
    // its cause; the peer is told "internal error", not what failed.
    const ours = new Protocol("client", { extensions: [xorExtension()] });
    const r2 = feed(ours, frame({ opcode: Opcode.BINARY, rsv: 4, payload: [0x3f ^ 0x55] }));
    failedWith(ours, r2.events, r2.output, 1011);
    assert.equal(text(r2.frames[0]!.payload.subarray(2)), "Cannot decode message: internal error");
    ours.receiveEof();
    const closed2 = ours.takeEvents().at(-1);
    const error2 = closed2?.type === "closed" ? closed2.error : undefined;
    assert.ok(error2 instanceof ExtensionError);
    assert.equal(error2 instanceof ProtocolError, false, "not the peer's fault");
    assert.equal(error2.name, "ExtensionError");
    assert.equal(error2.closeCode, 1011);
    assert.equal(error2.message, "Cannot decode message: x-xor failed: codec crashed");
    assert.ok(error2.cause instanceof Error);
    assert.equal((error2.cause as Error).message, "codec crashed");
  });

  it("a non-Error thrown by an extension is still our fault, kept as the cause", () => {
    const odd: Extension = {
      ...xorExtension(),
      decode() {
        throw "a string";
      },
    };
    const p = new Protocol("server", { extensions: [odd] });
    feed(p, clientFrame({ opcode: Opcode.BINARY, rsv: 4, payload: "x" }));
    p.receiveEof();
    const closed = p.takeEvents().at(-1);
    const error = closed?.type === "closed" ? closed.error : undefined;
    assert.ok(error instanceof ExtensionError);
    assert.equal(error.cause, "a string");
    assert.equal(error.message, "Cannot decode message: x-xor failed: a string");
  });

  it("a failure message too long for a close frame is left out of it", () => {
    const long: Extension = {
      ...xorExtension(),
      decode() {
        throw new ProtocolError(1007, "é".repeat(62));
      },
    };
    const p = new Protocol("client", { extensions: [long] });
    const r = feed(p, frame({ opcode: Opcode.BINARY, rsv: 4, payload: "x" }));
    assert.equal(r.frames[0]!.payload.length, 2);
  });

  it("invalid UTF-8 after decoding fails with 1007; RSV2 is still reserved", () => {
    const p = new Protocol("client", { extensions: [xorExtension()] });
    failedWith(
      p,
      ...(() => {
        const r = feed(p, frame({ opcode: Opcode.TEXT, rsv: 4, payload: [0xff ^ 0x55] }));
        return [r.events, r.output] as const;
      })(),
      1007,
    );
    const q = new Protocol("client", { extensions: [xorExtension()] });
    const r = feed(q, frame({ opcode: Opcode.TEXT, rsv: 2, payload: "a" }));
    failedWith(q, r.events, r.output, 1002);
  });
});

describe("Protocol: prepared messages with extensions (broadcast, RFC 7692 without context takeover)", () => {
  function counting(sharedKey: string | null | undefined, counter: { n: number }): Extension {
    const base = xorExtension();
    const extension: Extension = {
      name: base.name,
      rsvBits: base.rsvBits,
      decode: base.decode,
      encode(payload, first, fin) {
        counter.n++;
        return base.encode(payload, first, fin);
      },
    };
    return sharedKey === undefined ? extension : { ...extension, sharedKey };
  }

  it("encodes once for every connection whose extensions share a key", () => {
    const counter = { n: 0 };
    const message = prepareMessage("broadcast");
    const outputs = [1, 2, 3].map(() => {
      const p = new Protocol("server", { extensions: [counting("k", counter)] });
      p.sendPrepared(message);
      return drain(p).frames[0]!;
    });
    assert.equal(counter.n, 1);
    for (const f of outputs) {
      assert.equal(f.rsv, 4);
      assert.equal(text(f.payload.map((b) => b ^ 0x55)), "broadcast");
    }
    const c = new Protocol("client", { extensions: [counting("k", counter)] });
    c.sendPrepared(message);
    const f = drain(c).frames[0]!;
    assert.equal(f.masked, true);
    assert.equal(counter.n, 1);
  });

  it("encodes per connection when an extension keeps state between messages", () => {
    const counter = { n: 0 };
    const message = prepareMessage(bytes("x"));
    for (const key of [null, undefined, null]) {
      const p = new Protocol("server", { extensions: [counting(key, counter)] });
      p.sendPrepared(message);
      assert.equal(drain(p).frames[0]!.rsv, 4);
    }
    assert.equal(counter.n, 3);
  });
});

describe("Protocol: options and misuse", () => {
  it("validates options", () => {
    assert.throws(() => new Protocol("peer" as "client"), TypeError);
    assert.throws(() => new Protocol("server", { maxMessageBytes: 0 }), RangeError);
    assert.throws(() => new Protocol("server", { maxFrameBytes: Number.NaN }), RangeError);
    const p = new Protocol("server", { maxMessageBytes: 10 });
    assert.equal(p.maxFrameBytes, 10);
    assert.equal(p.state, "open");
    assert.equal(p.subprotocol, null);
    assert.deepEqual(p.extensions, []);
  });

  it("derives limits once per options object, for every protocol built with it", () => {
    const options = { maxMessageBytes: 8, maxFrameBytes: 4 };
    const picked = protocolOptions(options);
    assert.equal(protocolOptions(options), picked);
    assert.deepEqual(picked, options);
    const a = new Protocol("server", picked);
    const b = new Protocol("server", picked);
    for (const p of [a, b]) {
      assert.equal(p.maxMessageBytes, 8);
      assert.equal(p.maxFrameBytes, 4);
    }
    // The shared limits are enforced on each: a 5-byte frame fails b too.
    const r = feed(b, clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(5) }));
    assert.equal(closeOf(r.events), undefined);
    assert.equal(b.state, "closing");
    // Invalid options are refused every time, not cached.
    const bad = { maxMessageBytes: -1 };
    assert.throws(() => new Protocol("server", bad), RangeError);
    assert.throws(() => new Protocol("server", bad), RangeError);
  });
});

describe("Protocol: hostile input (RFC 6455 10.7)", () => {
  it("random bytes never throw and always end in a defined close, within the limits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.constantFrom("client", "server"),
        (chunks, role) => {
          const p = new Protocol(role as "client" | "server", { maxMessageBytes: 4096 });
          for (const chunk of chunks) {
            p.receiveData(chunk);
            p.takeEvents();
            p.takeOutput();
          }
          p.receiveEof();
          const events = p.takeEvents();
          assert.equal(events.at(-1)?.type, "closed");
          assert.equal(p.state, "closed");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("mutated valid streams never throw and never deliver invalid text", () => {
    const valid = concat([
      clientFrame({ opcode: Opcode.TEXT, payload: "hello wörld", fin: false }),
      clientFrame({ opcode: Opcode.PING, payload: "p" }),
      clientFrame({ opcode: Opcode.CONTINUATION, payload: "!" }),
      clientFrame({ opcode: Opcode.BINARY, payload: new Uint8Array(200) }),
      clientFrame({ opcode: Opcode.CLOSE, payload: [0x03, 0xe8] }),
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(valid.length),
        (mutations, cut) => {
          const input = valid.slice();
          for (const [at, value] of mutations) input[at] = value;
          const r = feed(
            server({ maxMessageBytes: 1024 }),
            input.subarray(0, cut),
            input.subarray(cut),
          );
          for (const e of r.events)
            if (e.type === "text")
              assert.equal(e.data, new TextDecoder("utf-8", { fatal: true }).decode(bytes(e.data)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a large text frame in small pieces is validated as it comes, before its buffer exists", () => {
    const length = 256 * 1024;
    const textFrame = (payload: Uint8Array) =>
      clientFrame({ opcode: Opcode.TEXT, payload: payload as unknown as string });
    // Valid: "é" (2 bytes) repeated, cut into 1000-byte reads (splitting code points).
    const valid = new Uint8Array(length);
    for (let i = 0; i < length; i += 2) valid.set([0xc3, 0xa9], i);
    const wire = textFrame(valid);
    const p = server({ maxMessageBytes: 2 ** 20 });
    for (let at = 0; at < wire.length; at += 1000) p.receiveData(wire.slice(at, at + 1000));
    const event = p.takeEvents()[0];
    assert.ok(event?.type === "text");
    assert.equal(event.data, "é".repeat(length / 2));
    // Invalid in the first kilobyte: failed there, long before the rest comes.
    const invalid = valid.slice();
    invalid[500] = 0xff;
    const q = server({ maxMessageBytes: 2 ** 20 });
    const bad = textFrame(invalid);
    q.receiveData(bad.slice(0, 1000));
    assert.equal(q.state, "closing");
    const close = parseFrames(concat(q.takeOutput().chunks))[0]!;
    assert.equal(close.opcode, Opcode.CLOSE);
    assert.equal((close.payload[0]! << 8) | close.payload[1]!, 1007);
  });

  it("a header announcing a large frame holds only the bytes that came (10.7)", () => {
    // 200 connections, each sent the header of a 1 MiB frame and 3 bytes of it:
    // announcing costs a peer 17 bytes; it must not cost the receiver 1 MiB.
    const header = [0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 0x11, 0x22, 0x33, 0x44, 1, 2, 3];
    const before = process.memoryUsage().arrayBuffers;
    const protocols = Array.from({ length: 200 }, () => {
      const p = server({ maxMessageBytes: 2 ** 20 });
      p.receiveData(Uint8Array.from(header));
      return p;
    });
    const held = process.memoryUsage().arrayBuffers - before;
    assert.ok(held < 10 * 2 ** 20, `${held} bytes of buffers held for 200 frames of 3 bytes`);
    // And the frame still completes when the rest arrives, unmasked at the right phase.
    const p = protocols[0]!;
    const rest = new Uint8Array(2 ** 20 - 3);
    const key = [0x11, 0x22, 0x33, 0x44];
    for (let i = 0; i < rest.length; i++) rest[i] = ((i + 3) & 0xff) ^ key[(i + 3) & 3]!;
    for (let at = 0; at < rest.length; at += 65536) p.receiveData(rest.subarray(at, at + 65536));
    const event = p.takeEvents()[0];
    assert.ok(event?.type === "binary");
    assert.equal(event.data.length, 2 ** 20);
    assert.deepEqual([...event.data.subarray(0, 8)], [1 ^ 0x11, 2 ^ 0x22, 3 ^ 0x33, 3, 4, 5, 6, 7]);
    assert.ok(event.data.every((byte, i) => i < 3 || byte === (i & 0xff)));
  });
});

describe("Protocol: autoPong and sending past the extensions", () => {
  it("autoPong false leaves pings unanswered; sendPong answers", () => {
    const p = server();
    assert.equal(p.autoPong, true);
    p.autoPong = false;
    const r = feed(p, clientFrame({ opcode: Opcode.PING, payload: "x" }));
    assert.deepEqual(r.events, [{ type: "ping", data: bytes("x") }]);
    assert.equal(r.output.length, 0);
    p.sendPong("x");
    assert.deepEqual(
      drain(p).frames.map((f) => [f.opcode, text(f.payload)]),
      [[Opcode.PONG, "x"]],
    );
    p.autoPong = true;
    const again = feed(p, clientFrame({ opcode: Opcode.PING, payload: "y" }));
    assert.deepEqual(
      again.frames.map((f) => [f.opcode, text(f.payload)]),
      [[Opcode.PONG, "y"]],
    );
  });

  it("compress false sends a message as is, RSV clear, its continuation frames too", () => {
    const p = new Protocol("server", { extensions: [xorExtension()] });
    p.sendText("raw", true, false);
    p.sendBinary(bytes("ab"), false, false);
    p.sendContinuation(bytes("c"), true);
    p.sendText("x");
    assert.deepEqual(
      drain(p).frames.map((f) => [f.opcode, f.rsv, text(f.payload)]),
      [
        [Opcode.TEXT, 0, "raw"],
        [Opcode.BINARY, 0, "ab"],
        [Opcode.CONTINUATION, 0, "c"],
        [Opcode.TEXT, 4, String.fromCharCode(0x78 ^ 0x55)],
      ],
    );
  });
});
