/**
 * HTTP header fields: names compared case-insensitively, repeated fields kept
 * in the order they arrived, original spelling kept for writing.
 *
 * @module
 */

// Lowercased names of the fields a handshake carries, shared by every
// connection: the request and response heads stay in memory for the life of a
// connection (`connection.request`), so a lowercased copy per field and
// connection would add up.
const KNOWN_KEYS = new Map<string, string>();
// The same names as shared strings, so a parsed head keeps no copy of them.
const KNOWN_NAMES = new Map<string, string>();
for (const name of [
  "Host",
  "Upgrade",
  "Connection",
  "Origin",
  "User-Agent",
  "Server",
  "Date",
  "Content-Type",
  "Content-Length",
  "Transfer-Encoding",
  "Sec-WebSocket-Key",
  "Sec-WebSocket-Accept",
  "Sec-WebSocket-Version",
  "Sec-WebSocket-Protocol",
  "Sec-WebSocket-Extensions",
  "Cache-Control",
  "Pragma",
  "Accept-Encoding",
  "Accept-Language",
  "Cookie",
  "Authorization",
]) {
  const key = name.toLowerCase();
  KNOWN_KEYS.set(name, key);
  KNOWN_KEYS.set(key, key);
  KNOWN_NAMES.set(name, name);
  KNOWN_NAMES.set(key, key);
}

/**
 * A set of shared strings, looked up by a range of a text without slicing it.
 * Internal: the HTTP parser keeps these for the names and values most heads
 * carry (a parsed head lives as long as its connection) instead of a copy per
 * connection, and makes no slice to find them.
 */
export class SharedStrings {
  // By length, then the few strings of that length.
  readonly #byLength: string[][] = [];

  /** @param strings the strings to share */
  constructor(strings: Iterable<string>) {
    for (const text of new Set(strings)) (this.#byLength[text.length] ??= []).push(text);
  }

  /** The shared string equal to `text.slice(start, end)`, or `undefined`. */
  find(text: string, start: number, end: number): string | undefined {
    const candidates = this.#byLength[end - start];
    if (candidates === undefined) return undefined;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      if (text.startsWith(candidate, start)) return candidate;
    }
    return undefined;
  }
}

/** The names above, as spelled there and lowercased. Internal: for the HTTP parser. */
export const SHARED_NAMES: SharedStrings = new SharedStrings(KNOWN_NAMES.keys());

function keyOf(name: string): string {
  return KNOWN_KEYS.get(name) ?? name.toLowerCase();
}

/** Whether a stored field name is `key` (a lowercased name), ignoring case. */
function isNamed(name: string, key: string): boolean {
  // Most names differ in length, and a known name is stored as a shared
  // string, so the Map lookup only runs for names of the same length.
  return name === key || (name.length === key.length && keyOf(name) === key);
}

/**
 * Trims a Headers' storage to its size, once it is complete. A handshake's
 * heads stay in memory as long as their connection; an array that grew by
 * appending keeps up to half again as many slots. Internal: the HTTP parser
 * and the handshake call it.
 */
export const compactHeaders: unique symbol = Symbol("compactHeaders");

/**
 * The number of fields with a name, without building the array `getAll`
 * returns. Internal: the handshake checks fields that must appear once.
 */
export const countFields: unique symbol = Symbol("countFields");

/**
 * The fields as one flat array (name, value, name, value, ...), not copied:
 * the caller must not change it. Internal: the HTTP writer reads it.
 */
export const flatFields: unique symbol = Symbol("flatFields");

/**
 * Adds fields given as one flat array (name, value, name, value, ...), taking
 * the array itself when there are no fields yet. Internal: the HTTP parser
 * hands over each head's fields in an array of the exact size this way.
 */
export const adoptFields: unique symbol = Symbol("adoptFields");

/** An ordered, case-insensitive multimap of HTTP header fields. */
export class Headers implements Iterable<[name: string, value: string]> {
  // Flat pairs: name as given (a shared string for the names a handshake
  // carries), value. One array rather than an array per field, and no
  // lowercased copy of each name: less memory per connection.
  #fields: string[] = [];

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
    this.#fields.push(KNOWN_NAMES.get(name) ?? name, value);
  }

  /** Replaces every field with this name by a single one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  /** Removes every field with this name. */
  delete(name: string): void {
    const key = keyOf(name);
    const fields = this.#fields;
    for (let i = fields.length - 2; i >= 0; i -= 2) {
      if (isNamed(fields[i]!, key)) fields.splice(i, 2);
    }
  }

  /** Whether at least one field has this name. */
  has(name: string): boolean {
    const key = keyOf(name);
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) if (isNamed(fields[i]!, key)) return true;
    return false;
  }

  /**
   * The values of every field with this name joined by `", "` (RFC 9110 5.3),
   * or `undefined` when there is none.
   */
  get(name: string): string | undefined {
    const key = keyOf(name);
    const fields = this.#fields;
    let joined: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (isNamed(fields[i]!, key)) {
        const value = fields[i + 1]!;
        joined = joined === undefined ? value : `${joined}, ${value}`;
      }
    }
    return joined;
  }

  /** The value of each field with this name, in order. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const fields = this.#fields;
    const values: string[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      if (isNamed(fields[i]!, key)) values.push(fields[i + 1]!);
    }
    return values;
  }

  /** The number of fields. */
  get size(): number {
    return this.#fields.length / 2;
  }

  [Symbol.iterator](): Iterator<[name: string, value: string]> {
    const pairs: [string, string][] = [];
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
    return pairs[Symbol.iterator]();
  }

  /** @internal See {@link countFields}. */
  [countFields](name: string): number {
    const key = keyOf(name);
    const fields = this.#fields;
    let count = 0;
    for (let i = 0; i < fields.length; i += 2) if (isNamed(fields[i]!, key)) count++;
    return count;
  }

  /** @internal See {@link flatFields}. */
  [flatFields](): readonly string[] {
    return this.#fields;
  }

  /** @internal See {@link adoptFields}. */
  [adoptFields](fields: string[]): void {
    this.#fields = this.#fields.length === 0 ? fields : this.#fields.concat(fields);
  }

  /** @internal See {@link compactHeaders}. */
  [compactHeaders](): void {
    // slice() allocates exactly the slots in use.
    this.#fields = this.#fields.slice();
  }
}
