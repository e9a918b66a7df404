/**
 * Test helpers for the HTTP/2 machine: frames built by hand, frames parsed
 * back out of output, and two machines joined by an in-memory wire.
 */

import { HpackEncoder } from "../../../src/core/http2/hpack/index.js";
import type { HeaderField, Http2Event } from "../../../src/core/http2/index.js";
import { Http2Session, type Http2SessionOptions } from "../../../src/core/http2/index.js";
import { concat as concatParts } from "../../helpers/wire.js";

export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export const T = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const F = { END_STREAM: 1, ACK: 1, END_HEADERS: 4, PADDED: 8, PRIORITY: 0x20 } as const;

/** One frame's bytes. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array | readonly number[] = [],
): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const out = new Uint8Array(9 + body.length);
  out[0] = body.length >>> 16;
  out[1] = body.length >>> 8;
  out[2] = body.length;
  out[3] = type;
  out[4] = flags;
  out[5] = streamId >>> 24;
  out[6] = streamId >>> 16;
  out[7] = streamId >>> 8;
  out[8] = streamId;
  out.set(body, 9);
  return out;
}

export function u32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

export function settingsPayload(pairs: readonly [number, number][]): number[] {
  return pairs.flatMap(([id, v]) => [id >>> 8, id & 0xff, ...u32(v)]);
}

/** test/helpers/wire.ts's `concat`, taking its parts as arguments. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatParts(parts);
}

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** Splits bytes into frames (the bytes must hold whole frames). */
export function parseFrames(bytes: Uint8Array): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    frames.push({
      type: bytes[at + 3]!,
      flags: bytes[at + 4]!,
      streamId:
        ((bytes[at + 5]! & 0x7f) << 24) |
        (bytes[at + 6]! << 16) |
        (bytes[at + 7]! << 8) |
        bytes[at + 8]!,
      payload: bytes.slice(at + 9, at + 9 + length),
    });
    at += 9 + length;
  }
  return frames;
}

/** The output of a session as one byte array. */
export function output(session: Http2Session): Uint8Array {
  return concat(...session.takeOutput().chunks);
}

/** The output of a session as frames (a client's preface cut off). */
export function outputFrames(session: Http2Session): ParsedFrame[] {
  let bytes = output(session);
  if (bytes.length >= 24 && bytes[0] === 0x50 && bytes[1] === 0x52 && bytes[2] === 0x49)
    bytes = bytes.subarray(24);
  return parseFrames(bytes);
}

/** The error code of a RST_STREAM or GOAWAY frame. */
export function codeOf(f: ParsedFrame): number {
  const at = f.type === T.GOAWAY ? 4 : 0;
  const p = f.payload;
  return ((p[at]! << 24) | (p[at + 1]! << 16) | (p[at + 2]! << 8) | p[at + 3]!) >>> 0;
}

/** A server that has read the client preface and an empty SETTINGS; its output and events taken. */
export function openServer(options: Partial<Http2SessionOptions> = {}): Http2Session {
  const server = new Http2Session({ role: "server", ...options });
  server.receiveData(concat(PREFACE, frame(T.SETTINGS, 0, 0)));
  server.takeOutput();
  server.takeEvents();
  return server;
}

/** A client that has read an empty server SETTINGS (with ENABLE_CONNECT_PROTOCOL 1). */
export function openClient(options: Partial<Http2SessionOptions> = {}): Http2Session {
  const client = new Http2Session({ role: "client", ...options });
  client.receiveData(frame(T.SETTINGS, 0, 0, settingsPayload([[8, 1]])));
  client.takeOutput();
  client.takeEvents();
  return client;
}

export const GET: HeaderField[] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "example.com"],
  [":path", "/"],
];

export const CONNECT_WS: HeaderField[] = [
  [":method", "CONNECT"],
  [":protocol", "websocket"],
  [":scheme", "https"],
  [":authority", "example.com"],
  [":path", "/chat"],
  ["sec-websocket-version", "13"],
];

/** A peer's HPACK encoder, to write header blocks as a real peer would. */
export function encoder(): HpackEncoder {
  return new HpackEncoder();
}

/** Two sessions joined by a wire: `pump()` moves bytes both ways until both are quiet. */
export class Pair {
  readonly client: Http2Session;
  readonly server: Http2Session;
  clientEvents: Http2Event[] = [];
  serverEvents: Http2Event[] = [];
  /** Delivers each chunk in pieces of this many bytes (0: as taken). */
  pieceBytes = 0;
  clientClosed = false;
  serverClosed = false;

