/**
 * Syntax of the handshake's list-valued headers: `Sec-WebSocket-Extensions`
 * (RFC 6455 9.1) and the comma-separated token lists of `Connection`,
 * `Upgrade` and `Sec-WebSocket-Protocol`. Hand-written scanners, no regular
 * expressions.
 *
 * Errors are {@link HandshakeError}s with status 400, the answer a server
 * gives to a malformed request (RFC 6455 4.2.2); the client side rewraps them
 * with the response it received.
 *
 * @module
 */

import { HandshakeError } from "./errors.js";
import type { ExtensionParam } from "./extension.js";
import { isToken, isTokenChar, trimOws } from "./http1/grammar.js";

/** One element of a `Sec-WebSocket-Extensions` list: an extension token and its parameters. */
export interface ExtensionHeaderItem {
  readonly name: string;
  readonly params: ExtensionParam[];
}

function syntaxError(header: string, message: string, value: string): HandshakeError {
  return new HandshakeError(`Cannot parse ${header}: ${message} in "${value}"`, { status: 400 });
}

/**
 * Parses a `Sec-WebSocket-Extensions` value (RFC 6455 9.1):
 *
 * ```
 * extension-list = 1#extension
 * extension = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * ```
 *
 * Optional whitespace is allowed around `,`, `;` and `=`; empty list elements
 * are skipped (RFC 9110 5.6.1), but at least one extension must be present.
 * A quoted-string value is unescaped and must then be a token (RFC 6455 9.1).
 * Parameter order and repeats are kept: what they mean is up to each
 * extension. Throws {@link HandshakeError} (status 400) on any violation.
 *
 * @example
 * ```ts
 * parseExtensionHeader('permessage-deflate; client_max_window_bits="10", x-foo');
 * // [{ name: "permessage-deflate", params: [["client_max_window_bits", "10"]] },
 * //  { name: "x-foo", params: [] }]
 * ```
 */
export function parseExtensionHeader(value: string): ExtensionHeaderItem[] {
  const header = "Sec-WebSocket-Extensions";
  let pos = 0;
  const skipOws = () => {
    while (value[pos] === " " || value[pos] === "\t") pos++;
  };
  const readToken = (what: string): string => {
    const start = pos;
    while (pos < value.length && isTokenChar(value.charCodeAt(pos))) pos++;
    if (pos === start) throw syntaxError(header, `expected ${what} at position ${pos}`, value);
    return value.slice(start, pos);
  };
  const readQuoted = (): string => {
    // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 5.6.4)
    pos++;
    let text = "";
    for (;;) {
      const c = value.charCodeAt(pos);
      if (c === 0x22) break;
      if (c === 0x5c) {
        pos++;
        const escaped = value.charCodeAt(pos);
        if (!(escaped === 0x09 || (escaped >= 0x20 && escaped !== 0x7f && escaped <= 0xff))) {
          throw syntaxError(header, `invalid quoted-pair at position ${pos}`, value);
        }
        text += value[pos];
      } else if (c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff)) {
        text += value[pos];
      } else {
        // Includes the end of the value (NaN): an unterminated string.
        throw syntaxError(header, `invalid quoted-string at position ${pos}`, value);
      }
      pos++;
    }
    pos++;
    // RFC 6455 9.1: "the value after quoted-string unescaping MUST conform to the 'token' ABNF".
    if (!isToken(text)) throw syntaxError(header, `quoted value "${text}" is not a token`, value);
    return text;
  };

  const list: ExtensionHeaderItem[] = [];
  skipOws();
  while (pos < value.length) {
    if (value[pos] === ",") {
      pos++;
      skipOws();
      continue;
    }
    const name = readToken("an extension token");
    const params: ExtensionParam[] = [];
    skipOws();
    while (value[pos] === ";") {
      pos++;
      skipOws();
      const param = readToken("a parameter name");
      skipOws();
      let paramValue: string | null = null;
      if (value[pos] === "=") {
        pos++;
        skipOws();
        paramValue = value[pos] === '"' ? readQuoted() : readToken("a parameter value");
        skipOws();
      }
      params.push([param, paramValue]);
    }
    list.push({ name, params });
    if (pos < value.length && value[pos] !== ",") {
      throw syntaxError(header, `expected "," or ";" at position ${pos}`, value);
    }
  }
  if (list.length === 0) throw syntaxError(header, "no extension", value);
  return list;
}

/**
 * Writes a `Sec-WebSocket-Extensions` value: `name; param; param=value`,
 * elements joined by `", "`. Values are written bare: RFC 6455 9.1 requires
 * them to be tokens, so quoting is never needed. Throws TypeError for a name or
 * value that is not a token. An empty list gives `""` (send no header).
 */
export function serializeExtensionHeader(
  list: readonly { readonly name: string; readonly params: readonly ExtensionParam[] }[],
): string {
  const elements: string[] = [];
  for (const { name, params } of list) {
    if (!isToken(name)) {
      throw new TypeError(
        `Cannot serialize Sec-WebSocket-Extensions: invalid extension name "${name}"`,
      );
    }
    let element = name;
    for (const [param, value] of params) {
      if (!isToken(param) || (value !== null && !isToken(value))) {
        throw new TypeError(
          `Cannot serialize Sec-WebSocket-Extensions: invalid parameter "${param}=${value}" of "${name}"`,
        );
      }
      element += value === null ? `; ${param}` : `; ${param}=${value}`;
    }
    elements.push(element);
  }
  return elements.join(", ");
}

function parseList(
  value: string,
  header: string,
  isElement: (element: string) => boolean,
): string[] {
  const elements: string[] = [];
  // Walked by index: no array of the raw pieces.
  for (let start = 0; start <= value.length; ) {
    const comma = value.indexOf(",", start);
    const end = comma === -1 ? value.length : comma;
    const element = trimOws(value.slice(start, end));
    start = end + 1;
    if (element === "") continue;
    if (!isElement(element)) throw syntaxError(header, `invalid token "${element}"`, value);
    elements.push(element);
  }
  return elements;
}

/**
 * Parses a comma-separated list of tokens (`1#token`, as in `Connection` and
 * `Sec-WebSocket-Protocol`): OWS around elements is removed and empty
 * elements are skipped (RFC 9110 5.6.1), so the result may be empty. Throws
 * {@link HandshakeError} (status 400) when an element is not a token.
 *
 * @param header the header's name, for error messages
 * @example
 * ```ts
 * parseTokenList("keep-alive, Upgrade"); // ["keep-alive", "Upgrade"]
 * ```
 */
export function parseTokenList(value: string, header = "header"): string[] {
  return parseList(value, header, isToken);
}

/**
 * Parses an `Upgrade` value (RFC 9110 7.8): a list of `protocol-name
 * ["/" protocol-version]`, each part a token, so `websocket` and `h2c/2`
 * are both elements. Throws {@link HandshakeError} (status 400) otherwise.
 */
export function parseUpgradeHeader(value: string): string[] {
  return parseList(value, "Upgrade", isProtocol);
}

/** protocol = protocol-name ["/" protocol-version] (RFC 9110 7.8). */
function isProtocol(element: string): boolean {
  const slash = element.indexOf("/");
  return slash === -1
    ? isToken(element)
    : isToken(element.slice(0, slash)) && isToken(element.slice(slash + 1));
}
