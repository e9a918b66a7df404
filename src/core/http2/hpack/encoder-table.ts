/**
 * The encoder's dynamic table: the same FIFO as the decoder's, plus lookups by field and by name
 * so that finding a match costs two Map reads, not a scan. Lookups hold each entry's insertion
 * number (stable while it stays in the table) and are removed as entries are evicted, so they
 * never outgrow the table.
 *
 * @module
 */

import { DynamicTable } from "./dynamic-table.js";
import type { HeaderField } from "./header-field.js";
import { STATIC_TABLE_LENGTH } from "./static-table.js";

/** A dynamic table that can find its entries. */
export class EncoderTable extends DynamicTable {
  /**
   * name -> value -> insertion number. The encoder never inserts a field already present.
   * A Map of Maps, not one Map keyed by name + NUL + value: that key is a new string to flatten
   * and hash on every lookup, measured at 2.1 us against 0.75 us for a 10-field request head
   * (the Maps' keys are the caller's strings, whose hashes V8 keeps).
   */
  readonly #byField = new Map<string, Map<string, number>>();
  /** name -> insertion number of the newest entry with that name. */
  readonly #byName = new Map<string, number>();

  /** The HPACK index (62 and up) of an entry equal to `[name, value]`, or 0. */
  indexOf(name: string, value: string): number {
    const id = this.#byField.get(name)?.get(value);
    return id === undefined ? 0 : this.#indexOfId(id);
  }

  /** The HPACK index of an entry with this name, or 0. */
  indexOfName(name: string): number {
    const id = this.#byName.get(name);
    return id === undefined ? 0 : this.#indexOfId(id);
  }

  #indexOfId(id: number): number {
    return STATIC_TABLE_LENGTH + this.insertedCount - id;
  }

  protected override inserted(field: HeaderField, id: number): void {
    const [name, value] = field;
    let values = this.#byField.get(name);
    if (values === undefined) this.#byField.set(name, (values = new Map()));
    values.set(value, id);
    this.#byName.set(name, id);
  }

  protected override evicted(field: HeaderField, id: number): void {
    const [name, value] = field;
    const values = this.#byField.get(name);
    if (values !== undefined && values.get(value) === id) {
      values.delete(value);
      if (values.size === 0) this.#byField.delete(name);
    }
    if (this.#byName.get(name) === id) this.#byName.delete(name);
  }
}
