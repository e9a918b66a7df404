/**
 * The proxy's errors, in the library's one error tree (see `src/core/errors.ts`).
 *
 * @module
 */

import { WebSocketError } from "../core/errors.js";
import type { Headers } from "../core/headers.js";

/** What a {@link ProxyError} carries besides its message. */
export interface ProxyErrorDetails {
  /** The proxy, as a URL without its credentials (`http://proxy.example:3128`). */
  readonly proxy: string;
  /** HTTP CONNECT: the proxy's status code (407...); 0 when there was no valid status line. */
  readonly status?: number;
  /** HTTP CONNECT: the proxy's status line (`HTTP/1.1 407 Proxy Authentication Required`). */
  readonly statusLine?: string;
  /** HTTP CONNECT: the proxy's response header fields (`Proxy-Authenticate`...). */
  readonly headers?: Headers;
  /**
   * SOCKS: the reply code (SOCKS5: RFC 1928 6, 0x01-0x08; SOCKS4: 0x5b-0x5d;
   * RFC 1929 authentication failure: the status byte), when the proxy sent one.
   */
  readonly replyCode?: number;
  /**
   * Whether the failure may go away by itself, so that a reconnect is worth
   * it: an unreachable or silent proxy, a 5xx or 429, a SOCKS proxy that
   * could not reach the target. Not: a 403, a 407, refused credentials, a
   * reply that is not the protocol. Default false.
   */
  readonly isTransient?: boolean;
}

/**
 * The proxy could not open a tunnel to the target: it refused (a non-2xx
 * status, a SOCKS reply code), asked for credentials (407, with the
 * `Proxy-Authenticate` challenge in the message and `headers`), sent a reply
 * that cannot be parsed or closed before it, or could not be reached. The
 * message names the proxy (without credentials); `cause` keeps the underlying
 * error when there is one.
 */
export class ProxyError extends WebSocketError {
  override name = "ProxyError";
  /** See {@link ProxyErrorDetails.proxy}. */
  readonly proxy: string;
  /** See {@link ProxyErrorDetails.status}; 0 for SOCKS and for failures before any reply. */
  readonly status: number;
  /** See {@link ProxyErrorDetails.statusLine}; empty when none. */
  readonly statusLine: string;
  /** See {@link ProxyErrorDetails.headers}. */
  readonly headers: Headers | undefined;
  /** See {@link ProxyErrorDetails.replyCode}; undefined when none. */
  readonly replyCode: number | undefined;
  /** See {@link ProxyErrorDetails.isTransient}. */
  readonly isTransient: boolean;

  constructor(message: string, details: ProxyErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.proxy = details.proxy;
    this.status = details.status ?? 0;
    this.statusLine = details.statusLine ?? "";
    this.headers = details.headers;
    this.replyCode = details.replyCode;
    this.isTransient = details.isTransient ?? false;
  }
}
