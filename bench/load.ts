/**
 * The benchmark's load generator: a raw WebSocket client on `node:net` that
 * costs the machine as little as possible, so that the server under test, not
 * the load, is the bottleneck.
 *
 * - Frames are encoded and masked once, up front, into a ring; sending `k`
 *   frames is one `socket.write` of a slice of it (two when the slice wraps).
 * - Replies are counted, not decoded: only frame headers are read, payloads
 *   are skipped, nothing is unmasked, inflated or copied.
 * - No WebSocket library is involved, so no library is measured twice.
 *
 * Modes (`--mode`):
 * - `echo`: `--connections` × `--inflight` messages of `--size` bytes in
 *   flight; each echo received is replaced by a new message (with
 *   `--batch k`, once k echoes are owed, as tools/wsblast's `-b`). Counts echoes.
 * - `latency`: one connection, one message in flight; records each round trip
 *   (`--trace FILE` writes them all, for bench/latency-anatomy.ts).
 * - `handshake`: `--connections` loops that open a TCP connection, send the
 *   upgrade request, wait for `101 Switching Protocols` and reset the
 *   connection. Counts handshakes.
 * - `idle`: opens `--connections` connections (with `--deflate`, sends one
 *   compressed message on each and waits for its echo, so that the server
 *   has allocated its codecs), then keeps them open. Talks to the
 *   orchestrator over stdin/stdout (`WARM`, `go`, `READY`).
 * - `broadcast`: opens `--connections` connections; the first sends messages
 *   that the server relays to every connection, `--inflight` broadcasts in
 *   flight. Counts deliveries (messages received over all connections).
 *
 * CPU shares: with `--pid`, the server's utime+stime from /proc/<pid>/stat and
 * this process's own CPU time over the same measuring window, as fractions of
 * one core; and how busy cores 0 and 1 were with anything else (/proc/stat),
 * which shows when other work on the machine distorted a run.
 *
 * Prints one JSON line (`RESULT {...}`) on stdout.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { connect as connectTls } from "node:tls";
import { constants, deflateRawSync } from "node:zlib";
import { flag, numberOption, option } from "./args.js";
import { mulberry32 } from "./random.js";

// --- arguments ---------------------------------------------------------------

const MODE = option("mode") ?? "echo";
const HOST = option("host") ?? "127.0.0.1";
const PORT = numberOption("port", 0);
const CONNECTIONS = numberOption("connections", 50);
const INFLIGHT = numberOption("inflight", 32);
const SIZE = numberOption("size", 64);
const SECONDS = numberOption("seconds", 3);
const WARMUP = numberOption("warmup", 0.5);
const SERVER_PID = numberOption("pid", 0);
const DEFLATE = flag("deflate");
const OPEN_CONCURRENCY = numberOption("open-concurrency", 64);
/** Over TLS (wss:), certificate not checked (the servers' is self-signed). */
const TLS = flag("tls");
/** Echo mode: write back only once this many echoes are owed (fewer, larger client writes). */
const BATCH = Math.max(1, Math.min(numberOption("batch", 1), INFLIGHT));
/** Latency mode: writes every round trip measured to this file (see bench/latency-anatomy.ts). */
const TRACE = option("trace");

