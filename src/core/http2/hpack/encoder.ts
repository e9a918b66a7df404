/**
 * The HPACK encoder: the cheapest CPU that is correct, for the few fields a WebSocket's head
 * carries. Per field, in order:
 *
 * 1. an exact match in the static table -> indexed (1 byte);
 * 2. an exact match in our dynamic table -> indexed;
 * 3. a field that repeats from one request or response to the next (see {@link FIELD_POLICY}) ->
 *    literal with incremental indexing, so the next head sends it as one byte;
 * 4. a credential (`authorization`, `cookie`, ...) -> literal never indexed (RFC 7541 7.1.3:
 *    no intermediary may put it in a table, where a compression oracle could guess it);
 * 5. anything else (per-request values such as `sec-websocket-key`) -> literal without indexing.
 *
 * Literal names use the static or dynamic table's name index when there is one. Strings are not
 * Huffman-coded: it would save ~20% of a ~100-byte head at the cost of a pass over every string.
 *
 * @module
 */

import { ByteWriter } from "./byte-writer.js";
import { EncoderTable } from "./encoder-table.js";
import { ENTRY_OVERHEAD_BYTES, type HeaderField } from "./header-field.js";
import { writeInteger } from "./integer.js";
import { checkBytes, DEFAULT_MAX_TABLE_BYTES } from "./limits.js";
import { STATIC_BY_NAME } from "./static-table.js";
import { writeString } from "./string-literal.js";

/** Options of {@link HpackEncoder}. */
export interface HpackEncoderOptions {
  /** The peer's SETTINGS_HEADER_TABLE_SIZE. Default 4096, the protocol's initial value. */
  maxTableBytes?: number;
}

/**
 * The most dynamic table we keep, whatever the peer allows: 4096 bytes (the protocol's default)
 * hold every repeating field of a WebSocket's head many times over, and bound our memory per
 * connection when a peer announces a huge table.
 */
export const ENCODER_MAX_TABLE_BYTES = 4096;

/**
 * Fields larger than this share of the table are not indexed: one long `:path` would otherwise
 * flush the fields that do repeat.
 */
const MAX_INDEXED_SHARE = 4;

/**
 * The one output buffer of every encoder: `encode` runs to completion and hands out a copy, so no
 * two blocks are ever in it at once (see `byte-writer.ts` for why not one per encoder).
 */
const sharedWriter = new ByteWriter(1024);

/** How a field without an exact table match is sent. */
const Policy = { WITHOUT_INDEXING: 0, INDEX: 1, NEVER_INDEX: 2 } as const;
type Policy = (typeof Policy)[keyof typeof Policy];

/**
 * Fields indexed because their value usually repeats on a connection, and credentials never
 * indexed. Unlisted fields are sent without indexing.
 */
export const FIELD_POLICY: ReadonlyMap<string, Policy> = new Map<string, Policy>([
  [":authority", Policy.INDEX],
  [":method", Policy.INDEX],
  [":path", Policy.INDEX],
  [":protocol", Policy.INDEX],
  [":scheme", Policy.INDEX],
  [":status", Policy.INDEX],
  ["sec-websocket-version", Policy.INDEX],
  ["sec-websocket-protocol", Policy.INDEX],
  ["sec-websocket-extensions", Policy.INDEX],
  ["origin", Policy.INDEX],
  ["user-agent", Policy.INDEX],
  ["server", Policy.INDEX],
  ["content-type", Policy.INDEX],
  ["cache-control", Policy.INDEX],
  ["accept-encoding", Policy.INDEX],
  ["accept-language", Policy.INDEX],
  ["authorization", Policy.NEVER_INDEX],
  ["proxy-authorization", Policy.NEVER_INDEX],
  ["cookie", Policy.NEVER_INDEX],
  ["set-cookie", Policy.NEVER_INDEX],
]);

/** What the encoder knows of a name, in one lookup. */
interface NameInfo {
  readonly policy: Policy;
  /** The static table's lowest index for the name, or 0. */
  readonly staticNameIndex: number;
  /** The static table's index per value, when it holds the name. */
  readonly staticValueIndex: ReadonlyMap<string, number> | undefined;
}

/**
 * Every name in the static table or in {@link FIELD_POLICY}: one Map read per field answers
 * static match, policy and static name index. A name missing here is in neither, is never indexed
 * by us, so never in our dynamic table either: it goes out as a literal without looking further.
 */
const NAME_INFO: ReadonlyMap<string, NameInfo> = (() => {
  const info = new Map<string, NameInfo>();
  for (const name of new Set([...STATIC_BY_NAME.keys(), ...FIELD_POLICY.keys()])) {
    const inStatic = STATIC_BY_NAME.get(name);
    info.set(name, {
      policy: FIELD_POLICY.get(name) ?? Policy.WITHOUT_INDEXING,
      staticNameIndex: inStatic?.nameIndex ?? 0,
      staticValueIndex: inStatic?.valueIndex,
    });
  }
  return info;
})();

