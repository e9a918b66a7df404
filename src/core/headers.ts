/**
 * HTTP header fields: names compared case-insensitively, repeated fields kept
 * in the order they arrived, original spelling kept for writing.
 *
 * @module
 */

// Each field keeps its name lowercased once, when added: a handshake looks
// fields up a dozen times, and lowercasing every name on every lookup was a
// visible part of accepting a connection.
type Field = [name: string, value: string, key: string];

/** An ordered, case-insensitive multimap of HTTP header fields. */
export class Headers implements Iterable<[name: string, value: string]> {
  readonly #fields: Field[] = [];

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
    this.#fields.push([name, value, name.toLowerCase()]);
  }

  /** Replaces every field with this name by a single one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  /** Removes every field with this name. */
  delete(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.#fields.length - 1; i >= 0; i--) {
      if (this.#fields[i]![2] === key) this.#fields.splice(i, 1);
    }
  }

  /** Whether at least one field has this name. */
  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#fields.some((field) => field[2] === key);
  }

  /**
   * The values of every field with this name joined by `", "` (RFC 9110 5.3),
   * or `undefined` when there is none.
   */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    let joined: string | undefined;
    for (const field of this.#fields) {
      if (field[2] === key) joined = joined === undefined ? field[1] : `${joined}, ${field[1]}`;
    }
    return joined;
  }

  /** The value of each field with this name, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const values: string[] = [];
    for (const field of this.#fields) if (field[2] === key) values.push(field[1]);
    return values;
  }

  /** The number of fields. */
  get size(): number {
    return this.#fields.length;
  }

  [Symbol.iterator](): Iterator<[name: string, value: string]> {
    return this.#fields.map((field): [string, string] => [field[0], field[1]])[Symbol.iterator]();
  }
}