// --- measuring ---------------------------------------------------------------

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function serverCpuSeconds(): number {
  if (SERVER_PID === 0) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${SERVER_PID}/stat`, "latin1");
    // The command name (field 2) may hold spaces: fields count from after ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

/** Busy seconds (everything but idle and iowait) of cores 0 and 1, from /proc/stat. */
function coreBusySeconds(): [number, number] {
  const busy: [number, number] = [Number.NaN, Number.NaN];
  try {
    for (const line of readFileSync("/proc/stat", "latin1").split("\n")) {
      const match = /^cpu([01]) (.*)$/.exec(line);
      if (match === null) continue;
      const ticks = match[2]!.trim().split(/\s+/).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is already in user).
      const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
      busy[Number(match[1]) as 0 | 1] = (total - ticks[3]! - ticks[4]!) / USER_HZ;
    }
  } catch {}
  return busy;
}

interface Snapshot {
  readonly at: number;
  readonly count: number;
  readonly server: number;
  readonly own: number;
  readonly cores: [number, number];
}

function snapshot(count: number): Snapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    count,
    server: serverCpuSeconds(),
    own: (usage.user + usage.system) / 1e6,
    cores: coreBusySeconds(),
  };
}

function report(start: Snapshot, end: Snapshot, extra: Record<string, unknown> = {}): void {
  const seconds = (end.at - start.at) / 1000;
  const result = {
    mode: MODE,
    count: end.count - start.count,
    seconds,
    rate: (end.count - start.count) / seconds,
    serverCpu: (end.server - start.server) / seconds,
    loadCpu: (end.own - start.own) / seconds,
    // What else kept the two cores busy: other processes, and interrupt work
    // not charged to either process.
    otherCpu0: (end.cores[0] - start.cores[0]) / seconds - (end.server - start.server) / seconds,
    otherCpu1: (end.cores[1] - start.cores[1]) / seconds - (end.own - start.own) / seconds,
    ...extra,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function fail(message: string): never {
  process.stderr.write(`load: ${message}\n`);
  process.exit(1);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// --- frames ------------------------------------------------------------------

/** A masked client frame (RFC 6455 5.2), FIN set. */
function encodeFrame(payload: Buffer, opcode: number, rsv1 = false): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(6 + extra + length);
  frame[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  if (extra === 0) frame[1] = 0x80 | length;
  else if (extra === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, 2 + extra);
  const offset = 6 + extra;
  for (let i = 0; i < length; i++) frame[offset + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

// Deterministic messages, so every run sends the same bytes.
const rand = mulberry32(7);
const WORDS =
  "the of and to in is that it for on with as was at by an be this from or have are not".split(" ");

/** JSON-like text of `size` bytes: same shape, varying values (compresses about 3:1). */
function jsonText(size: number, i: number): Buffer {
  const items = [];
  let json = "";
  while (json.length < size) {
    items.push({
      id: 100000 + rand(900000),
      user: `user_${rand(5000)}`,
      active: rand(2) === 1,
      score: rand(1e6) / 100,
      tags: [WORDS[rand(WORDS.length)], WORDS[rand(WORDS.length)]],
      ts: 1_700_000_000_000 + i * 1000 + rand(1000),
    });
    json = JSON.stringify({ type: "update", seq: i, items });
  }
  return Buffer.from(json.slice(0, size));
}

/**
 * A message compressed on its own (RFC 7692 7.2.1: sync flush, trailing
 * 00 00 ff ff removed). It refers to nothing sent before, so it is valid on a
 * connection with or without context takeover, however often it is repeated.
 */
function compressedFrame(text: Buffer): Buffer {
  const deflated = deflateRawSync(text, {
    windowBits: 9,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  return encodeFrame(deflated.subarray(0, deflated.length - 4), 0x1, true);
}

/**
 * Frames laid out back to back, and where each starts, so that any run of
 * consecutive frames is one slice of one buffer.
 */
interface Ring {
  readonly bytes: Buffer;
  readonly offsets: number[];
  readonly count: number;
}

function ring(frames: Buffer[]): Ring {
  const offsets = [0];
  for (const frame of frames) offsets.push(offsets[offsets.length - 1]! + frame.length);
  return { bytes: Buffer.concat(frames), offsets, count: frames.length };
}

/**
 * What the echo modes send: with compression, 256 different JSON-like texts
 * (a sender with context takeover must not find the previous copy of a
 * message in its window, which would make compressing it unrealistically
 * cheap); otherwise the same binary message repeated.
 */
function messageRing(copies: number): Ring {
  if (DEFLATE) {
    return ring(
      Array.from({ length: Math.max(256, copies) }, (_, i) => compressedFrame(jsonText(SIZE, i))),
    );
  }
  const payload = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) payload[i] = rand(256);
  const frame = encodeFrame(payload, 0x2);
  return ring(Array.from({ length: Math.max(1, copies) }, () => frame));
}

// --- counting replies --------------------------------------------------------

/**
 * Reads the frame headers of a server's byte stream and counts the frames
 * that end a data message; payloads are skipped without being looked at.
 */
class ReplyCounter {
  /** Payload bytes of the current frame still to skip. */
  skip = 0;
  /** Whether the frame being skipped ends a data message. */
  counts = false;
  readonly #head = Buffer.alloc(14);
  #headLength = 0;
  closed = false;

  /** Returns how many data messages ended in `chunk`. */
  feed(chunk: Buffer): number {
    let i = 0;
    let done = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        if (this.skip === 0 && this.counts) done++;
        continue;
      }
      let head: Buffer = chunk;
      let at = i;
      if (this.#headLength > 0 || n - i < 14) {
        // A header split over reads (or near the end of this one): gather it.
        while (i < n && this.#headLength < 14) {
          this.#head[this.#headLength++] = chunk[i++]!;
          const need = this.#needed();
          if (need !== 0 && this.#headLength >= need) break;
        }
        const need = this.#needed();
        if (need === 0 || this.#headLength < need) continue; // wait for more bytes
        head = this.#head;
        at = 0;
        i -= this.#headLength - need; // nothing beyond the header was consumed
        this.#headLength = 0;
      }
      const b0 = head[at]!;
      const b1 = head[at + 1]!;
      let length = b1 & 0x7f;
      let size = 2;
      if (length === 126) {
        length = head.readUInt16BE(at + 2);
        size = 4;
      } else if (length === 127) {
        length = Number(head.readBigUInt64BE(at + 2));
        size = 10;
      }
      if (b1 & 0x80) size += 4; // a server must not mask, but skip it if it does
      if (head === chunk) i += size;
      const opcode = b0 & 0x0f;
      if (opcode === 0x8) this.closed = true;
      this.counts = (b0 & 0x80) !== 0 && opcode < 0x8;
      this.skip = length;
      if (length === 0 && this.counts) done++;
    }
    return done;
  }

  /** Header size once enough of it is known, 0 before. */
  #needed(): number {
    if (this.#headLength < 2) return 0;
    const b1 = this.#head[1]!;
    const length = b1 & 0x7f;
    return (length === 126 ? 4 : length === 127 ? 10 : 2) + (b1 & 0x80 ? 4 : 0);
  }
}

// --- opening -----------------------------------------------------------------

function upgradeRequest(): Buffer {
  return Buffer.from(
    `GET / HTTP/1.1\r\nHost: ${HOST}:${PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      (DEFLATE ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "") +
      "\r\n",
    "latin1",
  );
}
const REQUEST = upgradeRequest();
const HEAD_END = Buffer.from("\r\n\r\n");

