/**
 * One header field as HPACK carries it.
 *
 * @module
 */

/**
 * A header field: name and value as strings of octets (one code unit per octet, see `latin1.ts`).
 * Names are lower-case in HTTP/2 (RFC 9113 8.2.1); HPACK itself does not care.
 */
export type HeaderField = readonly [name: string, value: string];

/** The size HPACK and HTTP/2 count for a field: octets of name and value plus 32 (RFC 7541 4.1). */
export const ENTRY_OVERHEAD_BYTES = 32;
