/**
 * The HPACK decoder (RFC 7541 3, 6): one per connection direction, fed whole header blocks in
 * the order they arrived, since each block may change the dynamic table the next one refers to.
 *
 * The first byte of each representation says its type (RFC 7541 6):
 *
 * | bits        | representation                                   | table           |
 * |-------------|--------------------------------------------------|-----------------|
 * | `1xxxxxxx`  | indexed field (6.1), 7-bit index                 | -               |
 * | `01xxxxxx`  | literal with incremental indexing (6.2.1), 6-bit | inserts it      |
 * | `001xxxxx`  | dynamic table size update (6.3), 5-bit size      | resizes         |
 * | `0001xxxx`  | literal never indexed (6.2.3), 4-bit name index  | -               |
 * | `0000xxxx`  | literal without indexing (6.2.2), 4-bit          | -               |
 *
 * @module
 */

import { BlockReader } from "./block-reader.js";
import { DynamicTable } from "./dynamic-table.js";
import { HeaderListTooLargeError, HpackError } from "./errors.js";
import { ENTRY_OVERHEAD_BYTES, type HeaderField } from "./header-field.js";
import { readInteger } from "./integer.js";
import { checkBytes, DEFAULT_MAX_HEADER_LIST_BYTES, DEFAULT_MAX_TABLE_BYTES } from "./limits.js";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static-table.js";
import { readString } from "./string-literal.js";

/** Options of {@link HpackDecoder}. */
export interface HpackDecoderOptions {
  /**
   * Our SETTINGS_HEADER_TABLE_SIZE: the largest dynamic table the peer's encoder may make us
   * keep. Default 4096, the protocol's initial value (RFC 9113 6.5.2).
   *
   * The table starts at 4096 whatever this says: the peer may encode blocks before our SETTINGS
   * reach it, against the initial value. Until {@link HpackDecoder.setMaxTableBytes} says the
   * peer acknowledged our setting, size updates up to the larger of the two are accepted.
   */
  maxTableBytes?: number;
  /**
   * The largest header list we accept, counted as name + value + 32 octets per field (RFC 9113
   * 6.5.2, our SETTINGS_MAX_HEADER_LIST_SIZE). Default 16384 ({@link DEFAULT_MAX_HEADER_LIST_BYTES}).
   */
  maxHeaderListBytes?: number;
}

/**
 * Decodes header blocks. Any error but {@link HeaderListTooLargeError} leaves the dynamic table
 * out of step with the peer's: the connection must end (COMPRESSION_ERROR, RFC 9113 4.3).
 *
 * @example
 * ```ts
 * const decoder = new HpackDecoder();
 * decoder.decode(Uint8Array.of(0x82, 0x86, 0x84)); // [[":method","GET"],[":scheme","http"],[":path","/"]]
 * ```
 */
export class HpackDecoder {
  readonly #table: DynamicTable;
  /** The largest size update we accept. */
  #maxTableBytes: number;
  /** After our setting went below the table's size: the next block must shrink it to this. */
  #mustShrinkTo = -1;
  readonly #maxHeaderListBytes: number;

