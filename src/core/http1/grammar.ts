/**
 * The RFC 9110 and RFC 9112 grammar that the HTTP parsers and writers check
 * by hand, character by character (no regular expressions, so no
 * backtracking): tokens, field values, request targets, versions, OWS.
 *
 * @module
 */

// tchar (RFC 9110 5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
// "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TCHAR[c.charCodeAt(0)] = 1;
}

/** Whether the character code `c` is an RFC 9110 `tchar`. */
export function isTokenChar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/** Whether `text` (from `start` to `end`) is a non-empty RFC 9110 `token`. */
export function isToken(text: string, start = 0, end = text.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    if (!isTokenChar(text.charCodeAt(i))) return false;
  }
  return true;
}

/** field-vchar, SP or HTAB (RFC 9110 5.5): what a field value may contain. CR, LF, NUL and other CTLs may not. */
export function isFieldValue(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** A request target is visible ASCII (RFC 9112 3.2 and RFC 3986): no whitespace, controls or non-ASCII. */
export function isTarget(text: string, start = 0, end = text.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Whether the character code `c` is an ASCII digit (RFC 5234 DIGIT). */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether `text` from `start` to `end` is `HTTP/d.d` (RFC 9112 2.3). */
export function isVersion(text: string, start: number, end: number): boolean {
  return (
    end - start === 8 &&
    text.startsWith("HTTP/", start) &&
    isDigit(text.charCodeAt(start + 5)) &&
    text.charCodeAt(start + 6) === 0x2e &&
    isDigit(text.charCodeAt(start + 7))
  );
}

/** Parses `HTTP/d.d` (RFC 9112 2.3) into `d.d`, or `undefined`. */
export function parseVersion(text: string): string | undefined {
  return isVersion(text, 0, text.length) ? text.slice(5) : undefined;
}

/** The index of the first space in `text` from `start`, if before `end`; else -1. */
export function spaceBefore(text: string, start: number, end: number): number {
  const space = text.indexOf(" ", start);
  return space < end ? space : -1;
}

/** Whether the character code `c` is OWS: SP or HTAB (RFC 9110 5.6.3). */
export function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Removes leading and trailing OWS (SP and HTAB only, unlike `String.prototype.trim`). */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Whether the character code `c` is a hexadecimal digit (RFC 5234 HEXDIG, either case). */
export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Whether parsed list elements (RFC 9110 5.6.1) include `token`, given in
 * lowercase, ASCII case-insensitively (as tokens such as `websocket` and
 * `upgrade` compare).
 */
export function listHas(values: readonly string[], token: string): boolean {
  return values.some((value) => value.toLowerCase() === token);
}
