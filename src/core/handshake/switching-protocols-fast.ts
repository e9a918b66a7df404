/**
 * The HTTP/1.1 server's 101 answer written straight as bytes: the fast twin
 * of {@link switchingProtocols}, for the handshakes-per-second path.
 *
 * Building the 101 as a {@link Response} (a headers object, the accept key as
 * a string) then serializing it made about a fifth of the garbage of a
 * handshake; this writes the same bytes from constant prefixes into the space
 * the output queue reserves, and base64-encodes the SHA-1 digest in place. It
 * covers the common case only (no extension answer); the tests compare its
 * bytes with {@link switchingProtocols}' serialized for every case it takes.
 *
 * @module
 */

import { encodeBase64Into } from "../base64.js";
import { isFieldValue } from "../http1/grammar.js";
import { writeLatin1 } from "../http1/latin1.js";
import type { Request } from "../http1/message.js";
import type { Reserve } from "../http1/serialize.js";
import { acceptDigest } from "./accept-key.js";
import { type ServerHandshakeOptions, serverHeaderOf } from "./options.js";
import { requestKey } from "./switching-protocols.js";

const encoder = new TextEncoder();

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
  const digest = acceptDigest(requestKey(request));
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
