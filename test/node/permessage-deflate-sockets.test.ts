// permessage-deflate over real sockets, with compression negotiated and
// checked: ws (both directions, several parameter sets), Python websockets
// (Debian's 10.4, both directions), headless Chromium as a client of our
// server, and a decompression bomb. A relay between the two peers parses the
// frames on the wire, so each test can see which frames carry RSV1 (RFC 7692
// section 6: the first frame of a compressed message only, never control
// frames) and the Sec-WebSocket-Extensions header as sent.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { type AddressInfo, createServer, connect as netConnect, type Socket } from "node:net";
import { describe, test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import {
  type ClientConnection,
  connect,
  type Message,
  type NodePerMessageDeflateOptions,
  type NodeServer as OurServer,
  permessageDeflate,
  serve,
} from "../../src/node/index.js";
import { chromiumSkip, OPEN_QUEUED, withChromium } from "../runtimes/browser.js";
import { echo, PYTHON, portOf, run, skipWithoutPython } from "./helpers.js";

// ---------------------------------------------------------------- the wire tap

/** A frame header as seen on the wire. */
interface WireFrame {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv23: boolean;
  readonly opcode: number;
  readonly length: number;
}

/** A message as seen on the wire: its frames. */
interface WireMessage {
  readonly opcode: number;
  readonly frames: readonly WireFrame[];
}

/** One relayed connection: the two handshake heads and the frames each way. */
interface Tapped {
  requestHead: string;
  responseHead: string;
  readonly toServer: WireFrame[];
  readonly toClient: WireFrame[];
}

/** Parses an HTTP head then frame headers from a byte stream, skipping payloads. */
function wireParser(onHead: (head: string) => void, frames: WireFrame[]): (chunk: Buffer) => void {
  let inHead = true;
  let buffer: Buffer = Buffer.alloc(0);
  let skip = 0;
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (inHead) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        onHead(buffer.subarray(0, end).toString("latin1"));
        buffer = buffer.subarray(end + 4);
        inHead = false;
      } else if (skip > 0) {
        const n = Math.min(skip, buffer.length);
        skip -= n;
        buffer = buffer.subarray(n);
        if (skip > 0) return;
      } else {
        if (buffer.length < 2) return;
        const b0 = buffer[0] as number;
        const b1 = buffer[1] as number;
        let length = b1 & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (b1 & 0x80) offset += 4;
        if (buffer.length < offset) return;
        frames.push({
          fin: (b0 & 0x80) !== 0,
          rsv1: (b0 & 0x40) !== 0,
          rsv23: (b0 & 0x30) !== 0,
          opcode: b0 & 0x0f,
          length,
        });
        buffer = buffer.subarray(offset);
        skip = length;
      }
    }
  };
}

