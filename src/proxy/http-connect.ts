/**
 * The client side of an HTTP CONNECT tunnel (RFC 9110 9.3.6): one request,
 * one response, then the connection is the target's. The response is parsed
 * by the core's HTTP/1.1 parser, bounded the same way.
 *
 * @module
 */

import { encodeBase64 } from "../core/base64.js";
import { HandshakeError } from "../core/errors.js";
import { DEFAULT_USER_AGENT } from "../core/handshake/options.js";
import { Headers } from "../core/headers.js";
import type { HttpLimits } from "../core/http1/message.js";
import { ResponseParser } from "../core/http1/response-parser.js";
import { serializeRequest } from "../core/http1/serialize.js";
import type { ProxyEndpoint } from "./proxy-url.js";
import { TunnelMachine, type TunnelTarget } from "./tunnel-client.js";

/** Options of {@link HttpConnectClient}. */
export interface HttpConnectOptions {
  /**
   * Extra request header fields for the proxy (never the target). A
   * `Proxy-Authorization` here replaces the Basic credentials of the proxy URL.
   */
  headers?: Headers | Record<string, string> | Iterable<readonly [string, string]>;
  /** Value of the `User-Agent` header; `null` leaves it out. Default `websocket-sansio/x.y`. */
  userAgent?: string | null;
  /** Bounds on the proxy's response head (see the core's `HttpLimits`). */
  limits?: Partial<HttpLimits>;
}

const encoder = new TextEncoder();

/**
 * Opens a tunnel through an HTTP proxy with `CONNECT host:port`. Basic
 * credentials (RFC 7617, UTF-8) come from the proxy URL. Any 2xx opens the
 * tunnel (RFC 9110 9.3.6); anything else fails with the status line, and a
 * 407 with the proxy's `Proxy-Authenticate` challenge in the message.
 *
 * @example
 * ```ts
 * const client = new HttpConnectClient(parseProxyUrl("http://127.0.0.1:3128"), { host: "example.com", port: 443 });
 * socket.write(client.takeOutput()[0]); // CONNECT example.com:443 HTTP/1.1
 * socket.on("data", (bytes) => {
 *   client.receiveData(bytes);
 *   for (const event of client.takeEvents()) {
 *     if (event.type === "established") startTls(socket, event.rest);
 *     else socket.destroy(event.error);
 *   }
 * });
 * ```
 */
export class HttpConnectClient extends TunnelMachine {
  readonly #parser: ResponseParser;
  readonly #sentCredentials: boolean;
  #started = false;

  constructor(proxy: ProxyEndpoint, target: TunnelTarget, options: HttpConnectOptions = {}) {
    super(proxy, target);
    this.#parser = new ResponseParser(options.limits, { headOnly: true });
    // RFC 9110 9.3.6: the request target is the authority, host:port, and so is Host.
    const headers = new Headers();
    headers.set("Host", this.targetText);
    const userAgent = options.userAgent === undefined ? DEFAULT_USER_AGENT : options.userAgent;
    if (userAgent !== null) headers.set("User-Agent", userAgent);
    if (proxy.username !== undefined) {
      const credentials = encoder.encode(`${proxy.username}:${proxy.password ?? ""}`);
      headers.set("Proxy-Authorization", `Basic ${encodeBase64(credentials)}`);
    }
    if (options.headers !== undefined) {
      for (const [name, value] of new Headers(options.headers)) headers.set(name, value);
    }
    this.#sentCredentials = headers.has("proxy-authorization");
    this.send(serializeRequest({ method: "CONNECT", target: this.targetText, headers }));
  }

  protected started(): boolean {
    return this.#started;
  }

  protected consume(bytes: Uint8Array): void {
    this.#started = true;
    let result: ReturnType<ResponseParser["feed"]>;
    try {
      result = this.#parser.feed(bytes);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      // "Cannot parse HTTP response: invalid status line …" without its prefix.
      const reason = error.message.replace(/^Cannot parse HTTP response: /, "");
      this.fail(`invalid reply: ${reason}`, {}, { cause: error });
      return;
    }
    if (result === undefined) return;
    const { response, rest } = result;
    const statusLine = `HTTP/${response.version ?? "1.1"} ${response.status}${response.reason === "" ? "" : ` ${response.reason}`}`;
    if (response.status >= 200 && response.status < 300) {
      this.establish(rest);
      return;
    }
    let detail = `${response.status}${response.reason === "" ? "" : ` ${response.reason}`}`;
    if (response.status === 407) {
      const challenge = response.headers.getAll("proxy-authenticate").join(", ");
      detail += this.#sentCredentials ? " (credentials refused)" : " (no credentials given)";
      if (challenge !== "") detail += `; Proxy-Authenticate: ${challenge}`;
    }
    this.fail(detail, {
      status: response.status,
      statusLine,
      headers: response.headers,
      isTransient: response.status >= 500 || response.status === 429,
    });
  }
}
