/**
 * The opening handshake of WebSocket over HTTP/2 (RFC 8441) as pure functions:
 * the extended CONNECT request for both roles, its check on the server, the
 * 2xx answer and its check on the client. Free of HTTP/2 framing: the I/O
 * layer maps these requests and responses to HEADERS frames (node:http2 does
 * it for us), and RFC 9220 (the same scheme over HTTP/3) can reuse them as
 * they are, with `version` "3".
 *
 * What changes from HTTP/1.1 (RFC 8441 4, 5): the method is CONNECT with the
 * `:protocol` pseudo-header `websocket`; `:scheme`, `:path` and `:authority`
 * replace the request line and `Host`; `Upgrade`, `Connection` and the
 * key/accept pair are not used; success is any 2xx instead of 101. Version,
 * origin, subprotocol and extension negotiation are as in RFC 6455, through
 * the same functions (`checkVersion`, `checkOrigin`, `negotiateOffers`,
 * `acceptAnswers`).
 *
 * @module
 */

import { decodedBase64Length } from "../base64.js";
import { EMPTY_BYTES } from "../bytes.js";
import { HandshakeError } from "../errors.js";
import type { Extension } from "../extension.js";
import { compactHeaders, Headers } from "../headers.js";
import { trimOws } from "../http1/grammar.js";
import type { Request, Response } from "../http1/message.js";
import { acceptKey } from "./accept-key.js";
import { buildRequest } from "./http1-client.js";
import {
  acceptAnswers,
  checkOrigin,
  checkVersion,
  type Negotiated,
  negotiateOffers,
} from "./negotiation.js";
import {
  appendAnswer,
  type ClientHandshakeOptions,
  type ServerHandshakeOptions,
} from "./options.js";
import { type Refusal, refuse } from "./refusal.js";
import type { WebSocketUrl } from "./url.js";

const H2_ANSWER_NAMES = ["sec-websocket-protocol", "sec-websocket-extensions", "server"] as const;

/**
 * An HTTP/2 (or HTTP/3) request head: the pseudo-header fields beside the
 * ordinary ones. `method` is `:method`, `target` is `:path`, `version` is
 * `"2"` (or `"3"`). It is a {@link Request}, so the server's hooks see it as
 * they see an HTTP/1.1 request.
 */
export interface ExtendedConnectRequest extends Request {
  /** `:protocol` (RFC 8441 4): `websocket`; `undefined` when absent (a plain request). */
  protocol: string | undefined;
  /** `:scheme`: `https` for `wss:`, `http` for `ws:`. */
  scheme: string | undefined;
  /** `:authority`: the host and port, in place of `Host`. */
  authority: string | undefined;
}

// RFC 9113 8.2.2: fields that are specific to one connection make an HTTP/2
// message malformed; RFC 9114 4.2 says the same of HTTP/3.
const CONNECTION_FIELDS: ReadonlySet<string> = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
]);

/**
 * Builds the client's extended CONNECT request (RFC 8441 4 and 5):
 * `:method CONNECT`, `:protocol websocket`, `:scheme`, `:path` and
 * `:authority` from `url`, `sec-websocket-version: 13`, the subprotocols and
 * extension offers, `origin`, `user-agent` and the extra headers, with no
 * `Host`, `Upgrade`, `Connection` or (unless `key` is given) key.
 *
 * `key` adds a `sec-websocket-key`, which RFC 8441 does not use: some servers
 * (undici's peers, older gateways) still answer with an accept, which the
 * client then checks.
 *
 * Throws TypeError as `buildRequest` does, and when an extra header is one
 * that HTTP/2 forbids (`Connection`, `Upgrade`, `Host`...: RFC 9113 8.2.2).
 */
