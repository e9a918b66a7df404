/**
 * What the request and response parsers share: a head read line by line into
 * a start line and header fields (RFC 9112 2.1 and 5), bounded, incremental.
 *
 * The lines are scanned for line feeds and each character is checked against
 * the RFC 9110 grammar by hand. Input may be split anywhere. At most one
 * partial line of {@link HttpLimits.maxLineBytes} is kept, plus the parsed
 * fields: at most {@link HttpLimits.maxHeaders} of them in a head of at most
 * {@link HttpLimits.maxHeadBytes}.
 *
 * Line endings: CRLF, or a bare LF (RFC 9112 2.2 lets a recipient recognise a
 * single LF as a line terminator and ignore the preceding CR). A bare CR
 * anywhere else is rejected, as RFC 9112 2.2 allows, since it is invalid in
 * every element of a head.
 *
 * @module
 */

import { HandshakeError, InvalidStateError } from "../errors.js";
import { adoptFields, Headers, SHARED_NAMES } from "../headers.js";
import { isFieldValue, isOws, isTokenChar } from "./grammar.js";
import { type HeadSource, latin1Decode, ownString, SHARED_VALUES } from "./latin1.js";
import { LINE_INCOMPLETE, LINE_TOO_LONG, LineBuffer, linesEnd } from "./line-buffer.js";
import { type HttpLimits, resolveLimits } from "./message.js";

// The fields parsed by the current readHead call, name and value by turns,
// handed to the head's Headers in one array of the exact size when the call
// ends: an array grown field by field, then trimmed, was garbage on every
// handshake. One for every parser: parsing is synchronous. (Written by
// index and never shrunk, so that it does not grow again each time.)
const parsedFields: string[] = [];
let parsedCount = 0;

/**
 * Parses one field line (RFC 9112 5), `source.text` from `start` to `end`,
 * into `parsedFields`; throws HandshakeError(status) when malformed.
 */
function parseFieldLine(
  source: HeadSource,
  start: number,
  end: number,
  status: number,
  what: string,
): void {
  const text = source.text;
  if (isOws(text.charCodeAt(start))) {
    // RFC 9112 5.2: obs-fold is deprecated; a server must reject it (or
    // unfold), a user agent must replace it. Rejecting is the bounded choice.
    throw new HandshakeError(`Cannot parse HTTP ${what}: obsolete line folding`, { status });
  }
  // The name is a token directly followed by the colon: RFC 9112 5.1 allows
  // no whitespace between them, and a server must reject such a message with 400.
  let colon = start;
  while (colon < end && isTokenChar(text.charCodeAt(colon))) colon++;
  if (colon === start || colon === end || text.charCodeAt(colon) !== 0x3a) {
    const line = text.slice(start, end);
    throw new HandshakeError(`Cannot parse HTTP ${what}: invalid header field name in "${line}"`, {
      status,
    });
  }
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
  if (!isFieldValue(text, valueStart, valueEnd)) {
    const name = text.slice(start, colon);
    throw new HandshakeError(`Cannot parse HTTP ${what}: invalid character in header "${name}"`, {
      status,
    });
  }
  parsedFields[parsedCount++] = ownString(source, start, colon, SHARED_NAMES);
  parsedFields[parsedCount++] = ownString(source, valueStart, valueEnd, SHARED_VALUES);
}

/** Shared head parsing: lines into a start line and header fields, with limits. */
export abstract class HeadParser {
  protected readonly limits: Readonly<HttpLimits>;
  // Made when first needed: a head that arrives in one chunk needs none.
  #lines: LineBuffer | undefined;
  protected headers = new Headers();
  /** Whether the start line was read (an interim response resets it). */
  protected startLineSeen = false;
  protected done = false;

  constructor(limits: Partial<HttpLimits> | undefined) {
    this.limits = resolveLimits(limits);
  }

  /** HTTP status reported when the head is invalid. */
  protected abstract readonly errorStatus: number;
  /** "request" or "response", for messages. */
  protected abstract readonly what: string;
  /** Status for a start line over the limit. */
  protected abstract readonly startLineTooLongStatus: number;
  /** Status for a header line over the limit, or too many fields. */
  protected abstract readonly headersTooLargeStatus: number;
  #skippedEmptyLine = false;

  /** The line collector for lines split across chunks and chunked bodies. */
  protected get lines(): LineBuffer {
    this.#lines ??= new LineBuffer(this.limits.maxLineBytes);
    return this.#lines;
  }

  protected fail(message: string, status = this.errorStatus): never {
    throw new HandshakeError(`Cannot parse HTTP ${this.what}: ${message}`, { status });
  }

  protected checkNotDone(): void {
    if (this.done) {
      throw new InvalidStateError(
        `Cannot feed HTTP ${this.what} parser: the message is already complete`,
      );
    }
  }

