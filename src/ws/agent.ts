/**
 * ws's `agent` option: the opening handshake through an `http.Agent` (a
 * keep-alive pool, `https-proxy-agent`, `socks-proxy-agent`, any
 * agent-base agent), as a {@link Dial} for the connection layer's
 * `connect()`. The handshake stays our core's: this module only carries its
 * bytes through Node's HTTP client.
 *
 * Why `http.request` rather than a socket taken from the agent: the only
 * public way to make a socket from an `http.Agent` is `createConnection`,
 * and agent-base agents (every proxy agent on npm) do not implement it on its
 * own: they make their socket in `createSocket(request, ...)`, which needs a
 * real `ClientRequest` (they emit `proxyConnect` and wait for `socket` on it,
 * and replay a proxy's refusal into its parser). What works with every agent
 * is what ws does: `http.request({ agent })` and its `upgrade` event, where
 * Node hands over the socket after reading the 101 head. So:
 *
 * - the request is our `ClientProtocol`'s: the first write of the connection
 *   (the head the core serialized, with its key and offers) is parsed back
 *   with the core's request parser and sent as the request's method, target
 *   and headers, unchanged;
 * - the response Node parsed is written back as a head (the core's
 *   serializer, fields in their order and case) and fed to the
 *   `ClientProtocol`, which checks it (status, `Sec-WebSocket-Accept`,
 *   subprotocol, permessage-deflate negotiation, head limits) and opens or
 *   fails exactly as on a direct connection; a refusal's body follows in an
 *   equivalent framing, so redirects, `unexpected-response` and the error are
 *   those of a direct connection too;
 * - after the 101, the socket is a plain {@link SocketTransport}: the agent
 *   plays no part in the open connection (Node detaches an upgraded socket
 *   from its agent's pool).
 *
 * @module
 */

import {
  type Agent,
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
} from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import type { Dial } from "../connection/client.js";
import type { TlsInfo } from "../connection/tls-info.js";
import type { Transport, TransportHandler } from "../connection/transport.js";
import { Headers } from "../core/headers.js";
import type { Request } from "../core/http1/message.js";
import { RequestParser } from "../core/http1/request-parser.js";
import { serializeResponse } from "../core/http1/serialize.js";
import { SocketTransport } from "../node/transport.js";

const EMPTY = new Uint8Array(0);
const UNLIMITED = {
  maxLineBytes: Number.MAX_SAFE_INTEGER,
  maxHeaders: Number.MAX_SAFE_INTEGER,
  maxHeadBytes: Number.MAX_SAFE_INTEGER,
};
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
const CRLF = Buffer.from("\r\n", "latin1");

/**
 * A dialer that opens each attempt (the first URL and each redirect's)
 * through `agent`, with ws's TLS options for `wss:`.
 */
export function agentDial(
  agent: Agent,
  tls: TlsConnectionOptions,
  socketPath: string | undefined,
): Dial {
  return (url) => Promise.resolve(new AgentTransport(url, agent, tls, socketPath));
}

/** The request's headers as `http.request` takes them: names as written, repeated fields as arrays. */
function headerObject(headers: Headers): Record<string, string | string[]> {
  const object: Record<string, string | string[]> = {};
  const names = new Map<string, string>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const key = names.get(lower);
    if (key === undefined) {
      names.set(lower, name);
      object[name] = value;
    } else {
      const previous = object[key]!;
      object[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
    }
  }
  return object;
}

/** Node's parsed response head as the bytes of a head, for the core's parser. */
function responseHead(response: IncomingMessage): Uint8Array {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return serializeResponse({
    status: response.statusCode ?? 0,
    reason: response.statusMessage ?? "",
    headers,
    body: EMPTY,
    version: response.httpVersion,
  });
}

/**
 * The handshake over `http.request` through an agent, then the upgraded
 * socket. Before the 101 it stands for the request: written bytes are the
 * request head, received bytes are the response Node parsed.
 */
class AgentTransport implements Transport {
  readonly #url: URL;
  readonly #agent: Agent;
  readonly #tls: TlsConnectionOptions;
  readonly #socketPath: string | undefined;
  #handler: TransportHandler | undefined;
  // Our own head, trusted: the core wrote it, so no limit of the server side's
  // (a large cookie a user passes is sent as on a direct connection).
  #parser: RequestParser | undefined = new RequestParser(UNLIMITED);
  #request: ClientRequest | undefined;
  #response: IncomingMessage | undefined;
  // The upgraded socket, after the 101.
  #socket: SocketTransport | undefined;
  #paused = false;
  #destroyed = false;
  #closed = false;

  constructor(url: URL, agent: Agent, tls: TlsConnectionOptions, socketPath: string | undefined) {
    this.#url = url;
    this.#agent = agent;
    this.#tls = tls;
    this.#socketPath = socketPath;
  }

