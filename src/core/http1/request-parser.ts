/**
 * The server's parser of a client's handshake request head (RFC 9112 3).
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { isTarget, isToken, isTokenChar, isVersion, spaceBefore } from "./grammar.js";
import { HeadParser } from "./head-parser.js";
import { type HeadSource, ownString, SHARED_VALUES } from "./latin1.js";
import type { HttpLimits, Request } from "./message.js";
import { declaresBody } from "./parsed-request.js";

/** Why a handshake request with a body is refused (see {@link declaresBody}). */
export const BODY_REFUSED = "a handshake request must not have a body";

/**
 * Incremental parser of an HTTP/1.1 request head (the server side of the
 * opening handshake). Single use: create one per connection.
 *
 * Errors are {@link HandshakeError}s whose `status` is the response to send:
 * 400 for a malformed head (or a request with a body: a handshake has none,
 * and its bytes would be taken for WebSocket frames), 414 for a request line
 * over the line limit, 431 for a header line over it or too many fields, 505
 * for an HTTP major version other than 1.
 *
 * @example
 * ```ts
 * const parser = new RequestParser();
 * const result = parser.feed(bytes); // undefined until the head is complete
 * if (result) handle(result.request, result.rest);
 * ```
 */
export class RequestParser extends HeadParser {
  protected readonly errorStatus = 400;
  protected readonly what = "request";
  // 414 URI Too Long (RFC 9110 15.5.15): the target is what makes a request line long.
  protected readonly startLineTooLongStatus = 414;
  // 431 Request Header Fields Too Large (RFC 6585 5).
  protected readonly headersTooLargeStatus = 431;
  #method = "";
  #target = "";
  #version = "";
  /** Bytes of the method seen in a start line not ended yet; -1 once its space was seen. */
  #methodSoFar = 0;

  /** @param limits overrides of {@link DEFAULT_HTTP_LIMITS} (`maxBodyBytes` is unused: requests with a body are rejected) */
  constructor(limits?: Partial<HttpLimits>) {
    super(limits);
  }

  /**
   * Feeds the next bytes received. Returns `undefined` while the head is
   * incomplete; then the request, and `rest`: the bytes after the head (the
   * first WebSocket frames), a view on `bytes`. Throws {@link HandshakeError}
   * on invalid input, {@link InvalidStateError} when called after completion.
   */
  feed(bytes: Uint8Array): { request: Request; rest: Uint8Array } | undefined {
    this.checkNotDone();
    const end = this.readHead(bytes, 0);
    if (end === -1) return undefined;
    this.done = true;
    const headers = this.headers;
    if (declaresBody(headers)) this.fail(BODY_REFUSED);
    return {
      request: { method: this.#method, target: this.#target, headers, version: this.#version },
      rest: end === bytes.length ? EMPTY_BYTES : bytes.subarray(end),
    };
  }

  /**
   * Fails at the first byte that cannot be in the method of a request line
   * (a token, RFC 9110 9.1), before the line ends: a TLS ClientHello sent to
   * a cleartext port (a `wss:` URL for a `ws:` server), or any other
   * protocol, is answered 400 at once, as node:http's parser does, instead
   * of waiting for a line feed that may never come until the open timeout.
   * A CR is passed over: it may be the first half of the CRLF of an empty
   * line before the request line (RFC 9112 2.2); the line's own parse
   * refuses it anywhere else.
   */
  protected override checkStartLineSoFar(bytes: Uint8Array, start: number, end: number): void {
    for (let i = start; i < end && this.#methodSoFar >= 0; i++) {
      const byte = bytes[i]!;
      if (byte === 0x20 /* SP */ && this.#methodSoFar > 0) this.#methodSoFar = -1;
      else if (isTokenChar(byte)) this.#methodSoFar++;
      else if (byte !== 0x0d) {
        this.fail(
          `invalid request line: byte 0x${byte.toString(16).padStart(2, "0")} in its method`,
        );
      }
    }
  }

  protected parseStartLine(source: HeadSource, start: number, end: number): void {
    // request-line = method SP request-target SP HTTP-version (RFC 9112 3),
    // checked in place: the usual one makes no string but the shared ones.
    const text = source.text;
    const sp1 = spaceBefore(text, start, end);
    const sp2 = sp1 === -1 ? -1 : spaceBefore(text, sp1 + 1, end);
    if (
      sp2 === -1 ||
      !isToken(text, start, sp1) ||
      !isTarget(text, sp1 + 1, sp2) ||
      !isVersion(text, sp2 + 1, end)
    ) {
      this.fail(`invalid request line "${text.slice(start, end)}"`);
    }
    // 505 HTTP Version Not Supported (RFC 9110 15.6.6): only HTTP/1.x heads
    // are parsed here; HTTP/2 has its own framing.
    if (text.charCodeAt(sp2 + 6) !== 0x31) {
      this.fail(`unsupported version "${text.slice(sp2 + 1, end)}"`, 505);
    }
    this.#method = ownString(source, start, sp1, SHARED_VALUES);
    this.#target = ownString(source, sp1 + 1, sp2, SHARED_VALUES);
    this.#version = ownString(source, sp2 + 6, end, SHARED_VALUES);
  }
}
