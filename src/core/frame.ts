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
  return readLength64(source, at + 2);
}

// Apart from readPayloadLength so that the receiver's loop inlines the short
// forms of every small frame within V8's inlining budget.
function readLength64(source: Uint8Array, i: number): number {
  const high =
    ((source[i]! << 24) | (source[i + 1]! << 16) | (source[i + 2]! << 8) | source[i + 3]!) >>> 0;
  if (high >= 0x80000000) return -1;
  const low =
    ((source[i + 4]! << 24) | (source[i + 5]! << 16) | (source[i + 6]! << 8) | source[i + 7]!) >>>
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
 * What {@link checkFrameHeader} found: `OK`, or the rule of RFC 6455 the
 * header breaks (each fails the connection with 1002). A number rather than
 * a message so that the check, run for every frame, stays small enough for
 * the JIT to inline into the receiver's loop; {@link headerProblem} words it.
 */
export const HeaderCheck = {
  OK: 0,
  /** 5.1: a server received an unmasked frame, or a client a masked one. */
  WRONG_MASKING: 1,
  /** 5.2: opcodes 0x3-0x7 and 0xb-0xf are reserved. */
  RESERVED_OPCODE: 2,
  /** 5.2: an RSV bit no negotiated extension defines (extensions here only apply to data frames). */
  RESERVED_BITS: 3,
  /** 5.5: control frames are never fragmented. */
  FRAGMENTED_CONTROL: 4,
  /** 5.5: control frames carry at most 125 bytes. */
  CONTROL_TOO_LONG: 5,
  /** 5.4: a continuation frame with no message to continue. */
  CONTINUATION_WITHOUT_MESSAGE: 6,
  /** 5.4: a text or binary frame while a fragmented message is unfinished. */
  MESSAGE_INTERRUPTED: 7,
} as const;

/** One of the {@link HeaderCheck} values. */
export type HeaderCheck = (typeof HeaderCheck)[keyof typeof HeaderCheck];

/**
 * Checks a frame header against the rules of RFC 6455 that need nothing but
 * the header and the message it arrives in. `expectMasked` is true for a
 * server (5.1), `rsvAllowed` the RSV bits the negotiated extensions define
 * (5.2), `inMessage` whether a fragmented message is being received (5.4).
 * Size limits (1009) are the receiver's own, checked after this.
 */
export function checkFrameHeader(
  b0: number,
  masked: boolean,
  length: number,
  expectMasked: boolean,
  rsvAllowed: number,
  inMessage: boolean,
): HeaderCheck {
  // (Literals, not HeaderCheck.X or Opcode.X: each property read costs
  // bytecode, and this function must stay under the JIT's inlining budget.)
  if (masked !== expectMasked) return 1 /* WRONG_MASKING */;
  const opcode = b0 & 0x0f;
  if (opcode >= 0x8 /* CLOSE */) {
    if (opcode > 0xa /* PONG */) return 2 /* RESERVED_OPCODE */;
    if ((b0 & RSV_MASK) !== 0) return 3 /* RESERVED_BITS */;
    if ((b0 & FIN) === 0) return 4 /* FRAGMENTED_CONTROL */;
    if (length > 125) return 5 /* CONTROL_TOO_LONG */;
    return 0 /* OK */;
  }
  if (opcode > 0x2 /* BINARY */) return 2 /* RESERVED_OPCODE */;
  if ((b0 & RSV_MASK & ~rsvAllowed) !== 0) return 3 /* RESERVED_BITS */;
  if (opcode === 0x0 /* CONTINUATION */) {
    return inMessage ? 0 /* OK */ : 6 /* CONTINUATION_WITHOUT_MESSAGE */;
  }
  return inMessage ? 7 /* MESSAGE_INTERRUPTED */ : 0 /* OK */;
}

/** Words what {@link checkFrameHeader} found wrong with a header, for the error and the close frame. */
export function headerProblem(
  check: Exclude<HeaderCheck, 0>,
  b0: number,
  masked: boolean,
  length: number,
): string {
  switch (check) {
    case HeaderCheck.WRONG_MASKING:
      return masked ? "masked frame from the server" : "unmasked frame from the client";
    case HeaderCheck.RESERVED_OPCODE:
      return `reserved opcode 0x${(b0 & 0x0f).toString(16)}`;
    case HeaderCheck.RESERVED_BITS:
      return `reserved bits 0x${((b0 & RSV_MASK) >> 4).toString(16)} set`;
    case HeaderCheck.FRAGMENTED_CONTROL:
      return "fragmented control frame";
    case HeaderCheck.CONTROL_TOO_LONG:
      return `control frame of ${length} bytes, at most ${MAX_CONTROL_PAYLOAD}`;
    case HeaderCheck.CONTINUATION_WITHOUT_MESSAGE:
      return "continuation frame without a message to continue";
    case HeaderCheck.MESSAGE_INTERRUPTED:
      return "new message before the previous one ended";
  }
}