  start(handler: TransportHandler): void {
    this.#handler = handler;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#socket !== undefined) return this.#socket.write(chunks);
    const parser = this.#parser;
    if (parser === undefined || this.#destroyed) return false;
    // The connection writes nothing but the request head before the
    // response: a whole head, which the core wrote and its parser reads back.
    try {
      for (const chunk of chunks) {
        const parsed = parser.feed(chunk);
        if (parsed === undefined) continue;
        this.#parser = undefined;
        this.#send(parsed.request);
        break;
      }
    } catch (error) {
      // Not expected (the core wrote the head), and never a throw out of a flush.
      this.#fail(error as Error);
    }
    return true;
  }

  #send(head: Request): void {
    const url = this.#url;
    const secure = url.protocol === "wss:";
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    // As ws: https.request for wss: (agent-base agents tell a secure
    // endpoint by it), the TLS options for the agent's tls.connect.
    let request: ClientRequest;
    try {
      request = (secure ? httpsRequest : httpRequest)({
        ...this.#tls,
        agent: this.#agent,
        host,
        port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
        ...(this.#socketPath === undefined ? {} : { socketPath: this.#socketPath }),
        method: head.method,
        path: head.target,
        headers: headerObject(head.headers),
      });
    } catch (error) {
      // The caller's mistake that Node refuses at once (an http.Agent for
      // wss:, ERR_INVALID_PROTOCOL; ws throws it from its constructor, or
      // from the socket's callback after a redirect): the attempt fails with
      // it, and the process goes on.
      this.#fail(error as Error);
      return;
    }
    this.#request = request;
    request.on("upgrade", (response: IncomingMessage, socket: Socket, rest: Buffer) =>
      this.#upgraded(response, socket, rest),
    );
    request.on("response", (response: IncomingMessage) => this.#refused(response));
    request.on("error", (error: Error) => {
      if (!this.#destroyed) this.#handler?.onError(error);
    });
    request.on("close", () => {
      // After an upgrade the socket's transport reports the close; after a
      // response, the response's end does.
      if (this.#socket === undefined && this.#response === undefined) this.#close();
    });
    request.end();
  }

  #upgraded(response: IncomingMessage, socket: Socket, rest: Buffer): void {
    if (this.#destroyed) {
      socket.destroy();
      return;
    }
    const handler = this.#handler!;
    const transport = new SocketTransport(socket);
    this.#socket = transport;
    // The request is done: nothing of it is kept for the connection's life.
    this.#request = undefined;
    // Listeners first: the socket's next data comes in a later turn, after
    // the head and the bytes Node read past it.
    transport.start(handler);
    if (this.#paused) transport.pause();
    let head: Uint8Array;
    try {
      head = responseHead(response);
    } catch (error) {
      handler.onError(error as Error);
      transport.destroy();
      return;
    }
    handler.onData(head);
    if (rest.length > 0 && !socket.destroyed) handler.onData(rest);
  }

  /**
   * A final response other than 101 (a refusal, a redirect, a proxy's 407):
   * its head, then its body as Node decoded it, re-framed as the head
   * declares (chunks for a chunked body), so the core reads it as it would
   * have read it from the socket.
   */
  #refused(response: IncomingMessage): void {
    this.#response = response;
    const handler = this.#handler!;
    if (this.#paused) response.pause();
    const chunked = /\bchunked\b/i.test(String(response.headers["transfer-encoding"] ?? ""));
    response.on("data", (chunk: Buffer) => {
      if (this.#destroyed) return;
      if (!chunked) handler.onData(chunk);
      else if (chunk.length > 0) {
        handler.onData(
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, CRLF]),
        );
      }
    });
    response.on("end", () => {
      if (this.#destroyed) return;
      if (chunked) handler.onData(LAST_CHUNK);
      handler.onEnd();
    });
    response.on("error", (error: Error) => {
      if (!this.#destroyed) handler.onError(error);
    });
    response.on("close", () => this.#close());
    try {
      handler.onData(responseHead(response));
    } catch (error) {
      handler.onError(error as Error);
      this.destroy();
    }
  }

  /** The attempt fails before any request left. */
  #fail(error: Error): void {
    if (this.#destroyed) return;
    this.#handler?.onError(error);
    this.#destroyed = true;
    queueMicrotask(() => this.#close());
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler?.onClose();
  }

  get bufferedAmount(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }

  pause(): void {
    this.#paused = true;
    if (this.#socket !== undefined) this.#socket.pause();
    else this.#response?.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#socket !== undefined) this.#socket.resume();
    else this.#response?.resume();
  }

  end(): void {
    // Nothing is half-closed before the upgrade: the request is complete.
    if (this.#socket !== undefined) this.#socket.end();
    else this.destroy();
  }

  destroy(): void {
    if (this.#socket !== undefined) {
      this.#socket.destroy();
      return;
    }
    if (this.#destroyed) return;
    this.#destroyed = true;
    const request = this.#request;
    // A response read to its end leaves its socket to a keep-alive agent's
    // pool; anything else in flight is given up. The request's own `close`
    // is not awaited: while an agent is still making its socket (a proxy's
    // CONNECT pending) a destroyed request emits nothing until the agent is
    // done, which may be never.
    if (request !== undefined && this.#response?.complete !== true) request.destroy();
    queueMicrotask(() => this.#close());
  }

  get remoteAddress(): string | undefined {
    return this.#socket?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket?.remotePort;
  }

  get tls(): TlsInfo | undefined {
    return this.#socket?.tls;
  }
}
