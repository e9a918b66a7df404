/**
 * What a WebSocket handshake negotiates, whatever carries it (an HTTP/1.1
 * Upgrade, RFC 6455 4; an HTTP/2 or HTTP/3 extended CONNECT, RFC 8441 and
 * RFC 9220): the origin check, the subprotocol (`Sec-WebSocket-Protocol`) and
 * the extensions (`Sec-WebSocket-Extensions`), on the server's side
 * ({@link checkOrigin}, {@link negotiateOffers}) and on the client's
 * ({@link acceptAnswers}). Only header fields are read here, never the
 * HTTP/1.1 Upgrade, Connection or key fields.
 *
 * @module
 */

import type { ClientExtensionFactory, Extension, ServerExtensionFactory } from "../extension.js";
import {
  type ExtensionHeaderItem,
  parseExtensionHeader,
  parseTokenList,
  serializeExtensionHeader,
} from "../extension-header.js";
import { countFields, type Headers } from "../headers.js";
import { trimOws } from "../http1/grammar.js";
import type { Request } from "../http1/message.js";
import type { ClientHandshakeOptions, ServerHandshakeOptions } from "./options.js";
import { messageOf, type Refusal, refuse } from "./refusal.js";

/** Releases extensions negotiated for a handshake that then failed. */
export function disposeAll(extensions: readonly Extension[]): void {
  for (const extension of extensions) extension.dispose?.();
}

/**
 * RFC 6455 4.2.2: an unsupported version is answered with 426 and the
 * versions the server supports; 11.3.5 allows the header once in a request.
 * The same over HTTP/2 (RFC 8441 5: the header is used as in RFC 6455).
 */
export function checkVersion(
  headers: Headers,
  options: Pick<ServerHandshakeOptions, "serverHeader">,
): Refusal | undefined {
  const versions = headers.get("sec-websocket-version");
  if (headers[countFields]("sec-websocket-version") !== 1 || trimOws(versions!) !== "13") {
    return refuse(options, 426, `unsupported Sec-WebSocket-Version "${versions ?? ""}"`, [
      ["Sec-WebSocket-Version", "13"],
    ]);
  }
  return undefined;
}

/**
 * RFC 6455 4.2.2 and 10.2: the server may refuse origins it does not accept
 * with 403. Returns the refusal, or `undefined` when `options.origins` allows
 * the request's one `Origin` (or its absence) or is unset.
 */
export function checkOrigin(
  headers: Headers,
  options: Pick<ServerHandshakeOptions, "origins" | "serverHeader">,
): Refusal | undefined {
  if (options.origins === undefined) return undefined;
  const count = headers[countFields]("origin");
  const origins = headers.get("origin");
  const origin = count === 0 ? null : count === 1 ? trimOws(origins!) : undefined;
  if (origin === undefined || !options.origins.includes(origin)) {
    return refuse(options, 403, `origin "${origins ?? ""}" is not allowed`);
  }
  return undefined;
}

/** What {@link negotiateOffers} agreed to, before a response is built. */
export interface Negotiated {
  readonly ok: true;
  readonly subprotocol: string | null;
  readonly extensions: Extension[];
  /** The `Sec-WebSocket-Extensions` answer, `""` for none. */
  readonly extensionAnswer: string;
}

/**
 * The server's choice among the client's offers: the subprotocol and the
 * extensions, or the refusal (400 for malformed offers, 500 when
 * `selectSubprotocol` or an extension factory throws or misbehaves).
 *
 * Subprotocol: `selectSubprotocol` when given, else the first of
 * `subprotocols` (server preference) that the client offered; none if there
 * is no match.
 *
 * Extensions: for each element the client offered, in its order, the
 * factories of that name are asked in order; the first that accepts wins and
 * later offers of a name already accepted are skipped (RFC 7692 5: at most
 * one of several offers). Each factory sees the extensions accepted before.
 */
