/**
 * Frame layout constants (RFC 6455 5.2) and the frame header writer.
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
