/**
 * Raw WebSocket frame encoding and a strict frame reader for the fuzzer.
 *
 * Deliberately independent of `src/core`: the suite judges our core, so it must not share its
 * parser. The encoder writes whatever it is told (reserved opcodes, RSV bits, oversized control
 * frames) because the fuzzer must be able to send broken frames. The reader is the opposite: it
 * checks everything the peer under test sends back and reports each breach of RFC 6455 as a
 * violation, as Autobahn does (it fails the connection with 1002 and the case fails).
 */
import { randomBytes } from "node:crypto";

/** Opcodes the RFC defines (RFC 6455 5.2); everything else is reserved. */
export const OPCODE = {
  continuation: 0,
  text: 1,
  binary: 2,
  close: 8,
  ping: 9,
  pong: 10,
} as const;

/** Options for {@link encodeFrame}. */
export interface EncodeOptions {
  readonly fin?: boolean;
  readonly rsv?: number;
  /** A 4-byte masking key, or `null` to send unmasked (a server). */
  readonly mask?: Uint8Array | null;
}

/** A fresh random 32-bit masking key (RFC 6455 5.3: unpredictable, per frame). */
export function newMaskKey(): Uint8Array {
  return new Uint8Array(randomBytes(4));
}

/** XORs `data` in place with `key`, starting at key offset `offset` (for split payloads). */
export function applyMask(data: Uint8Array, key: Uint8Array, offset = 0): Uint8Array {
  for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ key[(i + offset) & 3]!;
  return data;
}

/**
 * Encodes a frame header for a payload of `length` bytes, in minimal length encoding
 * (RFC 6455 5.2), with the mask key appended when given.
 */
export function encodeHeader(
  opcode: number,
  length: number,
  { fin = true, rsv = 0, mask = null }: EncodeOptions = {},
): Uint8Array {
  const ext = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = new Uint8Array(2 + ext + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? length : ext === 2 ? 126 : 127);
  const view = new DataView(head.buffer);
  if (ext === 2) view.setUint16(2, length);
  if (ext === 8) view.setBigUint64(2, BigInt(length));
  if (mask) head.set(mask, 2 + ext);
  return head;
}

/** Encodes one whole frame; the payload is copied before it is masked. */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options: EncodeOptions = {},
): Uint8Array {
  const head = encodeHeader(opcode, payload.length, options);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  if (options.mask) applyMask(out.subarray(head.length), options.mask);
  return out;
}

/** A frame as the reader saw it, unmasked. */
export interface Frame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Uint8Array;
}

/** Options of {@link FrameReader}. */
export interface ReaderOptions {
  /** Whether the peer must mask (it is a client) or must not (it is a server). */
  readonly expectMasked: boolean;
  /** Whether RSV1 is allowed on the first frame of a data message (permessage-deflate). */
  readonly allowRsv1?: boolean;
  /** Refuse frames longer than this (protects the fuzzer itself). */
  readonly maxFrameBytes?: number;
}

/** A breach of RFC 6455 by the peer, with the close code the fuzzer answers with. */
export class PeerViolation extends Error {
  override readonly name = "PeerViolation";
  /** The close code the fuzzer fails the connection with. */
  readonly closeCode: number;
  constructor(message: string, closeCode = 1002) {
    super(message);
    this.closeCode = closeCode;
  }
}

/**
 * An incremental frame reader: feed it bytes, get whole frames. Every frame is checked for
 * masking direction, RSV bits, reserved opcodes, control frame rules (RFC 6455 5.5), minimal
 * length encoding and the 64-bit length MSB (5.2), and fragmentation order (5.4).
 */
export class FrameReader {
  readonly #options: ReaderOptions;
  #chunks: Uint8Array[] = [];
  #lastMask: Uint8Array | undefined;
  #length = 0;
  /** Opcode of the data message in progress, or 0 when none is open. */
  #messageOpcode = 0;

  constructor(options: ReaderOptions) {
    this.#options = options;
  }

  /** Whether a fragmented data message is open. */
  get inMessage(): boolean {
    return this.#messageOpcode !== 0;
  }

  /** Appends bytes and returns every complete frame; throws {@link PeerViolation}. */
  push(chunk: Uint8Array): Frame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.#next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  /** The first `n` buffered bytes as one contiguous array (joins chunks only when needed). */
  #peek(n: number): Uint8Array {
    let first = this.#chunks[0]!;
    if (first.length < n) {
      const joined = new Uint8Array(Math.min(this.#length, Math.max(n, 14)));
      let at = 0;
      while (at < joined.length) {
        const c = this.#chunks.shift()!;
        const take = Math.min(c.length, joined.length - at);
        joined.set(c.subarray(0, take), at);
        at += take;
        if (take < c.length) this.#chunks.unshift(c.subarray(take));
      }
      this.#chunks.unshift(joined);
      first = joined;
    }
    return first;
  }

  /** Removes and returns the first `n` buffered bytes. */
  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const out = n <= this.#chunks[0]!.length ? this.#chunks[0]!.slice(0, n) : new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const take = Math.min(c.length, n - at);
      if (out.length !== take || at !== 0) out.set(c.subarray(0, take), at);
      at += take;
      if (take === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(take);
    }
    this.#length -= n;
    return out;
  }