/** A TCP relay on 127.0.0.1 in front of `targetPort` that records what passes. */
async function tap(targetPort: number): Promise<{
  port: number;
  connections: Tapped[];
  close(): Promise<void>;
}> {
  const connections: Tapped[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const tapped: Tapped = { requestHead: "", responseHead: "", toServer: [], toClient: [] };
    connections.push(tapped);
    const upstream = netConnect({ host: "127.0.0.1", port: targetPort });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    const up = wireParser((head) => void (tapped.requestHead = head), tapped.toServer);
    const down = wireParser((head) => void (tapped.responseHead = head), tapped.toClient);
    downstream.on("data", (chunk: Buffer) => {
      up(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      down(chunk);
      downstream.write(chunk);
    });
    downstream.on("end", () => upstream.end());
    upstream.on("end", () => downstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Groups data frames into messages; asserts control frames are never compressed (RFC 7692 6.1). */
function wireMessages(frames: readonly WireFrame[]): WireMessage[] {
  const messages: WireMessage[] = [];
  let current: WireFrame[] | undefined;
  for (const frame of frames) {
    assert.equal(frame.rsv23, false, "RSV2/RSV3 set on the wire");
    if (frame.opcode >= 0x8) {
      assert.equal(frame.rsv1, false, `RSV1 on control frame 0x${frame.opcode.toString(16)}`);
      continue;
    }
    if (current === undefined) {
      assert.notEqual(frame.opcode, 0, "continuation frame outside a message");
      current = [frame];
    } else {
      assert.equal(frame.opcode, 0, "data frame inside a fragmented message");
      assert.equal(frame.rsv1, false, "RSV1 on a continuation frame (RFC 7692 6.1)");
      current.push(frame);
    }
    if (frame.fin) {
      messages.push({ opcode: current[0]?.opcode as number, frames: current });
      current = undefined;
    }
  }
  return messages;
}

/** Parses a Sec-WebSocket-Extensions value holding one permessage-deflate element. */
function deflateParams(value: string | undefined): Record<string, string | true> {
  assert.ok(value !== undefined, "no Sec-WebSocket-Extensions header");
  const [name, ...params] = value.split(";").map((part) => part.trim());
  assert.equal(name, "permessage-deflate", `extensions: ${value}`);
  assert.ok(!value.includes(","), `more than one extension accepted: ${value}`);
  return Object.fromEntries(
    params.map((param) => {
      const [key, raw] = param.split("=").map((part) => part.trim());
      return [key as string, raw === undefined ? true : raw.replace(/^"|"$/g, "")];
    }),
  );
}

/** The Sec-WebSocket-Extensions value in a raw HTTP head. */
function headerOf(head: string, name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const values = head
    .split("\r\n")
    .slice(1)
    .filter((line) => line.toLowerCase().startsWith(prefix))
    .map((line) => line.slice(prefix.length).trim());
  return values.length === 0 ? undefined : values.join(", ");
}

// ---------------------------------------------------------------- payloads

/** Deterministic pseudo-random bytes (mulberry32) drawn from `alphabet` symbols. */
function bytes(length: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) % alphabet) & 0xff;
  }
  return out;
}

/** JSON-like text of about `length` UTF-16 units, with non-ASCII characters. */
function text(length: number, seed: number): string {
  let s = "";
  for (let i = 0; s.length < length; i++) {
    s += `{"id":${(i * 2654435761 + seed) >>> 0},"name":"élément ${i % 97}","ok":${i % 3 === 0}},`;
  }
  return s.slice(0, length);
}

/** A message to send: whole or in fragments. `compressible`: a sender should compress it. */
interface Case {
  readonly name: string;
  readonly data: string | Uint8Array;
  /** Fragments to send it in (their concatenation is `data`), or undefined for one frame. */
  readonly fragments?: readonly (string | Uint8Array)[];
  readonly compressible: boolean;
}

function split<T extends string | Uint8Array>(data: T, parts: number): T[] {
  const size = Math.ceil(data.length / parts);
  const out: T[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.slice(i, i + size) as T);
  return out;
}

const bigText = text(300 * 1024, 7);
const bigBinary = bytes(300 * 1024, 8, 16);
const fragText = text(40_000, 9);
const fragBinary = bytes(50_000, 10, 8);
const CASES: readonly Case[] = [
  { name: "small text", data: "héllo ✓", compressible: false },
  { name: "small binary", data: bytes(40, 1), compressible: false },
  { name: "empty text", data: "", compressible: false },
  { name: "16 KiB text", data: text(16 * 1024, 2), compressible: true },
  { name: "16 KiB binary", data: bytes(16 * 1024, 3, 4), compressible: true },
  // Random bytes: a sender may or may not compress them; only the bytes are checked.
  { name: "16 KiB random binary", data: bytes(16 * 1024, 4), compressible: false },
  { name: "300 KiB text", data: bigText, compressible: true },
  { name: "300 KiB binary", data: bigBinary, compressible: true },
  {
    name: "fragmented text",
    data: fragText,
    fragments: split(fragText, 3),
    compressible: true,
  },
  {
    name: "fragmented binary",
    data: fragBinary,
    fragments: split(fragBinary, 4),
    compressible: true,
  },
];

/** Asserts `actual` is `expected` byte for byte, naming the first difference. */
function sameMessage(actual: unknown, expected: string | Uint8Array, label: string): void {
  if (typeof expected === "string") {
    assert.equal(typeof actual, "string", `${label}: expected text`);
    const got = actual as string;
    if (got !== expected) {
      let i = 0;
      while (i < got.length && got[i] === expected[i]) i++;
      assert.fail(
        `${label}: text differs at ${i} (length ${got.length}, expected ${expected.length}): ` +
          `${JSON.stringify(got.slice(i, i + 16))} vs ${JSON.stringify(expected.slice(i, i + 16))}`,
      );
    }
    return;
  }
  assert.ok(actual instanceof Uint8Array, `${label}: expected bytes`);
  const got = actual;
  if (Buffer.compare(Buffer.from(got), Buffer.from(expected)) !== 0) {
    let i = 0;
    while (i < got.length && got[i] === expected[i]) i++;
    assert.fail(
      `${label}: bytes differ at ${i} (length ${got.length}, expected ${expected.length}): ` +
        `${Buffer.from(got.subarray(i, i + 16)).toString("hex")} vs ` +
        `${Buffer.from(expected.subarray(i, i + 16)).toString("hex")}`,
    );
  }
}

/**
 * Checks the wire messages a sender produced for CASES, in order: every
 * compressible message carries RSV1 on its first frame, messages under the
 * sender's threshold none, fragmented messages keep their frames.
 */
function checkRsv1(
  wire: readonly WireMessage[],
  sender: string,
  thresholdBytes: number,
  fragmentsKept: boolean,
): void {
  assert.equal(wire.length, CASES.length, `${sender}: messages on the wire`);
  CASES.forEach((c, i) => {
    const message = wire[i] as WireMessage;
    const label = `${sender}, ${c.name}`;
    assert.equal(message.opcode, typeof c.data === "string" ? 1 : 2, `${label}: opcode`);
    const size = typeof c.data === "string" ? Buffer.byteLength(c.data) : c.data.length;
    const first = message.frames[0] as WireFrame;
    if (c.compressible) assert.equal(first.rsv1, true, `${label}: RSV1 expected`);
    if (size < thresholdBytes) assert.equal(first.rsv1, false, `${label}: RSV1 under threshold`);
    if (fragmentsKept && c.fragments !== undefined) {
      assert.ok(message.frames.length >= c.fragments.length, `${label}: frames on the wire`);
    }
    if (first.rsv1 && c.compressible) {
      const wireBytes = message.frames.reduce((n, f) => n + f.length, 0);
      assert.ok(wireBytes < size, `${label}: ${wireBytes} bytes on the wire for ${size}`);
    }
  });
}

// ---------------------------------------------------------------- ws helpers

/** Collects a ws socket's messages, text as strings and binary as bytes. */
function wsInbox(ws: WebSocket): () => Promise<Message> {
  const queue: Message[] = [];
  const waiters: ((m: Message) => void)[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const message = isBinary ? new Uint8Array(data) : data.toString("utf8");
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  return () =>
    queue.length > 0
      ? Promise.resolve(queue.shift() as Message)
      : new Promise((resolve) => waiters.push(resolve));
}

/** Sends CASES from a ws socket (fragments with `fin: false`) and checks the echoes. */
async function wsExchange(ws: WebSocket, next: () => Promise<Message>): Promise<void> {
  const sent = (error?: Error) => {
    if (error) throw error;
  };
  for (const c of CASES) {
    if (c.fragments === undefined) ws.send(c.data, { binary: typeof c.data !== "string" }, sent);
    else {
      for (const [i, fragment] of c.fragments.entries()) {
        const fin = i === c.fragments.length - 1;
        ws.send(fragment, { binary: typeof fragment !== "string", fin }, sent);
      }
    }
    sameMessage(await next(), c.data, `ws client, echo of ${c.name}`);
  }
}

/** Sends CASES from our connection and checks the echoes. */
async function ourExchange(connection: ClientConnection, label: string): Promise<void> {
  for (const c of CASES) {
    await connection.send(c.fragments ?? c.data);
    sameMessage(await connection.recv(), c.data, `${label}, echo of ${c.name}`);
  }
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
}

function closedWs(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once("close", (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString() }),
    ),
  );
}

