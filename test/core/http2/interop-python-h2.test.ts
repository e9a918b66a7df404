/**
 * Our machine against Python's `h2` (Debian's python3-h2, itself a sans-I/O
 * HTTP/2 implementation): a real, independent peer with no socket. A child
 * process runs an H2Connection; bytes go between it and our Http2Session as
 * base64 lines on its stdin/stdout, and each side's events are compared.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { type HeaderField, Http2Session } from "../../../src/core/http2/index.js";

const PYTHON = "/usr/bin/python3";

function skipReason(): string | false {
  const ok = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import h2"]).status === 0;
  if (ok || process.env["CI"] === "true") return false;
  return "Python's h2 is not installed (apt-get install python3-h2)";
}

// The peer: a client that POSTs `size` bytes on each of `streams` streams (one
// of them extended CONNECT) and pings, or a server that echoes every request
// body after a 200. It reports its events and, on "summary", what it got.
const PEER = String.raw`
import sys, json, base64
import h2.connection, h2.config, h2.events
mode, streams, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conn = h2.connection.H2Connection(h2.config.H2Configuration(
    client_side=(mode == "client"), header_encoding="utf-8"))
conn.initiate_connection()
if mode == "server":
    conn.update_settings({8: 1})
pending = {}   # stream -> [bytearray to send, end after]
got = {}       # stream -> bytearray received
heads = {}     # stream -> headers
ended = []
log = []

def body(sid):
    return bytes((sid * 31 + i * 7) & 0xff for i in range(size))

def pump():
    for sid in list(pending):
        buf, end = pending[sid]
        while buf:
            try:
                room = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            except Exception:
                break
            if room <= 0:
                break
            # Stream 3 pads every frame (RFC 9113 6.1): 10 bytes + the pad length octet.
            pad = 10 if (mode == "client" and sid == 3) else None
            take = room - 11 if pad else room
            if take <= 0:
                break
            conn.send_data(sid, bytes(buf[:take]), pad_length=pad)
            del buf[:take]
        if not buf and end:
            conn.end_stream(sid)
            del pending[sid]

if mode == "client":
    for i in range(streams):
        sid = conn.get_next_available_stream_id()
        if i == 0:
            head = [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"),
                    (":authority", "example.com"), (":path", "/chat"), ("sec-websocket-version", "13")]
        else:
            head = [(":method", "POST"), (":scheme", "https"), (":authority", "example.com"),
                    (":path", "/echo/%d" % i), ("content-type", "application/octet-stream")]
        if i == 3:
            # A HEADERS frame with priority fields (RFC 9113 6.2), then a PRIORITY frame.
            conn.send_headers(sid, head, priority_weight=32, priority_depends_on=1)
            conn.prioritize(sid, weight=8, depends_on=3)
        else:
            conn.send_headers(sid, head)
        pending[sid] = [bytearray(body(sid)), True]
    # One more request, reset by the client at once (CANCEL): never answered.
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "GET"), (":scheme", "https"),
                            (":authority", "example.com"), (":path", "/gone")])
    conn.reset_stream(sid, error_code=8)
    conn.ping(b"12345678")
    pump()

def out(extra=None):
    msg = {"data": base64.b64encode(conn.data_to_send()).decode(), "events": log[:]}
    if extra: msg.update(extra)
    del log[:]
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()

out()
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("summary"):
        out({"got": {str(k): base64.b64encode(bytes(v)).decode() for k, v in got.items()},
             "heads": {str(k): v for k, v in heads.items()}, "ended": ended})
        continue
    try:
        events = conn.receive_data(base64.b64decode(msg["data"]))
    except Exception as e:
        log.append({"type": "exception", "error": repr(e)})
        out()
        continue
    for ev in events:
        name = type(ev).__name__
        entry = {"type": name}
        sid = getattr(ev, "stream_id", None)
        if sid is not None: entry["stream"] = sid
        if isinstance(ev, (h2.events.RequestReceived, h2.events.ResponseReceived, h2.events.TrailersReceived)):
            heads[sid] = [list(h) for h in ev.headers]
            if mode == "server":
                conn.send_headers(sid, [(":status", "200"), ("server", "h2-peer")])
                pending.setdefault(sid, [bytearray(), False])
        elif isinstance(ev, h2.events.DataReceived):
            got.setdefault(sid, bytearray()).extend(ev.data)
            conn.acknowledge_received_data(ev.flow_controlled_length, sid)
            if mode == "server":
                pending.setdefault(sid, [bytearray(), False])[0].extend(ev.data)
        elif isinstance(ev, h2.events.StreamEnded):
            ended.append(sid)
            if mode == "server":
                pending.setdefault(sid, [bytearray(), False])[1] = True
        elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
            entry["code"] = int(ev.error_code)
        log.append(entry)
    pump()
    if msg.get("close"):
        conn.close_connection()
    out()
`;

interface PeerReply {
  data: string;
  events: { type: string; stream?: number; code?: number; error?: string }[];
  got?: Record<string, string>;
  heads?: Record<string, string[][]>;
  ended?: number[];
}

class Peer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  constructor(mode: "client" | "server", streams: number, size: number) {
    this.#child = spawn(PYTHON, ["-c", PEER, mode, String(streams), String(size)]);
    this.#child.stderr.on("data", (d) => process.stderr.write(d));
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }
  async read(): Promise<PeerReply> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error("the Python peer ended");
    return JSON.parse(value as string) as PeerReply;
  }
  async send(message: object): Promise<PeerReply> {
    this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    return this.read();
  }
  end(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}

function body(streamId: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (streamId * 31 + i * 7) & 0xff;
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Feeds the peer's bytes to ours: whole, or cut in pieces of `piece` bytes. */
function feed(session: Http2Session, b64: string, piece: number): void {
  const bytes = new Uint8Array(Buffer.from(b64, "base64"));
  if (piece === 0) session.receiveData(bytes);
  else
    for (let at = 0; at < bytes.length; at += piece)
      session.receiveData(bytes.slice(at, at + piece));
}

