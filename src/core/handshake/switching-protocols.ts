/**
 * The HTTP/1.1 server's answer to an accepted handshake (RFC 6455 4.2.2): the
 * 101 Switching Protocols response, built as an editable {@link Response}.
 * This is the readable reference; `ServerProtocol` usually writes the same
 * bytes without building it ({@link writeSwitchingProtocols}, tested against
 * this).
 *
 * @module
 */

import { EMPTY_BYTES } from "../bytes.js";
import { compactHeaders, Headers } from "../headers.js";
import { trimOws } from "../http1/grammar.js";
import { REASONS, type Request, type Response } from "../http1/message.js";
import { acceptKey } from "./accept-key.js";
import { appendAnswer, type ServerHandshakeOptions } from "./options.js";

const H1_ANSWER_NAMES = ["Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Server"] as const;

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
  appendAnswer(headers, H1_ANSWER_NAMES, subprotocol, extensionAnswer, options);
  headers[compactHeaders]();
  return { status: 101, reason: REASONS[101]!, headers, body: EMPTY_BYTES };
}

/** The request's `Sec-WebSocket-Key` (there is one: acceptRequest checked). */
export function requestKey(request: Request): string {
  return trimOws(request.headers.get("sec-websocket-key")!);
}