/**
 * ws applies its threshold (1024 bytes) only when the sender resets its
 * context; with context takeover it compresses every message. So nothing is
 * asserted about ws's small messages.
 */
const WS_THRESHOLD = 0;
/** Our default threshold (PERMESSAGE_DEFLATE_DEFAULTS.thresholdBytes). */
const OUR_THRESHOLD = 128;

// ---------------------------------------------------------------- parameter sets

type Expected = Record<string, string | true>;

interface ParamSet {
  readonly name: string;
  /** The client's wishes, as ws client options and as our client options. */
  readonly wsClient: Record<string, unknown>;
  readonly ourClient: NodePerMessageDeflateOptions;
  /** The server's configuration, as our options (undefined: the server default) and ws's. */
  readonly ourServer: NodePerMessageDeflateOptions | undefined;
  readonly wsServer: Record<string, unknown>;
  /** What the response must say, with ws as client and our server (RFC 7692 7.1). */
  readonly wsToOurs: Expected;
  /** What the response must say, with our client and ws's server. */
  readonly oursToWs: Expected;
}

// Our server defaults to a 12-bit window both ways (see
// PERMESSAGE_DEFLATE_DEFAULTS); ws's server echoes what the client offered,
// dropping a bare client_max_window_bits.
const PARAM_SETS: readonly ParamSet[] = [
  {
    name: "defaults",
    wsClient: {},
    ourClient: {},
    ourServer: undefined,
    wsServer: {},
    wsToOurs: { server_max_window_bits: "12", client_max_window_bits: "12" },
    oursToWs: {},
  },
  {
    name: "server_no_context_takeover",
    wsClient: { serverNoContextTakeover: true },
    ourClient: { serverNoContextTakeover: true },
    ourServer: {},
    wsServer: {},
    wsToOurs: {
      server_no_context_takeover: true,
      server_max_window_bits: "12",
      client_max_window_bits: "12",
    },
    oursToWs: { server_no_context_takeover: true },
  },
  {
    name: "client_no_context_takeover",
    wsClient: { clientNoContextTakeover: true },
    ourClient: { clientNoContextTakeover: true },
    ourServer: {},
    wsServer: {},
    wsToOurs: {
      client_no_context_takeover: true,
      server_max_window_bits: "12",
      client_max_window_bits: "12",
    },
    oursToWs: { client_no_context_takeover: true },
  },
  {
    name: "server_max_window_bits=10",
    wsClient: { serverMaxWindowBits: 10 },
    ourClient: { serverMaxWindowBits: 10 },
    ourServer: {},
    wsServer: {},
    wsToOurs: { server_max_window_bits: "10", client_max_window_bits: "12" },
    oursToWs: { server_max_window_bits: "10" },
  },
  {
    name: "client_max_window_bits=9",
    wsClient: { clientMaxWindowBits: 9 },
    ourClient: { clientMaxWindowBits: 9 },
    ourServer: {},
    wsServer: {},
    wsToOurs: { server_max_window_bits: "12", client_max_window_bits: "9" },
    oursToWs: { client_max_window_bits: "9" },
  },
  {
    name: "both no context takeover",
    wsClient: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    ourClient: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    ourServer: {},
    wsServer: {},
    wsToOurs: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: "12",
      client_max_window_bits: "12",
    },
    oursToWs: { server_no_context_takeover: true, client_no_context_takeover: true },
  },
  {
    name: "server imposes no context takeover and windows 10/9",
    wsClient: {},
    ourClient: {},
    ourServer: {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    },
    wsServer: {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    },
    wsToOurs: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: "10",
      client_max_window_bits: "9",
    },
    oursToWs: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: "10",
      client_max_window_bits: "9",
    },
  },
];

