/**
 * HPACK (RFC 7541), header compression for HTTP/2, as a pure synchronous codec: one
 * {@link HpackDecoder} and one {@link HpackEncoder} per connection, fed whole header blocks.
 *
 * @module
 */

export { HpackDecoder, type HpackDecoderOptions } from "./decoder.js";
export { ENCODER_MAX_TABLE_BYTES, HpackEncoder, type HpackEncoderOptions } from "./encoder.js";
export { HeaderListTooLargeError, HpackError } from "./errors.js";
export type { HeaderField } from "./header-field.js";
export { DEFAULT_MAX_HEADER_LIST_BYTES, DEFAULT_MAX_TABLE_BYTES } from "./limits.js";