export function buildExtendedConnectRequest(
  url: WebSocketUrl,
  options: ClientHandshakeOptions = {},
  key?: string,
  version = "2",
): ExtendedConnectRequest {
  if (options.headers !== undefined) {
    for (const [name] of new Headers(options.headers)) {
      if (CONNECTION_FIELDS.has(name.toLowerCase())) {
        throw new TypeError(
          `Cannot build extended CONNECT request: header "${name}" is not allowed over HTTP/${version}`,
        );
      }
    }
  }
  // The HTTP/1.1 request carries the same offers, checked the same way;
  // only the fields that HTTP/2 replaces or forbids are taken out.
  const http1 = buildRequest(url, key ?? "", options);
  const headers = new Headers();
  for (const [name, value] of http1.headers) {
    const lower = name.toLowerCase();
    if (CONNECTION_FIELDS.has(lower)) continue;
    if (lower === "sec-websocket-key" && key === undefined) continue;
    // RFC 9113 8.2: field names are lowercase in HTTP/2.
    headers.append(lower, value);
  }
  return {
    method: "CONNECT",
    target: url.resourceName,
    headers,
    version,
    protocol: "websocket",
    scheme: url.secure ? "https" : "http",
    authority: url.hostHeader,
  };
}

/**
 * Reads a request from its fields as an HTTP/2 (or HTTP/3) peer received
 * them: pseudo-header fields (`:method`, `:path`...) go to the request's
 * properties, the others to its headers, in order. Values may be arrays (a
 * field repeated).
 */
export function requestFromFields(
  fields: Iterable<readonly [string, string | readonly string[] | undefined]>,
  version = "2",
): ExtendedConnectRequest {
  const headers = new Headers();
  const request: ExtendedConnectRequest = {
    method: "",
    target: "",
    headers,
    version,
    protocol: undefined,
    scheme: undefined,
    authority: undefined,
  };
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    if (name.startsWith(":")) {
      const text = typeof value === "string" ? value : value.join(",");
      if (name === ":method") request.method = common(text);
      else if (name === ":path") request.target = text;
      else if (name === ":protocol") request.protocol = common(text);
      else if (name === ":scheme") request.scheme = common(text);
      else if (name === ":authority") request.authority = text;
    } else if (typeof value === "string") {
      headers.append(name, name === "sec-websocket-version" ? common(value) : value);
    } else for (const item of value) headers.append(name, item);
  }
  // The request is kept for the connection's life: its fields array without
  // the slack of growing it one field at a time (a heap snapshot of 1,000
  // idle WebSockets over h2c: 168 bytes each, 112 once compacted).
  headers[compactHeaders]();
  return request;
}

/**
 * The literal for a value that nearly every WebSocket's request repeats,
 * else the value: the request is kept for the connection's life, and the
 * runtime's strings are copies made per stream (a heap snapshot of 1,000
 * idle WebSockets over h2c showed `CONNECT`, `websocket` and `13` held
 * about 110 bytes per stream).
 */
function common(value: string): string {
  switch (value) {
    case "CONNECT":
      return "CONNECT";
    case "websocket":
      return "websocket";
    case "https":
      return "https";
    case "http":
      return "http";
    case "13":
      return "13";
    default:
      return value;
  }
}

/**
 * The fields of `headers` that may travel in an HTTP/2 (or HTTP/3) message,
 * names lowercased: connection-specific ones (RFC 9113 8.2.2) are left out,
 * such as the `Connection: close` of a refusal built for HTTP/1.1.
 */
export function fieldsForHttp2(headers: Headers): [string, string][] {
  const fields: [string, string][] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!CONNECTION_FIELDS.has(lower)) fields.push([lower, value]);
  }
  return fields;
}

/**
 * Checks an extended CONNECT request (RFC 8441 4 and 5) and negotiates
 * what it offers, as `negotiateRequest` does for HTTP/1.1.
 *
 * Refusals: 405 (with `allow: CONNECT`) for another method; 400 for a
 * CONNECT without `:protocol` (a tunnel, which this endpoint never opens:
 * RFC 8441 4 says the server serves the WebSocket itself) or without
 * `:scheme`, `:path` or `:authority`; 501 for a `:protocol` other than
 * `websocket` (RFC 9220 3 SHOULD); then as over HTTP/1.1: 426 (with
 * `sec-websocket-version: 13`) for a missing or other version, 403 for an
 * origin not allowed, 400 for malformed offers, 500 when a hook throws.
 */