  constructor(
    client: Partial<Http2SessionOptions> = {},
    server: Partial<Http2SessionOptions> = {},
  ) {
    this.client = new Http2Session({ role: "client", ...client });
    this.server = new Http2Session({ role: "server", ...server });
  }

  pump(): void {
    for (let turn = 0; turn < 10_000; turn++) {
      this.clientEvents.push(...this.client.takeEvents());
      this.serverEvents.push(...this.server.takeEvents());
      const a = this.client.takeOutput();
      const b = this.server.takeOutput();
      this.clientClosed ||= a.closeTransport;
      this.serverClosed ||= b.closeTransport;
      if (a.chunks.length === 0 && b.chunks.length === 0) return;
      this.#deliver(a.chunks, this.server);
      this.#deliver(b.chunks, this.client);
      this.clientEvents.push(...this.client.takeEvents());
      this.serverEvents.push(...this.server.takeEvents());
    }
    throw new Error("pump did not settle");
  }

  #deliver(chunks: Uint8Array[], to: Http2Session): void {
    if (this.pieceBytes === 0) {
      for (const c of chunks) to.receiveData(c);
      return;
    }
    const all = concat(...chunks);
    for (let at = 0; at < all.length; at += this.pieceBytes)
      to.receiveData(all.slice(at, at + this.pieceBytes));
  }

  takeClientEvents(): Http2Event[] {
    const e = this.clientEvents;
    this.clientEvents = [];
    return e;
  }

  takeServerEvents(): Http2Event[] {
    const e = this.serverEvents;
    this.serverEvents = [];
    return e;
  }
}

/**
 * A header block of literal fields without indexing, new names, no Huffman
 * (RFC 7541 6.2.2): any decoder accepts it and it keeps no state, so tests
 * can write any field, also ones an encoder would refuse.
 */
export function literalBlock(fields: readonly HeaderField[]): Uint8Array {
  const bytes: number[] = [];
  const str = (s: string) => {
    if (s.length < 127) bytes.push(s.length);
    else {
      bytes.push(127);
      let n = s.length - 127;
      while (n >= 128) {
        bytes.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      bytes.push(n);
    }
    for (let i = 0; i < s.length; i++) bytes.push(s.charCodeAt(i));
  };
  for (const [name, value] of fields) {
    bytes.push(0);
    str(name);
    str(value);
  }
  return Uint8Array.from(bytes);
}

/** What a session did with some input: its events and its output, comparable with deepEqual. */
export interface Outcome {
  events: unknown[];
  frames: ParsedFrame[];
  closeTransport: boolean;
}

function normalize(events: readonly Http2Event[]): unknown[] {
  return events.map((e) => {
    if (e.type === "error")
      return { type: "error", code: e.error.code, peer: e.error.peer, message: e.error.message };
    if (e.type === "reset" && e.error !== undefined)
      return { ...e, error: { code: e.error.code, message: e.error.message } };
    if (e.type === "data") return { ...e, data: [...e.data] };
    return e;
  });
}

/** Feeds `pieces` to a fresh session from `make` and returns what came out. */
export function run(make: () => Http2Session, pieces: readonly Uint8Array[]): Outcome {
  const session = make();
  for (const p of pieces) session.receiveData(p);
  const events = normalize(session.takeEvents());
  const out = session.takeOutput();
  let bytes = concat(...out.chunks);
  if (bytes[0] === 0x50 && bytes[1] === 0x52 && bytes[2] === 0x49) bytes = bytes.subarray(24);
  return {
    events,
    frames: parseFrames(bytes),
    closeTransport: out.closeTransport,
  };
}

/**
 * Feeds `bytes` whole and split in two at every position (and byte by byte),
 * asserts every way gives the same outcome, and returns it.
 */
export function runSplit(make: () => Http2Session, bytes: Uint8Array): Outcome {
  const whole = run(make, [bytes]);
  const same = (o: Outcome, how: string) => {
    const a = JSON.stringify(o);
    const b = JSON.stringify(whole);
    if (a !== b) throw new Error(`outcome differs when ${how}:\n${a}\nwhole:\n${b}`);
  };
  for (let i = 1; i < bytes.length; i++)
    same(run(make, [bytes.slice(0, i), bytes.slice(i)]), `split at ${i}`);
  same(
    run(
      make,
      [...bytes].map((b) => Uint8Array.of(b)),
    ),
    "fed byte by byte",
  );
  return whole;
}