/**
 * Reads land in one shared buffer (`onread`), handed to the connection's
 * listener synchronously: no allocation and no stream machinery per read,
 * which is most of what a Node client spends on small messages.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** An open WebSocket connection: its socket and whoever is listening to its bytes. */
class Conn {
  socket!: Socket;
  #listener: ((chunk: Buffer) => void) | undefined;
  /** Bytes read before anyone listened (copied out of the shared buffer). */
  #pending: Buffer[] = [];

  /** Called with every chunk read (valid only during the call). */
  listen(listener: ((chunk: Buffer) => void) | undefined): void {
    this.#listener = listener;
    if (listener === undefined) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of pending) listener(chunk);
  }

  bytes(chunk: Buffer): void {
    if (this.#listener !== undefined) this.#listener(chunk);
    else this.#pending.push(Buffer.from(chunk));
  }
}

/** Opens a WebSocket connection (the opening handshake, checked). */
function open(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const conn = new Conn();
    let head: Buffer = Buffer.alloc(0);
    conn.listen((chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      conn.listen(undefined);
      socket.off("error", reject);
      const text = head.subarray(0, end).toString("latin1");
      if (!text.startsWith("HTTP/1.1 101")) {
        socket.destroy();
        reject(new Error(`Cannot open a connection: ${JSON.stringify(text.split("\r\n")[0])}`));
        return;
      }
      if (DEFLATE && !/^sec-websocket-extensions:.*permessage-deflate/im.test(text)) {
        socket.destroy();
        reject(new Error("Cannot open a connection: the server did not accept permessage-deflate"));
        return;
      }
      if (end + 4 < head.length) conn.bytes(head.subarray(end + 4));
      resolve(conn);
    });
    const socket = TLS
      ? // (A TLS socket takes no onread buffer: its reads come as data events.)
        connectTls({ host: HOST, port: PORT, rejectUnauthorized: false }).on("data", (chunk) =>
          conn.bytes(chunk),
        )
      : connect({
          host: HOST,
          port: PORT,
          noDelay: true,
          onread: {
            buffer: READ_BUFFER,
            callback: (length: number, buffer: Uint8Array): boolean => {
              conn.bytes((buffer as Buffer).subarray(0, length));
              return true;
            },
          },
        });
    if (TLS) socket.setNoDelay(true);
    conn.socket = socket;
    socket.once("error", reject);
    socket.once(TLS ? "secureConnect" : "connect", () => socket.write(REQUEST));
  });
}

