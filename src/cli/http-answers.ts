/**
 * What `websocket-sansio serve` answers to plain HTTP requests, from the
 * server's request hook: the page at `/`, a health check at `/healthz`, 404
 * elsewhere and 405 for methods other than GET and HEAD. WebSocket requests go
 * on to the handshake. The answers come from the library's own HTTP handling
 * (no `node:http` server in the path), so the CLI has the library's handshake
 * rate, memory per connection and open timeout for a slow request head.
 *
 * @module
 */

import { pathOf } from "../connection/server.js";
import type { Request, Response } from "../core/http1/message.js";
import type { ServerConnection } from "../node/index.js";
import { PAGE_CSP } from "./page.js";

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const NOT_FOUND = encoder.encode(
  "Not found. This is a WebSocket server: open / in a browser, or connect with a WebSocket client.\n",
);
const NOT_ALLOWED = encoder.encode("Method not allowed.\n");
const HEALTHY = encoder.encode("OK\n");

/**
 * Whether the request asks for a WebSocket: an HTTP/1.1 upgrade, or an
 * extended CONNECT over HTTP/2 (RFC 8441 4). Routing only: the handshake
 * checks the request exactly, and refuses it (400, 426, 501) if it is not right.
 */
function isWebSocketRequest(request: Request): boolean {
  return (
    request.method === "CONNECT" ||
    request.headers.get("upgrade")?.toLowerCase().includes("websocket") === true
  );
}

/**
 * Builds the request hook of `serve` for a page whose HTML is `html`. It
 * returns nothing for WebSocket requests (the handshake goes on, and answers
 * a malformed one 400 as usual) and a response for any other request.
 */
export function httpAnswers(
  html: string,
): (request: Request, connection: ServerConnection) => Response | undefined {
  const page = encoder.encode(html);
  return (request, connection) => {
    if (isWebSocketRequest(request)) return undefined;
    const isHead = request.method === "HEAD";
    if (request.method !== "GET" && !isHead) {
      const response = connection.reject(405, NOT_ALLOWED);
      response.headers.set("Allow", "GET, HEAD");
      return response;
    }
    const path = pathOf(request.target);
    let response: Response;
    if (path === "/" || path === "/index.html") {
      response = connection.reject(200, page);
      response.headers.set("Content-Type", "text/html; charset=utf-8");
      response.headers.set("Content-Security-Policy", PAGE_CSP);
      response.headers.set("Cache-Control", "no-store");
      response.headers.set("X-Content-Type-Options", "nosniff");
    } else if (path === "/healthz") {
      response = connection.reject(200, HEALTHY);
      response.headers.set("Cache-Control", "no-store");
    } else {
      response = connection.reject(404, NOT_FOUND);
    }
    // A HEAD response has the headers of the GET one, Content-Length
    // included, and no body (RFC 9110 9.3.2).
    if (isHead) response.body = EMPTY;
    return response;
  };
}
