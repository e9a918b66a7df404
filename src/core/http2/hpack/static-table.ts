/**
 * HPACK's static table (RFC 7541 Appendix A): indices 1-61, shared by every connection, and the
 * lookups the encoder needs, built once at module load.
 *
 * @module
 */

import type { HeaderField } from "./header-field.js";

/**
 * Entries 1-61 at positions 0-60. The decoder hands these very tuples out, shared by every
 * connection: `readonly` is their only guard. (Frozen, they made decoding a request head of
 * indexed fields 2x slower on Node 20: 76 -> 177 ns, alternating runs.)
 */
export const STATIC_TABLE: readonly HeaderField[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** The number of static entries: dynamic indices start after it (RFC 7541 2.3.3). */
export const STATIC_TABLE_LENGTH = 61;

/** What the static table holds for one name. */
export interface StaticName {
  /** The lowest index with this name (for a literal with an indexed name). */
  readonly nameIndex: number;
  /** The index of each value the table holds with this name. */
  readonly valueIndex: ReadonlyMap<string, number>;
}

/** The static table by name: one Map lookup answers both "exact match?" and "name match?". */
export const STATIC_BY_NAME: ReadonlyMap<string, StaticName> = (() => {
  const byName = new Map<string, { nameIndex: number; valueIndex: Map<string, number> }>();
  STATIC_TABLE.forEach(([name, value], i) => {
    let entry = byName.get(name);
    if (entry === undefined)
      byName.set(name, (entry = { nameIndex: i + 1, valueIndex: new Map() }));
    if (!entry.valueIndex.has(value)) entry.valueIndex.set(value, i + 1);
  });
  return byName;
})();
