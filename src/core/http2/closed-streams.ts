/**
 * A short memory of recently closed streams, to tell frames that were in
 * flight when a stream closed (to be ignored, RFC 9113 5.1 "closed") from a
 * peer that keeps using a stream it closed itself (an error). Bounded: the
 * last {@link RECENT_STREAMS} ids, in a ring of two typed arrays.
 *
 * @module
 */

/** How a remembered stream closed. */
export const ClosedBy = {
  /** Not remembered (long closed, or never opened). */
  UNKNOWN: 0,
  /** We sent RST_STREAM: the peer may not have seen it yet, so its frames are ignored. */
  LOCAL_RESET: 1,
  /** The peer sent RST_STREAM (or refused it by GOAWAY): its frames are a stream error. */
  PEER_RESET: 2,
  /** Both sides sent END_STREAM: the peer's frames are a connection error (RFC 9113 5.1). */
  ENDED: 3,
} as const;

/** Ids remembered. */
export const RECENT_STREAMS = 64;

/** The ring of recently closed stream ids. */
export class ClosedStreams {
  #ids: Int32Array | null = null;
  #how: Uint8Array | null = null;
  #next = 0;

  /** Remembers that `id` closed, and how ({@link ClosedBy}). */
  add(id: number, how: number): void {
    // Made on first use: a session whose streams never close holds no ring.
    const ids = (this.#ids ??= new Int32Array(RECENT_STREAMS));
    const hows = (this.#how ??= new Uint8Array(RECENT_STREAMS));
    ids[this.#next] = id;
    hows[this.#next] = how;
    this.#next = (this.#next + 1) % RECENT_STREAMS;
  }

  /** How `id` closed ({@link ClosedBy}), or UNKNOWN. */
  how(id: number): number {
    const ids = this.#ids;
    if (ids === null) return ClosedBy.UNKNOWN;
    // Newest first: a stream may be noted twice (the peer reset it, then we
    // answered a late frame with RST_STREAM), and the last note holds.
    for (let n = 1; n <= RECENT_STREAMS; n++) {
      const i = (this.#next - n + RECENT_STREAMS) % RECENT_STREAMS;
      if (ids[i] === id) return this.#how![i]!;
    }
    return ClosedBy.UNKNOWN;
  }
}
