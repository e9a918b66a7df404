/**
 * A request head that another HTTP parser read, as this core's
 * {@link Request}: for a server that hands over an upgraded connection with
 * its head already parsed (`node:http`'s `upgrade` event), so that the
 * handshake takes the fields as they are rather than bytes serialised again
 * from them and parsed a second time.
 *
 * @module
 */

import { adoptFields, Headers, SHARED_NAMES } from "../headers.js";
import { trimOws } from "./grammar.js";
import { SHARED_VALUES } from "./latin1.js";
import type { Request } from "./message.js";

/** The shared string equal to `text`, or `text` itself: a parsed head's strings live as long as its connection. */
function shared(strings: typeof SHARED_VALUES, text: string): string {
  return strings.find(text, 0, text.length) ?? text;
}

/**
 * Builds a request from a head that another parser read: its method, target,
 * HTTP version (`"1.1"`) and fields as one flat array (name, value, name,
 * value, ..., as `node:http`'s `rawHeaders`). The names and values that most
 * handshakes carry are replaced by shared copies, as the core's own parser
 * does. The fields are copied; `fields` is left as it was.
 *
 * @example
 * ```ts
 * const request = requestFromHead(message.method, message.url, message.httpVersion, message.rawHeaders);
 * protocol.receiveRequest(request);
 * ```
 */
export function requestFromHead(
  method: string,
  target: string,
  version: string,
  fields: readonly string[],
): Request {
  const count = fields.length - (fields.length % 2);
  const copy = new Array<string>(count);
  for (let i = 0; i < count; i += 2) {
    copy[i] = shared(SHARED_NAMES, fields[i]!);
    copy[i + 1] = shared(SHARED_VALUES, fields[i + 1]!);
  }
  const headers = new Headers();
  headers[adoptFields](copy);
  return {
    method: shared(SHARED_VALUES, method),
    target: shared(SHARED_VALUES, target),
    headers,
    version: shared(SHARED_VALUES, version),
  };
}

/**
 * Whether a request declares a body. A handshake request has none (RFC 6455
 * 4.1): anything after its head is WebSocket data, so a declared body would
 * be misread as frames.
 */
export function declaresBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  return headers.has("transfer-encoding") || (length !== undefined && trimOws(length) !== "0");
}
