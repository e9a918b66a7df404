/**
 * The server's side of our own HTTP/2 (`serve()` over TLS with ALPN `h2`,
 * and h2c): each socket that speaks HTTP/2 becomes a {@link WireSession};
 * each request on it goes through the {@link Server}'s extended CONNECT
 * handshake (RFC 8441), with the same hooks as over HTTP/1.1: an extended
 * CONNECT becomes a WebSocket, another request may be answered by
 * `processRequest` (a page, a health check) and is otherwise refused (405).
 *
 * @module
 */

import type { Socket } from "node:net";
import { Deadline, Deadlines } from "../connection/deadlines.js";
import type { Server } from "../connection/server.js";
import { timeoutOption } from "../connection/settings.js";
import { fieldsForHttp2, requestFromFields } from "../core/handshake/extended-connect.js";
import type { Response } from "../core/http1/message.js";
import {
  type HeaderField,
  Http2ErrorCode,
  Http2Session,
  type Http2SessionOptions,
} from "../core/http2/index.js";
import {
  MAX_FRAME_BYTES,
  SETTINGS_TIMEOUT_MS,
  type WireOwner,
  WireSession,
} from "./wire-session.js";
import { WireStream } from "./wire-stream.js";

/** What a {@link WireServer} needs beside its server. */
export interface WireServerOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS (default 100, see `Http2ServerOptions`). */
  maxConcurrentStreams?: number | undefined;
  /** A session that opens no stream in this time is closed; null: never. Default 10 s. */
  openTimeoutMs?: number | null | undefined;
  /** See `Http2ServerOptions.settingsTimeoutMs`. */
  settingsTimeoutMs?: number | null | undefined;
}

function closeIdle(wire: WireSession): void {
  wire.deadline = undefined;
  wire.close();
}

/** The HTTP/2 sessions of one server. */
export class WireServer implements WireOwner {
  readonly #server: Server;
  readonly #sessions = new Set<WireSession>();
  readonly #options: Http2SessionOptions;
  // The open timeout of every session on one timer (see deadlines.ts).
  readonly #idle: Deadlines<WireSession> | undefined;
  readonly #settingsTimeoutMs: number | null;

  constructor(server: Server, options: WireServerOptions = {}) {
    this.#server = server;
    this.#options = {
      role: "server",
      settings: {
        // RFC 8441 3: extended CONNECT enabled.
        enableConnectProtocol: true,
        maxConcurrentStreams: options.maxConcurrentStreams ?? 100,
        maxFrameSize: MAX_FRAME_BYTES,
      },
    };
    // Bad settings (a negative maxConcurrentStreams) throw RangeError here,
    // from serve(), rather than from the first connection's callback.
    new Http2Session(this.#options);
    const openTimeoutMs = options.openTimeoutMs === undefined ? 10_000 : options.openTimeoutMs;
    this.#idle = openTimeoutMs === null ? undefined : new Deadlines(openTimeoutMs, closeIdle);
    this.#settingsTimeoutMs = timeoutOption(options.settingsTimeoutMs, SETTINGS_TIMEOUT_MS);
  }

  /**
   * Takes a connected socket that speaks HTTP/2 (TLS with ALPN `h2`, or
   * cleartext with prior knowledge), with the bytes already read from it.
   */
  take(socket: Socket, head?: Uint8Array): void {
    const wire = new WireSession(
      socket,
      new Http2Session(this.#options),
      this,
      this.#settingsTimeoutMs,
    );
    this.#sessions.add(wire);
    // A connection that opens no stream within the open timeout is closed,
    // as an HTTP/1.1 one that sends no handshake is: an idle session
    // otherwise holds its socket for ever.
    if (this.#idle !== undefined) wire.deadline = this.#idle.add(new Deadline(wire));
    if (head !== undefined && head.length > 0) wire.receive(head);
  }

  /** Sessions open now. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Sends GOAWAY on every session: no new streams; each session closes when
   * its streams (the WebSockets the server is closing with 1001) have ended.
   */
  close(): void {
    for (const wire of this.#sessions) wire.close();
  }

  request(wire: WireSession, streamId: number, fields: HeaderField[], endStream: boolean): void {
    if (wire.deadline !== undefined) {
      wire.deadline.cancel();
      wire.deadline = undefined;
    }
    const stream = new WireStream(wire, streamId, true);
    wire.add(stream);
    if (endStream) stream.receiveData(new Uint8Array(0), true);
    this.#server.handleExtendedConnect(stream, requestFromFields(fields), (response) =>
      respond(stream, response, this.#server),
    );
  }

  failed(_wire: WireSession, error: Error): void {
    // A peer's mistake on one session concerns that session only.
    this.#server.logError("HTTP/2 session failed", error);
  }

  closed(wire: WireSession): void {
    wire.deadline?.cancel();
    wire.deadline = undefined;
    this.#sessions.delete(wire);
  }
}

/** Sends `response` as the head of `stream` (a HEADERS frame), unless the stream is gone. */
function respond(stream: WireStream, response: Response, server: Server): void {
  if (stream.gone) return;
  const fields: HeaderField[] = [[":status", String(response.status)]];
  for (const field of fieldsForHttp2(response.headers)) fields.push(field);
  try {
    stream.wire.session.respond(stream.id, fields, false);
    stream.wire.schedule();
  } catch (error) {
    // A field the machine refuses (set by a hook): the stream cannot go on.
    server.logError("HTTP/2 response refused", error);
    stream.wire.reset(stream, Http2ErrorCode.INTERNAL_ERROR);
  }
  stream.headSent();
}
