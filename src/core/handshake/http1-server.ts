/**
 * The server's side of the HTTP/1.1 opening handshake (RFC 6455 4.2.1): the
 * checks of the Upgrade request that only HTTP/1.1 has (method, version,
 * Host, Upgrade, Connection, key, WebSocket version), then the negotiation
 * shared with other handshakes ({@link checkOrigin}, {@link negotiateOffers}),
 * and the 101 answer or the refusal. Internal to the core (the package does
 * not export it): `ServerProtocol` calls these.
 *
 * @module
 */

import { decodedBase64Length } from "../base64.js";
import type { Extension } from "../extension.js";
import { parseTokenList, parseUpgradeHeader } from "../extension-header.js";
import { countFields, type Headers } from "../headers.js";
import { listHas } from "../http1/grammar.js";
import type { Request, Response } from "../http1/message.js";
import { checkOrigin, checkVersion, type Negotiated, negotiateOffers } from "./negotiation.js";
import type { ServerHandshakeOptions } from "./options.js";
import { messageOf, type Refusal, refuse } from "./refusal.js";
import { requestKey, switchingProtocols } from "./switching-protocols.js";

/** The outcome of {@link acceptRequest}. */
export type AcceptResult =
  | { ok: true; response: Response; subprotocol: string | null; extensions: Extension[] }
  | Refusal;

/**
 * Checks a client's opening handshake (RFC 6455 4.2.1) and builds the answer:
 * a 101 response (RFC 6455 4.2.2) with the selected subprotocol and the
 * negotiated extensions, or an error response with the reason as its body.
 * The request target is checked only for its form (see {@link isResourceTarget});
 * routing is the application's.
 *
 * Error statuses: 405 for a method other than GET; 400 for HTTP below 1.1,
 * a request target that names no resource (`*`, `foo`, a fragment), a
 * missing or repeated Host, a missing, repeated or invalid key (it must
 * decode to 16 bytes), or malformed Sec-WebSocket-Protocol or
 * Sec-WebSocket-Extensions; 426 (with `Upgrade: websocket`) when Upgrade or
 * Connection do not ask for a WebSocket, and (with
 * `Sec-WebSocket-Version: 13`, RFC 6455 4.2.2) when the version is missing,
 * repeated or not 13; 403 for an origin not in `origins`; 500 when
 * `selectSubprotocol` or an extension factory throws or misbehaves.
 *
 * The subprotocol and extensions are chosen by {@link negotiateOffers}; with
 * no subprotocol, no header is sent (never an empty one).
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

/**
 * {@link acceptRequest} without building the 101: what it agreed to, or the
 * refusal. `ServerProtocol.acceptAndSend` writes a 101 without building it
 * (see {@link writeSwitchingProtocols}).
 */
export function negotiateRequest(
  request: Request,
  options: ServerHandshakeOptions,
): Negotiated | Refusal {
  const { headers } = request;
  if (request.method !== "GET") {
    return refuse(options, 405, `method ${request.method} is not GET`, [["Allow", "GET"]]);
  }
  // RFC 6455 4.2.1 item 1: "An HTTP/1.1 or higher GET request".
  const version = request.version ?? "1.1";
  if (version !== "1.1" && !atLeastHttp11(version)) {
    return refuse(options, 400, `HTTP/${version} is older than HTTP/1.1`);
  }
  if (!isResourceTarget(request.target)) {
    return refuse(
      options,
      400,
      `request target "${request.target}" names no resource (expected "/path" or an absolute http(s) URI)`,
    );
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
  return (
    checkVersion(headers, options) ??
    checkOrigin(headers, options) ??
    negotiateOffers(request, options)
  );
}

// An absolute-form target's scheme: RFC 6455 4.1 names http and https; ws
// and wss are taken too, as a client writing its own URL out may send them.
const ABSOLUTE_TARGET = /^(?:https?|wss?):\/\//i;

/**
 * Whether a request target can name a WebSocket resource (RFC 6455 4.2.1
 * item 1: a /resource name/, or an absolute HTTP/HTTPS URI holding one):
 * origin-form (`/chat?room=1`, RFC 9112 3.2.1) or absolute-form (RFC 9112
 * 3.2.2), and no fragment, which no request target has (RFC 9112 3.2). The
 * asterisk-form (`*`, OPTIONS only) and a bare `foo` name none; ws answers
 * them 400 too (node:http's parser refuses a target without a leading slash).
 */
export function isResourceTarget(target: string): boolean {
  if (target.includes("#")) return false;
  return target.charCodeAt(0) === 0x2f /* / */ || ABSOLUTE_TARGET.test(target);
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
function checkUpgrade(headers: Headers, options: ServerHandshakeOptions): Refusal | undefined {
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
