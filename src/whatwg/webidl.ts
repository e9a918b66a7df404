/**
 * The few Web IDL conversions and checks the WHATWG classes need, shared by
 * `WebSocket`, `WebSocketStream` and `WebSocketError`: USVString, `[Clamp]`
 * and `[EnforceRange] unsigned short`, and the close code and reason rules of
 * the WebSockets Standard.
 *
 * @module
 */

// String.prototype.isWellFormed (ES2024) where the runtime has it: a check
// with no allocation for the common case, every send() of a string.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Web IDL USVString: `String(value)` with lone surrogates replaced by U+FFFD. */
export function toUSVString(value: unknown): string {
  const string = typeof value === "string" ? value : String(value);
  if (isWellFormed !== undefined) {
    if (isWellFormed.call(string)) return string;
  } else if (!/[\uD800-\uDFFF]/.test(string)) {
    return string;
  }
  return string.replace(LONE_SURROGATE, "\uFFFD");
}

/** Bytes of `string` in UTF-8 (a USVString: surrogates come in pairs), counted without encoding it. */
export function utf8Length(string: string): number {
  let bytes = string.length;
  for (let i = 0; i < string.length; i++) {
    const unit = string.charCodeAt(i);
    if (unit < 0x80) continue;
    // 2 bytes below U+0800; 3 up to U+FFFF; a surrogate pair's 4 bytes, 2 per unit.
    bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** Web IDL `[Clamp] unsigned short` (WebSocket's `close(code)`). */
export function clampUnsignedShort(value: unknown): number {
  const number = Number(value);
  if (Number.isNaN(number)) return 0;
  const clamped = Math.min(Math.max(number, 0), 0xffff);
  // Round half to even, as Web IDL's [Clamp] does.
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/**
 * The close code rule of `close()`: 1000 or 3000 to 4999 (the codes left to
 * applications); the others are the protocol's to send.
 */
export function checkCloseCode(code: number, context: string): void {
  if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
    throw new DOMException(
      `${context}: the code must be either 1000, or between 3000 and 4999. ${code} is neither.`,
      "InvalidAccessError",
    );
  }
}

/** The close reason rule: at most 123 bytes of UTF-8 (a close frame's payload is at most 125). */
export function checkCloseReason(reason: string, context: string): void {
  const length = utf8Length(reason);
  if (length > 123) {
    throw new DOMException(
      `${context}: the close reason must not be greater than 123 UTF-8 bytes (it is ${length})`,
      "SyntaxError",
    );
  }
}