  constructor(options: HpackDecoderOptions = {}) {
    this.#maxTableBytes = Math.max(
      checkBytes("maxTableBytes", options.maxTableBytes, DEFAULT_MAX_TABLE_BYTES),
      DEFAULT_MAX_TABLE_BYTES,
    );
    this.#maxHeaderListBytes = checkBytes(
      "maxHeaderListBytes",
      options.maxHeaderListBytes,
      DEFAULT_MAX_HEADER_LIST_BYTES,
    );
    this.#table = new DynamicTable(DEFAULT_MAX_TABLE_BYTES);
  }

  /**
   * The peer acknowledged our SETTINGS_HEADER_TABLE_SIZE of `bytes` (call it when its SETTINGS
   * ACK arrives): from now on a size update above it is an error, and when the table's maximum is
   * above it, the peer's next block must begin with an update that brings it down (RFC 7541 4.2;
   * nghttp2 holds its peers to the same). Throws `RangeError` for a size that is not a
   * non-negative integer.
   */
  setMaxTableBytes(bytes: number): void {
    this.#maxTableBytes = checkBytes("maxTableBytes", bytes, DEFAULT_MAX_TABLE_BYTES);
    this.#mustShrinkTo = this.#table.maxBytes > bytes ? bytes : -1;
  }

  /** The dynamic table (for tests and diagnostics): entry 0 is the newest. */
  get table(): {
    readonly length: number;
    readonly bytes: number;
    readonly maxBytes: number;
    get(i: number): HeaderField;
  } {
    return this.#table;
  }

  /**
   * Decodes one whole header block (a HEADERS frame's fragment and its CONTINUATIONs, joined).
   * Returns the fields in order. Throws {@link HpackError} when the block is malformed (a
   * connection error), or {@link HeaderListTooLargeError} after decoding the whole block when
   * the list is over `maxHeaderListBytes` (a stream error: the table stays in step).
   *
   * The returned array is the caller's; its field tuples are not: indexed fields are the very
   * tuples of the static or dynamic table (no copy per field), so they must not be written to.
   * The block is not kept: it may be a view into a buffer the caller reuses.
   */
  decode(block: Uint8Array): HeaderField[] {
    const reader = new BlockReader(block);
    const end = block.length;
    const table = this.#table;
    const maxListBytes = this.#maxHeaderListBytes;
    const fields: HeaderField[] = [];
    let listBytes = 0;

    // RFC 7541 4.2: size updates come first in a block (two may: a smaller one, then the final).
    const updatesFrom = reader.pos;
    while (reader.pos < end && (block[reader.pos]! & 0xe0) === 0x20) {
      const size = readInteger(reader, 5);
      if (size > this.#maxTableBytes) {
        throw new HpackError(
          `Cannot decode header block: a dynamic table size update to ${size} exceeds our setting of ${this.#maxTableBytes} (peer's fault)`,
        );
      }
      table.setMaxBytes(size);
    }
    if (this.#mustShrinkTo >= 0) {
      // Every update is within the new setting, so any update at all did shrink the table.
      if (reader.pos === updatesFrom) {
        throw new HpackError(
          `Cannot decode header block: it does not begin with a dynamic table size update to our setting of ${this.#mustShrinkTo} (peer's fault)`,
        );
      }
      this.#mustShrinkTo = -1;
    }

    while (reader.pos < end) {
      const first = block[reader.pos]!;
      let field: HeaderField;
      if (first >= 0x80) {
        field = this.#entry(readInteger(reader, 7));
      } else if (first >= 0x40) {
        field = this.#literal(reader, 6);
        table.add(field);
      } else if (first >= 0x20) {
        throw new HpackError(
          "Cannot decode header block: a dynamic table size update follows a header field (peer's fault)",
        );
      } else {
        // Without indexing and never indexed read alike; "never indexed" only binds
        // intermediaries that re-encode (RFC 7541 6.2.3), and we are an endpoint.
        field = this.#literal(reader, 4);
      }
      listBytes += field[0].length + field[1].length + ENTRY_OVERHEAD_BYTES;
      // Past the limit keep decoding (the table must follow the peer's) but stop collecting.
      if (listBytes <= maxListBytes) fields.push(field);
    }
    if (listBytes > maxListBytes) throw new HeaderListTooLargeError(listBytes, maxListBytes);
    return fields;
  }

  /** A literal field (RFC 7541 6.2): name by index or as a string, then the value. */
  #literal(reader: BlockReader, prefixBits: number): HeaderField {
    const nameIndex = readInteger(reader, prefixBits);
    const name = nameIndex === 0 ? readString(reader) : this.#entry(nameIndex)[0];
    return [name, readString(reader)];
  }

  /** The field at an HPACK index: 1-61 static, 62 and up dynamic (RFC 7541 2.3.3). */
  #entry(index: number): HeaderField {
    if (index <= STATIC_TABLE_LENGTH) {
      if (index === 0) {
        throw new HpackError("Cannot decode header block: index 0 is not valid (peer's fault)");
      }
      return STATIC_TABLE[index - 1]!;
    }
    const table = this.#table;
    const i = index - STATIC_TABLE_LENGTH - 1;
    if (i >= table.length) {
      throw new HpackError(
        `Cannot decode header block: index ${index} is past the table of ${STATIC_TABLE_LENGTH + table.length} entries (peer's fault)`,
      );
    }
    return table.get(i);
  }
}
