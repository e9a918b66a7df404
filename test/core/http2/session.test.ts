import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type HeaderField,
  HeaderListTooLargeForPeerError,
  HpackEncoder,
  Http2Error,
  Http2ErrorCode,
  type Http2Event,
  Http2Session,
} from "../../../src/core/http2/index.js";
import {
  CONNECT_WS,
  codeOf,
  concat,
  F,
  frame,
  GET,
  openClient,
  openServer,
  outputFrames,
  Pair,
  PREFACE,
  parseFrames,
  settingsPayload,
  T,
  u32,
} from "./wire.js";

function types(events: readonly Http2Event[]): string[] {
  return events.map((e) => e.type);
}

describe("Http2Session: preface and SETTINGS (RFC 9113 3.4, 6.5)", () => {
  it("a client starts with the magic, SETTINGS (push off) and the connection window", () => {
    const client = new Http2Session({ role: "client" });
    const bytes = concat(...client.takeOutput().chunks);
    assert.deepEqual(bytes.subarray(0, 24), PREFACE);
    const frames = parseFrames(bytes.subarray(24));
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.type, T.SETTINGS);
    assert.deepEqual(
      [...frames[0]!.payload],
      settingsPayload([
        [2, 0],
        [6, 16384],
      ]),
    );
    assert.equal(frames[1]!.type, T.WINDOW_UPDATE);
    assert.deepEqual([...frames[1]!.payload], u32(4 * 1024 * 1024 - 65535));
  });

  it("a server sends SETTINGS with 100 streams and extended CONNECT", () => {
    const server = new Http2Session({ role: "server" });
    const frames = outputFrames(server);
    assert.equal(frames[0]!.type, T.SETTINGS);
    assert.deepEqual(
      [...frames[0]!.payload],
      settingsPayload([
        [3, 100],
        [6, 16384],
        [8, 1],
      ]),
    );
  });

  it("each side ACKs the other's SETTINGS and reports them", () => {
    const pair = new Pair();
    pair.pump();
    const c = pair.takeClientEvents();
    const s = pair.takeServerEvents();
    assert.deepEqual(types(c), ["settings"]);
    assert.deepEqual(types(s), ["settings"]);
    assert.equal(pair.client.peerSettingsReceived, true);
    assert.equal(pair.client.peerSettings.enableConnectProtocol, true);
    assert.equal(pair.client.peerSettings.maxConcurrentStreams, 100);
    assert.equal(pair.server.peerSettings.enablePush, false);
  });
});