/** `count` results of `openOne()`, at most OPEN_CONCURRENCY of them opening at a time. */
async function openMany<T>(count: number, openOne: () => Promise<T>): Promise<T[]> {
  const opened: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      opened.push(await openOne());
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  return opened;
}

// --- counting ----------------------------------------------------------------

/** Reads of reply bytes, over all connections (for replies per read). */
let replyReads = 0;

/**
 * Counts `conn`'s replies: `onReplies(k)` after each read that completes k of
 * them. A connection the server closes, or a socket error, ends the run: the
 * load must not shrink unseen.
 */
function countReplies(conn: Conn, onReplies: (count: number) => void): void {
  const counter = new ReplyCounter();
  conn.listen((chunk) => {
    replyReads++;
    const done = counter.feed(chunk);
    if (counter.closed) fail("the server closed a connection");
    if (done > 0) onReplies(done);
  });
  conn.socket.on("error", (error) => fail(`socket error: ${error.message}`));
}

// --- modes -------------------------------------------------------------------

/** Sends frames `from` to `from + k` of the ring (wrapping); returns the next position. */
function sendFrames(socket: Socket, frames: Ring, from: number, k: number): number {
  let at = from;
  let left = k;
  while (left > 0) {
    const run = Math.min(left, frames.count - at);
    socket.write(frames.bytes.subarray(frames.offsets[at]!, frames.offsets[at + run]!));
    left -= run;
    at = (at + run) % frames.count;
  }
  return at;
}

async function echo(latency: boolean): Promise<void> {
  // Latency: one connection unless --connections says more; each has one
  // message in flight and its own round trips are timed.
  const connections = latency && option("connections") === undefined ? 1 : CONNECTIONS;
  const inflight = latency ? 1 : INFLIGHT;
  const frames = messageRing(inflight);
  const sockets = await openMany(connections, open);
  let total = 0;
  let measuring = false;
  const samples: number[] = [];
  // With --trace: [when (ms), connection, round trip (ms)] for each sample.
  const trace: number[] | undefined = TRACE === undefined ? undefined : [];
  for (const [index, conn] of sockets.entries()) {
    let sentAt = 0;
    const socket = conn.socket;
    let position = (index * 7) % frames.count;
    let owed = 0;
    const batch = latency ? 1 : BATCH;
    countReplies(conn, (done) => {
      total += done;
      if (latency) {
        const now = performance.now();
        if (measuring) {
          samples.push(now - sentAt);
          trace?.push(now, index, now - sentAt);
        }
        sentAt = now;
      }
      owed += done;
      if (owed < batch) return;
      position = sendFrames(socket, frames, position, owed);
      owed = 0;
    });
    sentAt = performance.now();
    position = sendFrames(socket, frames, position, inflight);
  }
  await sleep(WARMUP * 1000);
  measuring = true;
  const start = snapshot(total);
  const readsBefore = replyReads;
  await sleep(SECONDS * 1000);
  const end = snapshot(total);
  // How many replies each read brought: how much the server batches its writes.
  const perRead = (end.count - start.count) / (replyReads - readsBefore);
  measuring = false;
  if (latency) {
    samples.sort((a, b) => a - b);
    const at = (q: number): number =>
      samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
    if (trace !== undefined) writeFileSync(TRACE!, JSON.stringify(trace));
    report(start, end, {
      p50Us: at(0.5) * 1000,
      p99Us: at(0.99) * 1000,
      p999Us: at(0.999) * 1000,
      samples: samples.length,
    });
  } else report(start, end, { perRead });
  for (const { socket } of sockets) socket.destroy();
  process.exit(0);
}

