/**
 * The opening handshake (RFC 6455 section 4) as pure functions: parse a
 * WebSocket URL, build the client's request and check the server's response,
 * check a request and build the server's response (or a rejection).
 * `ClientProtocol` and `ServerProtocol` call these; they are exported for
 * applications that do the HTTP exchange themselves.
 *
 * @module
 */

import { decodedBase64Length, encodeBase64, encodeBase64Into } from "./base64.js";
import { EMPTY_BYTES } from "./bytes.js";
import { HandshakeError } from "./errors.js";
import type { ClientExtensionFactory, Extension, ServerExtensionFactory } from "./extension.js";
import {
  type ExtensionHeaderItem,
  parseExtensionHeader,
  parseTokenList,
  parseUpgradeHeader,
  serializeExtensionHeader,
} from "./extension-header.js";
import { compactHeaders, countFields, Headers } from "./headers.js";
import {
  isFieldValue,
  isToken,
  type Request,
  type Reserve,
  type Response,
  trimOws,
  writeLatin1,
} from "./http1.js";
import { defaultRandom, type RandomSource } from "./random.js";
import { sha1 } from "./sha1.js";

const encoder = new TextEncoder();

/** The GUID appended to the key before hashing (RFC 6455 1.3 and 4.2.2). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The `User-Agent` and `Server` value sent unless configured otherwise. */
export const DEFAULT_USER_AGENT = "websocket-sansio/0.1";

/**
 * The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
 * base64(SHA-1(key + GUID)) (RFC 6455 4.2.2 step 5.4).
 *
 * @example
 * ```ts
 * acceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function acceptKey(key: string): string {
  return encodeBase64(sha1(keyMessage(key), acceptDigest));
}

// acceptKey's scratch, reused (the core is synchronous, so no call can
// overlap another): the hashed message for a key of the usual length, its
// last 36 bytes the GUID, and the digest.
const KEY_LENGTH = 24; // base64 of 16 bytes (RFC 6455 4.1)
const acceptInput = new Uint8Array(KEY_LENGTH + WEBSOCKET_GUID.length);
encoder.encodeInto(WEBSOCKET_GUID, acceptInput.subarray(KEY_LENGTH));
const acceptDigest = new Uint8Array(20);

/** `key + WEBSOCKET_GUID` as UTF-8; for a 24-character ASCII key, in the reused `acceptInput`. */
function keyMessage(key: string): Uint8Array {
  if (key.length !== KEY_LENGTH) return encoder.encode(key + WEBSOCKET_GUID);
  for (let i = 0; i < KEY_LENGTH; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(key + WEBSOCKET_GUID);
    acceptInput[i] = c;
  }
  return acceptInput;
}

/**
 * A fresh `Sec-WebSocket-Key`: base64 of 16 random bytes (RFC 6455 4.1, "MUST
 * be selected randomly for each connection").
 *
 * @param random source of the bytes; the runtime's CSPRNG by default
 */
export function generateKey(random: RandomSource = defaultRandom): string {
  const bytes = new Uint8Array(16);
  random(bytes);
  return encodeBase64(bytes);
}

/** The parts of a `ws:` or `wss:` URL that the handshake needs (RFC 6455 3). */
export interface WebSocketUrl {
  /** `wss:` (TLS). */
  secure: boolean;
  /** Host name or IP address to connect to; an IPv6 address without brackets. */
  host: string;
  /** Port, 80 or 443 by default. */
  port: number;
  /** `/path?query`, the request target. */
  resourceName: string;
  /** The `Host` header value: the host (IPv6 in brackets), with `:port` only when not the default. */
  hostHeader: string;
}

/**
 * Parses and checks a WebSocket URL (RFC 6455 3 and 4.1 step 1). Parsing is
 * the WHATWG URL parser's (the global `URL`, present in every runtime we
 * target), so hosts are normalised as browsers do (lowercase,
 * IDNA to punycode, IPv4 and IPv6 canonical forms).
 *
 * Throws TypeError for an unparsable URL, a scheme other than `ws:`/`wss:`,
 * a fragment (RFC 6455 3: "Fragment identifiers ... MUST NOT be used"; an
 * empty `#` counts too), or credentials (`user:pass@`, which have no place
 * in a ws-URI; send an `Authorization` header instead).
 *
 * @example
 * ```ts
 * parseWebSocketUrl("wss://example.com:8443/chat?room=1");
 * // { secure: true, host: "example.com", port: 8443,
 * //   resourceName: "/chat?room=1", hostHeader: "example.com:8443" }
 * ```
 */
