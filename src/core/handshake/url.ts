/**
 * WebSocket URLs (RFC 6455 3): what a client needs from `ws://` or `wss://`
 * to connect and to write its request, whatever the HTTP version. Public:
 * the package entry exports `parseWebSocketUrl`.
 *
 * @module
 */

/** The parts of a `ws:` or `wss:` URL that the handshake needs (RFC 6455 3). */
export interface WebSocketUrl {
  /** `wss:` (TLS). */
  secure: boolean;
  /** Host name or IP address to connect to; an IPv6 address without brackets. */
  host: string;
  /** Port, 80 or 443 by default. */
  port: number;
  /** `/path?query`, the request target. */
  resourceName: string;
  /** The `Host` header value: the host (IPv6 in brackets), with `:port` only when not the default. */
  hostHeader: string;
}

/**
 * Parses and checks a WebSocket URL (RFC 6455 3 and 4.1 step 1). Parsing is
 * the WHATWG URL parser's (the global `URL`, present in every runtime we
 * target), so hosts are normalised as browsers do (lowercase,
 * IDNA to punycode, IPv4 and IPv6 canonical forms).
 *
 * Throws TypeError for an unparsable URL, a scheme other than `ws:`/`wss:`,
 * a fragment (RFC 6455 3: "Fragment identifiers ... MUST NOT be used"; an
 * empty `#` counts too), or credentials (`user:pass@`, which have no place
 * in a ws-URI; send an `Authorization` header instead).
 *
 * @example
 * ```ts
 * parseWebSocketUrl("wss://example.com:8443/chat?room=1");
 * // { secure: true, host: "example.com", port: 8443,
 * //   resourceName: "/chat?room=1", hostHeader: "example.com:8443" }
 * ```
 */
export function parseWebSocketUrl(url: string | URL): WebSocketUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError(`Cannot parse WebSocket URL: invalid URL "${url}"`, { cause });
  }
  const href = parsed.href;
  const secure = parsed.protocol === "wss:";
  if (!secure && parsed.protocol !== "ws:") {
    throw new TypeError(
      `Cannot parse WebSocket URL: scheme "${parsed.protocol}" is not ws: or wss: in "${href}"`,
    );
  }
  // The fragment and the credentials are percent-encoded elsewhere in an
  // href, so a "#" can only start a fragment.
  if (href.includes("#")) {
    throw new TypeError(
      `Cannot parse WebSocket URL: fragments are not allowed (escape "#" as "%23") in "${href}"`,
    );
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new TypeError(`Cannot parse WebSocket URL: credentials are not allowed in "${href}"`);
  }
  // The URL parser drops the default port (80 for ws:, 443 for wss:), so
  // `port` is only set when it must appear in Host (RFC 6455 4.1).
  const hostname = parsed.hostname;
  const port = parsed.port === "" ? (secure ? 443 : 80) : Number(parsed.port);
  return {
    secure,
    host: hostname.startsWith("[") ? hostname.slice(1, -1) : hostname,
    port,
    // Special schemes always have a path of at least "/".
    resourceName: parsed.pathname + parsed.search,
    hostHeader: parsed.port === "" ? hostname : `${hostname}:${parsed.port}`,
  };
}