export function negotiateExtendedConnect(
  request: ExtendedConnectRequest,
  options: ServerHandshakeOptions = {},
): Negotiated | Refusal {
  const version = request.version ?? "2";
  if (request.method !== "CONNECT") {
    return refuse(options, 405, `method ${request.method} is not CONNECT`, [["Allow", "CONNECT"]]);
  }
  if (request.protocol === undefined) {
    return refuse(options, 400, "CONNECT without :protocol asks for a tunnel, not a WebSocket");
  }
  if (request.protocol.toLowerCase() !== "websocket") {
    return refuse(options, 501, `:protocol "${request.protocol}" is not websocket`);
  }
  // RFC 8441 4: "the :scheme and :path pseudo-headers MUST be included".
  if (!request.scheme || !request.target || !request.authority) {
    return refuse(
      options,
      400,
      `extended CONNECT over HTTP/${version} lacks :scheme, :path or :authority`,
    );
  }
  const { headers } = request;
  return (
    checkVersion(headers, options) ??
    checkOrigin(headers, options) ??
    negotiateOffers(request, options)
  );
}

/**
 * The 200 response that accepts an extended CONNECT (RFC 8441 5: any 2xx),
 * with the selected subprotocol, the extension answer (`""` for none) and
 * `server`. When the request carried a valid `sec-websocket-key` (which RFC
 * 8441 does not use), the matching `sec-websocket-accept` is added: undici's
 * client fails the connection without it, and other clients ignore it.
 */
export function extendedConnectResponse(
  request: Request,
  subprotocol: string | null,
  extensionAnswer: string,
  options: Pick<ServerHandshakeOptions, "serverHeader">,
): Response {
  const headers = new Headers();
  const key = request.headers.get("sec-websocket-key");
  if (key !== undefined && decodedBase64Length(trimOws(key)) === 16) {
    headers.append("sec-websocket-accept", acceptKey(trimOws(key)));
  }
  appendAnswer(headers, H2_ANSWER_NAMES, subprotocol, extensionAnswer, options);
  return { status: 200, reason: "", headers, body: EMPTY_BYTES, version: request.version ?? "2" };
}

/**
 * Checks the server's answer to an extended CONNECT (RFC 8441 5) and
 * negotiates extensions, as `checkResponse` does for a 101: the status must
 * be 2xx; a `sec-websocket-accept`, when present and `key` was sent, must
 * match it (peers differ on sending it, so its absence is fine); the
 * subprotocol and extensions are checked as over HTTP/1.1.
 *
 * Throws {@link HandshakeError} with the response's status, headers and body.
 */
export function checkExtendedConnectResponse(
  response: Response,
  key: string | undefined,
  options: ClientHandshakeOptions = {},
): { subprotocol: string | null; extensions: Extension[] } {
  const { headers } = response;
  const fail = (message: string, cause?: unknown): never => {
    throw new HandshakeError(
      `Cannot open WebSocket: ${message}`,
      { status: response.status, headers, body: response.body },
      cause === undefined ? undefined : { cause },
    );
  };
  if (response.status < 200 || response.status > 299) {
    fail(`server answered ${response.status} to the extended CONNECT`);
  }
  const accepts = headers.getAll("sec-websocket-accept");
  if (key !== undefined && accepts.length > 0) {
    if (accepts.length > 1) fail(`expected one Sec-WebSocket-Accept header, got ${accepts.length}`);
    if (trimOws(accepts[0]!) !== acceptKey(key)) fail(`wrong Sec-WebSocket-Accept "${accepts[0]}"`);
  }
  return acceptAnswers(headers, options, fail);
}