export function parseWebSocketUrl(url: string | URL): WebSocketUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError(`Cannot parse WebSocket URL: invalid URL "${url}"`, { cause });
  }
  const href = parsed.href;
  const secure = parsed.protocol === "wss:";
  if (!secure && parsed.protocol !== "ws:") {
    throw new TypeError(
      `Cannot parse WebSocket URL: scheme "${parsed.protocol}" is not ws: or wss: in "${href}"`,
    );
  }
  // The fragment and the credentials are percent-encoded elsewhere in an
  // href, so a "#" can only start a fragment.
  if (href.includes("#")) {
    throw new TypeError(
      `Cannot parse WebSocket URL: fragments are not allowed (escape "#" as "%23") in "${href}"`,
    );
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new TypeError(`Cannot parse WebSocket URL: credentials are not allowed in "${href}"`);
  }
  // The URL parser drops the default port (80 for ws:, 443 for wss:), so
  // `port` is only set when it must appear in Host (RFC 6455 4.1).
  const hostname = parsed.hostname;
  const port = parsed.port === "" ? (secure ? 443 : 80) : Number(parsed.port);
  return {
    secure,
    host: hostname.startsWith("[") ? hostname.slice(1, -1) : hostname,
    port,
    // Special schemes always have a path of at least "/".
    resourceName: parsed.pathname + parsed.search,
    hostHeader: parsed.port === "" ? hostname : `${hostname}:${parsed.port}`,
  };
}

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

/** Adds `extra` to `headers`; a name already present is replaced by the extra field(s). */
function addHeaders(
  headers: Headers,
  extra: Iterable<readonly [string, string]> | Record<string, string>,
): void {
  const fields = [...new Headers(extra)];
  for (const [name] of fields) headers.delete(name);
  for (const [name, value] of fields) headers.append(name, value);
}

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Releases extensions negotiated for a handshake that then failed. */
function disposeAll(extensions: readonly Extension[]): void {
  for (const extension of extensions) extension.dispose?.();
}

/** Whether a comma-separated header value lists `token` (ASCII case-insensitively). */
function listHas(values: readonly string[], token: string): boolean {
  return values.some((value) => value.toLowerCase() === token);
}

/**
 * Checks the server's response to the opening handshake (RFC 6455 4.1, the
 * client's steps after sending the request) and negotiates extensions.
 * Returns the selected subprotocol and the extensions to use, in the order
 * the server listed them.
 *
 * Throws {@link HandshakeError} carrying the response's status, headers and
 * body when the status is not 101, `Upgrade` is not `websocket`, `Connection`
 * lacks `Upgrade`, `Sec-WebSocket-Accept` is missing, wrong or repeated, the
 * server chose a subprotocol that was not offered or several, a
 * `Sec-WebSocket-Protocol` or `Sec-WebSocket-Extensions` field is repeated
 * (RFC 6455 11.3.2, 11.3.4), the extensions are malformed, or an extension
 * matches no unused offer or its factory refuses it (that error is the
 * `cause`). Each extension the server lists is matched to the first offer of
 * that name not matched yet whose factory accepts it; a factory is given the
 * extensions accepted before it, to detect RSV bit conflicts.
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
  return checkAnswer(response, options, fail);
}

/**
 * The part of the response check that every HTTP version shares (RFC 6455
 * 4.1, kept by RFC 8441 5 for HTTP/2): the subprotocol the server selected
 * and the extensions it accepted. `fail` throws the {@link HandshakeError}.
 */
