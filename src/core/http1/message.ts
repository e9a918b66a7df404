/**
 * HTTP/1.1 message heads for the opening handshake (RFC 9112): the request
 * and response objects that both sides build, edit, send and receive, and the
 * bounds on what the parsers accept.
 *
 * @module
 */

import type { Headers } from "../headers.js";

/** An HTTP request head, as sent by a client or received by a server. Editable before sending. */
export interface Request {
  /** Request method, `GET` for a WebSocket handshake. */
  method: string;
  /** Request target: the resource name (`/path?query`). */
  target: string;
  /** Header fields. */
  headers: Headers;
  /**
   * HTTP version as `major.minor` (`"1.1"`). Set by the request parser;
   * `undefined` means 1.1, which is also what the serializer writes.
   */
  version?: string;
}

/** An HTTP response head and body, as sent by a server or received by a client. Editable before sending. */
export interface Response {
  /** Status code, 101 when the connection is upgraded. */
  status: number;
  /** Reason phrase. */
  reason: string;
  /** Header fields. */
  headers: Headers;
  /** Body; empty for a 101 response. */
  body: Uint8Array;
  /**
   * HTTP version as `major.minor`. Set by the response parser; `undefined`
   * means 1.1, which is also what the serializer writes.
   */
  version?: string;
}

/** Bounds on what the HTTP parsers accept, so a peer cannot make them buffer without limit. */
export interface HttpLimits {
  /** Longest request, status, header or chunk-size line, in bytes without the line ending. */
  maxLineBytes: number;
  /** Most header fields in a head (and most trailer fields in a chunked body). */
  maxHeaders: number;
  /** Most bytes in a head: start line, fields and line endings. */
  maxHeadBytes: number;
  /** Most response body bytes kept; a longer body is truncated to this size. */
  maxBodyBytes: number;
}

/**
 * Default limits. 8 KiB per line matches common servers (Apache's 8190-byte
 * field limit, nginx's 8k header buffers) and leaves room for large cookies,
 * while a browser's handshake lines are well under 1 KiB. A handshake carries
 * about 10-20 fields; 128 allows generous proxies and cookies (Apache allows
 * 100). A head is kept for the life of its connection, so its total is
 * bounded too: 32 KiB, twice Node's own HTTP limit (16 KiB) and nginx's
 * default (4 buffers of 8 KiB); lines and fields alone would allow 1 MiB.
 * A non-101 response body is only read to report why the handshake
 * failed; 64 KiB shows any error page's message.
 */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxLineBytes: 8192,
  maxHeaders: 128,
  maxHeadBytes: 32768,
  maxBodyBytes: 65536,
});

const LIMIT_NAMES = ["maxLineBytes", "maxHeaders", "maxHeadBytes", "maxBodyBytes"] as const;

/** `limits` over the defaults, each checked: a non-negative safe integer. */
export function resolveLimits(limits: Partial<HttpLimits> | undefined): Readonly<HttpLimits> {
  // The usual case (a parser per connection): the shared defaults, already checked.
  if (limits === undefined) return DEFAULT_HTTP_LIMITS;
  const resolved = { ...DEFAULT_HTTP_LIMITS, ...limits };
  for (const key of LIMIT_NAMES) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `Cannot create HTTP parser: ${key} must be a non-negative integer, got ${value}`,
      );
    }
  }
  return resolved;
}

/** Reason phrases of the statuses a handshake uses (RFC 9110 15, RFC 6585). */
export const REASONS: Readonly<Record<number, string>> = {
  101: "Switching Protocols",
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  414: "URI Too Long",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};