  #next(): Frame | undefined {
    if (this.#length < 2) return undefined;
    let buf = this.#peek(2);
    const b0 = buf[0]!;
    const b1 = buf[1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 7;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (this.#length < 4) return undefined;
      buf = this.#peek(4);
      length = (buf[2]! << 8) | buf[3]!;
      offset = 4;
      if (length < 126) {
        throw new PeerViolation(`Peer used a 16-bit length for ${length} bytes (not minimal)`);
      }
    } else if (length === 127) {
      if (this.#length < 10) return undefined;
      buf = this.#peek(10);
      const big = new DataView(buf.buffer, buf.byteOffset, 10).getBigUint64(2);
      if (big >> 63n)
        throw new PeerViolation("Peer set the most significant bit of a 64-bit length");
      if (big < 65536n) {
        throw new PeerViolation(`Peer used a 64-bit length for ${big} bytes (not minimal)`);
      }
      if (big > BigInt(this.#options.maxFrameBytes ?? 64 * 1024 * 1024)) {
        throw new PeerViolation(
          `Peer sent a frame of ${big} bytes, beyond the fuzzer's limit`,
          1009,
        );
      }
      length = Number(big);
      offset = 10;
    }
    this.#checkHeader(fin, rsv, opcode, masked, length);
    const headerLength = offset + (masked ? 4 : 0);
    if (this.#length < headerLength + length) return undefined;
    const header = this.#take(headerLength);
    const payload = this.#take(length);
    if (masked) {
      const key = header.subarray(offset, offset + 4);
      // RFC 6455 5.3: a fresh, unpredictable key per frame. Repeating the previous frame's key
      // happens by chance once in 2^32 frames; a constant key is a broken client.
      if (this.#lastMask?.every((b, i) => b === key[i])) {
        throw new PeerViolation("Peer reused the previous frame's masking key");
      }
      this.#lastMask = key.slice();
      applyMask(payload, key);
    }
    if (opcode < 8) this.#messageOpcode = fin ? 0 : this.#messageOpcode || opcode;
    return { fin, rsv, opcode, masked, payload };
  }

  #checkHeader(fin: boolean, rsv: number, opcode: number, masked: boolean, length: number): void {
    if (masked !== this.#options.expectMasked) {
      throw new PeerViolation(
        this.#options.expectMasked
          ? "Peer (a client) sent an unmasked frame"
          : "Peer (a server) sent a masked frame",
      );
    }
    const known = opcode <= 2 || (opcode >= 8 && opcode <= 10);
    if (!known) throw new PeerViolation(`Peer sent reserved opcode 0x${opcode.toString(16)}`);
    const rsv1Allowed = this.#options.allowRsv1 === true && opcode >= 1 && opcode <= 2;
    if (rsv !== 0 && !(rsv === 4 && rsv1Allowed)) {
      throw new PeerViolation(`Peer set RSV bits ${rsv} on a frame with opcode ${opcode}`);
    }
    if (opcode >= 8) {
      if (!fin) throw new PeerViolation("Peer fragmented a control frame");
      if (length > 125) throw new PeerViolation(`Peer sent a control frame of ${length} bytes`);
      if (opcode === 8 && length === 1) throw new PeerViolation("Peer sent a 1-byte close body");
    } else if (opcode === 0 && this.#messageOpcode === 0) {
      throw new PeerViolation("Peer sent a continuation frame with no message open");
    } else if (opcode !== 0 && this.#messageOpcode !== 0) {
      throw new PeerViolation("Peer started a new message inside a fragmented one");
    }
  }
}

/** Whether bytes are valid UTF-8 (WHATWG fatal decoder: no surrogates, overlongs, > U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a close code may be sent on the wire (RFC 6455 7.4.1, 7.4.2 and the IANA registry):
 * 1000-1003, 1007-1014 and 3000-4999. 1004, 1005, 1006 and 1015 are never sent.
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** A parsed close body. */
export interface CloseBody {
  readonly code: number | null;
  readonly reason: Uint8Array;
}

/** Parses a close frame body sent by the peer and checks its code and the UTF-8 of its reason. */
export function parseCloseBody(payload: Uint8Array): CloseBody {
  if (payload.length === 0) return { code: null, reason: payload };
  if (payload.length === 1) throw new PeerViolation("Peer sent a 1-byte close body");
  const code = (payload[0]! << 8) | payload[1]!;
  const reason = payload.subarray(2);
  if (!isSendableCloseCode(code)) throw new PeerViolation(`Peer sent close code ${code}`);
  if (!isValidUtf8(reason)) throw new PeerViolation("Peer sent a close reason that is not UTF-8");
  return { code, reason };
}
