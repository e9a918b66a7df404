/**
 * A client machine and a server machine joined in memory: many streams both
 * ways, windows shutting and reopening, one stream never read while the
 * others flow, and the wire cut into pieces of every small size.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Http2Event, Http2SessionOptions } from "../../../src/core/http2/index.js";
import { CONNECT_WS, concat, Pair } from "./wire.js";

function payload(streamId: number, n: number, side: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (streamId * 31 + i * 7 + side) & 0xff;
  return out;
}

interface Received {
  chunks: Map<number, Uint8Array[]>;
  ended: Set<number>;
  closed: Set<number>;
  other: Http2Event[];
}

function received(): Received {
  return { chunks: new Map(), ended: new Set(), closed: new Set(), other: [] };
}

function note(into: Received, events: readonly Http2Event[]): void {
  for (const e of events) {
    if (e.type === "data") {
      const list = into.chunks.get(e.streamId) ?? [];
      // Views of the input: copied here because the wire slices are ours to keep anyway.
      list.push(e.data.slice());
      into.chunks.set(e.streamId, list);
      if (e.endStream) into.ended.add(e.streamId);
    } else if (e.type === "closed") into.closed.add(e.streamId);
    else if (e.type !== "drain" && e.type !== "headers" && e.type !== "settings")
      into.other.push(e);
  }
}

function bytesOf(r: Received, id: number): Uint8Array {
  return concat(...(r.chunks.get(id) ?? []));
}

/**
 * Opens `streams` extended CONNECT streams; each side sends each stream
 * `size(i)` bytes then END_STREAM; every stream is consumed as it arrives
 * except the client's `stalled` one. Returns the pair and what each side got.
 */
function exchange(
  pieceBytes: number,
  streams: number,
  size: (i: number) => number,
  stalled: number,
  client: Partial<Http2SessionOptions> = {},
  server: Partial<Http2SessionOptions> = {},
) {
  const pair = new Pair(client, server);
  pair.pieceBytes = pieceBytes;
  pair.pump();
  const ids: number[] = [];
  for (let i = 0; i < streams; i++) ids.push(pair.client.request(CONNECT_WS));
  pair.pump();
  const atClient = received();
  const atServer = received();
  const serverOpened = pair.takeServerEvents().filter((e) => e.type === "headers");
  assert.equal(serverOpened.length, streams);
  ids.forEach((id, i) => {
    pair.server.respond(id, [[":status", "200"]]);
    pair.server.sendData(id, [payload(id, size(i), 1)], true);
    // The client's side in two chunks, to cut frames across the caller's chunks.
    const mine = payload(id, size(i), 2);
    pair.client.sendData(id, [mine.subarray(0, 1000), mine.subarray(1000)], true);
  });
  for (let turn = 0; turn < 100_000; turn++) {
    pair.pump();
    const c = pair.takeClientEvents();
    const s = pair.takeServerEvents();
    if (c.length === 0 && s.length === 0) break;
    note(atClient, c);
    note(atServer, s);
    for (const e of c)
      if (e.type === "data" && e.streamId !== stalled)
        pair.client.consume(e.streamId, e.data.length);
    for (const e of s) if (e.type === "data") pair.server.consume(e.streamId, e.data.length);
  }
  return { pair, ids, atClient, atServer };
}