/**
 * Encodes header blocks for one connection direction. Blocks must reach the peer in the order
 * they were encoded (each may add to the table the next refers to).
 *
 * @example
 * ```ts
 * const encoder = new HpackEncoder();
 * encoder.encode([[":status", "200"]]); // Uint8Array [0x88]
 * ```
 */
export class HpackEncoder {
  readonly #table = new EncoderTable(DEFAULT_MAX_TABLE_BYTES);
  /** The smallest table size since the last block, to announce first; -1 when unchanged. */
  #smallestSize = -1;

  constructor(options: HpackEncoderOptions = {}) {
    // Both tables start at 4096 (RFC 9113 6.5.2); another size is announced in the first block.
    this.setPeerMaxTableBytes(
      checkBytes("maxTableBytes", options.maxTableBytes, DEFAULT_MAX_TABLE_BYTES),
    );
  }

  /**
   * Encodes fields (names lower-case, pseudo-headers first: the caller's job) into one header
   * block. Throws `TypeError` when a name or value has a code unit above 0xff (our caller's
   * fault); the encoder stays usable (its next block starts by emptying the peer's table).
   *
   * `headroomBytes` (default 0) zero bytes are left before the block in the returned array, for
   * the caller's frame header (9 for HEADERS): the frame is then made without a second copy.
   */
  encode(fields: readonly HeaderField[], headroomBytes = 0): Uint8Array {
    const writer = sharedWriter;
    const table = this.#table;
    const headroom = checkBytes("headroomBytes", headroomBytes, 0);
    writer.reserve(headroom);
    writer.bytes.fill(0, 0, headroom);
    writer.pos = headroom;
    try {
      if (this.#smallestSize >= 0) {
        // RFC 7541 4.2: the smallest size since the last block first, so the peer evicts what we
        // evicted, then the size in force.
        if (this.#smallestSize < table.maxBytes) writeInteger(writer, this.#smallestSize, 5, 0x20);
        writeInteger(writer, table.maxBytes, 5, 0x20);
        this.#smallestSize = -1;
      }
      for (let i = 0; i < fields.length; i++) {
        const [name, value] = fields[i]!;
        this.#encodeField(writer, table, name, value);
      }
    } catch (error) {
      // The fields before the bad one may have changed our table, and the peer will never see
      // this block: empty ours now and have the next block empty the peer's (size 0, then back).
      writer.pos = 0;
      const size = table.maxBytes;
      table.setMaxBytes(0);
      table.setMaxBytes(size);
      this.#smallestSize = 0;
      throw error;
    }
    return writer.take();
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed (it sent SETTINGS): our table follows it (up to
   * {@link ENCODER_MAX_TABLE_BYTES}) and the next block announces the change. Throws `RangeError`
   * for a value that is not a non-negative integer.
   */
  setPeerMaxTableBytes(bytes: number): void {
    const size = Math.min(checkBytes("maxTableBytes", bytes, 0), ENCODER_MAX_TABLE_BYTES);
    const table = this.#table;
    if (size === table.maxBytes) return;
    table.setMaxBytes(size);
    this.#smallestSize = this.#smallestSize < 0 ? size : Math.min(this.#smallestSize, size);
  }

  #encodeField(writer: ByteWriter, table: EncoderTable, name: string, value: string): void {
    const info = NAME_INFO.get(name);
    if (info === undefined) {
      writeInteger(writer, 0, 4, 0); // literal without indexing, literal name
      writeString(writer, name);
      writeString(writer, value);
      return;
    }
    const staticIndex = info.staticValueIndex?.get(value);
    if (staticIndex !== undefined) {
      writeInteger(writer, staticIndex, 7, 0x80);
      return;
    }
    const policy = info.policy;
    let nameIndex = info.staticNameIndex;
    let indexed = false;
    if (policy === Policy.INDEX) {
      const dynamicIndex = table.indexOf(name, value);
      if (dynamicIndex !== 0) {
        writeInteger(writer, dynamicIndex, 7, 0x80);
        return;
      }
      if (nameIndex === 0) nameIndex = table.indexOfName(name);
      const size = name.length + value.length + ENTRY_OVERHEAD_BYTES;
      indexed = size * MAX_INDEXED_SHARE <= table.maxBytes;
    }
    if (indexed) writeInteger(writer, nameIndex, 6, 0x40);
    else writeInteger(writer, nameIndex, 4, policy === Policy.NEVER_INDEX ? 0x10 : 0);
    if (nameIndex === 0) writeString(writer, name);
    writeString(writer, value);
    if (indexed) table.add([name, value]);
  }
}
