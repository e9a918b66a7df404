/**
 * The frame header (RFC 6455 5.2): its constants, and pure functions that
 * write it, read it and check it, as Python websockets' `Frame.parse/serialize`.
 * Reading is split in small functions over the header's bytes (its size from
 * the second byte, then the length and the masking key) so that the receiver
 * can tell a header cut by a read before it decodes anything, with no object
 * made per frame.
 *
 * @module
 */

/** Frame opcodes (RFC 6455 5.2, 11.8). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One of the defined opcodes. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** FIN bit of the first header byte. */
export const FIN = 0x80;
/** RSV1, RSV2, RSV3 bits of the first header byte. */
export const RSV_MASK = 0x70;
/** MASK bit of the second header byte. */
export const MASK = 0x80;

/** Control frames carry at most 125 bytes of payload (RFC 6455 5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/**
 * Lengths above 2^53 - 1 cannot be represented exactly in a JavaScript number;
 * a 64-bit length past that is refused before anything is buffered.
 */
export const MAX_SAFE_LENGTH = Number.MAX_SAFE_INTEGER;

/** Size of the header for a payload of `length` bytes (minimal encoding, RFC 6455 5.2). */
export function headerSize(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * Writes a frame header at `offset` (without the masking key) and returns
 * the offset right after it. The length always takes the shortest form: 7 bits
 * up to 125, 16 bits up to 65535, 64 bits beyond (RFC 6455 5.2).
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  first: number,
  length: number,
  masked: boolean,
): number {
  target[offset] = first;
  const maskBit = masked ? MASK : 0;
  if (length < 126) {
    target[offset + 1] = maskBit | length;
    return offset + 2;
  }
  if (length < 0x10000) {
    target[offset + 1] = maskBit | 126;
    target[offset + 2] = length >>> 8;
    target[offset + 3] = length & 0xff;
    return offset + 4;
  }
  target[offset + 1] = maskBit | 127;
  const high = Math.floor(length / 0x100000000);
  const low = length >>> 0;
  target[offset + 2] = 0;
  target[offset + 3] = (high >>> 16) & 0xff;
  target[offset + 4] = (high >>> 8) & 0xff;
  target[offset + 5] = high & 0xff;
  target[offset + 6] = low >>> 24;
  target[offset + 7] = (low >>> 16) & 0xff;
  target[offset + 8] = (low >>> 8) & 0xff;
  target[offset + 9] = low & 0xff;
  return offset + 10;
}

/** Longest header: 8 bytes of extended length plus a 4-byte masking key. */
export const MAX_HEADER_SIZE = 14;

/** Size of the header whose second byte is `b1`: 2, 4 or 10 bytes, plus 4 when masked. */
export function headerSizeOf(b1: number): number {
  const length7 = b1 & 0x7f;
  return (length7 < 126 ? 2 : length7 === 126 ? 4 : 10) + ((b1 & MASK) !== 0 ? 4 : 0);
}

/**
 * The payload length of the header at `at` in `source` (all of whose
 * {@link headerSizeOf} bytes are there), or -1 when a 64-bit length has its
 * most significant bit set, which RFC 6455 5.2 forbids.
 */
export function readPayloadLength(source: Uint8Array, at: number): number {
  const length7 = source[at + 1]! & 0x7f;
  if (length7 < 126) return length7;
  if (length7 === 126) return (source[at + 2]! << 8) | source[at + 3]!;
  const high =
    ((source[at + 2]! << 24) |
      (source[at + 3]! << 16) |
      (source[at + 4]! << 8) |
      source[at + 5]!) >>>
    0;
  if (high >= 0x80000000) return -1;
  const low =
    ((source[at + 6]! << 24) |
      (source[at + 7]! << 16) |
      (source[at + 8]! << 8) |
      source[at + 9]!) >>>
    0;
  return high * 0x100000000 + low;
}

/** The masking key of a masked header of `size` bytes at `at`, as a big-endian 32-bit number. */
export function readMaskKey(source: Uint8Array, at: number, size: number): number {
  const i = at + size - 4;
  return (
    ((source[i]! << 24) | (source[i + 1]! << 16) | (source[i + 2]! << 8) | source[i + 3]!) >>> 0
  );
}

/**
 * Why a frame header breaks RFC 6455 by itself and the message it arrives
 * in, or `undefined` when it does not: each of these fails the connection
 * with 1002. `expectMasked` is true for a server (5.1), `rsvAllowed` the RSV
 * bits the negotiated extensions define (5.2), `inMessage` whether a
 * fragmented message is being received (5.4). Size limits (1009) are the
 * receiver's own, checked after this.
 */
export function frameHeaderError(
  b0: number,
  masked: boolean,
  length: number,
  expectMasked: boolean,
  rsvAllowed: number,
  inMessage: boolean,
): string | undefined {
  if (masked !== expectMasked) {
    // 5.1: a server fails unmasked frames; a client fails masked ones.
    return masked ? "masked frame from the server" : "unmasked frame from the client";
  }
  const opcode = b0 & 0x0f;
  if (opcode >= Opcode.CLOSE) {
    if (opcode > Opcode.PONG) return reservedOpcode(opcode); // 5.2
    // Extensions here only ever apply to data frames.
    if ((b0 & RSV_MASK) !== 0) return reservedBits(b0); // 5.2
    if ((b0 & FIN) === 0) return "fragmented control frame"; // 5.5
    if (length > MAX_CONTROL_PAYLOAD) return `control frame of ${length} bytes, at most 125`; // 5.5
    return undefined;
  }
  if (opcode > Opcode.BINARY) return reservedOpcode(opcode); // 5.2
  // 5.2: RSV bits are 0 unless a negotiated extension defines them.
  if ((b0 & RSV_MASK & ~rsvAllowed) !== 0) return reservedBits(b0);
  if (opcode === Opcode.CONTINUATION) {
    if (!inMessage) return "continuation frame without a message to continue"; // 5.4
  } else if (inMessage) {
    return "new message before the previous one ended"; // 5.4
  }
  return undefined;
}

function reservedOpcode(opcode: number): string {
  return `reserved opcode 0x${opcode.toString(16)}`;
}

function reservedBits(b0: number): string {
  return `reserved bits 0x${((b0 & RSV_MASK) >> 4).toString(16)} set`;
}
