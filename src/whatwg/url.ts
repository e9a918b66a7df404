/**
 * The WebSocket constructors' URL and subprotocol checks (WHATWG WebSockets
 * Standard, "new WebSocket(url, protocols)" steps 1 to 7), shared by
 * `WebSocket` and `WebSocketStream`. Every failure is a `SyntaxError`
 * DOMException, as in browsers.
 *
 * @module
 */

import { toUSVString } from "./webidl.js";

/** The document's base URL where there is one (a browser, `deno run --location`). */
function baseUrl(): string | undefined {
  const location = (globalThis as { location?: { href?: unknown } }).location;
  return typeof location?.href === "string" ? location.href : undefined;
}

/**
 * Parses `url` as a WebSocket URL: relative to the document's base URL if
 * any, `http:` and `https:` mapped to `ws:` and `wss:`, other schemes and
 * fragments refused.
 */
export function parseWebSocketUrl(url: unknown, context: string): URL {
  const input = toUSVString(url);
  let record: URL;
  try {
    record = new URL(input, baseUrl());
  } catch {
    throw new DOMException(`${context}: The URL '${input}' is invalid.`, "SyntaxError");
  }
  if (record.protocol === "http:") record.protocol = "ws:";
  else if (record.protocol === "https:") record.protocol = "wss:";
  if (record.protocol !== "ws:" && record.protocol !== "wss:") {
    throw new DOMException(
      `${context}: The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${record.protocol.slice(0, -1)}' is not allowed.`,
      "SyntaxError",
    );
  }
  // An empty fragment ("ws://host/#") is a fragment too; `hash` hides it.
  if (record.hash !== "" || record.href.endsWith("#")) {
    throw new DOMException(
      `${context}: The URL contains a fragment identifier ('${record.hash}'). Fragment identifiers are not allowed in WebSocket URLs.`,
      "SyntaxError",
    );
  }
  return record;
}

/**
 * The URL to connect to: without the user name and password a URL may carry.
 * A browser opens such a URL and sends the credentials only in answer to a
 * 401 (Fetch's "authentication fetch"), which a WebSocket handshake cannot
 * retry; the library's client refuses credentials in a URL outright.
 */
export function withoutCredentials(url: URL): URL {
  if (url.username === "" && url.password === "") return url;
  const bare = new URL(url.href);
  bare.username = "";
  bare.password = "";
  return bare;
}

// RFC 7230 3.2.6 tchar: what a Sec-WebSocket-Protocol element may hold (RFC 6455 4.1).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Converts and checks the `protocols` argument: tokens, none twice. */
export function parseProtocols(protocols: unknown, context: string): string[] {
  let list: string[];
  if (protocols === undefined) list = [];
  else if (
    protocols !== null &&
    typeof protocols === "object" &&
    Symbol.iterator in (protocols as object)
  ) {
    list = Array.from(protocols as Iterable<unknown>, toUSVString);
  } else {
    list = [toUSVString(protocols)];
  }
  const seen = new Set<string>();
  for (const protocol of list) {
    if (!TOKEN.test(protocol)) {
      throw new DOMException(
        `${context}: The subprotocol '${protocol}' is invalid.`,
        "SyntaxError",
      );
    }
    if (seen.has(protocol)) {
      throw new DOMException(
        `${context}: The subprotocol '${protocol}' is duplicated.`,
        "SyntaxError",
      );
    }
    seen.add(protocol);
  }
  return list;
}
