/**
 * The sizes HPACK's codecs are configured with: their defaults and their check.
 *
 * @module
 */

/**
 * SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 6.5.2): the dynamic table size both sides
 * assume until a SETTINGS frame says otherwise.
 */
export const DEFAULT_MAX_TABLE_BYTES = 4096;

/**
 * The default largest header list a decoder accepts: a WebSocket's request head is a few hundred
 * bytes, and 16 KiB leaves room for cookies without letting one request hold much.
 */
export const DEFAULT_MAX_HEADER_LIST_BYTES = 16384;

/** An option in bytes: a non-negative safe integer, or its default. Else `RangeError`. */
export function checkBytes(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot use ${name} ${value}: not a non-negative integer`);
  }
  return value;
}