export function checkAnswer(
  response: Response,
  options: ClientHandshakeOptions,
  fail: (message: string, cause?: unknown) => never,
): { subprotocol: string | null; extensions: Extension[] } {
  const { headers } = response;
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
    const unused = [...(options.extensions ?? [])];
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

/** Reason phrases of the statuses a handshake uses (RFC 9110 15, RFC 6585). */
const REASONS: Readonly<Record<number, string>> = {
  101: "Switching Protocols",
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  414: "URI Too Long",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

/**
 * A response refusing the handshake (or answering a plain HTTP request):
 * the status with its reason phrase (empty when not in the table),
 * `Content-Type: text/plain; charset=utf-8`, `Content-Length`,
 * `Connection: close` (the connection cannot go on as a WebSocket), then
 * `headers`, which replace fields of the same name.
 *
 * @example
 * ```ts
 * rejectResponse(403, "Forbidden origin\n");
 * ```
 */
export function rejectResponse(
  status: number,
  body: string | Uint8Array = "",
  headers?: Iterable<readonly [string, string]> | Record<string, string>,
): Response {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Cannot build HTTP response: invalid status ${status}`);
  }
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const fields = new Headers([
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Length", String(bytes.length)],
    ["Connection", "close"],
  ]);
  if (headers !== undefined) addHeaders(fields, headers);
  return { status, reason: REASONS[status] ?? "", headers: fields, body: bytes };
}

/** The outcome of {@link acceptRequest}. */
export type AcceptResult =
  | { ok: true; response: Response; subprotocol: string | null; extensions: Extension[] }
  | { ok: false; response: Response; error: HandshakeError };

/**
 * Checks a client's opening handshake (RFC 6455 4.2.1) and builds the answer:
 * a 101 response (RFC 6455 4.2.2) with the selected subprotocol and the
 * negotiated extensions, or an error response with the reason as its body.
 * The request target is not checked: routing is the application's.
 *
 * Error statuses: 405 for a method other than GET; 400 for HTTP below 1.1,
 * a missing or repeated Host, a missing, repeated or invalid key (it must
 * decode to 16 bytes), or malformed Sec-WebSocket-Protocol or
 * Sec-WebSocket-Extensions; 426 (with `Upgrade: websocket`) when Upgrade or
 * Connection do not ask for a WebSocket, and (with
 * `Sec-WebSocket-Version: 13`, RFC 6455 4.2.2) when the version is missing,
 * repeated or not 13; 403 for an origin not in `origins`; 500 when
 * `selectSubprotocol` or an extension factory throws or misbehaves.
 *
 * Subprotocol: `selectSubprotocol` when given, else the first of
 * `subprotocols` (server preference) that the client offered; none if there
 * is no match, and then no header is sent (never an empty one).
 *
 * Extensions: for each element the client offered, in its order, the
 * factories of that name are asked in order; the first that accepts wins and
 * later offers of a name already accepted are skipped (RFC 7692 5: at most
 * one of several offers). Each factory sees the extensions accepted before.
 */
export function acceptRequest(
  request: Request,
  options: ServerHandshakeOptions = {},
): AcceptResult {
  const result = negotiateRequest(request, options);
  if (!result.ok) return result;
  const { subprotocol, extensions, extensionAnswer } = result;
  const response = switchingProtocols(request, subprotocol, extensionAnswer, options);
  return { ok: true, response, subprotocol, extensions };
}

/** A refused {@link AcceptResult}. */
export type Refused = Extract<AcceptResult, { ok: false }>;

/** What {@link negotiateRequest} agreed to, before a response is built. */
export interface Negotiated {
  readonly ok: true;
  readonly subprotocol: string | null;
  readonly extensions: Extension[];
  /** The `Sec-WebSocket-Extensions` answer, `""` for none. */
  readonly extensionAnswer: string;
}

/**
 * {@link acceptRequest} without building the 101: what it agreed to, or the
 * refusal. Internal: `ServerProtocol.acceptAndSend` writes a 101 without
 * building it (see {@link writeSwitchingProtocols}).
 */
export function negotiateRequest(
  request: Request,
  options: ServerHandshakeOptions,
): Negotiated | Refused {
  const { headers } = request;
  if (request.method !== "GET") {
    return refuse(options, 405, `method ${request.method} is not GET`, [["Allow", "GET"]]);
  }
  // RFC 6455 4.2.1 item 1: "An HTTP/1.1 or higher GET request".
  const version = request.version ?? "1.1";
  if (version !== "1.1" && !atLeastHttp11(version)) {
    return refuse(options, 400, `HTTP/${version} is older than HTTP/1.1`);
  }
  // RFC 9112 3.2: a request without Host, or with several, gets 400.
  if (headers[countFields]("host") !== 1) return refuse(options, 400, "expected one Host header");
  const upgradeRefused = checkUpgrade(headers, options);
  if (upgradeRefused !== undefined) return upgradeRefused;
  // RFC 6455 4.2.1 item 5 and 11.3.1: one key, base64 of 16 bytes.
  const keys = headers[countFields]("sec-websocket-key");
  if (keys !== 1) {
    return refuse(options, 400, `expected one Sec-WebSocket-Key header, got ${keys}`);
  }
  const key = requestKey(request);
  if (decodedBase64Length(key) !== 16) {
    return refuse(options, 400, `invalid Sec-WebSocket-Key "${key}"`);
  }
  return negotiateOffers(request, options);
}

/**
 * The checks and negotiation that every HTTP version shares (RFC 6455 4.2.1
 * items 7-10, which RFC 8441 5 keeps for HTTP/2): `Sec-WebSocket-Version`
 * (426), `Origin` (403), then the subprotocol and the extensions.
 */
export function negotiateOffers(
  request: Request,
  options: ServerHandshakeOptions,
): Negotiated | Refused {
  const { headers } = request;
  // RFC 6455 4.2.2: an unsupported version is answered with 426 and the
  // versions the server supports; 11.3.5 allows the header once in a request.
  const versions = headers.get("sec-websocket-version");
  if (headers[countFields]("sec-websocket-version") !== 1 || trimOws(versions!) !== "13") {
    return refuse(options, 426, `unsupported Sec-WebSocket-Version "${versions ?? ""}"`, [
      ["Sec-WebSocket-Version", "13"],
    ]);
  }
  // RFC 6455 4.2.2 and 10.2: the server may refuse origins it does not accept with 403.
  if (options.origins !== undefined) {
    const count = headers[countFields]("origin");
    const origins = headers.get("origin");
    const origin = count === 0 ? null : count === 1 ? trimOws(origins!) : undefined;
    if (origin === undefined || !options.origins.includes(origin)) {
      return refuse(options, 403, `origin "${origins ?? ""}" is not allowed`);
    }
  }

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

// The fixed start of every 101 that switchingProtocols builds, as bytes.
const SWITCHING_HEAD = encoder.encode(
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Accept: ",
);
const ACCEPT_LENGTH = 28; // base64 of a 20-byte SHA-1 digest

/**
 * Writes the bytes of `switchingProtocols(request, subprotocol, "", options)`
 * serialized, straight into the space `reserve` gives: no response, headers,
 * or accept key string is built (they were about a fifth of the garbage of a
 * handshake). `subprotocol` is a token the client offered (checked by
 * {@link negotiateRequest}); the `Server` header is checked here as the
 * serializer would check it.
 */
export function writeSwitchingProtocols(
  request: Request,
  subprotocol: string | null,
  options: Pick<ServerHandshakeOptions, "serverHeader">,
  reserve: Reserve,
): void {
  const serverHeader = serverHeaderOf(options);
  if (serverHeader !== null && !isFieldValue(serverHeader)) {
    throw new TypeError('Cannot serialize HTTP response: invalid character in header "Server"');
  }
  // Each field line is its name, ": ", its value and CRLF; then the final CRLF.
  let size = SWITCHING_HEAD.length + ACCEPT_LENGTH + 2 + 2;
  if (subprotocol !== null) size += PROTOCOL_FIELD.length + subprotocol.length + 2;
  if (serverHeader !== null) size += SERVER_FIELD.length + serverHeader.length + 2;
  const { buffer, offset } = reserve(size);
  buffer.set(SWITCHING_HEAD, offset);
  let at = offset + SWITCHING_HEAD.length;
  const digest = sha1(keyMessage(requestKey(request)), acceptDigest);
  at = encodeBase64Into(digest, 0, digest.length, buffer, at);
  at = crlf(buffer, at);
  if (subprotocol !== null) {
    buffer.set(PROTOCOL_FIELD, at);
    at = crlf(buffer, writeLatin1(buffer, at + PROTOCOL_FIELD.length, subprotocol));
  }
  if (serverHeader !== null) {
    buffer.set(SERVER_FIELD, at);
    at = crlf(buffer, writeLatin1(buffer, at + SERVER_FIELD.length, serverHeader));
  }
  crlf(buffer, at);
}

const PROTOCOL_FIELD = encoder.encode("Sec-WebSocket-Protocol: ");
const SERVER_FIELD = encoder.encode("Server: ");

function crlf(buffer: Uint8Array, at: number): number {
  buffer[at] = 0x0d;
  buffer[at + 1] = 0x0a;
  return at + 2;
}

/**
 * The 101 response that {@link acceptRequest} builds for an accepted request
 * with this subprotocol and extension answer (`""` for none). The same inputs
 * give the same response, so a server that sent it unchanged need not keep
 * it: it can build it again when asked.
 */
export function switchingProtocols(
  request: Request,
  subprotocol: string | null,
  extensionAnswer: string,
  options: Pick<ServerHandshakeOptions, "serverHeader">,
): Response {
  const headers = new Headers();
  headers.append("Upgrade", "websocket");
  headers.append("Connection", "Upgrade");
  headers.append("Sec-WebSocket-Accept", acceptKey(requestKey(request)));
  if (subprotocol !== null) headers.append("Sec-WebSocket-Protocol", subprotocol);
  if (extensionAnswer !== "") headers.append("Sec-WebSocket-Extensions", extensionAnswer);
  const serverHeader = serverHeaderOf(options);
  if (serverHeader !== null) headers.append("Server", serverHeader);
  headers[compactHeaders]();
  return { status: 101, reason: REASONS[101]!, headers, body: EMPTY_BYTES };
}

/** The request's `Sec-WebSocket-Key` (there is one: acceptRequest checked). */
function requestKey(request: Request): string {
  return trimOws(request.headers.get("sec-websocket-key")!);
}

function serverHeaderOf(options: Pick<ServerHandshakeOptions, "serverHeader">): string | null {
  return options.serverHeader === undefined ? DEFAULT_USER_AGENT : options.serverHeader;
}

/** An {@link acceptRequest} refusal: the response, with the reason as its body, and the error. */
export function refuse(
  options: ServerHandshakeOptions,
  status: number,
  message: string,
  extra: [string, string][] = [],
  cause?: unknown,
): Refused {
  const text = `Cannot accept WebSocket: ${message}`;
  const serverHeader = serverHeaderOf(options);
  if (serverHeader !== null) extra.push(["Server", serverHeader]);
  const response = rejectResponse(status, `${text}\n`, extra);
  const error = new HandshakeError(
    text,
    { status, headers: response.headers, body: response.body },
    cause === undefined ? undefined : { cause },
  );
  return { ok: false, response, error };
}

/** Whether an HTTP version (`major.minor`) is 1.1 or later. */
function atLeastHttp11(version: string): boolean {
  const dot = version.indexOf(".");
  const major = Number(version.slice(0, dot));
  const minor = Number(version.slice(dot + 1));
  return major > 1 || (major === 1 && minor >= 1);
}

// What clients send in Connection (Firefox adds keep-alive), recognised
// before the general list parser.
const UPGRADE_CONNECTIONS: ReadonlySet<string> = new Set([
  "Upgrade",
  "upgrade",
  "keep-alive, Upgrade",
]);

/**
 * RFC 6455 4.2.1 items 3 and 4: Upgrade must list websocket and Connection
 * must list Upgrade. Returns the refusal, or `undefined` when they do.
 */
function checkUpgrade(headers: Headers, options: ServerHandshakeOptions): Refused | undefined {
  const upgrade = headers.get("upgrade") ?? "";
  const connection = headers.get("connection") ?? "";
  if (upgrade === "websocket" && UPGRADE_CONNECTIONS.has(connection)) return undefined;
  let upgrades: string[];
  let connections: string[];
  try {
    upgrades = parseUpgradeHeader(upgrade);
    connections = parseTokenList(connection, "Connection");
  } catch (error) {
    return refuse(options, 400, messageOf(error), [], error);
  }
  // Answered with 426 Upgrade Required (RFC 9110 15.5.22), which tells a
  // plain HTTP client what this resource expects.
  if (!listHas(upgrades, "websocket")) {
    return refuse(options, 426, `Upgrade header "${upgrade}" lacks websocket`, [
      ["Upgrade", "websocket"],
    ]);
  }
  if (!listHas(connections, "upgrade")) {
    return refuse(options, 426, `Connection header "${connection}" lacks Upgrade`, [
      ["Upgrade", "websocket"],
    ]);
  }
  return undefined;
}