/** Our server with `options` as its permessage-deflate (undefined: the Node default). */
function ourServer(options: NodePerMessageDeflateOptions | undefined): Promise<OurServer> {
  return serve(echo, {
    host: "127.0.0.1",
    port: 0,
    ...(options === undefined ? {} : { compression: [permessageDeflate(options).server] }),
  });
}

function wsServer(options: Record<string, unknown>): Promise<WebSocketServer> {
  return new Promise((resolve) => {
    const server: WebSocketServer = new WebSocketServer(
      { host: "127.0.0.1", port: 0, perMessageDeflate: options },
      () => resolve(server),
    );
    server.on("connection", (ws) => {
      ws.on("message", (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
    });
  });
}

function closeWsServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  return new Promise((resolve) => server.close(() => resolve()));
}

const T = { timeout: 30_000 };

describe("permessage-deflate over sockets with ws", () => {
  for (const set of PARAM_SETS) {
    test(`ws client, our server: ${set.name}`, T, async () => {
      const server = await ourServer(set.ourServer);
      const relay = await tap(portOf(server.address));
      try {
        const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/`, {
          perMessageDeflate: set.wsClient,
        });
        let upgradeHeader: string | undefined;
        ws.once("upgrade", (response) => {
          upgradeHeader = response.headers["sec-websocket-extensions"];
        });
        const next = wsInbox(ws);
        await opened(ws);
        assert.deepEqual(deflateParams(upgradeHeader), set.wsToOurs);
        assert.equal(ws.extensions, "permessage-deflate");
        await wsExchange(ws, next);
        const closing = closedWs(ws);
        ws.close(1000, "done");
        // RFC 6455 5.5.1: the echoed close carries the code; the reason is optional.
        assert.equal((await closing).code, 1000);

        const [wire] = relay.connections;
        assert.ok(wire);
        assert.deepEqual(
          deflateParams(headerOf(wire.responseHead, "sec-websocket-extensions")),
          set.wsToOurs,
        );
        assert.match(headerOf(wire.requestHead, "sec-websocket-extensions") ?? "", /deflate/);
        checkRsv1(wireMessages(wire.toServer), "ws client", WS_THRESHOLD, true);
        checkRsv1(wireMessages(wire.toClient), "our server", OUR_THRESHOLD, false);
      } finally {
        await relay.close();
        await server.close();
      }
    });

    test(`our client, ws server: ${set.name}`, T, async () => {
      const server = await wsServer(set.wsServer);
      const relay = await tap(portOf(server.address()));
      try {
        const client = await connect(`ws://127.0.0.1:${relay.port}/`, {
          compression: [permessageDeflate(set.ourClient).client],
        });
        assert.deepEqual(
          deflateParams(client.response?.headers.get("sec-websocket-extensions")),
          set.oursToWs,
        );
        assert.equal(client.extensions.length, 1);
        await ourExchange(client, "our client");
        const info = await client.close(1000, "done");
        assert.equal(info.code, 1000);

        const [wire] = relay.connections;
        assert.ok(wire);
        assert.deepEqual(
          deflateParams(headerOf(wire.responseHead, "sec-websocket-extensions")),
          set.oursToWs,
        );
        checkRsv1(wireMessages(wire.toServer), "our client", OUR_THRESHOLD, true);
        checkRsv1(wireMessages(wire.toClient), "ws server", WS_THRESHOLD, false);
      } finally {
        await relay.close();
        await closeWsServer(server);
      }
    });
  }

  test(
    "our client negotiates permessage-deflate by default (no compression option)",
    T,
    async () => {
      const server = await wsServer({});
      try {
        const client = await connect(`ws://127.0.0.1:${portOf(server.address())}/`);
        const header = client.response?.headers.get("sec-websocket-extensions");
        await client.close();
        deflateParams(header);
      } finally {
        await closeWsServer(server);
      }
    },
  );
});

