/**
 * HPACK's Huffman code (RFC 7541 5.2, Appendix B): decoding with its padding rules, and encoding.
 *
 * Why a nibble-at-a-time state table: the code has 257 leaves, so its tree has 256 inner nodes;
 * a decoder that sits on an inner node and reads 4 bits lands on another inner node having
 * emitted at most one symbol (the shortest code is 5 bits). So 256 states (plus one dead state
 * after EOS) x 16 nibbles = 4112 precomputed entries (16 KiB, built once at module load from
 * `HUFFMAN_CODE_TABLE`) decode an input byte in two lookups, where a bit-by-bit tree walk takes 8
 * dependent steps. A byte-at-a-time table would be 16x larger and may emit two symbols per entry.
 * The loop has no branch but its own: each entry's symbol is stored unconditionally and the
 * output length advanced by the entry's "emits" bit, and EOS leads to a dead state checked once
 * at the end (whether a nibble ends a symbol follows the input, so a branch on it mispredicts).
 * Measured on Node 20, a 97-octet `user-agent` (75 bytes coded) decodes in ~470 ns against ~510
 * with those branches, string making included.
 *
 * @module
 */

import type { ByteWriter } from "./byte-writer.js";
import { HpackError } from "./errors.js";
import { HUFFMAN_CODE_TABLE } from "./huffman-table.js";
import { latin1FromBytes } from "./latin1.js";

const EOS = 256;

/**
 * A decode-table entry: the next state times 16 in bits 0-12 (so it is the next row's offset),
 * the symbol in bits 13-20, and bit 21 set when the nibble completed that symbol.
 */
const STATE_BITS = 0x1ff0;
const SYMBOL_SHIFT = 13;
const EMITS_SHIFT = 21;

/** Where EOS leads: every nibble keeps it there, and no string may end in it. */
const DEAD = 256;

/** Why a string may not end in a state (RFC 7541 5.2). */
const PaddingProblem = { NONE: 0, TOO_LONG: 1, NOT_ONES: 2, EOS: 3 } as const;

/** Code lengths and codes by symbol, for the encoder. */
const CODE_BITS = new Uint8Array(257);
const CODES = new Uint32Array(257);

const { DECODE_TABLE, PADDING_PROBLEM } = buildDecodeTable();

/**
 * Builds the tree of the code, then for each inner node and nibble walks 4 bits down it once.
 * That the table is a complete prefix code (what the tree needs: 256 inner nodes, no code a
 * prefix of another, every branch taken) is checked by test/core/http2/hpack/huffman.test.ts on
 * the table itself, so a transcription error fails a test rather than every import.
 */
function buildDecodeTable(): { DECODE_TABLE: Uint32Array; PADDING_PROBLEM: Uint8Array } {
  // children[2 * node + bit]: an inner node's index, or ~symbol for a leaf; 0 = not made yet
  // (node 0 is the root, never anyone's child).
  const children = new Int32Array(2 * 256);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256);
  allOnes[0] = 1;
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const [code, bits] = HUFFMAN_CODE_TABLE[symbol]!;
    CODES[symbol] = code;
    CODE_BITS[symbol] = bits;
    let node = 0;
    for (let i = bits - 1; i > 0; i--) {
      const bit = (code >>> i) & 1;
      let next = children[2 * node + bit]!;
      if (next === 0) {
        next = nodes++;
        children[2 * node + bit] = next;
        depth[next] = depth[node]! + 1;
        allOnes[next] = allOnes[node]! & bit;
      }
      node = next;
    }
    children[2 * node + (code & 1)] = ~symbol;
  }

  const table = new Uint32Array((DEAD + 1) * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let i = 3; i >= 0 && node !== DEAD; i--) {
        const child = children[2 * node + ((nibble >>> i) & 1)]!;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = ~child;
        if (symbol === EOS) {
          node = DEAD;
        } else {
          entry = (1 << EMITS_SHIFT) | (symbol << SYMBOL_SHIFT);
          node = 0;
        }
      }
      table[(state << 4) | nibble] = entry | (node << 4);
    }
  }
  for (let nibble = 0; nibble < 16; nibble++) table[(DEAD << 4) | nibble] = DEAD << 4;

  // A string may end only where the bits since the last symbol are a prefix of EOS (all ones)
  // and fewer than 8 (RFC 7541 5.2).
  const padding = new Uint8Array(DEAD + 1);
  for (let state = 0; state < 256; state++) {
    if (!allOnes[state]) padding[state] = PaddingProblem.NOT_ONES;
    else if (depth[state]! > 7) padding[state] = PaddingProblem.TOO_LONG;
  }
  padding[DEAD] = PaddingProblem.EOS;
  return { DECODE_TABLE: table, PADDING_PROBLEM: padding };
}

