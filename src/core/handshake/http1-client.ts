/**
 * The client's side of the HTTP/1.1 opening handshake (RFC 6455 4.1): the
 * Upgrade request it sends, and the check of the server's 101 answer.
 * Internal to the core (the package does not export it): `ClientProtocol`
 * calls these.
 *
 * @module
 */

import { HandshakeError } from "../errors.js";
import type { Extension } from "../extension.js";
import {
  parseTokenList,
  parseUpgradeHeader,
  serializeExtensionHeader,
} from "../extension-header.js";
import { Headers } from "../headers.js";
import { isToken, listHas, trimOws } from "../http1/grammar.js";
import type { Request, Response } from "../http1/message.js";
import { acceptKey } from "./accept-key.js";
import { acceptAnswers } from "./negotiation.js";
import { addHeaders, type ClientHandshakeOptions, DEFAULT_USER_AGENT } from "./options.js";
import { messageOf } from "./refusal.js";
import type { WebSocketUrl } from "./url.js";

/**
 * Builds the client's opening handshake request (RFC 6455 4.1): `GET` the
 * resource name with `Host`, `Upgrade: websocket`, `Connection: Upgrade`,
 * `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, then the subprotocols and
 * extension offers (if any), `Origin`, `User-Agent` and the extra headers.
 *
 * Throws TypeError when a subprotocol is not a token or is repeated (RFC 6455
 * 4.1: "elements that comprise this value MUST be non-empty strings with
 * characters in the range U+0021 to U+007E not including separator
 * characters ... and MUST all be unique strings"), or an extension offer is
 * not valid 9.1 syntax.
 */
export function buildRequest(
  url: WebSocketUrl,
  key: string,
  options: ClientHandshakeOptions = {},
): Request {
  const headers = new Headers([
    ["Host", url.hostHeader],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", key],
    ["Sec-WebSocket-Version", "13"],
  ]);
  const subprotocols = options.subprotocols ?? [];
  for (const [i, subprotocol] of subprotocols.entries()) {
    if (!isToken(subprotocol))
      throw new TypeError(`Cannot build handshake request: invalid subprotocol "${subprotocol}"`);
    if (subprotocols.indexOf(subprotocol) !== i) {
      throw new TypeError(`Cannot build handshake request: duplicate subprotocol "${subprotocol}"`);
    }
  }
  if (subprotocols.length > 0) headers.append("Sec-WebSocket-Protocol", subprotocols.join(", "));
  const extensions = options.extensions ?? [];
  if (extensions.length > 0) {
    const offers = extensions.map((factory) => ({ name: factory.name, params: factory.offer() }));
    headers.append("Sec-WebSocket-Extensions", serializeExtensionHeader(offers));
  }
  if (options.origin !== undefined) headers.append("Origin", options.origin);
  const userAgent = options.userAgent === undefined ? DEFAULT_USER_AGENT : options.userAgent;
  if (userAgent !== null) headers.append("User-Agent", userAgent);
  if (options.headers !== undefined) addHeaders(headers, options.headers);
  return { method: "GET", target: url.resourceName, headers };
}

/**
 * Checks the server's response to the opening handshake (RFC 6455 4.1, the
 * client's steps after sending the request) and negotiates extensions.
 * Returns the selected subprotocol and the extensions to use, in the order
 * the server listed them.
 *
 * Throws {@link HandshakeError} carrying the response's status, headers and
 * body when the status is not 101, `Upgrade` is not `websocket`, `Connection`
 * lacks `Upgrade`, `Sec-WebSocket-Accept` is missing, wrong or repeated, or
 * the subprotocol or extensions answered are not acceptable (see
 * {@link acceptAnswers}).
 */
export function checkResponse(
  response: Response,
  key: string,
  options: ClientHandshakeOptions = {},
): { subprotocol: string | null; extensions: Extension[] } {
  const { headers } = response;
  const fail: (message: string, cause?: unknown) => never = (message, cause) => {
    throw new HandshakeError(
      `Cannot open WebSocket: ${message}`,
      { status: response.status, headers, body: response.body },
      cause === undefined ? undefined : { cause },
    );
  };
  const parse = <T>(parser: () => T): T => {
    try {
      return parser();
    } catch (error) {
      return fail(messageOf(error), error);
    }
  };

  // RFC 6455 4.1: "If the status code received from the server is not 101,
  // the client handles the response per HTTP procedures."
  if (response.status !== 101) fail(`server answered ${response.status} "${response.reason}"`);
  const upgrade = parse(() => parseUpgradeHeader(headers.get("upgrade") ?? ""));
  if (upgrade.length !== 1 || upgrade[0]!.toLowerCase() !== "websocket") {
    fail(`invalid Upgrade header "${headers.get("upgrade") ?? ""}"`);
  }
  const connection = parse(() => parseTokenList(headers.get("connection") ?? "", "Connection"));
  if (!listHas(connection, "upgrade"))
    fail(`invalid Connection header "${headers.get("connection") ?? ""}"`);
  const accepts = headers.getAll("sec-websocket-accept");
  if (accepts.length !== 1) fail(`expected one Sec-WebSocket-Accept header, got ${accepts.length}`);
  if (trimOws(accepts[0]!) !== acceptKey(key)) fail(`wrong Sec-WebSocket-Accept "${accepts[0]}"`);
  return acceptAnswers(headers, options, fail);
}