describe("Http2Session: a stream both ways", () => {
  it("extended CONNECT, 200, DATA both ways, END_STREAM both ways: closed", () => {
    const pair = new Pair();
    pair.pump();
    pair.takeClientEvents();
    pair.takeServerEvents();
    const id = pair.client.request(CONNECT_WS);
    assert.equal(id, 1);
    assert.equal(pair.client.streamCount, 1);
    pair.pump();
    const [req] = pair.takeServerEvents();
    assert.deepEqual(req, { type: "headers", streamId: 1, fields: CONNECT_WS, endStream: false });
    pair.server.respond(1, [[":status", "200"]]);
    pair.server.sendData(1, [new Uint8Array([1, 2, 3])]);
    pair.pump();
    assert.deepEqual(pair.takeClientEvents(), [
      { type: "headers", streamId: 1, fields: [[":status", "200"]], endStream: false },
      { type: "data", streamId: 1, data: new Uint8Array([1, 2, 3]), endStream: false },
    ]);
    pair.client.sendData(1, [new Uint8Array([4]), new Uint8Array([5])], true);
    pair.pump();
    assert.deepEqual(pair.takeServerEvents(), [
      { type: "data", streamId: 1, data: new Uint8Array([4, 5]), endStream: true },
    ]);
    pair.server.sendData(1, [], true);
    pair.pump();
    assert.deepEqual(pair.takeServerEvents(), [{ type: "closed", streamId: 1 }]);
    assert.deepEqual(pair.takeClientEvents(), [
      { type: "data", streamId: 1, data: new Uint8Array(0), endStream: true },
      { type: "closed", streamId: 1 },
    ]);
    assert.equal(pair.client.streamCount, 0);
    assert.equal(pair.server.streamCount, 0);
  });

  it("extended CONNECT waits for the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 3)", () => {
    const client = new Http2Session({ role: "client" });
    assert.throws(() => client.request(CONNECT_WS), /has not enabled extended CONNECT/);
    assert.equal(client.streamCount, 0);
    client.receiveData(frame(T.SETTINGS, 0, 0, settingsPayload([[8, 1]])));
    assert.equal(client.request(CONNECT_WS), 1);
  });

  it("a GET with END_STREAM, answered with END_STREAM on HEADERS", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(GET, true);
    pair.pump();
    assert.deepEqual(pair.takeServerEvents().slice(-1), [
      { type: "headers", streamId: id, fields: GET, endStream: true },
    ]);
    pair.server.respond(id, [[":status", "204"]], true);
    pair.pump();
    assert.deepEqual(types(pair.takeServerEvents()), ["closed"]);
    assert.deepEqual(types(pair.takeClientEvents()).slice(-2), ["headers", "closed"]);
  });

  it("DATA payloads are views of the input, not copies", () => {
    const server = openServer();
    const client = openClient();
    client.request(GET);
    server.receiveData(concat(...client.takeOutput().chunks));
    server.takeEvents();
    const input = concat(frame(T.DATA, 0, 1, [9, 8, 7]));
    server.receiveData(input);
    const [event] = server.takeEvents();
    assert.equal(event?.type, "data");
    if (event?.type === "data") {
      assert.equal(event.data.buffer, input.buffer);
      assert.equal(event.data.byteOffset, 9);
    }
  });

  it("sendData frames the caller's chunk as a view (no copy)", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(GET);
    const payload = new Uint8Array(1000).fill(7);
    pair.client.sendData(id, [payload]);
    const { chunks } = pair.client.takeOutput();
    assert.ok(chunks.includes(payload));
  });
});

describe("Http2Session: flow control (RFC 9113 5.2, 6.9)", () => {
  it("holds DATA past the stream window, releases it on WINDOW_UPDATE, then drain", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(CONNECT_WS);
    pair.pump();
    pair.server.respond(id, [[":status", "200"]]);
    const big = new Uint8Array(100_000).fill(1);
    pair.server.sendData(id, [big]);
    assert.equal(pair.server.bufferedAmount(id), 100_000 - 65535);
    pair.pump();
    pair.takeServerEvents();
    const got = pair
      .takeClientEvents()
      .filter((e) => e.type === "data")
      .reduce((n, e) => n + (e.type === "data" ? e.data.length : 0), 0);
    assert.equal(got, 65535);
    assert.equal(pair.server.bufferedAmount(id), 100_000 - 65535);
    // The client reads: the window reopens, the rest flows, "drain".
    pair.client.consume(id, 65535);
    pair.pump();
    assert.equal(pair.server.bufferedAmount(id), 0);
    assert.deepEqual(types(pair.takeServerEvents()), ["drain"]);
    const rest = pair
      .takeClientEvents()
      .reduce((n, e) => n + (e.type === "data" ? e.data.length : 0), 0);
    assert.equal(rest, 100_000 - 65535);
  });

  it("trailers wait for no one: respond() with DATA still queued is our misuse", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(CONNECT_WS);
    pair.pump();
    pair.server.respond(id, [[":status", "200"]]);
    pair.server.sendData(id, [new Uint8Array(70_000)]);
    assert.ok(pair.server.bufferedAmount(id) > 0);
    assert.throws(() => pair.server.respond(id, [["grpc-status", "0"]], true), {
      name: "InvalidStateError",
      message: `Cannot respond: stream ${id} has DATA queued`,
    });
  });

  it("frames are cut at the peer's max frame size", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(GET);
    pair.client.sendData(id, [new Uint8Array(40_000)]);
    const frames = outputFrames(pair.client).filter((f) => f.type === T.DATA);
    assert.deepEqual(
      frames.map((f) => f.payload.length),
      [16384, 16384, 40_000 - 32768],
    );
  });

  it("endStream waits behind queued DATA", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(CONNECT_WS);
    pair.pump();
    pair.server.respond(id, [[":status", "200"]]);
    pair.server.sendData(id, [new Uint8Array(70_000)], true);
    pair.pump();
    let events = pair.takeClientEvents();
    assert.ok(events.every((e) => e.type !== "data" || !e.endStream));
    pair.client.consume(id, 65535);
    pair.pump();
    events = pair.takeClientEvents();
    const last = events.filter((e) => e.type === "data").at(-1);
    assert.equal(last?.type === "data" && last.endStream, true);
  });

  it("returns the stream window only as the reader consumes", () => {
    const server = openServer();
    const client = openClient();
    const id = client.request(CONNECT_WS);
    server.receiveData(concat(...client.takeOutput().chunks));
    server.takeOutput();
    server.receiveData(frame(T.DATA, 0, id, new Uint8Array(16384)));
    // The connection window is 4 MiB: no update for 16 KiB; the stream's is owed only on consume.
    assert.deepEqual(outputFrames(server), []);
    server.consume(id, 16384);
    assert.deepEqual(outputFrames(server), []);
    server.consume(id, 16384);
    const frames = outputFrames(server);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.type, T.WINDOW_UPDATE);
    assert.equal(frames[0]!.streamId, id);
    assert.deepEqual([...frames[0]!.payload], u32(32768));
  });
});