const skip = skipReason();

describe("Http2Session against Python's h2 (sans-I/O, no socket)", { skip }, () => {
  for (const piece of [0, 1, 7]) {
    it(`h2 client -> our server: 4 streams x 100 KB echoed (padded, prioritized), a reset, PING, GOAWAY (pieces ${piece || "whole"})`, async () => {
      const streams = 4;
      const size = piece === 1 ? 20_000 : 100_000;
      const peer = new Peer("client", streams, size);
      const server = new Http2Session({ role: "server" });
      const requests = new Map<number, HeaderField[]>();
      const received = new Map<number, Uint8Array[]>();
      const ended: number[] = [];
      const peerEvents: string[] = [];
      let goaway: unknown;
      const resets: unknown[] = [];
      try {
        let reply = await peer.read();
        for (let turn = 0; turn < 2000; turn++) {
          peerEvents.push(
            ...reply.events.map(
              (e) => `${e.type}${e.stream ? ` ${e.stream}` : ""}${e.error ?? ""}`,
            ),
          );
          feed(server, reply.data, piece);
          for (const e of server.takeEvents()) {
            if (e.type === "headers") {
              requests.set(e.streamId, e.fields);
              server.respond(e.streamId, [[":status", "200"]]);
            } else if (e.type === "data") {
              // Echo: the view of the input is referenced, not copied, until taken.
              received.set(e.streamId, [...(received.get(e.streamId) ?? []), e.data]);
              if (e.data.length > 0) server.sendData(e.streamId, [e.data]);
              server.consume(e.streamId, e.data.length);
              if (e.endStream) {
                ended.push(e.streamId);
                server.sendData(e.streamId, [], true);
              }
            } else if (e.type === "goaway") goaway = e;
            else if (e.type === "reset") resets.push(e);
            else if (e.type !== "settings" && e.type !== "drain" && e.type !== "closed")
              assert.fail(`unexpected event ${JSON.stringify(e)}`);
          }
          const out = concat(server.takeOutput().chunks);
          if (out.length === 0 && reply.data === "" && turn > 0) break;
          const closing =
            ended.length === streams && server.streamCount === 0 && goaway === undefined;
          reply = await peer.send({ data: Buffer.from(out).toString("base64"), close: closing });
        }
        const summary = await peer.send({ summary: true });
        // Our side: every request head as sent, every body whole, then the peer's GOAWAY.
        assert.deepEqual([...requests.keys()], [1, 3, 5, 7, 9]);
        assert.deepEqual(resets, [{ type: "reset", streamId: 9, code: 8, local: false }]);
        assert.deepEqual(requests.get(1)?.[1], [":protocol", "websocket"]);
        for (const id of [1, 3, 5, 7])
          assert.deepEqual(concat(received.get(id) ?? []), body(id, size), `we got stream ${id}`);
        assert.deepEqual(goaway, { type: "goaway", lastStreamId: 0, code: 0, debug: "" });
        // h2's side: a 200 and the echo on each stream, our PING ACK, our SETTINGS ACK.
        for (const id of [1, 3, 5, 7]) {
          assert.deepEqual(summary.heads?.[id]?.[0], [":status", "200"]);
          assert.deepEqual(
            new Uint8Array(Buffer.from(summary.got?.[id] ?? "", "base64")),
            body(id, size),
            `h2 got stream ${id}`,
          );
        }
        assert.deepEqual(summary.ended?.sort(), [1, 3, 5, 7]);
        assert.ok(peerEvents.includes("PingAckReceived"));
        assert.ok(peerEvents.includes("SettingsAcknowledged"));
        assert.ok(!peerEvents.some((e) => /exception|StreamReset|ConnectionTerminated/.test(e)));
      } finally {
        peer.end();
      }
    });
  }

  for (const piece of [0, 1]) {
    it(`our client -> h2 server: extended CONNECT seen in its SETTINGS, 3 streams echoed (pieces ${piece || "whole"})`, async () => {
      const size = piece === 1 ? 20_000 : 150_000;
      const peer = new Peer("server", 0, 0);
      const client = new Http2Session({ role: "client" });
      const responses = new Map<number, HeaderField[]>();
      const received = new Map<number, Uint8Array[]>();
      const closed: number[] = [];
      let settings: unknown;
      try {
        // The server's preface first, then ours (answered with its reaction).
        feed(client, (await peer.read()).data, piece);
        let reply = await peer.send({
          data: Buffer.from(concat(client.takeOutput().chunks)).toString("base64"),
        });
        for (let turn = 0; turn < 2000; turn++) {
          feed(client, reply.data, piece);
          for (const e of client.takeEvents()) {
            if (e.type === "settings") {
              // Extended CONNECT only once the server said so (RFC 8441 3). h2
              // sends it in a second SETTINGS right after its first (without it).
              if (!e.settings.enableConnectProtocol) continue;
              settings ??= e.settings;
              if (client.streamCount === 0 && closed.length === 0) {
                const ws = client.request([
                  [":method", "CONNECT"],
                  [":protocol", "websocket"],
                  [":scheme", "https"],
                  [":authority", "example.com"],
                  [":path", "/chat"],
                  ["sec-websocket-version", "13"],
                ]);
                const posts = [3, 5].map(() =>
                  client.request([
                    [":method", "POST"],
                    [":scheme", "https"],
                    [":authority", "example.com"],
                    [":path", "/echo"],
                  ]),
                );
                for (const id of [ws, ...posts]) client.sendData(id, [body(id, size)], true);
              }
            } else if (e.type === "headers") responses.set(e.streamId, e.fields);
            else if (e.type === "data") {
              received.set(e.streamId, [...(received.get(e.streamId) ?? []), e.data]);
              client.consume(e.streamId, e.data.length);
            } else if (e.type === "closed") closed.push(e.streamId);
            else if (e.type !== "drain") assert.fail(`unexpected event ${JSON.stringify(e)}`);
          }
          if (closed.length === 3 && client.streamCount === 0) client.close();
          const { chunks, closeTransport } = client.takeOutput();
          const out = concat(chunks);
          if (out.length === 0 && reply.data === "") break;
          reply = await peer.send({ data: Buffer.from(out).toString("base64") });
          if (closeTransport) {
            assert.ok(reply.events.some((e) => e.type === "ConnectionTerminated" && e.code === 0));
            break;
          }
        }
        assert.ok(settings);
        for (const id of [1, 3, 5]) {
          assert.deepEqual(responses.get(id), [
            [":status", "200"],
            ["server", "h2-peer"],
          ]);
          assert.deepEqual(concat(received.get(id) ?? []), body(id, size), `we got stream ${id}`);
        }
        assert.deepEqual(closed.sort(), [1, 3, 5]);
        const summary = await peer.send({ summary: true });
        assert.deepEqual(summary.heads?.["1"]?.slice(0, 2), [
          [":method", "CONNECT"],
          [":protocol", "websocket"],
        ]);
      } finally {
        peer.end();
      }
    });
  }
});
