/**
 * `npm run bench:core`: the sans-I/O core against ws's Receiver and Sender, in
 * one process and one run, alternating the two (A B A B ...) and reporting the
 * median ratio. ws loads bufferutil (native masking) when it is installed, as it
 * is here, so ws is measured at its fastest; `WS_NO_BUFFER_UTIL=1` measures it
 * without.
 *
 * Receiving: masked binary frames as a server gets them, concatenated and cut
 * into 64 KiB reads (a socket's usual read size). Producing: unmasked server
 * frames (what an echo server writes) and masked client frames.
 */

import { createRequire } from "node:module";
import { Protocol } from "../src/core/protocol.js";
import { ServerProtocol } from "../src/core/server.js";

const require = createRequire(import.meta.url);
const { Receiver, Sender } = require("ws") as {
  Receiver: new (
    options: object,
  ) => {
    on(event: "message", listener: (data: unknown) => void): void;
    write(chunk: Uint8Array): boolean;
  };
  Sender: { frame(data: Uint8Array, options: object): Uint8Array[] };
};

const READ_BYTES = 64 * 1024;
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const ROUND_MS = Number(process.env["BENCH_ROUND_MS"] ?? 400);

function maskedFrames(size: number, count: number, text = false): Buffer[] {
  const header = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + size);
  frame[0] = text ? 0x81 : 0x82;
  if (size < 126) frame[1] = 0x80 | size;
  else if (size < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(size, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(size), 2);
  }
  frame.set([0x12, 0x34, 0x56, 0x78], header);
  // Text: ASCII letters (masked below); binary: any bytes.
  const key = [0x12, 0x34, 0x56, 0x78];
  for (let i = 0; i < size; i++) {
    frame[header + 4 + i] = text ? (0x61 + (i % 26)) ^ key[i % 4]! : (i * 13) & 0xff;
  }
  const all = Buffer.concat(Array.from({ length: count }, () => frame));
  const reads: Buffer[] = [];
  for (let at = 0; at < all.length; at += READ_BYTES) reads.push(all.subarray(at, at + READ_BYTES));
  return reads;
}

/**
 * Runs `pass` (which handles `perPass` messages) for about ROUND_MS of this
 * process's CPU time; returns messages per CPU second. CPU time rather than
 * wall time: on a shared 2-core machine another process can take the core
 * away mid-round, which wall time would charge to whichever side was running.
 */