  /**
   * Consumes head lines from `bytes` at `pos`. Returns the index after the
   * empty line that ends the head, or -1 when more bytes are needed.
   */
  protected readHead(bytes: Uint8Array, pos: number): number {
    parsedCount = 0;
    const end = this.#readHead(bytes, pos);
    // Checked once per chunk: a head over the limit is refused before it is
    // complete, having kept at most one chunk more.
    this.#headBytes += (end === -1 ? bytes.length : end) - pos;
    if (this.#headBytes > this.limits.maxHeadBytes) {
      this.fail(`head longer than ${this.limits.maxHeadBytes} bytes`, this.headersTooLargeStatus);
    }
    if (parsedCount > 0) this.headers[adoptFields](parsedFields.slice(0, parsedCount));
    return end;
  }

  // Bytes of the current head read so far.
  #headBytes = 0;

  /** Whether any byte of a head was fed (and, until `done`, the head is still incomplete). */
  get begun(): boolean {
    return this.#headBytes > 0;
  }

  #readHead(bytes: Uint8Array, pos: number): number {
    const split = this.#lines;
    if (split?.pending === true) {
      // A line begun in an earlier chunk is finished first, on its own.
      const next = split.take(bytes, pos);
      if (next === LINE_INCOMPLETE) {
        if (!this.startLineSeen) this.checkStartLineSoFar(bytes, pos, bytes.length);
        return -1;
      }
      if (next === LINE_TOO_LONG) this.#lineTooLong();
      const line = split.line;
      if (this.#readLine({ text: line, bytes: split.lineBytes, offset: 0 }, 0, line.length)) {
        return next;
      }
      pos = next;
    }
    // The usual case: the lines complete in this chunk (usually the whole
    // head) are decoded at once and walked by index, rather than a view and
    // a string per line.
    for (let end = linesEnd(bytes, pos); end > pos; end = linesEnd(bytes, pos)) {
      // (Usually the chunk is the head and nothing else: no view is needed.)
      const lines = pos === 0 && end === bytes.length ? bytes : bytes.subarray(pos, end);
      const source: HeadSource = { text: latin1Decode(lines), bytes, offset: pos };
      const text = source.text;
      let start = 0;
      while (start < text.length) {
        const lf = text.indexOf("\n", start);
        // RFC 9112 2.2: the CR of a CRLF is dropped; a bare LF ends a line too.
        const lineEnd = lf > start && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
        if (lineEnd - start > this.limits.maxLineBytes) this.#lineTooLong();
        if (this.#readLine(source, start, lineEnd)) return pos + lf + 1;
        start = lf + 1;
      }
      pos = end;
    }
    // The start of a line that the next chunk continues.
    if (pos < bytes.length) {
      if (!this.startLineSeen) this.checkStartLineSoFar(bytes, pos, bytes.length);
      if (this.lines.take(bytes, pos) === LINE_TOO_LONG) this.#lineTooLong();
    }
    return -1;
  }

  /**
   * Checks the bytes of a start line that has not ended yet (`bytes` from
   * `start` to `end`, after those of earlier chunks), so that a peer that is
   * not speaking HTTP is answered at once rather than at the open timeout.
   * Does nothing by default; see `RequestParser`.
   */
  protected checkStartLineSoFar(_bytes: Uint8Array, _start: number, _end: number): void {}

  /** Handles one line (`source.text` from `start` to `end`); returns true at the end of the head. */
  #readLine(source: HeadSource, start: number, end: number): boolean {
    if (!this.startLineSeen) {
      // RFC 9112 2.2: a recipient should ignore at least one empty line
      // before the start line (left over from a previous message).
      if (start === end && !this.#skippedEmptyLine) {
        this.#skippedEmptyLine = true;
        return false;
      }
      this.startLineSeen = true;
      this.parseStartLine(source, start, end);
      return false;
    }
    if (start === end) return true;
    if (this.headers.size + parsedCount / 2 >= this.limits.maxHeaders) {
      this.fail(`more than ${this.limits.maxHeaders} header fields`, this.headersTooLargeStatus);
    }
    parseFieldLine(source, start, end, this.errorStatus, this.what);
    return false;
  }

  #lineTooLong(): never {
    if (!this.startLineSeen) {
      this.fail(
        `start line longer than ${this.limits.maxLineBytes} bytes`,
        this.startLineTooLongStatus,
      );
    }
    this.fail(
      `header line longer than ${this.limits.maxLineBytes} bytes`,
      this.headersTooLargeStatus,
    );
  }

  /** Parses the start line, `source.text` from `start` to `end`. */
  protected abstract parseStartLine(source: HeadSource, start: number, end: number): void;
}
