/**
 * HPACK's errors. A header block that cannot be decoded breaks the shared compression context,
 * so it is a connection error of type COMPRESSION_ERROR (RFC 9113 4.3): {@link HpackError}.
 * A block that decodes but whose header list is larger than we accept leaves the context intact:
 * {@link HeaderListTooLargeError}, a stream error (the request is refused, the connection goes on).
 *
 * @module
 */

/**
 * A header block could not be decoded (the peer's fault): a COMPRESSION_ERROR of the whole
 * connection (RFC 9113 4.3). The dynamic table is out of step with the peer's after it.
 */
export class HpackError extends Error {
  override name = "HpackError";
}

/**
 * The decoded header list is larger than `maxHeaderListBytes` (name + value + 32 octets per field,
 * RFC 9113 6.5.2). The whole block was decoded, so the dynamic table is still in step with the
 * peer's: this is a stream error (refuse the stream; HTTP 431 where one can answer), not a
 * connection error.
 */
export class HeaderListTooLargeError extends HpackError {
  override name = "HeaderListTooLargeError";
  /** The size of the whole decoded list, counted as RFC 9113 6.5.2 does. */
  readonly headerListBytes: number;
  /** The limit it exceeded. */
  readonly maxHeaderListBytes: number;
  constructor(headerListBytes: number, maxHeaderListBytes: number) {
    super(
      `Cannot accept header block: the header list is ${headerListBytes} bytes, more than the ` +
        `${maxHeaderListBytes} allowed (peer's fault)`,
    );
    this.headerListBytes = headerListBytes;
    this.maxHeaderListBytes = maxHeaderListBytes;
  }
}