// ---------------------------------------------------------------- Python websockets

const skipPython = await skipWithoutPython("websockets", "python3-websockets");
const PY = {
  timeout: 30_000,
  skip: skipPython,
};

// The payloads rebuilt in Python, the same for every run: text with
// non-ASCII characters, compressible and random bytes, fragments (a list
// sent with send() goes out as fragments).
const PY_PAYLOADS = `
import random
rng = random.Random(5)
def text(n):
    s = "".join('{"id":%d,"name":"élément %d"},' % (i * 7919, i % 97) for i in range(n // 20 + 1))
    return s[:n]
PAYLOADS = [
    ("small text", "héllo ✓"),
    ("small binary", bytes(range(40))),
    ("16 KiB text", text(16 * 1024)),
    ("16 KiB binary", bytes(rng.randrange(4) for _ in range(16 * 1024))),
    ("16 KiB random binary", bytes(rng.randrange(256) for _ in range(16 * 1024))),
    ("300 KiB text", text(300 * 1024)),
    ("300 KiB binary", bytes(rng.randrange(16) for _ in range(300 * 1024))),
    ("fragmented text", [text(40000)[i:i + 13334] for i in range(0, 40000, 13334)]),
    ("fragmented binary", [bytes(rng.randrange(8) for _ in range(12500)) for _ in range(4)]),
]
def whole(p):
    return ("" if isinstance(p[0], str) else b"").join(p) if isinstance(p, list) else p
`;