function check(
  pieceBytes: number,
  streams: number,
  size: (i: number) => number,
  client: Partial<Http2SessionOptions> = {},
  server: Partial<Http2SessionOptions> = {},
) {
  const stalledIndex = 1;
  const stalled = 1 + 2 * stalledIndex;
  const { pair, ids, atClient, atServer } = exchange(
    pieceBytes,
    streams,
    size,
    stalled,
    client,
    server,
  );
  const window = client.settings?.initialWindowSize ?? 65535;
  assert.deepEqual(atClient.other, []);
  assert.deepEqual(atServer.other, []);
  ids.forEach((id, i) => {
    assert.deepEqual(bytesOf(atServer, id), payload(id, size(i), 2), `server got stream ${id}`);
    if (id === stalled) return;
    assert.deepEqual(bytesOf(atClient, id), payload(id, size(i), 1), `client got stream ${id}`);
    assert.ok(atClient.closed.has(id) && atServer.closed.has(id), `stream ${id} closed`);
  });
  // The unread stream got exactly its window; the rest waits in the server's queue.
  const stalledSize = size(stalledIndex);
  assert.equal(bytesOf(atClient, stalled).length, window);
  assert.equal(pair.server.bufferedAmount(stalled), stalledSize - window);
  assert.equal(pair.client.streamCount, 1);
  // The reader catches up: the rest flows, the server sees "drain", both close.
  pair.client.consume(stalled, window);
  let drains = 0;
  for (let turn = 0; turn < 100_000; turn++) {
    pair.pump();
    const c = pair.takeClientEvents();
    const s = pair.takeServerEvents();
    if (c.length === 0 && s.length === 0) break;
    note(atClient, c);
    note(atServer, s);
    drains += s.filter((e) => e.type === "drain" && e.streamId === stalled).length;
    for (const e of c) if (e.type === "data") pair.client.consume(e.streamId, e.data.length);
  }
  assert.deepEqual(bytesOf(atClient, stalled), payload(stalled, stalledSize, 1));
  assert.equal(drains, 1);
  assert.deepEqual(atServer.other, []);
  assert.ok(atClient.closed.has(stalled) && atServer.closed.has(stalled));
  assert.equal(pair.client.streamCount, 0);
  assert.equal(pair.server.streamCount, 0);
}

describe("Http2Session pair: many streams, flow control, every piece size", () => {
  it("the wire cut into pieces of 1..24 bytes (small streams)", () => {
    for (let piece = 1; piece <= 24; piece++) check(piece, 3, () => 70_000, {}, {});
  });

  it("20 streams of up to 200 KB, whole chunks and odd piece sizes", () => {
    for (const piece of [0, 100, 4093, 16393]) check(piece, 20, (i) => 66_000 + i * 7000, {}, {});
  });

  it("small stream windows and a tight connection window (windows shut and reopen often)", () => {
    for (const piece of [0, 9, 1000])
      check(
        piece,
        10,
        (i) => 20_000 + i * 3000,
        { settings: { initialWindowSize: 16384 }, connectionWindowBytes: 65535 },
        {
          settings: { initialWindowSize: 8192, maxFrameSize: 32768 },
          connectionWindowBytes: 65535,
        },
      );
  });

  it("stream windows shrinking and growing by SETTINGS while data waits (RFC 9113 6.9.2)", () => {
    const pair = new Pair();
    pair.pump();
    const id = pair.client.request(CONNECT_WS);
    pair.pump();
    pair.server.respond(id, [[":status", "200"]]);
    pair.server.sendData(id, [new Uint8Array(100_000)]);
    assert.equal(pair.server.bufferedAmount(id), 100_000 - 65535);
    // The client shrinks the initial window below what is in flight: the server's window goes negative.
    const shrink = concat(
      Uint8Array.of(0, 0, 6, 4, 0, 0, 0, 0, 0),
      Uint8Array.of(0, 4, 0, 0, 0x10, 0),
    );
    pair.server.receiveData(shrink);
    pair.pump();
    pair.client.consume(id, 65535);
    pair.pump();
    // 65535 returned, window -61439 + 65535 = 4096 bytes flow.
    assert.equal(pair.server.bufferedAmount(id), 100_000 - 65535 - 4096);
    const grow = concat(Uint8Array.of(0, 0, 6, 4, 0, 0, 0, 0, 0), Uint8Array.of(0, 4, 0, 1, 0, 0));
    pair.server.receiveData(grow);
    pair.pump();
    // +61440: the 30,369 bytes left flow, and the server reports "drain".
    assert.equal(pair.server.bufferedAmount(id), 0);
    assert.ok(pair.takeServerEvents().some((e) => e.type === "drain"));
  });
});
