/**
 * The options of the opening handshake, the same whatever carries it (an
 * HTTP/1.1 Upgrade, RFC 6455 4; an HTTP/2 extended CONNECT, RFC 8441):
 * subprotocols, extensions, origins and extra header fields.
 *
 * @module
 */

import type { ClientExtensionFactory, ServerExtensionFactory } from "../extension.js";
import { Headers } from "../headers.js";
import type { Request } from "../http1/message.js";

/** The `User-Agent` and `Server` value sent unless configured otherwise. */
export const DEFAULT_USER_AGENT = "websocket-sansio/0.1";

/** Client side handshake options. */
export interface ClientHandshakeOptions {
  /** Subprotocols to offer, in order of preference (`Sec-WebSocket-Protocol`). */
  subprotocols?: readonly string[];
  /** Extensions to offer, in order of preference (`Sec-WebSocket-Extensions`). */
  extensions?: readonly ClientExtensionFactory[];
  /** `Origin` header value; none by default (RFC 6455 4.1: optional for non-browser clients). */
  origin?: string;
  /**
   * Extra header fields, added last. A name the handshake already uses
   * replaces that field (so `User-Agent` can be set here too); replacing a
   * `Sec-WebSocket-*` field is possible but then the response check follows
   * the `key` and options given, not the replaced field.
   */
  headers?: Iterable<readonly [string, string]> | Record<string, string>;
  /** `User-Agent` header value; `websocket-sansio/0.1` by default, `null` for none. */
  userAgent?: string | null;
}

/** Server side handshake options. */
export interface ServerHandshakeOptions {
  /**
   * Subprotocols the server supports, in its order of preference: the first
   * of them that the client offered is selected.
   */
  subprotocols?: readonly string[];
  /**
   * Chooses the subprotocol instead of `subprotocols`: given the client's
   * offers in its order, returns one of them or `null` for none. Returning
   * something not offered, or throwing, answers 500.
   */
  selectSubprotocol?: (offered: readonly string[], request: Request) => string | null;
  /** Extensions the server supports, in its order of preference for the same name. */
  extensions?: readonly ServerExtensionFactory[];
  /**
   * Allowed `Origin` values; `null` in the list allows requests without
   * `Origin` (non-browser clients). Any origin is allowed when unset.
   */
  origins?: readonly (string | null)[];
  /** `Server` header value; `websocket-sansio/0.1` by default, `null` for none. */
  serverHeader?: string | null;
}

/** Adds `extra` to `headers`; a name already present is replaced by the extra field(s). */
export function addHeaders(
  headers: Headers,
  extra: Iterable<readonly [string, string]> | Record<string, string>,
): void {
  const fields = [...new Headers(extra)];
  for (const [name] of fields) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
}

/** The `Server` header value the options ask for, `null` for none. */
export function serverHeaderOf(
  options: Pick<ServerHandshakeOptions, "serverHeader">,
): string | null {
  return options.serverHeader === undefined ? DEFAULT_USER_AGENT : options.serverHeader;
}

/**
 * Appends a server's answer to a handshake, the same over HTTP/1.1 (a 101)
 * and HTTP/2 (a 200): the selected subprotocol, the extension answer (`""`
 * for none) and the `Server` field, named as `names` spells them (HTTP/2
 * field names are lowercase, RFC 9113 8.2.1).
 */
export function appendAnswer(
  headers: Headers,
  names: readonly [protocol: string, extensions: string, server: string],
  subprotocol: string | null,
  extensionAnswer: string,
  options: Pick<ServerHandshakeOptions, "serverHeader">,
): void {
  if (subprotocol !== null) headers.append(names[0], subprotocol);
  if (extensionAnswer !== "") headers.append(names[1], extensionAnswer);
  const serverHeader = serverHeaderOf(options);
  if (serverHeader !== null) headers.append(names[2], serverHeader);
}
