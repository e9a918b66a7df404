/**
 * Bounds against a peer that abuses the protocol without breaking it, each
 * answered with GOAWAY ENHANCE_YOUR_CALM (RFC 9113 11.x, 10.5). The core has
 * no clock, so every rule counts events against other events instead of
 * against time.
 *
 * - **Rapid reset (CVE-2023-44487).** A stream the peer opens and resets
 *   before we answered it, or that we had to refuse (REFUSED_STREAM, past our
 *   SETTINGS_MAX_CONCURRENT_STREAMS), costs us a request's work and the peer
 *   next to nothing. Such "cheap" streams are free up to
 *   {@link FREE_CHEAP_STREAMS}; past that each needs an answered stream
 *   beside it: `cheap > FREE_CHEAP_STREAMS + answered` ends the session. An
 *   honest browser cancelling some requests never gets near; an attacker gets
 *   at most one unit of our work per unit of its own, the amplification the
 *   attack lives on is gone.
 * - **CONTINUATION flood (2024, VU#421644).** A header block is held until
 *   END_HEADERS; it may grow to twice our SETTINGS_MAX_HEADER_LIST_SIZE (HPACK
 *   rarely makes a block larger than its list; twice leaves room for any
 *   honest encoder) and span at most {@link MAX_CONTINUATION_FRAMES}
 *   CONTINUATION frames (empty ones count too, so a flood of zero-length
 *   frames cannot spin us).
 * - **Control-frame floods (SETTINGS, PING, and frames that make us send
 *   RST_STREAM).** Replies queued but not yet taken by the transport are
 *   bounded by {@link MAX_PENDING_REPLIES}: a peer that sends faster than it
 *   reads cannot grow our output without limit.
 *
 * @module
 */

/** Cheap streams (reset before answered, or refused) free of charge per session. */
export const FREE_CHEAP_STREAMS = 1000;

/** CONTINUATION frames one header block may span. */
export const MAX_CONTINUATION_FRAMES = 128;

/** A held header block may be this many times SETTINGS_MAX_HEADER_LIST_SIZE. */
export const HEADER_BLOCK_FACTOR = 2;

/** A held header block is never larger than this, whatever the settings (bytes). */
export const MAX_HEADER_BLOCK_BYTES = 1 << 20;

/** Reply frames (ACKs, RST_STREAMs answering the peer) queued and not taken. */
export const MAX_PENDING_REPLIES = 1000;

/** Whether the peer's cheap streams passed the rapid-reset budget. */
export function isStreamAbuse(cheapStreams: number, answeredStreams: number): boolean {
  return cheapStreams > FREE_CHEAP_STREAMS + answeredStreams;
}
