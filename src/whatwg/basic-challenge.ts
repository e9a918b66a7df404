/**
 * The user name and password of a WebSocket URL, sent as a browser sends
 * them: not with the first handshake, but once, in answer to a 401 with a
 * `Basic` challenge (Fetch's "authentication fetch"; Chromium answers a
 * WebSocket handshake's 401 this way). A header the caller set itself
 * (`headers: { Authorization }` in the third argument) is not replaced.
 *
 * Not done, as there is no browser around: an authentication cache shared by
 * later connections, schemes other than `Basic`, and proxy authentication.
 *
 * @module
 */

import type { ClientConnection, ClientOptions } from "../connection/client.js";
import { HandshakeError } from "../core/errors.js";
import { Headers } from "../core/headers.js";

/** A `WWW-Authenticate` value offering the Basic scheme (RFC 7617), among others or alone. */
const BASIC = /(?:^|,)\s*basic(?:\s|,|$)/i;

function decoded(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** `Basic` credentials (RFC 7617): base64 of the UTF-8 bytes of `user:password`. */
function basicCredentials(url: URL): string {
  const bytes = new TextEncoder().encode(`${decoded(url.username)}:${decoded(url.password)}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * Runs `connect` with `options`; if the server answers 401 with a Basic
 * challenge and `url` (the URL as given, credentials included) has a user
 * name or password, runs it once more with an `Authorization` header made of
 * them.
 */
export async function answeringBasicChallenge(
  url: URL,
  options: ClientOptions,
  connect: (options: ClientOptions) => Promise<ClientConnection>,
): Promise<ClientConnection> {
  try {
    return await connect(options);
  } catch (error) {
    if (
      !(error instanceof HandshakeError) ||
      error.status !== 401 ||
      (url.username === "" && url.password === "") ||
      !BASIC.test(error.headers?.get("www-authenticate") ?? "")
    ) {
      throw error;
    }
    const headers = new Headers(options.headers);
    if (headers.has("authorization")) throw error;
    headers.set("authorization", basicCredentials(url));
    return connect({ ...options, headers });
  }
}
