/**
 * The extension seam (RFC 6455 section 9): negotiation in the opening
 * handshake, and the transformation of data frames once the connection is open.
 * permessage-deflate (RFC 7692) is the first extension built on it.
 *
 * @module
 */

/** One `name` or `name=value` parameter of an extension offer or response (RFC 6455 9.1). */
export type ExtensionParam = readonly [name: string, value: string | null];

/** An extension in use on an open connection. One instance per connection. */
export interface Extension {
  /** The extension token, e.g. `permessage-deflate`. */
  readonly name: string;
  /**
   * The RSV bits this extension may set, as a mask on the first header byte
   * (0x40 is RSV1, 0x20 RSV2, 0x10 RSV3). Frames with other RSV bits set fail
   * the connection with 1002.
   */
  readonly rsvBits: number;
  /**
   * Transforms the payload of one outgoing data frame. Called for every data
   * frame of a message, in order; `first` is the frame that carries the opcode,
   * `fin` the last one. Returns the payload to send and the RSV bits to set.
   */
  encode(
    payload: Uint8Array,
    first: boolean,
    fin: boolean,
  ): { readonly payload: Uint8Array; readonly rsv: number };
  /**
   * Transforms the payload of one incoming data frame. `rsv` holds the frame's
   * RSV bits, already checked against `rsvBits`; `first` and `fin` as for
   * `encode`. The result must not exceed `maxBytes`: throw a `ProtocolError`
   * with close code 1009 rather than produce more. Throw a `ProtocolError`
   * (1002, 1007) for data that cannot be decoded.
   */
  decode(
    payload: Uint8Array,
    rsv: number,
    first: boolean,
    fin: boolean,
    maxBytes: number,
  ): Uint8Array;
  /**
   * Set when encoding a whole message sent as one frame depends only on the
   * payload and on this key (no state carried between messages, e.g.
   * permessage-deflate without context takeover on the sending side): a
   * broadcast then encodes the message once for every connection with the same
   * key. `null` or absent when each connection must encode for itself.
   */
  readonly sharedKey?: string | null;
  /** Releases what the extension holds (codec state). Called once, when the connection closes. */
  dispose?(): void;
}

/** Client side negotiation of one extension offer. */
export interface ClientExtensionFactory {
  /** The extension token. */
  readonly name: string;
  /** Parameters of the offer sent in `Sec-WebSocket-Extensions`. */
  offer(): readonly ExtensionParam[];
  /**
   * Called with the parameters the server answered for this extension, and the
   * extensions already accepted in this response (to detect RSV conflicts).
   * Returns the extension to use, or throws (any error) when the response is
   * unacceptable, which fails the handshake.
   */
  accept(params: readonly ExtensionParam[], accepted: readonly Extension[]): Extension;
}

/** Server side negotiation of an extension. */
export interface ServerExtensionFactory {
  /** The extension token. */
  readonly name: string;
  /**
   * Called with the parameters of one offer of this extension from the
   * client, and the extensions already accepted for this connection. Returns
   * the response parameters and the extension to use, or `null` to decline
   * this offer (the next offer, if any, is tried).
   */
  negotiate(
    params: readonly ExtensionParam[],
    accepted: readonly Extension[],
  ): { readonly params: readonly ExtensionParam[]; readonly extension: Extension } | null;
}