function measure(pass: () => void, perPass: number): number {
  const start = process.cpuUsage();
  let passes = 0;
  let elapsedMs = 0;
  do {
    pass();
    passes++;
    const used = process.cpuUsage(start);
    elapsedMs = (used.user + used.system) / 1000;
  } while (elapsedMs < ROUND_MS);
  return (passes * perPass) / (elapsedMs / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function fmt(n: number): string {
  return n >= 1e5 ? `${(n / 1e6).toFixed(3)} M/s` : `${(n / 1e3).toFixed(2)} k/s`;
}

/** Whether a case runs: all of them, or those whose name contains the first argument. */
function selected(name: string): boolean {
  const only = process.argv[2];
  return only === undefined || name.includes(only);
}

function compare(name: string, ours: () => number, theirs: () => number): void {
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const x = ours();
    const y = theirs();
    a.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  console.log(
    `${name.padEnd(34)} ours ${fmt(median(a)).padStart(12)}  ws ${fmt(median(b)).padStart(12)}  ratio ${median(ratios).toFixed(2)}x (${spread})`,
  );
}

/** A case with no ws counterpart: our rate alone, median and range. */
function single(name: string, ours: () => number): void {
  const a: number[] = [];
  for (let round = 0; round < ROUNDS; round++) a.push(ours());
  const spread = `${(Math.min(...a) / 1e3).toFixed(1)}-${(Math.max(...a) / 1e3).toFixed(1)}`;
  console.log(`${name.padEnd(34)} ours ${fmt(median(a)).padStart(12)}  (${spread} k/s)`);
}

function receiving(size: number, text = false): void {
  const name = `receive masked ${text ? "text" : "binary"} ${label(size)}`;
  if (!selected(name)) return;
  // Enough frames per pass that a pass takes a while, with a bounded input.
  const count = Math.max(4, Math.min(20000, Math.floor((4 * 1024 * 1024) / (size + 14))));
  const reads = maskedFrames(size, count, text);
  const limit = size + 1024;
  let received = 0;
  const ours = () => {
    const protocol = new Protocol("server", { maxMessageBytes: limit });
    return measure(() => {
      for (const read of reads) {
        protocol.receiveData(read);
        received += protocol.takeEvents().length;
      }
    }, count);
  };
  const theirs = () => {
    const receiver = new Receiver({ isServer: true, maxPayload: limit });
    receiver.on("message", () => {
      received++;
    });
    return measure(() => {
      for (const read of reads) receiver.write(read);
    }, count);
  };
  compare(name, ours, theirs);
  if (received === 0) throw new Error("nothing received");
}

function producing(size: number, masked: boolean): void {
  const name = `frame ${masked ? "masked" : "unmasked"} binary ${label(size)}`;
  if (!selected(name)) return;
  const payload = Buffer.alloc(size, 0x61);
  const batch = 32;
  let bytes = 0;
  const ours = () => {
    const protocol = new Protocol(masked ? "client" : "server");
    return measure(() => {
      for (let i = 0; i < batch; i++) protocol.sendBinary(payload);
      for (const chunk of protocol.takeOutput().chunks) bytes += chunk.length;
    }, batch);
  };
  const theirs = () =>
    measure(() => {
      for (let i = 0; i < batch; i++) {
        const list = Sender.frame(payload, {
          fin: true,
          opcode: 2,
          mask: masked,
          readOnly: true,
          rsv1: false,
        });
        for (const chunk of list) bytes += chunk.length;
      }
    }, batch);
  compare(name, ours, theirs);
  if (bytes === 0) throw new Error("nothing framed");
}

// What a browser sends (Chromium 131, with its usual fields and a cookie-free
// page) and what the load generator of `npm run bench` sends.
const BROWSER_REQUEST = Buffer.from(
  "GET /chat HTTP/1.1\r\nHost: localhost:8080\r\nConnection: Upgrade\r\nPragma: no-cache\r\n" +
    "Cache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " +
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\n" +
    "Origin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\n" +
    "Accept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
  "latin1",
);
const BENCH_REQUEST = Buffer.from(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:45678\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  "latin1",
);

/**
 * The core's side of a server handshake: a ServerProtocol fed one request (a
 * fresh copy, as a socket read would be), acceptAndSend (what serve() does), takeOutput.
 * No ws counterpart: ws's handshake is spread over node:http and its server.
 */
function serverHandshake(kind: string, request: Buffer): void {
  const name = `server handshake, ${kind}`;
  if (!selected(name)) return;
  const batch = 64;
  const reads = Array.from({ length: batch }, () => Buffer.from(request));
  // One options object for every connection, as a server passes them.
  const options = {};
  let bytes = 0;
  const run = () =>
    measure(() => {
      for (const read of reads) {
        const protocol = new ServerProtocol(options);
        protocol.receiveData(read);
        const event = protocol.takeEvents()[0];
        if (event?.type !== "request") throw new Error("no request");
        protocol.acceptAndSend(event.request);
        for (const chunk of protocol.takeOutput().chunks) bytes += chunk.length;
      }
    }, batch);
  single(name, run);
  if (bytes === 0) throw new Error("no response");
}

function label(size: number): string {
  return size >= 1024 * 1024
    ? `${size / 1024 / 1024} MiB`
    : size >= 1024
      ? `${size / 1024} KiB`
      : `${size} B`;
}

console.log(
  `bench:core on Node ${process.version}; ws with bufferutil: ${process.env["WS_NO_BUFFER_UTIL"] ? "no" : "yes"}; ${ROUNDS} alternating rounds of ${ROUND_MS} ms, CPU time, median ratio (min-max)`,
);
for (const size of [64, 1024, 64 * 1024, 1024 * 1024]) receiving(size);
for (const size of [64, 1024]) receiving(size, true);
for (const size of [64, 1024, 64 * 1024]) producing(size, false);
for (const size of [64, 1024, 64 * 1024]) producing(size, true);
serverHandshake("browser request", BROWSER_REQUEST);
serverHandshake("bench request", BENCH_REQUEST);