describe("Http2Session: reset and GOAWAY", () => {
  it("reset() sends RST_STREAM and reports a local reset; the peer reports it too", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(GET);
    pair.pump();
    pair.takeServerEvents();
    pair.client.reset(id);
    assert.deepEqual(pair.client.takeEvents(), [
      { type: "reset", streamId: id, code: Http2ErrorCode.CANCEL, local: true },
    ]);
    pair.pump();
    assert.deepEqual(pair.takeServerEvents(), [
      { type: "reset", streamId: id, code: Http2ErrorCode.CANCEL, local: false },
    ]);
    assert.equal(pair.server.streamCount, 0);
  });

  it("close() sends GOAWAY; closeTransport once the last stream is gone", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(GET, true);
    pair.pump();
    pair.server.close();
    pair.pump();
    assert.equal(pair.serverClosed, false);
    const goaway = pair.takeClientEvents().find((e) => e.type === "goaway");
    assert.deepEqual(goaway, { type: "goaway", lastStreamId: id, code: 0, debug: "" });
    assert.throws(() => pair.client.request(GET), /going away/);
    pair.server.respond(id, [[":status", "200"]], true);
    pair.pump();
    assert.equal(pair.serverClosed, true);
    assert.equal(pair.clientClosed, true);
  });

  it("hasOutput stays true until closeTransport was handed out, also without a last frame", () => {
    const client = openClient();
    const id = client.request(GET, true);
    client.takeOutput();
    client.receiveData(frame(T.GOAWAY, 0, 0, [...u32(id), ...u32(0)]));
    assert.equal(client.hasOutput, false, "a stream is still open");
    client.receiveData(
      frame(
        T.HEADERS,
        F.END_HEADERS | F.END_STREAM,
        id,
        new HpackEncoder().encode([[":status", "204"]]),
      ),
    );
    assert.equal(client.streamCount, 0);
    assert.equal(client.hasOutput, true);
    assert.deepEqual(client.takeOutput(), { chunks: [], closeTransport: true });
    assert.equal(client.hasOutput, false);
  });

  it("after our GOAWAY new streams are refused, open ones go on", () => {
    const server = openServer();
    const enc = new HpackEncoder();
    server.receiveData(frame(T.HEADERS, F.END_HEADERS, 1, enc.encode(GET)));
    server.close();
    server.receiveData(frame(T.HEADERS, F.END_HEADERS, 3, enc.encode(GET)));
    assert.deepEqual(types(server.takeEvents()), ["headers"]);
    const frames = outputFrames(server);
    assert.deepEqual(
      frames.map((f) => [f.type, f.streamId]),
      [
        [T.GOAWAY, 0],
        [T.RST_STREAM, 3],
      ],
    );
    assert.equal(codeOf(frames[1]!), Http2ErrorCode.REFUSED_STREAM);
    assert.deepEqual([...frames[0]!.payload.subarray(0, 8)], [...u32(1), ...u32(0)]);
    // Stream 1 still works, and its end closes the transport.
    server.respond(1, [[":status", "200"]], true);
    server.receiveData(frame(T.DATA, F.END_STREAM, 1, [1]));
    assert.deepEqual(types(server.takeEvents()), ["data", "closed"]);
    assert.equal(server.takeOutput().closeTransport, true);
  });

  it("a peer's GOAWAY refuses our streams above its last id", () => {
    const client = openClient();
    const a = client.request(GET);
    const b = client.request(GET);
    client.takeOutput();
    client.receiveData(frame(T.GOAWAY, 0, 0, [...u32(a), ...u32(0)]));
    assert.deepEqual(client.takeEvents(), [
      { type: "goaway", lastStreamId: a, code: 0, debug: "" },
      { type: "reset", streamId: b, code: Http2ErrorCode.REFUSED_STREAM, local: false },
    ]);
    assert.equal(client.streamCount, 1);
  });

  it("a connection error queues GOAWAY, reports error then resets, and closes", () => {
    const server = openServer();
    const client = openClient();
    client.request(GET);
    server.receiveData(concat(...client.takeOutput().chunks));
    server.takeEvents();
    server.receiveData(frame(T.DATA, 0, 5, [1]));
    const events = server.takeEvents();
    assert.deepEqual(types(events), ["error", "reset"]);
    const error = events[0]!.type === "error" ? events[0]!.error : undefined;
    assert.equal(error?.message, "Cannot accept frame: DATA on idle stream 5 (peer's fault)");
    assert.equal(error?.code, Http2ErrorCode.PROTOCOL_ERROR);
    assert.equal(error?.peer, true);
    const out = server.takeOutput();
    assert.equal(out.closeTransport, true);
    const frames = parseFrames(concat(...out.chunks));
    assert.equal(frames[0]!.type, T.GOAWAY);
    assert.equal(codeOf(frames[0]!), Http2ErrorCode.PROTOCOL_ERROR);
  });

  it("PING is answered with the same octets", () => {
    const server = openServer();
    server.receiveData(frame(T.PING, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    const [pong] = outputFrames(server);
    assert.equal(pong!.type, T.PING);
    assert.equal(pong!.flags, F.ACK);
    assert.deepEqual([...pong!.payload], [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("Http2Session: our SETTINGS take effect on the peer's ACK (RFC 9113 6.5.3)", () => {
  it("a smaller HPACK table of ours binds the peer only after its ACK", () => {
    const server = new Http2Session({ role: "server", settings: { headerTableSize: 0 } });
    server.takeOutput();
    const peer = new HpackEncoder();
    // Before its ACK the peer may index into a 4,096-byte table.
    const first = peer.encode(GET);
    const second = peer.encode(GET);
    assert.ok(second.length < first.length, "the second block uses the dynamic table");
    server.receiveData(
      concat(
        PREFACE,
        frame(T.SETTINGS, 0, 0),
        frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 1, first),
        frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 3, second),
      ),
    );
    const events = server.takeEvents();
    assert.deepEqual(
      events.map((e) => e.type),
      ["settings", "headers", "headers"],
    );
    // After the ACK a block that does not shrink the table first is a COMPRESSION_ERROR.
    server.receiveData(frame(T.SETTINGS, F.ACK, 0));
    server.receiveData(frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, 5, peer.encode(GET)));
    const [error] = server.takeEvents();
    assert.equal(error?.type === "error" && error.error.code, Http2ErrorCode.COMPRESSION_ERROR);
  });

  it("a smaller initial window of ours shrinks open streams on the ACK", () => {
    const server = new Http2Session({ role: "server", settings: { initialWindowSize: 1000 } });
    server.takeOutput();
    server.receiveData(
      concat(
        PREFACE,
        frame(T.SETTINGS, 0, 0),
        frame(T.HEADERS, F.END_HEADERS, 1, new HpackEncoder().encode(GET)),
        // Before the ACK the peer may send 65,535 bytes.
        frame(T.DATA, 0, 1, new Uint8Array(16384)),
        frame(T.DATA, 0, 1, new Uint8Array(16384)),
      ),
    );
    assert.equal(server.takeEvents().length, 4);
    server.receiveData(frame(T.SETTINGS, F.ACK, 0));
    // 32768 of 65535 used; the ACK takes 64,535 off: the window is now below zero.
    server.receiveData(frame(T.DATA, 0, 1, [1]));
    const [reset] = server.takeEvents();
    assert.equal(reset?.type === "reset" && reset.code, Http2ErrorCode.FLOW_CONTROL_ERROR);
  });
});

describe("Http2Session: a SETTINGS timeout, the I/O layer's clock (RFC 9113 6.5.3)", () => {
  it("awaits the ACK of our SETTINGS; once it came, a timeout is a no-op", () => {
    const server = new Http2Session({ role: "server" });
    server.takeOutput();
    assert.equal(server.awaitingSettingsAck, true);
    server.receiveData(concat(PREFACE, frame(T.SETTINGS, 0, 0)));
    assert.equal(server.awaitingSettingsAck, true, "the peer's SETTINGS is not the ACK of ours");
    server.receiveData(frame(T.SETTINGS, F.ACK, 0));
    assert.equal(server.awaitingSettingsAck, false);
    server.takeOutput();
    server.takeEvents();
    server.failSettingsTimeout();
    assert.equal(server.hasOutput, false);
    assert.deepEqual(server.takeEvents(), []);
  });

  it("unacknowledged: GOAWAY SETTINGS_TIMEOUT, the peer's fault, open streams reset, closeTransport", () => {
    const server = new Http2Session({ role: "server" });
    server.takeOutput();
    server.receiveData(
      concat(
        PREFACE,
        frame(T.SETTINGS, 0, 0),
        frame(T.HEADERS, F.END_HEADERS, 1, new HpackEncoder().encode(CONNECT_WS)),
      ),
    );
    server.takeOutput();
    server.takeEvents();
    server.failSettingsTimeout();
    const frames = outputFrames(server);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.type, T.GOAWAY);
    assert.deepEqual([...frames[0]!.payload.subarray(0, 4)], u32(1), "last stream id");
    assert.equal(codeOf(frames[0]!), Http2ErrorCode.SETTINGS_TIMEOUT);
    const events = server.takeEvents();
    assert.deepEqual(types(events), ["error", "reset"]);
    const [error, reset] = events;
    assert.ok(error?.type === "error");
    assert.equal(error.error.code, Http2ErrorCode.SETTINGS_TIMEOUT);
    assert.equal(error.error.peer, true);
    assert.equal(
      error.error.message,
      "Cannot settle SETTINGS: the peer did not acknowledge ours in time (RFC 9113 6.5.3) (peer's fault)",
    );
    assert.deepEqual(reset, {
      type: "reset",
      streamId: 1,
      code: Http2ErrorCode.SETTINGS_TIMEOUT,
      local: true,
    });
    assert.equal(server.takeOutput().closeTransport, true);
    // Done: a late ACK or a second timeout changes nothing.
    server.receiveData(frame(T.SETTINGS, F.ACK, 0));
    server.failSettingsTimeout();
    assert.deepEqual(server.takeEvents(), []);
    assert.deepEqual(server.takeOutput().chunks, []);
  });
});

describe("Http2Session: our header lists against the peer's SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 6.5.2, 10.5.1)", () => {
  // Counted by hand as RFC 9113 6.5.2 counts: name + value + 32 octets per field.
  const listBytes = (fields: readonly HeaderField[]): number =>
    fields.reduce((n, [name, value]) => n + name.length + value.length + 32, 0);
  const withCookie = (bytes: number): HeaderField[] => [
    ...CONNECT_WS,
    ["cookie", "c".repeat(bytes)],
  ];

  it("a request at the limit is sent; one octet over is refused, nothing sent, the next one fits", () => {
    // The server allows exactly CONNECT_WS with a cookie of 10 octets.
    const limit = listBytes(withCookie(10));
    const pair = new Pair({}, { settings: { maxHeaderListSize: limit } });
    pair.pump();
    assert.equal(pair.client.peerSettings.maxHeaderListSize, limit);
    pair.takeClientEvents();
    pair.takeServerEvents();
    assert.equal(pair.client.request(withCookie(10)), 1);
    pair.pump();
    assert.deepEqual(types(pair.takeServerEvents()), ["headers"]);

    assert.throws(
      () => pair.client.request(withCookie(11)),
      (e: unknown) =>
        e instanceof HeaderListTooLargeForPeerError &&
        e instanceof Http2Error &&
        !e.peer &&
        e.code === Http2ErrorCode.NO_ERROR &&
        e.headerListBytes === limit + 1 &&
        e.maxHeaderListBytes === limit &&
        e.message ===
          `Cannot send request: its header list is ${limit + 1} bytes, over the peer's SETTINGS_MAX_HEADER_LIST_SIZE ${limit} (our fault)`,
    );
    assert.equal(pair.client.hasOutput, false);
    assert.deepEqual(pair.client.takeOutput().chunks, []);
    assert.equal(pair.client.streamCount, 1);
    assert.deepEqual(pair.takeClientEvents(), []);

    // The session goes on, its HPACK table in step with the server's: the
    // refused list was never encoded, and the next request (id 3, as if the
    // refused one never was) decodes to what was sent.
    const fits = withCookie(9);
    assert.equal(pair.client.request(fits), 3);
    pair.pump();
    assert.deepEqual(pair.takeServerEvents(), [
      { type: "headers", streamId: 3, fields: fits, endStream: false },
    ]);
    assert.deepEqual(pair.takeClientEvents(), []);
  });

  it("a response head or trailers over the limit are refused; the stream waits for one that fits", () => {
    const status200: HeaderField[] = [[":status", "200"]];
    const limit = listBytes([...status200, ["x-a", "a".repeat(20)]]);
    const pair = new Pair({ settings: { maxHeaderListSize: limit } }, {});
    pair.pump();
    const id = pair.client.request(GET);
    pair.pump();
    pair.takeClientEvents();
    pair.takeServerEvents();
    assert.throws(
      () => pair.server.respond(id, [...status200, ["x-a", "a".repeat(21)]]),
      (e: unknown) =>
        e instanceof HeaderListTooLargeForPeerError &&
        !e.peer &&
        e.headerListBytes === limit + 1 &&
        /^Cannot send response on stream 1: its header list is \d+ bytes, over the peer's SETTINGS_MAX_HEADER_LIST_SIZE \d+ \(our fault\)$/.test(
          e.message,
        ),
    );
    assert.equal(pair.server.hasOutput, false);
    assert.equal(pair.server.streamCount, 1);
    assert.throws(() => pair.server.sendData(id, [new Uint8Array([1])]), /no response head yet/);

    const head: HeaderField[] = [...status200, ["x-a", "a".repeat(20)]];
    pair.server.respond(id, head);
    pair.server.sendData(id, [new Uint8Array([1])]);
    const trailers: HeaderField[] = [["x-t", "t".repeat(limit)]];
    assert.throws(() => pair.server.respond(id, trailers, true), HeaderListTooLargeForPeerError);
    pair.server.respond(id, [["x-t", "t"]], true);
    pair.pump();
    assert.deepEqual(pair.takeClientEvents(), [
      { type: "headers", streamId: id, fields: head, endStream: false },
      { type: "data", streamId: id, data: new Uint8Array([1]), endStream: false },
      { type: "headers", streamId: id, fields: [["x-t", "t"]], endStream: true },
    ]);
    assert.deepEqual(pair.takeServerEvents(), []);
  });

  it("before the peer's SETTINGS its list size is unlimited (RFC 9113 6.5.2's initial value)", () => {
    const client = new Http2Session({ role: "client" });
    client.takeOutput();
    assert.equal(client.request([...GET, ["cookie", "c".repeat(100_000)]]), 1);
    assert.equal(client.hasOutput, true);
  });
});
