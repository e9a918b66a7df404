/**
 * Messages framed once and sent on many connections (broadcast).
 *
 * @module
 */

import type { Extension } from "./extension.js";
import { FIN, headerSize, Opcode, writeHeader } from "./frame.js";
import { encodeUtf8 } from "./utf8.js";

/** A payload encoded by a connection's extensions, and the RSV bits they set. */
export interface EncodedPayload {
  readonly payload: Uint8Array;
  readonly rsv: number;
}

/**
 * A message framed once to be sent on many connections (broadcast). Build it
 * with {@link prepareMessage}; send it with `Protocol.sendPrepared`.
 */
export class PreparedMessage {
  /** `Opcode.TEXT` or `Opcode.BINARY`. */
  readonly opcode: number;
  /** The payload bytes. */
  readonly payload: Uint8Array;
  #frame: Uint8Array | undefined;
  // Payloads already encoded by shareable extensions, by their keys.
  #encoded: Map<string, EncodedPayload> | undefined;

  constructor(opcode: number, payload: Uint8Array) {
    this.opcode = opcode;
    this.payload = payload;
  }

  /** The whole unmasked, uncompressed frame, built on first use (servers send it as is). */
  get serverFrame(): Uint8Array {
    if (this.#frame === undefined) {
      const length = this.payload.length;
      const frame = new Uint8Array(headerSize(length, false) + length);
      frame.set(this.payload, writeHeader(frame, 0, FIN | this.opcode, length, false));
      this.#frame = frame;
    }
    return this.#frame;
  }

  /**
   * The payload encoded by `extensions` (as one frame), computed once per
   * `key`: connections whose extensions have the same shared key (see
   * `sharedKeyOf`) get the same bytes, so a broadcast compresses once.
   */
  encodedFor(key: string, extensions: readonly Extension[]): EncodedPayload {
    this.#encoded ??= new Map();
    let encoded = this.#encoded.get(key);
    if (encoded === undefined) {
      let payload = this.payload;
      let rsv = 0;
      for (const extension of extensions) {
        const out = extension.encode(payload, true, true);
        payload = out.payload;
        rsv |= out.rsv;
      }
      encoded = { payload, rsv };
      this.#encoded.set(key, encoded);
    }
    return encoded;
  }
}

/** Frames a message once for `Protocol.sendPrepared`. Strings are sent as text. */
export function prepareMessage(data: string | Uint8Array): PreparedMessage {
  return typeof data === "string"
    ? new PreparedMessage(Opcode.TEXT, encodeUtf8(data))
    : new PreparedMessage(Opcode.BINARY, data);
}

/**
 * The key under which `extensions` encode a prepared message the same way for
 * every connection: their shared keys joined ("" for none), or `null` when one
 * of them cannot share (each connection then encodes for itself).
 */
export function sharedKeyOf(extensions: readonly Extension[]): string | null {
  let key = "";
  for (const extension of extensions) {
    const part = extension.sharedKey;
    if (part === undefined || part === null) return null;
    key += `${extension.name}=${part};`;
  }
  return key;
}
