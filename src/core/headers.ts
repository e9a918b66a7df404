/**
 * HTTP header fields: names compared case-insensitively, repeated fields kept
 * in the order they arrived, original spelling kept for writing.
 *
 * @module
 */

/** An ordered, case-insensitive multimap of HTTP header fields. */
export class Headers implements Iterable<[name: string, value: string]> {
  readonly #entries: [name: string, value: string][] = [];

  /** @param init fields to start with, in order */
  constructor(init?: Iterable<readonly [string, string]> | Record<string, string>) {
    if (init === undefined) return;
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const [name, value] of pairs as Iterable<readonly [string, string]>) {
      this.append(name, value);
    }
  }

  /** Adds a field after the existing ones, even if the name is already there. */
  append(name: string, value: string): void {
    this.#entries.push([name, value]);
  }

  /** Replaces every field with this name by a single one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  /** Removes every field with this name. */
  delete(name: string): void {
    const lower = name.toLowerCase();
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]![0].toLowerCase() === lower) this.#entries.splice(i, 1);
    }
  }

  /** Whether at least one field has this name. */
  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#entries.some(([n]) => n.toLowerCase() === lower);
  }

  /**
   * The values of every field with this name joined by `", "` (RFC 9110 5.3),
   * or `undefined` when there is none.
   */
  get(name: string): string | undefined {
    const values = this.getAll(name);
    return values.length === 0 ? undefined : values.join(", ");
  }

  /** The value of each field with this name, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (const [n, v] of this.#entries) if (n.toLowerCase() === lower) values.push(v);
    return values;
  }

  /** The number of fields. */
  get size(): number {
    return this.#entries.length;
  }

  [Symbol.iterator](): Iterator<[name: string, value: string]> {
    return this.#entries.map(([n, v]): [string, string] => [n, v])[Symbol.iterator]();
  }
}
