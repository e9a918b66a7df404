/**
 * Refusing a handshake, the same whatever carries it: a response that says
 * why in its body, and the {@link HandshakeError} that says it to the server's
 * application.
 *
 * @module
 */

import { HandshakeError } from "../errors.js";
import { Headers } from "../headers.js";
import { REASONS, type Response } from "../http1/message.js";
import { addHeaders, type ServerHandshakeOptions, serverHeaderOf } from "./options.js";

const encoder = new TextEncoder();

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

/** A refused handshake: the response to send and the error that says why. */
export interface Refusal {
  ok: false;
  response: Response;
  error: HandshakeError;
}

/**
 * A refusal with `status`: the response ({@link rejectResponse} with the
 * reason as its body, `extra` fields and the `Server` header), and the error.
 */
export function refuse(
  options: Pick<ServerHandshakeOptions, "serverHeader">,
  status: number,
  message: string,
  extra: [string, string][] = [],
  cause?: unknown,
): Refusal {
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

/** The message of what was thrown, for a refusal that quotes it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