/** Decoded octets land here before becoming a string; grows, never shrinks (bounded by blocks). */
let scratch = new Uint8Array(256);

/**
 * Decodes the Huffman-coded string in `bytes[start..end)`. Throws {@link HpackError} when it
 * holds EOS, or ends in padding longer than 7 bits or not all ones (RFC 7541 5.2).
 */
export function huffmanDecode(bytes: Uint8Array, start: number, end: number): string {
  // Each symbol takes at least 5 bits; one more slot takes the store of a nibble that emits none.
  const most = Math.ceil(((end - start) * 8) / 5) + 1;
  if (scratch.length < most) scratch = new Uint8Array(Math.max(most, scratch.length * 2));
  const out = scratch;
  const table = DECODE_TABLE;
  let n = 0;
  let row = 0; // the state times 16
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    let entry = table[row | (byte >>> 4)]!;
    out[n] = entry >>> SYMBOL_SHIFT; // the Uint8Array keeps the symbol's 8 bits
    n += entry >>> EMITS_SHIFT;
    entry = table[(entry & STATE_BITS) | (byte & 0xf)]!;
    out[n] = entry >>> SYMBOL_SHIFT;
    n += entry >>> EMITS_SHIFT;
    row = entry & STATE_BITS;
  }
  const problem = PADDING_PROBLEM[row >>> 4];
  if (problem !== PaddingProblem.NONE) {
    throw new HpackError(
      `Cannot decode header block: a Huffman string ${PADDING_MESSAGE[problem as 1 | 2 | 3]} (peer's fault)`,
    );
  }
  return latin1FromBytes(out, 0, n);
}

const PADDING_MESSAGE = {
  [PaddingProblem.TOO_LONG]: "ends in padding longer than 7 bits",
  [PaddingProblem.NOT_ONES]: "ends in padding that is not all ones",
  [PaddingProblem.EOS]: "holds the EOS symbol",
} as const;

/**
 * The length in bytes of `s` Huffman-coded (each code unit one octet; the caller checked they
 * are all at most 0xff).
 */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += CODE_BITS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/**
 * Appends `s` Huffman-coded, padded to a byte with the high bits of EOS (ones). Code units above
 * 0xff throw `TypeError` (our caller's fault).
 */
export function huffmanEncode(writer: ByteWriter, s: string): void {
  writer.reserve(Math.ceil((s.length * 30) / 8) + 1);
  let current = 0; // bits not yet written, `pending` of them, low-aligned
  let pending = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit > 0xff) {
      throw new TypeError(
        `Cannot encode header field: ${JSON.stringify(s)} has a character above U+00FF at ${i}`,
      );
    }
    const code = CODES[unit]!;
    let left = CODE_BITS[unit]!;
    while (left > 0) {
      const room = 8 - pending;
      const take = Math.min(left, room);
      left -= take;
      current = (current << take) | ((code >>> left) & ((1 << take) - 1));
      pending += take;
      if (pending === 8) {
        writer.push(current);
        current = 0;
        pending = 0;
      }
    }
  }
  if (pending > 0) {
    const pad = 8 - pending;
    writer.push((current << pad) | ((1 << pad) - 1));
  }
}
