/**
 * The client side of SOCKS5 (RFC 1928) with user/password authentication
 * (RFC 1929): a greeting, perhaps an authentication exchange, then CONNECT.
 *
 * ```text
 * greeting --(method 0x00)--------------------------> request --(reply 0x00)--> established
 *          --(method 0x02)--> authentication --(0x00)-> request
 * any state --(a refusal, a reply that is not SOCKS5, EOF)--> failed
 * ```
 *
 * Whether the proxy resolves names (`socks5h://`) or the client does
 * (`socks5://`) is the caller's choice: this machine sends the target host as
 * it is given, as an address when it is an IP literal, as a name otherwise.
 *
 * @module
 */

import { parseIpv4, parseIpv6 } from "./address.js";
import type { ProxyEndpoint } from "./proxy-url.js";
import { hex, ReplyReader, TunnelMachine, type TunnelTarget, unbracket } from "./tunnel-client.js";

const VERSION = 0x05;
// RFC 1929 2: the version of the user/password subnegotiation.
const AUTH_VERSION = 0x01;
const METHOD_NONE = 0x00;
const METHOD_PASSWORD = 0x02;
const METHOD_REFUSED = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** RFC 1928 6: the reply field, and whether a later attempt may succeed. */
export const SOCKS5_REPLIES: Readonly<Record<number, { text: string; isTransient: boolean }>> = {
  1: { text: "general SOCKS server failure", isTransient: true },
  2: { text: "connection not allowed by ruleset", isTransient: false },
  3: { text: "network unreachable", isTransient: true },
  4: { text: "host unreachable", isTransient: true },
  5: { text: "connection refused", isTransient: true },
  6: { text: "TTL expired", isTransient: true },
  7: { text: "command not supported", isTransient: false },
  8: { text: "address type not supported", isTransient: false },
};

/** Bytes of BND.ADDR by fixed-size address type. */
const ADDRESS_BYTES: Readonly<Record<number, number>> = { [ATYP_IPV4]: 4, [ATYP_IPV6]: 16 };

const GREETING = 0;
const AUTHENTICATION = 1;
const REQUEST = 2;

const encoder = new TextEncoder();

/**
 * Opens a tunnel through a SOCKS5 proxy. Offers no authentication, and
 * user/password too when the proxy URL has credentials.
 *
 * @example
 * ```ts
 * const client = new Socks5Client(parseProxyUrl("socks5h://127.0.0.1:1080"), { host: "example.com", port: 443 });
 * write(client.takeOutput()); // the greeting
 * // on each read: client.receiveData(bytes); write(client.takeOutput()); handle(client.takeEvents())
 * ```
 */
export class Socks5Client extends TunnelMachine {
  readonly #reply = new ReplyReader();
  readonly #credentials: Uint8Array | undefined;
  readonly #request: Uint8Array;
  #step = GREETING;
  #started = false;

  constructor(proxy: ProxyEndpoint, target: TunnelTarget) {
    super(proxy, target);
    this.#request = connectRequest(target);
    if (proxy.username !== undefined) {
      const user = encoder.encode(proxy.username);
      const password = encoder.encode(proxy.password ?? "");
      // RFC 1929 2: each is 1 to 255 bytes (an empty password is commonly accepted).
      if (user.length === 0 || user.length > 255 || password.length > 255) {
        throw new RangeError(
          "Cannot use SOCKS5 credentials: the user name must be 1 to 255 bytes and the password at most 255 (RFC 1929)",
        );
      }
      const message = new Uint8Array(3 + user.length + password.length);
      message[0] = AUTH_VERSION;
      message[1] = user.length;
      message.set(user, 2);
      message[2 + user.length] = password.length;
      message.set(password, 3 + user.length);
      this.#credentials = message;
      this.send(Uint8Array.of(VERSION, 2, METHOD_NONE, METHOD_PASSWORD));
    } else {
      this.send(Uint8Array.of(VERSION, 1, METHOD_NONE));
    }
  }

  protected started(): boolean {
    return this.#started;
  }