export function negotiateOffers(
  request: Request,
  options: ServerHandshakeOptions,
): Negotiated | Refusal {
  const { headers } = request;
  // Parsed only when offered: most requests offer no subprotocol.
  const protocolHeader = headers.get("sec-websocket-protocol");
  const extensionHeader = headers.get("sec-websocket-extensions");
  let offeredProtocols: string[] | undefined;
  let offeredExtensions: ExtensionHeaderItem[] | undefined;
  try {
    if (protocolHeader !== undefined) {
      offeredProtocols = parseTokenList(protocolHeader, "Sec-WebSocket-Protocol");
    }
    if (extensionHeader !== undefined) offeredExtensions = parseExtensionHeader(extensionHeader);
  } catch (error) {
    return refuse(options, 400, messageOf(error), [], error);
  }

  let subprotocol: string | null = null;
  if (options.selectSubprotocol !== undefined) {
    const offered = offeredProtocols ?? [];
    try {
      subprotocol = options.selectSubprotocol(offered, request);
    } catch (error) {
      return refuse(options, 500, `selectSubprotocol failed: ${messageOf(error)}`, [], error);
    }
    if (subprotocol !== null && !offered.includes(subprotocol)) {
      return refuse(
        options,
        500,
        `selectSubprotocol returned "${subprotocol}", which the client did not offer`,
      );
    }
  } else if (offeredProtocols !== undefined && options.subprotocols !== undefined) {
    const offered = offeredProtocols;
    subprotocol = options.subprotocols.find((p) => offered.includes(p)) ?? null;
  }

  const extensions: Extension[] = [];
  let extensionAnswer = "";
  if (offeredExtensions !== undefined && options.extensions !== undefined) {
    const answered: { name: string; params: readonly (readonly [string, string | null])[] }[] = [];
    for (const { name, params } of offeredExtensions) {
      if (answered.some((item) => item.name === name)) continue;
      for (const factory of options.extensions) {
        if (factory.name !== name) continue;
        let result: ReturnType<ServerExtensionFactory["negotiate"]>;
        try {
          result = factory.negotiate(params, extensions);
        } catch (error) {
          disposeAll(extensions);
          return refuse(options, 500, `extension "${name}" failed: ${messageOf(error)}`, [], error);
        }
        if (result === null) continue;
        extensions.push(result.extension);
        answered.push({ name, params: result.params });
        break;
      }
    }
    try {
      extensionAnswer = serializeExtensionHeader(answered);
    } catch (error) {
      disposeAll(extensions);
      return refuse(options, 500, messageOf(error), [], error);
    }
  }

  return { ok: true, subprotocol, extensions, extensionAnswer };
}

/**
 * The client's check of the server's answers to its offers (RFC 6455 4.1):
 * the selected subprotocol, which must be one offered, and the extensions to
 * use, in the order the server listed them. Calls `fail` (which throws) when
 * a `Sec-WebSocket-Protocol` or `Sec-WebSocket-Extensions` field is repeated
 * (RFC 6455 11.3.2, 11.3.4) or malformed, when the server chose a
 * subprotocol that was not offered or several, or when an extension matches
 * no unused offer or its factory refuses it (that error is the `cause`).
 * Each extension the server lists is matched to the first offer of that name
 * not matched yet whose factory accepts it; a factory is given the
 * extensions accepted before it, to detect RSV bit conflicts.
 */
export function acceptAnswers(
  headers: Headers,
  options: Pick<ClientHandshakeOptions, "subprotocols" | "extensions">,
  fail: (message: string, cause?: unknown) => never,
): { subprotocol: string | null; extensions: Extension[] } {
  const parse = <T>(parser: () => T): T => {
    try {
      return parser();
    } catch (error) {
      return fail(messageOf(error), error);
    }
  };

  let subprotocol: string | null = null;
  const protocolFields = headers.getAll("sec-websocket-protocol");
  if (protocolFields.length > 1) fail("repeated Sec-WebSocket-Protocol header");
  if (protocolFields.length === 1) {
    const selected = parse(() => parseTokenList(protocolFields[0]!, "Sec-WebSocket-Protocol"));
    if (selected.length !== 1) fail(`expected one subprotocol, got "${protocolFields[0]}"`);
    subprotocol = selected[0]!;
    if (!(options.subprotocols ?? []).includes(subprotocol))
      fail(`subprotocol "${subprotocol}" was not offered`);
  }

  const extensions: Extension[] = [];
  const extensionFields = headers.getAll("sec-websocket-extensions");
  if (extensionFields.length > 1) fail("repeated Sec-WebSocket-Extensions header");
  if (extensionFields.length === 1) {
    const items = parse(() => parseExtensionHeader(extensionFields[0]!));
    const unused: ClientExtensionFactory[] = [...(options.extensions ?? [])];
    for (const { name, params } of items) {
      let firstError: unknown;
      let accepted: Extension | undefined;
      for (const [i, factory] of unused.entries()) {
        if (factory.name !== name) continue;
        try {
          accepted = factory.accept(params, extensions);
        } catch (error) {
          firstError ??= error;
          continue;
        }
        unused.splice(i, 1);
        break;
      }
      if (accepted === undefined) {
        disposeAll(extensions);
        if (firstError === undefined) fail(`extension "${name}" was not offered`);
        fail(`extension "${name}" refused: ${messageOf(firstError)}`, firstError);
      }
      extensions.push(accepted);
    }
  }
  return { subprotocol, extensions };
}
