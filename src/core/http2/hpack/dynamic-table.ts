/**
 * HPACK's dynamic table (RFC 7541 2.3.2, 4): a FIFO of fields, newest at index 0, whose size
 * (name + value + 32 octets per entry) is kept within a maximum by evicting the oldest entries.
 *
 * Entries live in a ring buffer (capacity a power of two, grown on demand), so inserting and
 * evicting are O(1) and a lookup by index is one masked array read. A 4096-byte table holds at
 * most 128 entries (32 bytes each at least); a WebSocket's head fills a handful.
 *
 * @module
 */

import { ENTRY_OVERHEAD_BYTES, type HeaderField } from "./header-field.js";

/** The size RFC 7541 4.1 counts for a field. */
export function entryBytes(field: HeaderField): number {
  return field[0].length + field[1].length + ENTRY_OVERHEAD_BYTES;
}

/** The dynamic table of one direction of one connection. */
export class DynamicTable {
  /** Ring buffer; the newest entry at `#newest`, older ones before it. */
  #entries: (HeaderField | undefined)[] = new Array(8).fill(undefined);
  #newest = -1;
  #length = 0;
  #bytes = 0;
  #maxBytes: number;
  #inserted = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Entries now in the table. */
  get length(): number {
    return this.#length;
  }

  /** The table's size as RFC 7541 4.1 counts it. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The maximum size in force (the last dynamic table size update). */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /**
   * How many entries were ever inserted: entry `i` (0 = newest) was the
   * `insertedCount - 1 - i`th, a number that does not change while it stays in the table.
   */
  get insertedCount(): number {
    return this.#inserted;
  }

  /** Entry `i`, 0 being the newest; the caller checked `i < length`. */
  get(i: number): HeaderField {
    const entries = this.#entries;
    return entries[(this.#newest - i) & (entries.length - 1)]!;
  }

  /**
   * Inserts `field` as the newest entry, evicting the oldest ones to make room (RFC 7541 4.4).
   * A field larger than the maximum empties the table and is not inserted (not an error).
   */
  add(field: HeaderField): void {
    const size = entryBytes(field);
    if (size > this.#maxBytes) {
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#maxBytes - size);
    if (this.#length === this.#entries.length) this.#grow();
    const entries = this.#entries;
    this.#newest = (this.#newest + 1) & (entries.length - 1);
    entries[this.#newest] = field;
    this.#length++;
    this.#bytes += size;
    this.#inserted++;
    this.inserted(field, this.#inserted - 1);
  }

  /** A dynamic table size update (RFC 7541 4.3, 6.3): evicts until the table fits. */
  setMaxBytes(maxBytes: number): void {
    this.#maxBytes = maxBytes;
    this.#evictTo(maxBytes);
  }

  /** Called after `field` became entry number `id` (see {@link insertedCount}). */
  protected inserted(_field: HeaderField, _id: number): void {}

  /** Called after entry number `id` was evicted. */
  protected evicted(_field: HeaderField, _id: number): void {}

  #evictTo(maxBytes: number): void {
    const entries = this.#entries;
    const mask = entries.length - 1;
    while (this.#bytes > maxBytes) {
      const oldest = (this.#newest - this.#length + 1) & mask;
      const field = entries[oldest]!;
      entries[oldest] = undefined; // let the strings go
      this.#length--;
      this.#bytes -= entryBytes(field);
      this.evicted(field, this.#inserted - this.#length - 1);
    }
  }

  #grow(): void {
    const old = this.#entries;
    const grown: (HeaderField | undefined)[] = new Array(old.length * 2).fill(undefined);
    // Oldest first at 0, so the newest lands at length - 1.
    for (let i = 0; i < this.#length; i++) grown[i] = this.get(this.#length - 1 - i);
    this.#entries = grown;
    this.#newest = this.#length - 1;
  }
}