  protected consume(bytes: Uint8Array): void {
    this.#started = true;
    const reply = this.#reply;
    let pos = 0;
    while (this.state === "connecting") {
      if (this.#step === GREETING) {
        pos = reply.fill(bytes, pos, 2);
        if (reply.length < 2) return;
        this.#greeted(reply.at(0), reply.at(1));
      } else if (this.#step === AUTHENTICATION) {
        pos = reply.fill(bytes, pos, 2);
        if (reply.length < 2) return;
        this.#authenticated(reply.at(0), reply.at(1));
      } else {
        // VER REP RSV ATYP, then the bound address and port. A refusal is
        // reported at its second byte: some proxies close without the rest.
        pos = reply.fill(bytes, pos, 2);
        if (reply.length < 2) return;
        if (reply.at(0) !== VERSION) {
          this.#notSocks5(reply.at(0));
          return;
        }
        const code = reply.at(1);
        if (code !== 0x00) {
          const known = SOCKS5_REPLIES[code];
          this.fail(`SOCKS5 reply ${hex(code)} (${known?.text ?? "unknown reply code"})`, {
            replyCode: code,
            isTransient: known?.isTransient ?? false,
          });
          return;
        }
        pos = reply.fill(bytes, pos, 5);
        if (reply.length < 5) return;
        const atyp = reply.at(3);
        const addressBytes = ADDRESS_BYTES[atyp] ?? (atyp === ATYP_DOMAIN ? 1 + reply.at(4) : -1);
        if (addressBytes === -1) {
          this.fail(`invalid reply: unknown address type ${hex(atyp)}`);
          return;
        }
        const total = 4 + addressBytes + 2;
        pos = reply.fill(bytes, pos, total);
        if (reply.length < total) return;
        this.establish(bytes.subarray(pos));
      }
    }
  }

  #notSocks5(version: number): void {
    this.fail(`invalid reply: version ${hex(version)} instead of SOCKS5 (0x05)`);
  }

  #greeted(version: number, method: number): void {
    if (version !== VERSION) {
      this.#notSocks5(version);
    } else if (method === METHOD_NONE) {
      this.#next(REQUEST, this.#request);
    } else if (method === METHOD_PASSWORD && this.#credentials !== undefined) {
      this.#next(AUTHENTICATION, this.#credentials);
    } else if (method === METHOD_REFUSED) {
      this.fail(
        this.#credentials === undefined
          ? "the proxy requires authentication (no credentials given)"
          : "the proxy accepts none of the offered authentication methods",
      );
    } else {
      this.fail(`invalid reply: authentication method ${hex(method)} was not offered`);
    }
  }

  #authenticated(version: number, status: number): void {
    // RFC 1929 2: status 0x00 is success; anything else, a refusal.
    if (version !== AUTH_VERSION) {
      this.fail(`invalid reply: authentication version ${hex(version)} instead of 0x01`);
    } else if (status !== 0x00) {
      this.fail(`credentials refused (RFC 1929 status ${hex(status)})`);
    } else {
      this.#next(REQUEST, this.#request);
    }
  }

  #next(step: number, message: Uint8Array): void {
    this.#step = step;
    this.#reply.clear();
    this.send(message);
  }
}

/** RFC 1928 4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
function connectRequest(target: TunnelTarget): Uint8Array {
  const host = unbracket(target.host);
  const ipv4 = parseIpv4(host);
  const ipv6 = ipv4 === undefined && host.includes(":") ? parseIpv6(host) : undefined;
  let address: Uint8Array;
  let atyp: number;
  if (ipv4 !== undefined) {
    atyp = ATYP_IPV4;
    address = ipv4;
  } else if (ipv6 !== undefined) {
    atyp = ATYP_IPV6;
    address = ipv6;
  } else {
    const name = encoder.encode(host);
    if (name.length === 0 || name.length > 255 || host.includes(":")) {
      throw new TypeError(`Cannot open SOCKS5 tunnel: invalid target host "${target.host}"`);
    }
    atyp = ATYP_DOMAIN;
    address = new Uint8Array(1 + name.length);
    address[0] = name.length;
    address.set(name, 1);
  }
  const request = new Uint8Array(4 + address.length + 2);
  request.set([VERSION, CMD_CONNECT, 0x00, atyp]);
  request.set(address, 4);
  request[4 + address.length] = target.port >> 8;
  request[5 + address.length] = target.port & 0xff;
  return request;
}
