/**
 * Every bad input of H2-SPEC.md, bytes in -> events and frames out, each fed
 * whole, split at every position and byte by byte (runSplit).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Http2ErrorCode as E,
  type HeaderField,
  HpackDecoder,
  Http2Session,
} from "../../../src/core/http2/index.js";
import {
  CONNECT_WS,
  codeOf,
  concat,
  F,
  frame,
  GET,
  literalBlock,
  type Outcome,
  openClient,
  openServer,
  outputFrames,
  type ParsedFrame,
  PREFACE,
  run,
  runSplit,
  settingsPayload,
  T,
  u32,
} from "./wire.js";

const headers = (id: number, fields: readonly HeaderField[] = GET, flags: number = F.END_HEADERS) =>
  frame(T.HEADERS, flags, id, literalBlock(fields));

/** The GOAWAY in an outcome (asserts there is one) and the error event's message. */
function goaway(o: Outcome): { code: number; message: string; lastStreamId: number } {
  const f = o.frames.find((x) => x.type === T.GOAWAY);
  assert.ok(f, `no GOAWAY in ${JSON.stringify(o.frames.map((x) => x.type))}`);
  const error = o.events.find((e) => (e as { type: string }).type === "error") as
    | { message: string; code: number; peer: boolean }
    | undefined;
  assert.ok(error, "no error event");
  assert.equal(error.code, codeOf(f));
  assert.equal(error.peer, true);
  assert.match(error.message, /^Cannot .*\(peer's fault\)$/);
  assert.equal(o.closeTransport, true);
  const p = f.payload;
  return {
    code: codeOf(f),
    message: error.message,
    lastStreamId: ((p[0]! & 0x7f) << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!,
  };
}

function rsts(o: Outcome): { id: number; code: number }[] {
  return o.frames
    .filter((f: ParsedFrame) => f.type === T.RST_STREAM)
    .map((f) => ({ id: f.streamId, code: codeOf(f) }));
}

const server = () => openServer();
const fresh = () => new Http2Session({ role: "server" });

describe("Http2Session bad input: the preface and the first frame (RFC 9113 3.4)", () => {
  it("a bad client preface is a PROTOCOL_ERROR", () => {
    const bad = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const o = runSplit(fresh, bad);
    const g = goaway(o);
    assert.equal(g.code, E.PROTOCOL_ERROR);
    assert.match(g.message, /^Cannot read connection preface: octet 0 is 0x47/);
  });

  it("a preface wrong in its last octet", () => {
    const bad = PREFACE.slice();
    bad[23] = 0x41;
    assert.match(goaway(runSplit(fresh, bad)).message, /octet 23 is 0x41/);
  });

  it("a first frame other than SETTINGS is a PROTOCOL_ERROR", () => {
    const o = runSplit(fresh, concat(PREFACE, frame(T.PING, 0, 0, new Uint8Array(8))));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /PING before the peer's SETTINGS/);
  });

  it("a client given an HTTP/1.1 answer says the peer does not speak HTTP/2", () => {
    const make = () => new Http2Session({ role: "client" });
    const o = runSplit(make, new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /first frame is not SETTINGS \(it does not speak HTTP\/2\)/);
  });

  it("a client gets the same rule from a server", () => {
    const make = () => new Http2Session({ role: "client" });
    const o = runSplit(make, frame(T.WINDOW_UPDATE, 0, 0, u32(1)));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
  });
});

describe("Http2Session bad input: the frame layer (RFC 9113 4, 6)", () => {
  it("a frame over our max frame size is a FRAME_SIZE_ERROR, before its payload comes", () => {
    const head = frame(T.DATA, 0, 1).slice(0, 9);
    head[1] = 0x40;
    head[2] = 0x01; // 16385
    const o = runSplit(server, head);
    const g = goaway(o);
    assert.equal(g.code, E.FRAME_SIZE_ERROR);
    assert.match(g.message, /DATA of 16385 bytes is over our maximum frame size 16384/);
  });

  for (const [name, type, payload] of [
    ["DATA", T.DATA, [1]],
    ["HEADERS", T.HEADERS, []],
    ["PRIORITY", T.PRIORITY, [0, 0, 0, 0, 0]],
    ["RST_STREAM", T.RST_STREAM, u32(8)],
    ["CONTINUATION", T.CONTINUATION, []],
  ] as const) {
    it(`${name} on stream 0 is a PROTOCOL_ERROR`, () => {
      const flags = type === T.HEADERS ? F.END_HEADERS : 0;
      const o = runSplit(server, frame(type, flags, 0, payload));
      assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    });
  }

  for (const [name, type, payload] of [
    ["SETTINGS", T.SETTINGS, []],
    ["PING", T.PING, new Array(8).fill(0)],
    ["GOAWAY", T.GOAWAY, [...u32(0), ...u32(0)]],
  ] as const) {
    it(`${name} on a stream is a PROTOCOL_ERROR`, () => {
      const o = runSplit(server, frame(type, 0, 1, payload));
      assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
      assert.match(goaway(o).message, new RegExp(`${name} on stream 1`));
    });
  }

  for (const [name, type, length] of [
    ["PING", T.PING, 7],
    ["RST_STREAM", T.RST_STREAM, 3],
    ["WINDOW_UPDATE", T.WINDOW_UPDATE, 5],
    ["GOAWAY", T.GOAWAY, 7],
    ["SETTINGS", T.SETTINGS, 5],
  ] as const) {
    it(`${name} of ${length} bytes is a FRAME_SIZE_ERROR`, () => {
      const id = type === T.RST_STREAM ? 1 : 0;
      const o = runSplit(server, concat(headers(1), frame(type, 0, id, new Array(length).fill(0))));
      assert.equal(goaway(o).code, E.FRAME_SIZE_ERROR);
    });
  }

  it("SETTINGS ACK with a payload is a FRAME_SIZE_ERROR", () => {
    const o = runSplit(server, frame(T.SETTINGS, F.ACK, 0, settingsPayload([[1, 0]])));
    assert.equal(goaway(o).code, E.FRAME_SIZE_ERROR);
  });

  it("unknown frame types are ignored, also with a stream id or flags", () => {
    const o = runSplit(server, concat(frame(0x20, 0xff, 0, [1, 2, 3]), frame(0xfa, 0, 7, [])));
    assert.deepEqual(o.events, []);
    assert.deepEqual(o.frames, []);
  });

  it("PRIORITY is ignored, also on an idle stream, which it does not open", () => {
    const o = runSplit(server, concat(frame(T.PRIORITY, 0, 3, [0, 0, 0, 1, 16]), headers(1)));
    assert.deepEqual(
      o.events.map((e) => (e as { type: string }).type),
      ["headers"],
    );
    assert.deepEqual(o.frames, []);
  });

  it("PRIORITY of 4 bytes is a stream error FRAME_SIZE_ERROR", () => {
    const o = runSplit(server, concat(headers(1), frame(T.PRIORITY, 0, 1, [0, 0, 0, 0])));
    assert.deepEqual(rsts(o), [{ id: 1, code: E.FRAME_SIZE_ERROR }]);
    assert.deepEqual(o.events.at(-1), {
      type: "reset",
      streamId: 1,
      code: E.FRAME_SIZE_ERROR,
      local: true,
      error: {
        code: E.FRAME_SIZE_ERROR,
        message: "Cannot accept frame: PRIORITY of 4 bytes on stream 1, not 5 (peer's fault)",
      },
    });
  });

  it("a stream that depends on itself is a stream error PROTOCOL_ERROR", () => {
    const o = runSplit(server, concat(headers(1), frame(T.PRIORITY, 0, 1, [0, 0, 0, 1, 0])));
    assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    const block = literalBlock(GET);
    const h = frame(
      T.HEADERS,
      F.END_HEADERS | F.PRIORITY,
      3,
      concat(Uint8Array.of(0, 0, 0, 3, 0), block),
    );
    const o2 = runSplit(server, h);
    assert.deepEqual(rsts(o2), [{ id: 3, code: E.PROTOCOL_ERROR }]);
    assert.deepEqual(o2.events, []);
  });

  it("padding as long as the payload is a PROTOCOL_ERROR (DATA and HEADERS)", () => {
    const d = runSplit(server, concat(headers(1), frame(T.DATA, F.PADDED, 1, [3, 1, 2])));
    assert.equal(goaway(d).code, E.PROTOCOL_ERROR);
    assert.match(goaway(d).message, /padding of 3 bytes is past the payload of 3/);
    const h = runSplit(server, frame(T.HEADERS, F.PADDED | F.END_HEADERS, 1, [1]));
    assert.equal(goaway(h).code, E.PROTOCOL_ERROR);
    const empty = runSplit(server, concat(headers(1), frame(T.DATA, F.PADDED, 1, [])));
    assert.equal(goaway(empty).code, E.PROTOCOL_ERROR);
  });

  it("padding is cut off DATA and HEADERS and counted as consumed", () => {
    const block = literalBlock(GET);
    const o = runSplit(
      server,
      concat(
        frame(
          T.HEADERS,
          F.PADDED | F.END_HEADERS,
          1,
          concat(Uint8Array.of(2), block, Uint8Array.of(0, 0)),
        ),
        frame(T.DATA, F.PADDED, 1, [3, 7, 8, 0, 0, 0]),
      ),
    );
    assert.deepEqual(o.events, [
      { type: "headers", streamId: 1, fields: GET, endStream: false },
      { type: "data", streamId: 1, data: [7, 8], endStream: false },
    ]);
  });

  it("PUSH_PROMISE is a PROTOCOL_ERROR (we never enable push)", () => {
    const make = () => {
      const c = openClient();
      c.request(GET);
      c.takeOutput();
      return c;
    };
    const o = runSplit(
      make,
      frame(T.PUSH_PROMISE, F.END_HEADERS, 1, [...u32(2), ...literalBlock(GET)]),
    );
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /push is not enabled/);
  });
});

describe("Http2Session bad input: stream ids and states (RFC 9113 5.1)", () => {
  it("an even client stream id is a PROTOCOL_ERROR", () => {
    const o = runSplit(server, headers(2));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /HEADERS on stream 2, an even id a client cannot open/);
  });

  it("a decreasing client stream id is a PROTOCOL_ERROR", () => {
    const o = runSplit(server, concat(headers(5), headers(3)));
    const g = goaway(o);
    assert.equal(g.code, E.PROTOCOL_ERROR);
    assert.equal(g.lastStreamId, 5);
    assert.match(g.message, /HEADERS on stream 3, not above the last stream opened \(5\)/);
  });

  it("HEADERS on a closed stream is a connection error STREAM_CLOSED", () => {
    const make = () => {
      const s = openServer();
      s.receiveData(headers(1, GET, F.END_HEADERS | F.END_STREAM));
      s.respond(1, [[":status", "200"]], true);
      s.takeEvents();
      s.takeOutput();
      return s;
    };
    const o = runSplit(make, headers(1, GET, F.END_HEADERS | F.END_STREAM));
    assert.equal(goaway(o).code, E.STREAM_CLOSED);
    assert.match(goaway(o).message, /HEADERS on closed stream 1/);
  });

  it("DATA on an idle stream is a PROTOCOL_ERROR", () => {
    const o = runSplit(server, frame(T.DATA, 0, 5, [1]));
    assert.equal(goaway(o).message, "Cannot accept frame: DATA on idle stream 5 (peer's fault)");
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
  });

  it("WINDOW_UPDATE and RST_STREAM on an idle stream are a PROTOCOL_ERROR", () => {
    assert.equal(
      goaway(runSplit(server, frame(T.WINDOW_UPDATE, 0, 3, u32(1)))).code,
      E.PROTOCOL_ERROR,
    );
    assert.equal(
      goaway(runSplit(server, frame(T.RST_STREAM, 0, 3, u32(8)))).code,
      E.PROTOCOL_ERROR,
    );
  });

  it("DATA on a half-closed (remote) stream is a stream error STREAM_CLOSED", () => {
    const o = runSplit(
      server,
      concat(headers(1, GET, F.END_HEADERS | F.END_STREAM), frame(T.DATA, 0, 1, [1])),
    );
    assert.deepEqual(rsts(o), [{ id: 1, code: E.STREAM_CLOSED }]);
    assert.deepEqual(o.events.at(-1), {
      type: "reset",
      streamId: 1,
      code: E.STREAM_CLOSED,
      local: true,
      error: {
        code: E.STREAM_CLOSED,
        message: "Cannot accept frame: DATA on half-closed (remote) stream 1 (peer's fault)",
      },
    });
  });

  it("DATA on a stream both sides ended is a connection error STREAM_CLOSED", () => {
    const make = () => {
      const s = openServer();
      s.receiveData(headers(1, GET, F.END_HEADERS | F.END_STREAM));
      s.respond(1, [[":status", "200"]], true);
      s.takeEvents();
      s.takeOutput();
      return s;
    };
    const o = runSplit(make, frame(T.DATA, 0, 1, [1]));
    assert.equal(goaway(o).code, E.STREAM_CLOSED);
    assert.match(goaway(o).message, /DATA on closed stream 1/);
  });

  it("DATA or HEADERS after the peer's RST_STREAM are answered with RST_STREAM STREAM_CLOSED", () => {
    const make = () => {
      const s = openServer();
      s.receiveData(concat(headers(1), frame(T.RST_STREAM, 0, 1, u32(E.CANCEL))));
      s.takeEvents();
      s.takeOutput();
      return s;
    };
    const d = runSplit(make, frame(T.DATA, 0, 1, [1]));
    assert.deepEqual(rsts(d), [{ id: 1, code: E.STREAM_CLOSED }]);
    assert.deepEqual(d.events, []);
    const h = runSplit(make, headers(1, [["x", "1"]], F.END_HEADERS | F.END_STREAM));
    assert.deepEqual(rsts(h), [{ id: 1, code: E.STREAM_CLOSED }]);
    // Then the stream counts as reset by us: what follows is ignored.
    const twice = run(make, [frame(T.DATA, 0, 1, [1]), frame(T.DATA, 0, 1, [1])]);
    assert.deepEqual(rsts(twice), [{ id: 1, code: E.STREAM_CLOSED }]);
  });

  it("DATA on a stream closed long ago (forgotten) is answered with RST_STREAM STREAM_CLOSED", () => {
    const make = () => {
      const s = openServer();
      for (let id = 1; id < 200; id += 2) {
        s.receiveData(headers(id, GET, F.END_HEADERS | F.END_STREAM));
        s.respond(id, [[":status", "200"]], true);
      }
      s.takeEvents();
      s.takeOutput();
      return s;
    };
    const o = runSplit(make, frame(T.DATA, 0, 1, [1]));
    assert.deepEqual(rsts(o), [{ id: 1, code: E.STREAM_CLOSED }]);
  });

  it("frames in flight on a stream we reset are ignored (HEADERS still decoded)", () => {
    const make = () => {
      const s = openServer();
      s.receiveData(headers(1));
      s.reset(1);
      s.takeEvents();
      s.takeOutput();
      return s;
    };
    const o = runSplit(
      make,
      concat(
        frame(T.DATA, 0, 1, [1, 2]),
        frame(T.WINDOW_UPDATE, 0, 1, u32(10)),
        headers(1, [["x-trailer", "1"]], F.END_HEADERS | F.END_STREAM),
        frame(T.RST_STREAM, 0, 1, u32(8)),
      ),
    );
    assert.deepEqual(o.events, []);
    assert.deepEqual(o.frames, []);
  });

  it("HEADERS on an idle stream of ours is a PROTOCOL_ERROR (client)", () => {
    const o = runSplit(() => openClient(), headers(1, [[":status", "200"]]));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    const o2 = runSplit(() => openClient(), headers(2, [[":status", "200"]]));
    assert.match(goaway(o2).message, /a server cannot open streams/);
  });
});

describe("Http2Session bad input: header blocks (RFC 9113 6.2, 6.10, 4.3)", () => {
  const block = literalBlock(CONNECT_WS);
  const a = block.subarray(0, 10);
  const b = block.subarray(10, 30);
  const c = block.subarray(30);

  it("HEADERS + CONTINUATIONs make one block", () => {
    const o = runSplit(
      server,
      concat(
        frame(T.HEADERS, 0, 1, a),
        frame(T.CONTINUATION, 0, 1, b),
        frame(T.CONTINUATION, F.END_HEADERS, 1, c),
      ),
    );
    assert.deepEqual(o.events, [
      { type: "headers", streamId: 1, fields: CONNECT_WS, endStream: false },
    ]);
  });

  it("CONTINUATION without a header block is a PROTOCOL_ERROR", () => {
    const o = runSplit(server, frame(T.CONTINUATION, F.END_HEADERS, 1, b));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
  });

  it("another frame inside a header block is a PROTOCOL_ERROR", () => {
    const o = runSplit(
      server,
      concat(frame(T.HEADERS, 0, 1, a), frame(T.PING, 0, 0, new Uint8Array(8))),
    );
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /PING on stream 0 inside the header block of stream 1/);
    const unknown = runSplit(server, concat(frame(T.HEADERS, 0, 1, a), frame(0x30, 0, 0, [])));
    assert.equal(goaway(unknown).code, E.PROTOCOL_ERROR);
  });

  it("CONTINUATION on another stream is a PROTOCOL_ERROR", () => {
    const o = runSplit(
      server,
      concat(frame(T.HEADERS, 0, 1, a), frame(T.CONTINUATION, F.END_HEADERS, 3, b)),
    );
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
  });

  it("more CONTINUATIONs than allowed, even empty ones, is ENHANCE_YOUR_CALM (2024 flood)", () => {
    const flood = concat(
      frame(T.HEADERS, 0, 1, a),
      ...Array.from({ length: 129 }, () => frame(T.CONTINUATION, 0, 1)),
    );
    const o = run(server, [flood]);
    assert.equal(goaway(o).code, E.ENHANCE_YOUR_CALM);
    const ok = run(server, [
      concat(
        frame(T.HEADERS, 0, 1, a),
        ...Array.from({ length: 127 }, () => frame(T.CONTINUATION, 0, 1)),
        frame(T.CONTINUATION, F.END_HEADERS, 1, concat(b, c)),
      ),
    ]);
    assert.equal(ok.events.length, 1);
  });

  it("a block over twice maxHeaderListSize is ENHANCE_YOUR_CALM, with bounded memory", () => {
    const make = () => openServer({ settings: { maxHeaderListSize: 4096 } });
    const parts = [frame(T.HEADERS, 0, 1, new Uint8Array(16384))];
    const o = run(make, parts);
    assert.equal(goaway(o).code, E.ENHANCE_YOUR_CALM);
    const parts2 = [
      frame(T.HEADERS, 0, 1, new Uint8Array(8000)),
      frame(T.CONTINUATION, 0, 1, new Uint8Array(200)),
    ];
    assert.match(goaway(run(make, parts2)).message, /header block on stream 1 is over 8192 bytes/);
  });

  it("a header list over maxHeaderListSize refuses the stream, the session goes on", () => {
    const big = literalBlock([...GET, ["x-big", "x".repeat(17000)]]);
    const o = run(
      () => openServer({ settings: { maxFrameSize: 65536 } }),
      [frame(T.HEADERS, F.END_HEADERS, 1, big), headers(3)],
    );
    assert.deepEqual(rsts(o), [{ id: 1, code: E.REFUSED_STREAM }]);
    assert.deepEqual(
      o.events.map((e) => (e as { streamId: number }).streamId),
      [3],
    );
  });

  it("a header block HPACK cannot decode is a COMPRESSION_ERROR", () => {
    const o = runSplit(
      server,
      frame(T.HEADERS, F.END_HEADERS, 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    );
    assert.equal(goaway(o).code, E.COMPRESSION_ERROR);
    const o2 = runSplit(server, frame(T.HEADERS, F.END_HEADERS, 1, [0x80]));
    assert.equal(goaway(o2).code, E.COMPRESSION_ERROR);
  });
});

describe("Http2Session bad input: malformed requests (RFC 9113 8.1.1, 8.2, 8.3; RFC 8441 4)", () => {
  const cases: [string, HeaderField[]][] = [
    ["an upper-case name", [...GET, ["X-Foo", "1"]]],
    ["connection", [...GET, ["connection", "close"]]],
    ["keep-alive", [...GET, ["keep-alive", "5"]]],
    ["transfer-encoding", [...GET, ["transfer-encoding", "chunked"]]],
    ["upgrade", [...GET, ["upgrade", "websocket"]]],
    ["proxy-connection", [...GET, ["proxy-connection", "x"]]],
    ["te other than trailers", [...GET, ["te", "gzip"]]],
    ["a pseudo-header after a regular one", [GET[0]!, ["x", "1"], ...GET.slice(1)]],
    ["a duplicate pseudo-header", [...GET.slice(0, 4), [":path", "/2"]]],
    ["an unknown pseudo-header", [[":foo", "1"], ...GET]],
    ["a response pseudo-header", [[":status", "200"], ...GET]],
    ["no :method", GET.slice(1)],
    ["no :scheme", GET.filter(([n]) => n !== ":scheme")],
    ["no :path", GET.filter(([n]) => n !== ":path")],
    ["an empty :path", [...GET.slice(0, 3), [":path", ""]]],
    ["extended CONNECT without :authority", CONNECT_WS.filter(([n]) => n !== ":authority")],
    ["extended CONNECT without :path", CONNECT_WS.filter(([n]) => n !== ":path")],
    [":protocol on GET", [...GET, [":protocol", "websocket"]]],
    [
      "plain CONNECT with :path",
      [
        [":method", "CONNECT"],
        [":authority", "a:1"],
        [":path", "/"],
      ],
    ],
    ["a value with CR LF", [...GET, ["x", "a\r\nb"]]],
    ["a value with leading space", [...GET, ["x", " a"]]],
    ["a name with a space", [...GET, ["x y", "1"]]],
    ["an empty name", [...GET, ["", "1"]]],
  ];
  for (const [what, fields] of cases) {
    it(`${what}: the stream is reset with PROTOCOL_ERROR, no event`, () => {
      const o = runSplit(server, concat(headers(1, fields), headers(3)));
      assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
      assert.deepEqual(
        o.events.map((e) => (e as { streamId: number }).streamId),
        [3],
      );
    });
  }

  it(":protocol when we did not enable extended CONNECT is malformed (RFC 8441 3)", () => {
    const o = run(
      () => openServer({ settings: { enableConnectProtocol: false } }),
      [headers(1, CONNECT_WS)],
    );
    assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
  });

  it("te: trailers, plain CONNECT and obs-text values are fine", () => {
    const o = run(server, [
      headers(1, [...GET, ["te", "trailers"], ["x", "caf\xe9"]]),
      headers(3, [
        [":method", "CONNECT"],
        [":authority", "a:443"],
      ]),
    ]);
    assert.equal(o.events.length, 2);
    assert.deepEqual(o.frames, []);
  });

  it("trailers without END_STREAM or with pseudo-headers are malformed", () => {
    const o = run(server, [headers(1), headers(1, [["x", "1"]])]);
    assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    const o2 = run(server, [
      headers(1),
      headers(1, [[":path", "/"]], F.END_HEADERS | F.END_STREAM),
    ]);
    assert.deepEqual(rsts(o2), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    const ok = run(server, [headers(1), headers(1, [["x", "1"]], F.END_HEADERS | F.END_STREAM)]);
    assert.deepEqual(ok.events.at(-1), {
      type: "headers",
      streamId: 1,
      fields: [["x", "1"]],
      endStream: true,
    });
  });
});

describe("Http2Session bad input: malformed responses (RFC 9113 8.3.2, 8.6)", () => {
  const client = () => {
    const c = openClient();
    c.request(GET);
    c.takeOutput();
    return c;
  };
  for (const [what, fields, flags] of [
    ["no :status", [["x", "1"]], F.END_HEADERS],
    ["101", [[":status", "101"]], F.END_HEADERS],
    ["a 2-digit :status", [[":status", "20"]], F.END_HEADERS],
    [
      "a request pseudo-header",
      [
        [":status", "200"],
        [":path", "/"],
      ],
      F.END_HEADERS,
    ],
    ["1xx with END_STREAM", [[":status", "103"]], F.END_HEADERS | F.END_STREAM],
  ] as [string, [string, string][], number][]) {
    it(`${what}: the stream is reset with PROTOCOL_ERROR`, () => {
      const o = runSplit(client, headers(1, fields, flags));
      assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
      assert.equal((o.events[0] as { type: string }).type, "reset");
    });
  }

  it("DATA before the response head is a stream error PROTOCOL_ERROR", () => {
    const o = runSplit(client, frame(T.DATA, 0, 1, [1]));
    assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
  });

  it("1xx heads come before the final one", () => {
    const o = runSplit(
      client,
      concat(
        headers(1, [
          [":status", "103"],
          ["link", "</a>"],
        ]),
        headers(1, [[":status", "200"]]),
      ),
    );
    assert.deepEqual(
      o.events.map((e) => (e as { type: string }).type),
      ["headers", "headers"],
    );
    assert.deepEqual(o.frames, []);
  });
});

describe("Http2Session bad input: SETTINGS (RFC 9113 6.5.2, RFC 8441 3)", () => {
  for (const [what, pairs, code] of [
    ["ENABLE_PUSH 2", [[2, 2]], E.PROTOCOL_ERROR],
    ["INITIAL_WINDOW_SIZE 2^31", [[4, 0x80000000]], E.FLOW_CONTROL_ERROR],
    ["MAX_FRAME_SIZE 16383", [[5, 16383]], E.PROTOCOL_ERROR],
    ["MAX_FRAME_SIZE 2^24", [[5, 0x1000000]], E.PROTOCOL_ERROR],
    ["ENABLE_CONNECT_PROTOCOL 2", [[8, 2]], E.PROTOCOL_ERROR],
  ] as [string, [number, number][], number][]) {
    it(`${what} is a connection error ${code}`, () => {
      const o = runSplit(server, frame(T.SETTINGS, 0, 0, settingsPayload(pairs)));
      assert.equal(goaway(o).code, code);
      assert.match(goaway(o).message, /^Cannot apply SETTINGS: /);
    });
  }

  it("a server's ENABLE_PUSH 1 is a PROTOCOL_ERROR (RFC 9113 8.4)", () => {
    const o = runSplit(() => openClient(), frame(T.SETTINGS, 0, 0, settingsPayload([[2, 1]])));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
  });

  it("ENABLE_CONNECT_PROTOCOL going from 1 to 0 is a PROTOCOL_ERROR (RFC 8441 3)", () => {
    const o = runSplit(() => openClient(), frame(T.SETTINGS, 0, 0, settingsPayload([[8, 0]])));
    assert.equal(goaway(o).code, E.PROTOCOL_ERROR);
    assert.match(goaway(o).message, /went from 1 to 0/);
  });

  it("unknown settings are ignored; the last value of a setting wins", () => {
    const make = () => new Http2Session({ role: "client" });
    const o = runSplit(
      make,
      frame(
        T.SETTINGS,
        0,
        0,
        settingsPayload([
          [0x99, 7],
          [3, 5],
          [3, 9],
        ]),
      ),
    );
    const settings = o.events[0] as { type: string; settings: { maxConcurrentStreams: number } };
    assert.equal(settings.type, "settings");
    assert.equal(settings.settings.maxConcurrentStreams, 9);
    assert.ok(o.frames.some((f) => f.type === T.SETTINGS && f.flags === F.ACK));
  });

  it("a larger INITIAL_WINDOW_SIZE taking a window past 2^31-1 is a FLOW_CONTROL_ERROR", () => {
    const make = () => {
      const c = openClient();
      const id = c.request(GET);
      c.receiveData(frame(T.WINDOW_UPDATE, 0, id, u32(0x7fffffff - 65535)));
      c.takeOutput();
      c.takeEvents();
      return c;
    };
    const o = runSplit(make, frame(T.SETTINGS, 0, 0, settingsPayload([[4, 65536]])));
    assert.equal(goaway(o).code, E.FLOW_CONTROL_ERROR);
  });
});

describe("Http2Session bad input: flow control (RFC 9113 6.9)", () => {
  it("WINDOW_UPDATE of 0 on a stream is a stream error, on the connection a connection error", () => {
    const s = runSplit(server, concat(headers(1), frame(T.WINDOW_UPDATE, 0, 1, u32(0))));
    assert.deepEqual(rsts(s), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    const c = runSplit(server, frame(T.WINDOW_UPDATE, 0, 0, u32(0)));
    assert.equal(goaway(c).code, E.PROTOCOL_ERROR);
  });

  it("WINDOW_UPDATE past 2^31-1 is a FLOW_CONTROL_ERROR (stream or connection)", () => {
    const s = runSplit(server, concat(headers(1), frame(T.WINDOW_UPDATE, 0, 1, u32(0x7fffffff))));
    assert.deepEqual(rsts(s), [{ id: 1, code: E.FLOW_CONTROL_ERROR }]);
    const c = runSplit(server, frame(T.WINDOW_UPDATE, 0, 0, u32(0x7fffffff)));
    assert.equal(goaway(c).code, E.FLOW_CONTROL_ERROR);
  });

  it("DATA past a stream's window is a stream error FLOW_CONTROL_ERROR", () => {
    const data = Array.from({ length: 5 }, () => frame(T.DATA, 0, 1, new Uint8Array(16384)));
    const o = run(server, [headers(1), ...data]);
    assert.deepEqual(rsts(o), [{ id: 1, code: E.FLOW_CONTROL_ERROR }]);
    assert.equal(o.events.filter((e) => (e as { type: string }).type === "data").length, 3);
  });

  it("DATA past the connection window is a connection error FLOW_CONTROL_ERROR", () => {
    const make = () =>
      openServer({ connectionWindowBytes: 65535, settings: { maxFrameSize: 70000 } });
    const o = run(make, [headers(1), frame(T.DATA, 0, 1, new Uint8Array(65536))]);
    assert.equal(goaway(o).code, E.FLOW_CONTROL_ERROR);
    assert.match(goaway(o).message, /past the connection window/);
  });

  it("the connection window is returned as DATA arrives, whether or not it is consumed", () => {
    const make = () => openServer({ connectionWindowBytes: 65535 });
    const o = run(make, [
      headers(1),
      frame(T.DATA, 0, 1, new Uint8Array(16384)),
      frame(T.DATA, 0, 1, new Uint8Array(16384)),
    ]);
    assert.deepEqual(
      o.frames.map((f) => [f.type, f.streamId, [...f.payload]]),
      [[T.WINDOW_UPDATE, 0, u32(32768)]],
    );
  });

  it("DATA on a stream we reset still counts against the connection window", () => {
    const make = () => {
      const s = openServer({ connectionWindowBytes: 65535 });
      s.receiveData(headers(1));
      s.reset(1);
      s.takeOutput();
      s.takeEvents();
      return s;
    };
    const o = run(make, [
      frame(T.DATA, 0, 1, new Uint8Array(16384)),
      frame(T.DATA, 0, 1, new Uint8Array(16384)),
    ]);
    assert.deepEqual(
      o.frames.map((f) => f.type),
      [T.WINDOW_UPDATE],
    );
  });
});

describe("Http2Session bad input: floods and rapid reset (calm.ts)", () => {
  it("streams past maxConcurrentStreams are refused; a peer that keeps on gets ENHANCE_YOUR_CALM", () => {
    const make = () => openServer({ settings: { maxConcurrentStreams: 2 } });
    const o = run(make, [headers(1), headers(3), headers(5)]);
    assert.deepEqual(rsts(o), [{ id: 5, code: E.REFUSED_STREAM }]);
    assert.equal(o.events.length, 2);
    const flood = Array.from({ length: 1003 }, (_, i) => headers(1 + 2 * i));
    const f = run(make, flood);
    assert.equal(goaway(f).code, E.ENHANCE_YOUR_CALM);
    assert.equal(rsts(f).length, 1001);
    assert.match(goaway(f).message, /1001 streams reset before an answer or refused/);
  });

  it("rapid reset: 1000 streams reset before an answer are free, the next one ends the session", () => {
    const cycle = (id: number) => [headers(id), frame(T.RST_STREAM, 0, id, u32(E.CANCEL))];
    const ok = run(server, Array.from({ length: 1000 }, (_, i) => cycle(1 + 2 * i)).flat());
    assert.deepEqual(ok.frames, []);
    const bad = run(server, Array.from({ length: 1001 }, (_, i) => cycle(1 + 2 * i)).flat());
    assert.equal(goaway(bad).code, E.ENHANCE_YOUR_CALM);
    assert.match(goaway(bad).message, /rapid reset/);
  });

  it("rapid reset: answered streams earn budget; resets after the answer are not cheap", () => {
    const s = openServer();
    for (let i = 0; i < 1500; i++) {
      const id = 1 + 4 * i;
      s.receiveData(headers(id));
      s.respond(id, [[":status", "200"]]);
      s.receiveData(frame(T.RST_STREAM, 0, id, u32(E.CANCEL)));
      s.receiveData(headers(id + 2));
      s.receiveData(frame(T.RST_STREAM, 0, id + 2, u32(E.CANCEL)));
      s.takeOutput();
    }
    const events = s.takeEvents();
    assert.equal(
      events.some((e) => e.type === "error"),
      false,
    );
  });

  it("a PING flood whose ACKs are not taken gets ENHANCE_YOUR_CALM; taken ones never", () => {
    const ping = frame(T.PING, 0, 0, new Uint8Array(8));
    const o = run(
      server,
      Array.from({ length: 1001 }, () => ping),
    );
    assert.equal(goaway(o).code, E.ENHANCE_YOUR_CALM);
    const s = openServer();
    for (let i = 0; i < 5000; i++) {
      s.receiveData(ping);
      if (i % 500 === 0) s.takeOutput();
    }
    assert.equal(
      s.takeEvents().some((e) => e.type === "error"),
      false,
    );
  });

  it("a SETTINGS flood gets ENHANCE_YOUR_CALM too", () => {
    const o = run(
      server,
      Array.from({ length: 1001 }, () => frame(T.SETTINGS, 0, 0)),
    );
    assert.equal(goaway(o).code, E.ENHANCE_YOUR_CALM);
  });
});

describe("Http2Session: EOF", () => {
  it("EOF inside a frame is an error; open streams are reset with CANCEL, not local", () => {
    const s = openServer();
    s.receiveData(headers(1));
    s.takeEvents();
    s.receiveData(frame(T.DATA, 0, 1, [1, 2, 3]).subarray(0, 5));
    s.receiveEof();
    const events = s.takeEvents();
    assert.equal(events[0]?.type, "error");
    assert.deepEqual(events[1], { type: "reset", streamId: 1, code: E.CANCEL, local: false });
    assert.equal(s.takeOutput().closeTransport, true);
  });

  it("EOF between frames: only the resets", () => {
    const s = openServer();
    s.receiveData(headers(1));
    s.takeEvents();
    s.receiveEof();
    assert.deepEqual(s.takeEvents(), [
      { type: "reset", streamId: 1, code: E.CANCEL, local: false },
    ]);
  });
});

describe("Http2Session bad input: content-length (RFC 9113 8.1.1)", () => {
  const POST: HeaderField[] = [
    [":method", "POST"],
    [":scheme", "https"],
    [":authority", "a"],
    [":path", "/"],
  ];
  const withLength = (n: string): HeaderField[] => [...POST, ["content-length", n]];
  const kinds = (o: Outcome) => o.events.map((e) => (e as { type: string }).type);

  it("DATA that adds up to the content-length is fine", () => {
    const o = runSplit(
      server,
      concat(
        headers(1, withLength("3")),
        frame(T.DATA, 0, 1, [1]),
        frame(T.DATA, F.END_STREAM, 1, [2, 3]),
      ),
    );
    assert.deepEqual(kinds(o), ["headers", "data", "data"]);
    assert.deepEqual(o.frames, []);
  });

  for (const [what, bytes] of [
    ["DATA past it", concat(headers(1, withLength("3")), frame(T.DATA, 0, 1, [1, 2, 3, 4]))],
    [
      "DATA short of it",
      concat(headers(1, withLength("3")), frame(T.DATA, F.END_STREAM, 1, [1, 2])),
    ],
    [
      "trailers short of it",
      concat(
        headers(1, withLength("3")),
        frame(T.DATA, 0, 1, [1]),
        headers(1, [["x", "1"]], F.END_HEADERS | F.END_STREAM),
      ),
    ],
    ["a value that is no number", headers(1, withLength("3x"))],
    ["two values that differ", headers(1, [...withLength("3"), ["content-length", "4"]])],
    ["a length on a request that ended", headers(1, withLength("3"), F.END_HEADERS | F.END_STREAM)],
  ] as [string, Uint8Array][]) {
    it(`${what}: the stream is reset with PROTOCOL_ERROR`, () => {
      const o = runSplit(server, bytes);
      assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    });
  }

  it("content-length has no meaning on CONNECT, HEAD answers, 204 and 304", () => {
    const connect = run(server, [
      headers(1, [...CONNECT_WS, ["content-length", "5"]]),
      frame(T.DATA, 0, 1, new Uint8Array(10)),
    ]);
    assert.deepEqual(connect.frames, []);
    for (const [method, status] of [
      ["HEAD", "200"],
      ["GET", "204"],
      ["GET", "304"],
    ]) {
      const make = () => {
        const c = openClient();
        c.request([[":method", method!], ...GET.slice(1)], true);
        c.takeOutput();
        return c;
      };
      const o = run(make, [
        headers(
          1,
          [
            [":status", status!],
            ["content-length", "100"],
          ],
          F.END_HEADERS | F.END_STREAM,
        ),
      ]);
      assert.deepEqual(kinds(o), ["headers", "closed"], `${method} ${status}`);
    }
  });

  it("a client checks a response's DATA against its content-length", () => {
    const make = () => {
      const c = openClient();
      c.request(GET, true);
      c.takeOutput();
      return c;
    };
    const ok = runSplit(
      make,
      concat(
        headers(1, [
          [":status", "200"],
          ["content-length", "2"],
        ]),
        frame(T.DATA, F.END_STREAM, 1, [1, 2]),
      ),
    );
    assert.deepEqual(kinds(ok), ["headers", "data", "closed"]);
    const bad = runSplit(
      make,
      concat(
        headers(1, [
          [":status", "200"],
          ["content-length", "2"],
        ]),
        frame(T.DATA, F.END_STREAM, 1, [1, 2, 3]),
      ),
    );
    assert.deepEqual(rsts(bad), [{ id: 1, code: E.PROTOCOL_ERROR }]);
  });
});

describe("Http2Session: the rest of the edges", () => {
  it("HEADERS too short for its priority fields is a FRAME_SIZE_ERROR", () => {
    const o = runSplit(server, frame(T.HEADERS, F.END_HEADERS | F.PRIORITY, 1, [0, 0, 0]));
    assert.equal(goaway(o).code, E.FRAME_SIZE_ERROR);
  });

  it("HEADERS on a half-closed (remote) stream is a stream error STREAM_CLOSED", () => {
    const o = runSplit(
      server,
      concat(
        headers(1, GET, F.END_HEADERS | F.END_STREAM),
        headers(1, [["x", "1"]], F.END_HEADERS | F.END_STREAM),
      ),
    );
    assert.deepEqual(rsts(o), [{ id: 1, code: E.STREAM_CLOSED }]);
  });

  it("trailers over maxHeaderListSize or depending on their own stream reset the stream", () => {
    const big = literalBlock([["x", "y".repeat(17000)]]);
    const make = () => openServer({ settings: { maxFrameSize: 65536 } });
    const o = run(make, [headers(1), frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, big)]);
    assert.deepEqual(rsts(o), [{ id: 1, code: E.PROTOCOL_ERROR }]);
    const self = concat(Uint8Array.of(0, 0, 0, 1, 0), literalBlock([["x", "1"]]));
    const o2 = run(server, [
      headers(1),
      frame(T.HEADERS, F.END_HEADERS | F.END_STREAM | F.PRIORITY, 1, self),
    ]);
    assert.deepEqual(rsts(o2), [{ id: 1, code: E.PROTOCOL_ERROR }]);
  });

  it("PRIORITY of a bad length on a stream not open is answered with RST_STREAM alone", () => {
    const o = runSplit(server, frame(T.PRIORITY, 0, 9, [0, 0, 0, 1]));
    assert.deepEqual(rsts(o), [{ id: 9, code: E.FRAME_SIZE_ERROR }]);
    assert.deepEqual(o.events, []);
  });

  it("request() past the peer's maxConcurrentStreams throws (our fault)", () => {
    const client = new Http2Session({ role: "client" });
    client.receiveData(frame(T.SETTINGS, 0, 0, settingsPayload([[3, 1]])));
    client.request(GET);
    assert.throws(() => client.request(GET), /the peer allows 1 at once/);
    assert.throws(() => openServer().request(GET), /a server cannot request/);
    assert.throws(() => client.respond(1, []), /a client does not respond/);
  });

  it("bad options are the caller's fault", () => {
    assert.throws(
      () => new Http2Session({ role: "peer" as "client" }),
      /role peer is not client or server/,
    );
    assert.throws(
      () => new Http2Session({ role: "client", connectionWindowBytes: 1000 }),
      RangeError,
    );
    assert.throws(
      () => new Http2Session({ role: "client", settings: { maxFrameSize: 5 } }),
      RangeError,
    );
  });

  it("getters tell the state", () => {
    const s = new Http2Session({ role: "server", settings: { maxConcurrentStreams: 7 } });
    assert.equal(s.localSettings.maxConcurrentStreams, 7);
    assert.equal(s.hasOutput, true);
    assert.equal(s.peerSettingsReceived, false);
    s.takeOutput();
    assert.equal(s.hasOutput, false);
    s.receiveData(concat(PREFACE, frame(T.SETTINGS, 0, 0), headers(1)));
    assert.equal(s.streamCount, 1);
    assert.equal(s.peerSettingsReceived, true);
    assert.equal(s.hasOutput, true);
  });

  it("sendData after our END_STREAM throws; on a gone stream it is a no-op", () => {
    const s = openServer();
    s.receiveData(headers(1));
    assert.throws(() => s.sendData(1, [Uint8Array.of(1)]), /has no response head yet/);
    s.respond(1, [[":status", "200"]]);
    s.sendData(1, [Uint8Array.of(1)], true);
    assert.throws(() => s.sendData(1, [Uint8Array.of(1)]), /has ended our side/);
    assert.throws(() => s.respond(1, [[":status", "200"]]), /has ended our side/);
    s.reset(1);
    s.sendData(1, [Uint8Array.of(1)]);
    s.respond(1, [[":status", "200"]]);
    s.consume(1, 100);
    s.reset(1);
    assert.equal(s.bufferedAmount(1), 0);
  });

  it("after a connection error, input is ignored and close() does nothing", () => {
    const s = openServer();
    s.receiveData(frame(T.DATA, 0, 3, [1]));
    s.takeEvents();
    s.takeOutput();
    s.receiveData(headers(5));
    s.close();
    s.receiveEof();
    assert.deepEqual(s.takeEvents(), []);
    assert.deepEqual(s.takeOutput(), { chunks: [], closeTransport: true });
  });
});

describe("Http2Session: a bug of ours never reaches the transport", () => {
  it("an exception while handling a frame fails the connection with INTERNAL_ERROR", () => {
    const s = openServer();
    // Simulate a bug: the stream Map's first insertion throws (nothing a peer
    // can cause; the machine must still answer with a defined error).
    const original = Map.prototype.set;
    Map.prototype.set = function (this: Map<unknown, unknown>, ...args: [unknown, unknown]) {
      if (this.size === 0 && typeof args[0] === "number") throw new Error("boom");
      return original.apply(this, args);
    };
    try {
      s.receiveData(headers(1));
    } finally {
      Map.prototype.set = original;
    }
    const [error] = s.takeEvents();
    assert.equal(error?.type, "error");
    if (error?.type === "error") {
      assert.equal(error.error.code, E.INTERNAL_ERROR);
      assert.equal(error.error.peer, false);
      assert.match(
        error.error.message,
        /^Cannot process frame: HEADERS on stream 1 threw Error: boom \(our fault\)$/,
      );
    }
    assert.equal(s.takeOutput().closeTransport, true);
  });
});

describe("Http2Session: a bug of ours in HPACK is not blamed on the peer", () => {
  it("an exception other than HpackError from the decoder fails the connection with INTERNAL_ERROR", () => {
    const s = openServer();
    // Simulate a decoder bug (its contract is to throw HpackError only): the
    // session must not call it a COMPRESSION_ERROR of the peer's.
    const original = HpackDecoder.prototype.decode;
    HpackDecoder.prototype.decode = () => {
      throw new TypeError("decoder bug");
    };
    try {
      s.receiveData(headers(1));
    } finally {
      HpackDecoder.prototype.decode = original;
    }
    const [error] = s.takeEvents();
    assert.equal(error?.type, "error");
    if (error?.type === "error") {
      assert.equal(error.error.code, E.INTERNAL_ERROR);
      assert.equal(error.error.peer, false);
      assert.match(error.error.message, /threw TypeError: decoder bug \(our fault\)$/);
    }
    const [goawayFrame] = outputFrames(s).filter((f) => f.type === T.GOAWAY);
    assert.equal(goawayFrame && codeOf(goawayFrame), E.INTERNAL_ERROR);
  });
});

describe("Http2Session: HEADERS after the peer's RST_STREAM", () => {
  it("an undecodable block there is still a COMPRESSION_ERROR of the connection", () => {
    const s = openServer();
    s.receiveData(headers(1));
    s.receiveData(frame(T.RST_STREAM, 0, 1, u32(E.CANCEL)));
    s.takeEvents();
    s.takeOutput();
    // Index 70 is past an empty dynamic table (RFC 7541 2.3.3).
    s.receiveData(frame(T.HEADERS, F.END_HEADERS, 1, Uint8Array.of(0x80 | 70)));
    const [error] = s.takeEvents();
    assert.equal(error?.type === "error" && error.error.code, E.COMPRESSION_ERROR);
    const [goawayFrame] = outputFrames(s).filter((f) => f.type === T.GOAWAY);
    assert.equal(goawayFrame && codeOf(goawayFrame), E.COMPRESSION_ERROR);
  });
});

describe("Http2Session: edges a fuzzer finds only sometimes, pinned down", () => {
  const errorOf = (s: Http2Session) => {
    const [event] = s.takeEvents();
    return event?.type === "error" ? `${event.error.code} ${event.error.message}` : event?.type;
  };

  it("EOF inside the client preface, or inside a header block, is the peer's PROTOCOL_ERROR", () => {
    const server = new Http2Session({ role: "server" });
    server.receiveData(PREFACE.subarray(0, 5));
    server.receiveEof();
    assert.match(
      errorOf(server) ?? "",
      /^1 Cannot read frame: the connection ended inside a frame/,
    );
    const open = openServer();
    open.receiveData(frame(T.HEADERS, 0, 1, literalBlock(GET))); // no END_HEADERS
    open.receiveEof();
    assert.match(errorOf(open) ?? "", /^1 .*ended inside a frame \(peer's fault\)$/);
  });

  it("a PADDED frame with no payload at all is a PROTOCOL_ERROR (HEADERS and DATA)", () => {
    const h = openServer();
    h.receiveData(frame(T.HEADERS, F.PADDED | F.END_HEADERS, 1, new Uint8Array(0)));
    assert.match(
      errorOf(h) ?? "",
      /^1 Cannot accept frame: padding of 0 bytes is past the payload of 0/,
    );
    const s = openServer();
    s.receiveData(headers(1));
    s.takeEvents();
    s.receiveData(frame(T.DATA, F.PADDED, 1, new Uint8Array(0)));
    assert.match(
      errorOf(s) ?? "",
      /^1 Cannot accept frame: padding of 0 bytes is past the payload of 0/,
    );
  });

  it("trailers HPACK cannot decode are a COMPRESSION_ERROR of the connection", () => {
    const s = openServer();
    s.receiveData(headers(1));
    s.takeEvents();
    s.receiveData(frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, Uint8Array.of(0x80 | 70)));
    assert.match(errorOf(s) ?? "", /^9 .*index 70 is past the table/);
  });

  it("a PING ACK is taken without an answer", () => {
    const s = openServer();
    s.receiveData(frame(T.PING, F.ACK, 0, new Uint8Array(8)));
    assert.deepEqual(s.takeEvents(), []);
    assert.deepEqual(outputFrames(s), []);
  });

  it("a GOAWAY to a server refuses none of the client's streams (only our own are refused)", () => {
    const s = openServer();
    s.receiveData(headers(1));
    s.takeEvents();
    s.receiveData(frame(T.GOAWAY, 0, 0, new Uint8Array(8)));
    assert.deepEqual(
      s.takeEvents().map((e) => e.type),
      ["goaway"],
    );
    s.respond(1, [[":status", "204"]], true);
    assert.deepEqual(
      outputFrames(s).map((f) => [f.type, f.streamId]),
      [[T.HEADERS, 1]],
    );
  });

  it("the peer's SETTINGS_HEADER_TABLE_SIZE 0 makes our next block start with a size update", () => {
    const client = new Http2Session({ role: "client" });
    client.receiveData(
      frame(
        T.SETTINGS,
        0,
        0,
        settingsPayload([
          [8, 1],
          [1, 0],
        ]),
      ),
    );
    client.takeOutput();
    client.takeEvents();
    client.request(CONNECT_WS);
    const [head] = outputFrames(client).filter((f) => f.type === T.HEADERS);
    // RFC 7541 6.3: 001xxxxx, a dynamic table size update to 0.
    assert.equal(head?.payload[0], 0x20);
  });
});
