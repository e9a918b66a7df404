/**
 * What a connection sends and receives: the message and fragment types of
 * `send()` and `recv()`, and the one conversion of binary data they need.
 *
 * @module
 */

/** A received message: text as a string, binary as bytes. */
export type Message = string | Uint8Array;

/** Bytes of a binary message or fragment: any typed array, DataView or ArrayBuffer. */
export type BinaryData = ArrayBufferView | ArrayBuffer;

/** A fragment of a message sent with `send(iterable)`. */
export type Fragment = string | BinaryData;

/** What `sendFrame()` sends: the first frame of a text or binary message, or the next one. */
export type FrameKind = "text" | "binary" | "continuation";

/** What `send()` takes: a whole message, or an (async) iterable of fragments sent as one message. */
export type SendData = string | BinaryData | Iterable<Fragment> | AsyncIterable<Fragment>;

/**
 * A `Uint8Array` over the same memory as `data` (no copy): what the protocol
 * takes, whichever view of binary data the caller had.
 */
export function bytesView(data: BinaryData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`Invalid message data: ${Object.prototype.toString.call(data)}`);
}

/** A queued message's size for the queue's byte mark: bytes, or a text's characters. */
export function sizeOf(message: Message): number {
  return typeof message === "string" ? message.length : message.byteLength;
}