async function handshakes(): Promise<void> {
  let total = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const { socket } = await open();
      total++;
      // A reset leaves no TIME_WAIT behind, so thousands of connections per
      // second do not run out of local ports; the server sees ECONNRESET.
      socket.resetAndDestroy();
    }
  };
  const loops = Array.from({ length: CONNECTIONS }, () =>
    loop().catch((error: Error) => fail(error.message)),
  );
  await sleep(WARMUP * 1000);
  const start = snapshot(total);
  await sleep(SECONDS * 1000);
  const end = snapshot(total);
  running = false;
  report(start, end);
  await Promise.race([Promise.all(loops), sleep(1000)]);
  process.exit(0);
}

async function idle(): Promise<void> {
  const frames = DEFLATE ? messageRing(1) : undefined;
  // With compression, a message each way so that both of the server's codecs exist.
  const openOne = async (): Promise<Socket> => {
    const conn = await open();
    const socket = conn.socket;
    if (frames !== undefined) {
      const counter = new ReplyCounter();
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer): void => {
          if (counter.feed(chunk) > 0) {
            conn.listen(undefined);
            resolve();
          }
        };
        conn.listen(onData);
        sendFrames(socket, frames, rand(frames.count), 1);
      });
    }
    socket.on("error", () => {});
    return socket;
  };
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  // Warm-up: code paths compiled, modules loaded, pools grown, before the
  // baseline. A fifth of the connections (1000 of 5000): enough handshakes for
  // V8's optimizing tiers to compile the per-connection code of either server.
  // With 200, the first optimized compilation often came during the measured
  // ramp, and the pages of compiler code it touched in the Node binary (about
  // 5 MB, once per process) were counted as 1 KiB per connection, in some
  // runs and not others (measured on Node 24 with /proc/<pid>/smaps).
  const warm = await openMany(
    Math.max(Math.min(200, CONNECTIONS), Math.floor(CONNECTIONS / 5)),
    openOne,
  );
  for (const socket of warm) socket.destroy();
  await sleep(300);
  process.stdout.write("WARM\n");
  await lines.next(); // "go": the orchestrator has taken the baseline
  const started = performance.now();
  const sockets = await openMany(CONNECTIONS, openOne);
  process.stdout.write(
    `READY ${JSON.stringify({ connections: sockets.length, openSeconds: (performance.now() - started) / 1000 })}\n`,
  );
  await lines.next(); // "done", or the end of stdin
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

async function broadcastMode(): Promise<void> {
  const frames = messageRing(INFLIGHT);
  const sockets = await openMany(CONNECTIONS, open);
  const publisher = sockets[0]!.socket;
  let delivered = 0;
  let published = 0;
  let position = 0;
  // Keep INFLIGHT broadcasts going: a broadcast counts as done once as many
  // messages as there are connections have arrived (an estimate: fast
  // connections may run ahead of slow ones, by at most the window).
  const publish = (): void => {
    const done = Math.floor(delivered / sockets.length);
    const k = done + INFLIGHT - published;
    if (k <= 0) return;
    position = sendFrames(publisher, frames, position, k);
    published += k;
  };
  for (const conn of sockets) {
    countReplies(conn, (done) => {
      delivered += done;
      publish();
    });
  }
  publish();
  await sleep(WARMUP * 1000);
  const start = snapshot(delivered);
  const readsBefore = replyReads;
  await sleep(SECONDS * 1000);
  const end = snapshot(delivered);
  // Deliveries per read: how many messages the server put in each write to
  // a subscriber (a server that batches more pays fewer syscalls each).
  const perRead = (end.count - start.count) / (replyReads - readsBefore);
  report(start, end, { connections: sockets.length, perRead });
  for (const { socket } of sockets) socket.destroy();
  process.exit(0);
}

const modes: Record<string, () => Promise<void>> = {
  echo: () => echo(false),
  latency: () => echo(true),
  handshake: handshakes,
  idle,
  broadcast: broadcastMode,
};
const run = modes[MODE];
if (run === undefined) fail(`unknown mode ${JSON.stringify(MODE)}`);
if (PORT === 0) fail("--port is required");
await run().catch((error: Error) => fail(error.stack ?? error.message));
