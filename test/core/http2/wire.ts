/**
 * Test helpers for the HTTP/2 machine: frames built by hand, frames parsed
 * back out of output, and two machines joined by an in-memory wire.
 */

import { HpackEncoder } from "../../../src/core/http2/hpack/index.js";
import type { HeaderField, Http2Event } from "../../../src/core/http2/index.js";
import { Http2Session, type Http2SessionOptions } from "../../../src/core/http2/index.js";

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

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
