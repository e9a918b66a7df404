/**
 * Byte-array helpers shared by the core.
 *
 * @module
 */

/** An empty byte array. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Joins `parts` (of `length` bytes in total) into one array; a single part is returned as is. */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
