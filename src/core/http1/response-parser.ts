/**
 * The client's parser of the server's handshake response (RFC 9112 4 and 6):
 * the head, interim responses skipped, and a bounded body read by
 * Content-Length, chunked transfer coding (RFC 9112 7.1) or until EOF.
 *
 * @module
 */

import { Headers } from "../headers.js";
import { isDigit, isFieldValue, isHexDigit, parseVersion, trimOws } from "./grammar.js";
import { HeadParser } from "./head-parser.js";
import { type HeadSource, ownString, SHARED_VALUES } from "./latin1.js";
import { LINE_INCOMPLETE, LINE_TOO_LONG } from "./line-buffer.js";
import type { HttpLimits, Response } from "./message.js";

const BODY_NONE = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_UNTIL_EOF = 3;

const CHUNK_SIZE = 0;
const CHUNK_DATA = 1;
const CHUNK_DATA_END = 2;
const CHUNK_TRAILER = 3;

/**
 * Incremental parser of an HTTP/1.1 response (the client side of the opening
 * handshake). Single use: create one per connection.
 *
 * A 101 response ends with its head: `rest` holds the first WebSocket frames.
 * Interim 1xx responses are skipped (RFC 9110 15.2). Any other response's body
 * is read (RFC 9112 6.3): by Content-Length, chunked Transfer-Encoding
 * (decoded; trailers dropped) or until the connection closes (then call
 * {@link ResponseParser.feedEof}). A body over `maxBodyBytes` is truncated to
 * that size and the response completes at once: memory stays bounded and the
 * status still reaches the caller. Errors are {@link HandshakeError}s with
 * `status` 0 (the response could not be parsed).
 */
export class ResponseParser extends HeadParser {
  protected readonly errorStatus = 0;
  protected readonly what = "response";
  protected readonly startLineTooLongStatus = 0;
  protected readonly headersTooLargeStatus = 0;
  #status = 0;
  #reason = "";
  #version = "";
  #bodyMode: number = BODY_NONE;
  #remaining = 0;
  #chunkState = CHUNK_SIZE;
  #trailers = 0;
  #body: Uint8Array[] = [];
  #bodyBytes = 0;
  readonly #headOnly: boolean;

  /**
   * @param limits overrides of {@link DEFAULT_HTTP_LIMITS}
   * @param options `headOnly`: the final response ends with its head, and
   * `rest` holds whatever follows. For the response to a CONNECT request: a
   * 2xx makes the connection a tunnel right after the head, whatever
   * Content-Length or Transfer-Encoding it carries (RFC 9112 6.3 item 2), and
   * the body of a refusal is not needed (the connection is closed).
   */
  constructor(limits?: Partial<HttpLimits>, options?: { headOnly?: boolean }) {
    super(limits);
    this.#headOnly = options?.headOnly === true;
  }