const PY_CLIENT = `
import asyncio, json, sys, websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
${PY_PAYLOADS}
async def main():
    kwargs = json.loads(sys.argv[2])
    extensions = [ClientPerMessageDeflateFactory(**kwargs)] if kwargs else None
    async with websockets.connect(sys.argv[1], extensions=extensions, max_size=2**21) as ws:
        header = ws.response_headers.get("Sec-WebSocket-Extensions")
        for name, payload in PAYLOADS:
            await ws.send(payload)
            echoed = await ws.recv()
            expected = whole(payload)
            if echoed != expected:
                i = next((i for i, (a, b) in enumerate(zip(echoed, expected)) if a != b), min(len(echoed), len(expected)))
                raise SystemExit(f"{name}: differs at {i}: {echoed[i:i+16]!r} vs {expected[i:i+16]!r}")
    print(json.dumps({"header": header, "close": ws.close_code, "count": len(PAYLOADS)}))
asyncio.run(asyncio.wait_for(main(), 20))
`;

const PY_SERVER = `
import asyncio, json, sys, websockets
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
async def echo(ws, path):
    async for message in ws:
        await ws.send(message)
async def main():
    kwargs = json.loads(sys.argv[1])
    extensions = [ServerPerMessageDeflateFactory(**kwargs)] if kwargs else None
    async with websockets.serve(echo, "127.0.0.1", 0, extensions=extensions, max_size=2**21) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(25)
asyncio.run(main())
`;

interface PySet {
  readonly name: string;
  /** Python factory arguments ({} = websockets' default, 12-bit windows and memLevel 5). */
  readonly python: Record<string, unknown>;
  readonly ours: NodePerMessageDeflateOptions | undefined;
  readonly pyToOurs: Expected;
  readonly oursToPy: Expected;
}

const PY_SETS: readonly PySet[] = [
  {
    name: "defaults",
    python: {},
    ours: undefined,
    // Python offers a bare client_max_window_bits; Python's server answers 12/12
    pyToOurs: { server_max_window_bits: "12", client_max_window_bits: "12" },
    oursToPy: { server_max_window_bits: "12", client_max_window_bits: "12" },
  },
  {
    name: "no context takeover, windows 10/9",
    python: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: 10,
      client_max_window_bits: 9,
    },
    ours: {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    },
    pyToOurs: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: "10",
      client_max_window_bits: "9",
    },
    oursToPy: {
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: "10",
      client_max_window_bits: "9",
    },
  },
];

