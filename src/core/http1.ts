/**
 * HTTP/1.1 message heads for the opening handshake (RFC 9112): the request and
 * response objects, and a bounded incremental parser and writer for them.
 *
 * @module
 */

import type { Headers } from "./headers.js";

/** An HTTP request head, as sent by a client or received by a server. Editable before sending. */
export interface Request {
  /** Request method, `GET` for a WebSocket handshake. */
  method: string;
  /** Request target: the resource name (`/path?query`). */
  target: string;
  /** Header fields. */
  headers: Headers;
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
}