  /**
   * Feeds the next bytes received. Returns `undefined` while the response is
   * incomplete; then the response and `rest`, the bytes after it (a view on
   * `bytes`; empty when the body was truncated or read until EOF).
   */
  feed(bytes: Uint8Array): { response: Response; rest: Uint8Array } | undefined {
    this.checkNotDone();
    let pos = 0;
    while (this.#bodyMode === BODY_NONE) {
      const end = this.readHead(bytes, pos);
      if (end === -1) return undefined;
      pos = end;
      const status = this.#status;
      // RFC 9112 6.3: 1xx, 204 and 304 responses have no body.
      if (status === 101 || status === 204 || status === 304 || (this.#headOnly && status >= 200)) {
        return this.#complete(bytes.subarray(pos));
      }
      if (status < 200) {
        // An interim response (100 Continue, 103 Early Hints): the final one follows.
        this.startLineSeen = false;
        this.headers = new Headers();
        continue;
      }
      if (this.#chooseBodyMode() === BODY_LENGTH && this.#remaining === 0) {
        return this.#complete(bytes.subarray(pos));
      }
    }
    return this.#feedBody(bytes, pos);
  }

  /**
   * Reports that the connection closed. Completes a response whose body runs
   * until EOF; a response cut short inside its body completes with the bytes
   * received. Throws {@link HandshakeError} (status 0) when the head is
   * incomplete.
   */
  feedEof(): { response: Response; rest: Uint8Array } {
    this.checkNotDone();
    if (this.#bodyMode === BODY_NONE) this.fail("connection closed before the end of the head");
    return this.#complete(new Uint8Array(0));
  }

  protected parseStartLine(source: HeadSource, start: number, end: number): void {
    // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4);
    // a missing SP after the code is accepted, as RFC 9112 4 recommends.
    const line = source.text.slice(start, end);
    const version = parseVersion(line.slice(0, 8));
    const code = line.slice(9, 12);
    const reason = line.slice(13);
    if (
      version === undefined ||
      line.charCodeAt(8) !== 0x20 ||
      !isDigit(code.charCodeAt(0)) ||
      !isDigit(code.charCodeAt(1)) ||
      !isDigit(code.charCodeAt(2)) ||
      (line.length > 12 && line.charCodeAt(12) !== 0x20) ||
      !isFieldValue(reason)
    ) {
      this.fail(`invalid status line "${line}"`);
    }
    if (!version.startsWith("1.")) this.fail(`unsupported version "${line.slice(0, 8)}"`);
    const status = Number(code);
    if (status < 100) this.fail(`invalid status code ${code}`);
    this.#status = status;
    // Kept with the response: its own string, not a view on the head.
    this.#reason = ownString(source, start + 13, end, SHARED_VALUES);
    this.#version = SHARED_VALUES.find(version, 0, version.length) ?? version;
  }

  /** RFC 9112 6.3: how the body's length is determined. */
  #chooseBodyMode(): number {
    const headers = this.headers;
    const encodings = headers.get("transfer-encoding");
    if (encodings !== undefined) {
      // Transfer-Encoding overrides Content-Length. When chunked is not the
      // final coding, the body runs until the connection closes.
      const last = encodings.slice(encodings.lastIndexOf(",") + 1);
      this.#bodyMode = trimOws(last).toLowerCase() === "chunked" ? BODY_CHUNKED : BODY_UNTIL_EOF;
      return this.#bodyMode;
    }
    const lengths = headers.getAll("content-length");
    if (lengths.length === 0) {
      this.#bodyMode = BODY_UNTIL_EOF;
      return this.#bodyMode;
    }
    // Repeated identical values ("5, 5") are allowed; different ones are an
    // unrecoverable framing error (RFC 9112 6.3 item 5).
    let value: string | undefined;
    for (const element of lengths.join(",").split(",")) {
      const text = trimOws(element);
      if (
        text.length === 0 ||
        text.length > 15 ||
        ![...text].every((c) => isDigit(c.charCodeAt(0)))
      ) {
        this.fail(`invalid Content-Length "${lengths.join(", ")}"`);
      }
      if (value !== undefined && text !== value)
        this.fail(`conflicting Content-Length "${lengths.join(", ")}"`);
      value = text;
    }
    this.#bodyMode = BODY_LENGTH;
    this.#remaining = Number(value);
    return this.#bodyMode;
  }

  #feedBody(bytes: Uint8Array, pos: number): { response: Response; rest: Uint8Array } | undefined {
    if (this.#bodyMode === BODY_UNTIL_EOF) {
      return this.#append(bytes.subarray(pos)) ? this.#complete(new Uint8Array(0)) : undefined;
    }
    if (this.#bodyMode === BODY_LENGTH) {
      const take = Math.min(this.#remaining, bytes.length - pos);
      if (this.#append(bytes.subarray(pos, pos + take))) return this.#complete(new Uint8Array(0));
      this.#remaining -= take;
      return this.#remaining === 0 ? this.#complete(bytes.subarray(pos + take)) : undefined;
    }
    return this.#feedChunked(bytes, pos);
  }

  /** Chunked transfer coding (RFC 9112 7.1). */
  #feedChunked(
    bytes: Uint8Array,
    pos: number,
  ): { response: Response; rest: Uint8Array } | undefined {
    while (pos < bytes.length) {
      if (this.#chunkState === CHUNK_DATA) {
        const take = Math.min(this.#remaining, bytes.length - pos);
        if (this.#append(bytes.subarray(pos, pos + take))) return this.#complete(new Uint8Array(0));
        pos += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#chunkState = CHUNK_DATA_END;
        continue;
      }
      const next = this.lines.take(bytes, pos);
      if (next === LINE_INCOMPLETE) return undefined;
      if (next === LINE_TOO_LONG)
        this.fail(`chunk line longer than ${this.limits.maxLineBytes} bytes`);
      pos = next;
      const line = this.lines.line;
      if (this.#chunkState === CHUNK_SIZE) {
        this.#remaining = this.#parseChunkSize(line);
        this.#chunkState = this.#remaining === 0 ? CHUNK_TRAILER : CHUNK_DATA;
      } else if (this.#chunkState === CHUNK_DATA_END) {
        if (line !== "") this.fail("missing CRLF after chunk data");
        this.#chunkState = CHUNK_SIZE;
      } else if (line === "") {
        return this.#complete(bytes.subarray(pos));
      } else if (++this.#trailers > this.limits.maxHeaders) {
        this.fail(`more than ${this.limits.maxHeaders} trailer fields`);
      }
    }
    return undefined;
  }

  /** chunk-size [ chunk-ext ]: hex digits, then extensions, which are ignored. */
  #parseChunkSize(line: string): number {
    let end = 0;
    while (end < line.length && isHexDigit(line.charCodeAt(end))) end++;
    const rest = trimOws(line.slice(end));
    // Twelve hex digits are 2^48 bytes, beyond any body we keep; longer sizes
    // are refused so the number stays exact.
    if (end === 0 || end > 12 || (rest !== "" && !rest.startsWith(";"))) {
      this.fail(`invalid chunk size line "${line}"`);
    }
    return Number.parseInt(line.slice(0, end), 16);
  }

  /** Keeps body bytes up to the limit; returns true when the body overflowed it. */
  #append(bytes: Uint8Array): boolean {
    const room = this.limits.maxBodyBytes - this.#bodyBytes;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    if (kept.length > 0) {
      this.#body.push(kept.slice());
      this.#bodyBytes += kept.length;
    }
    return bytes.length > room;
  }

  #complete(rest: Uint8Array): { response: Response; rest: Uint8Array } {
    this.done = true;
    const body = new Uint8Array(this.#bodyBytes);
    let offset = 0;
    for (const chunk of this.#body) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    this.#body = [];
    return {
      response: {
        status: this.#status,
        reason: this.#reason,
        headers: this.headers,
        body,
        version: this.#version,
      },
      rest,
    };
  }
}