/** Python's payloads, as our client sends them (the same CASES as with ws). */
describe("permessage-deflate over sockets with Python websockets", () => {
  for (const set of PY_SETS) {
    test(`Python client, our server: ${set.name}`, PY, async () => {
      const server = await ourServer(set.ours);
      const relay = await tap(portOf(server.address));
      try {
        const { stdout } = await run(
          PYTHON,
          ["-c", PY_CLIENT, `ws://127.0.0.1:${relay.port}/`, JSON.stringify(set.python)],
          25_000,
        );
        const result = JSON.parse(stdout) as { header: string; close: number; count: number };
        assert.deepEqual(deflateParams(result.header), set.pyToOurs);
        assert.equal(result.close, 1000);
        const [wire] = relay.connections;
        assert.ok(wire);
        assert.deepEqual(
          deflateParams(headerOf(wire.responseHead, "sec-websocket-extensions")),
          set.pyToOurs,
        );
        // Python websockets compresses every data message, whatever its size.
        const fromPython = wireMessages(wire.toServer);
        assert.equal(fromPython.length, result.count);
        for (const [i, message] of fromPython.entries()) {
          assert.equal(message.frames[0]?.rsv1, true, `Python message ${i}: RSV1`);
        }
        const fromUs = wireMessages(wire.toClient);
        assert.equal(fromUs.length, result.count);
        // Only the two small messages are under our threshold; random bytes may go either way.
        const expected = [false, false, true, true, undefined, true, true, true, true];
        assert.deepEqual(
          fromUs.map((m, i) => (expected[i] === undefined ? undefined : m.frames[0]?.rsv1)),
          expected,
        );
      } finally {
        await relay.close();
        await server.close();
      }
    });

    test(`our client, Python server: ${set.name}`, PY, async () => {
      const child = spawn(PYTHON, ["-c", PY_SERVER, JSON.stringify(set.python)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let relay: Awaited<ReturnType<typeof tap>> | undefined;
      try {
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("python server did not start")), 10_000);
          child.stdout.once("data", (chunk: Buffer) => {
            clearTimeout(timer);
            resolve(Number(chunk.toString().trim()));
          });
          child.once("exit", (code) => reject(new Error(`python exited with ${code}`)));
        });
        relay = await tap(port);
        const client = await connect(`ws://127.0.0.1:${relay.port}/`, {
          maxMessageBytes: 2 ** 21,
          ...(set.ours === undefined
            ? {}
            : {
                compression: [
                  permessageDeflate({
                    // The client asks for what Python's server is set to impose.
                    ...set.ours,
                  }).client,
                ],
              }),
        });
        const header = client.response?.headers.get("sec-websocket-extensions");
        assert.deepEqual(deflateParams(header), set.oursToPy);
        await ourExchange(client, "our client to Python");
        assert.equal((await client.close()).code, 1000);
        const [wire] = relay.connections;
        assert.ok(wire);
        checkRsv1(wireMessages(wire.toServer), "our client", OUR_THRESHOLD, true);
        const fromPython = wireMessages(wire.toClient);
        assert.equal(fromPython.length, CASES.length);
        for (const [i, message] of fromPython.entries()) {
          assert.equal(message.frames[0]?.rsv1, true, `Python message ${i}: RSV1`);
        }
      } finally {
        await relay?.close();
        child.kill("SIGKILL");
      }
    });
  }
});

// ---------------------------------------------------------------- Chromium

const CHROMIUM_PAGE = `${OPEN_QUEUED}
async function run(url, sizes) {
  const { ws, next } = await openQueued(url);
  const result = { extensions: ws.extensions, mismatches: [] };
  for (const size of sizes) {
    let s = "";
    for (let i = 0; s.length < size; i++) s += '{"id":' + i + ',"name":"élément ' + (i % 97) + '"},';
    s = s.slice(0, size);
    ws.send(s);
    if ((await next()) !== s) result.mismatches.push("text " + size);
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 7)) % 7;
    ws.send(bytes);
    const echoed = new Uint8Array(await next());
    if (echoed.length !== size || echoed.some((b, i) => b !== bytes[i])) result.mismatches.push("binary " + size);
  }
  const closed = new Promise((resolve) => (ws.onclose = (e) => resolve(e.code)));
  ws.close(1000);
  result.close = await closed;
  return result;
}
`;

describe("permessage-deflate over sockets with Chromium", () => {
  test("Chromium client, our server (default compression)", {
    timeout: 60_000,
    skip: chromiumSkip(),
  }, async () => {
    const server = await ourServer(undefined);
    const relay = await tap(portOf(server.address));
    try {
      const sizes = [5, 16 * 1024, 300 * 1024];
      const url = `ws://127.0.0.1:${relay.port}/`;
      const result = (await withChromium(async (context) => {
        const page = await context.newPage();
        return page.evaluate(
          `(async () => { ${CHROMIUM_PAGE} return run(${JSON.stringify(url)}, ${JSON.stringify(sizes)}); })()`,
        );
      })) as { extensions: string; mismatches: string[]; close: number };
      // Chromium offers "permessage-deflate; client_max_window_bits".
      assert.deepEqual(deflateParams(result.extensions), {
        server_max_window_bits: "12",
        client_max_window_bits: "12",
      });
      assert.deepEqual(result.mismatches, []);
      assert.equal(result.close, 1000);
      const [wire] = relay.connections;
      assert.ok(wire);
      assert.match(
        headerOf(wire.requestHead, "sec-websocket-extensions") ?? "",
        /^permessage-deflate/,
      );
      const fromChromium = wireMessages(wire.toServer);
      const fromUs = wireMessages(wire.toClient);
      assert.equal(fromChromium.length, sizes.length * 2);
      assert.equal(fromUs.length, sizes.length * 2);
      // Sizes above our threshold come back compressed; 5 bytes do not.
      assert.deepEqual(
        fromUs.map((m) => m.frames[0]?.rsv1),
        sizes.flatMap((size) => [size >= OUR_THRESHOLD, size >= OUR_THRESHOLD]),
      );
      // Chromium compresses the large messages it sends.
      for (const [i, message] of fromChromium.entries()) {
        if ((sizes[i >> 1] as number) >= 16 * 1024) {
          assert.equal(message.frames[0]?.rsv1, true, `Chromium message ${i}: RSV1`);
        }
      }
    } finally {
      await relay.close();
      await server.close();
    }
  });
});

