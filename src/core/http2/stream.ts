/**
 * One stream's state (RFC 9113 5.1) as a small plain object, kept in the
 * session's Map by id while open.
 *
 * Theory of operation: a stream object exists only while the stream is
 * open or half-closed; idle streams are ids above the last one opened, and
 * closed ones are gone (the session keeps a short ring of recently closed ids
 * to tell frames in flight from protocol errors). The RFC's states map to the
 * two END_STREAM bits:
 *
 * | `ended`                 | RFC 9113 5.1 state   | we may send  | peer may send |
 * |-------------------------|----------------------|--------------|---------------|
 * | 0                       | open                 | yes          | yes           |
 * | LOCAL_END               | half-closed (local)  | WINDOW_UPDATE, RST | yes     |
 * | REMOTE_END              | half-closed (remote) | yes          | WINDOW_UPDATE, RST, PRIORITY |
 * | LOCAL_END\|REMOTE_END   | closed (object dropped) | -         | -             |
 *
 * Reserved states do not occur: push is never enabled (RFC 9113 8.4).
 *
 * @module
 */

import { InvalidStateError } from "../errors.js";
import { MAX_31_BIT } from "./frame-types.js";

/** END_STREAM bits of {@link Http2Stream.ended}. */
export const Ended = {
  /** We sent END_STREAM (it is in the output). */
  LOCAL: 1,
  /** The peer sent END_STREAM. */
  REMOTE: 2,
  BOTH: 3,
} as const;

/** The RFC 9113 5.1 state name of an `ended` value. */
export const STATE_NAMES: readonly string[] = [
  "open",
  "half-closed (local)",
  "half-closed (remote)",
  "closed",
];

/** Where the peer's side of the stream is in an HTTP message (RFC 9113 8.1). */
export const Head = {
  /** A client waits for the response head (1xx heads leave it here). */
  AWAITED: 0,
  /** The head came: DATA and then trailers (with END_STREAM) may follow. */
  RECEIVED: 1,
} as const;

/** Special values of {@link Http2Stream.bodyLeft}. */
export const Body = {
  /** No content-length to check the DATA against. */
  UNCHECKED: -1,
  /** A client's HEAD or CONNECT: the response's content-length says nothing of its DATA. */
  IGNORED: -2,
} as const;

/** An open stream. Fields are public for the session's fast paths; nothing else touches them. */
export class Http2Stream {
  readonly id: number;
  /** END_STREAM bits ({@link Ended}). */
  ended = 0;
  /** {@link Head}: where the peer's message is. */
  head: number;
  /** Bytes we may still send (the peer's window for us); may go negative (RFC 9113 6.9.2). */
  sendWindow: number;
  /** Bytes the peer may still send us. */
  recvWindow: number;
  /** Bytes processed (or padding) not yet returned by WINDOW_UPDATE. */
  recvOwed = 0;
  /** Output held by flow control: the caller's chunks, referenced. */
  queue: Uint8Array[] | null = null;
  /** Index of the first chunk of `queue` not wholly sent. */
  queueHead = 0;
  /** Bytes of `queue[queueHead]` already sent. */
  queueOffset = 0;
  /** Bytes in `queue` not sent yet. */
  queuedBytes = 0;
  /** END_STREAM waits behind the queue. */
  endQueued = false;
  /** The queue was held by flow control: a "drain" is owed when it empties. */
  held = false;
  /**
   * DATA bytes the peer's content-length still allows (RFC 9113 8.1.1);
   * {@link Body.UNCHECKED} without one, {@link Body.IGNORED} when its
   * content-length has no meaning (the answer to our HEAD or CONNECT).
   */
  bodyLeft: number = Body.UNCHECKED;
  /** A server answered (sent HEADERS): a reset now is no longer a cheap one (CVE-2023-44487). */
  answered = false;

  constructor(id: number, head: number, sendWindow: number, recvWindow: number) {
    this.id = id;
    this.head = head;
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }
}

/**
 * Checks that `id` can still name a new stream of ours: ids are 31-bit and
 * never reused (RFC 9113 5.1.1), so after about a billion streams a session
 * has none left and a new connection is needed. Throws InvalidStateError.
 */
export function checkStreamIdLeft(id: number): void {
  if (id > MAX_31_BIT)
    throw new InvalidStateError("Cannot open stream: stream ids are used up (RFC 9113 5.1.1)");
}