// ---------------------------------------------------------------- bombs

describe("decompression bombs over sockets", () => {
  test("a ws client's bomb closes with 1009 and the server serves the next client", T, async () => {
    const maxMessageBytes = 64 * 1024;
    const server = await serve(echo, { host: "127.0.0.1", port: 0, maxMessageBytes });
    const relay = await tap(portOf(server.address));
    try {
      const url = `ws://127.0.0.1:${relay.port}/`;
      const bomber = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
      await opened(bomber);
      const closing = closedWs(bomber);
      // 16 MiB of zeros deflates to ~16 KiB: the frame is small, the message is not.
      const bomb = Buffer.alloc(16 * 1024 * 1024);
      const started = performance.now();
      bomber.send(bomb, { binary: true });
      const { code } = await closing;
      const elapsedMs = performance.now() - started;
      assert.equal(code, 1009);
      const [wire] = relay.connections;
      assert.ok(wire);
      const [frame] = wire.toServer;
      assert.ok(frame?.rsv1, "the bomb went compressed");
      assert.ok(frame.length < maxMessageBytes, `bomb frame of ${frame.length} bytes`);
      const close = wire.toClient.find((f) => f.opcode === 0x8);
      assert.ok(close, "our server sent a close frame");
      // Generous bound: the server stops inflating at the limit, it does not inflate 16 MiB.
      assert.ok(elapsedMs < 5_000, `bomb handled in ${elapsedMs} ms`);

      const next = new WebSocket(url, { perMessageDeflate: {} });
      const inbox = wsInbox(next);
      await opened(next);
      next.send("still here");
      assert.equal(await inbox(), "still here");
      const big = text(32 * 1024, 3);
      next.send(big);
      sameMessage(await inbox(), big, "after the bomb");
      const closingNext = closedWs(next);
      next.close(1000);
      assert.equal((await closingNext).code, 1000);
    } finally {
      await relay.close();
      await server.close();
    }
  });

  test("a ws server's bomb fails our client with 1009", T, async () => {
    let serverSaw: Promise<number> | undefined;
    const server = await new Promise<WebSocketServer>((resolve) => {
      const s: WebSocketServer = new WebSocketServer(
        { host: "127.0.0.1", port: 0, perMessageDeflate: { threshold: 0 } },
        () => resolve(s),
      );
      s.on("connection", (ws) => {
        serverSaw = closedWs(ws).then(({ code }) => code);
        ws.send(Buffer.alloc(16 * 1024 * 1024));
      });
    });
    try {
      const client = await connect(`ws://127.0.0.1:${portOf(server.address())}/`, {
        maxMessageBytes: 64 * 1024,
      });
      await assert.rejects(client.recv());
      const info = await client.closed;
      // Failing the connection (RFC 6455 7.1.7) sends 1009 and closes the TCP
      // connection without waiting for the echo: `code` is what the peer sent (none).
      assert.equal(info.code, 1006);
      assert.equal((info.error as { closeCode?: number } | undefined)?.closeCode, 1009);
      assert.equal(await serverSaw, 1009);
    } finally {
      await closeWsServer(server);
    }
  });
});
