/**
 * The client side of SOCKS4 and SOCKS4a: one request, one 8-byte reply.
 * SOCKS4 carries an IPv4 address only; SOCKS4a lets the proxy resolve a name
 * (the address field holds 0.0.0.1 and the name follows the user ID).
 * There is no password: the proxy URL's user name is sent as the user ID.
 *
 * @module
 */

import { parseIpv4 } from "./address.js";
import type { ProxyEndpoint } from "./proxy-url.js";
import { hex, ReplyReader, TunnelMachine, type TunnelTarget, unbracket } from "./tunnel-client.js";

/** SOCKS4's reply codes other than 0x5a (granted), and whether a later attempt may succeed. */
export const SOCKS4_REPLIES: Readonly<Record<number, { text: string; isTransient: boolean }>> = {
  91: { text: "request rejected or failed", isTransient: true },
  92: { text: "request rejected: the proxy cannot reach the client's identd", isTransient: false },
  93: { text: "request rejected: identd reports a different user ID", isTransient: false },
};

const GRANTED = 0x5a;
const encoder = new TextEncoder();

/**
 * Opens a tunnel through a SOCKS4 proxy (`socks4a: true` to send a host name
 * for the proxy to resolve). Throws TypeError for a target SOCKS4 cannot
 * name: an IPv6 address, or a name without `socks4a`.
 *
 * @example
 * ```ts
 * const client = new Socks4Client(parseProxyUrl("socks4a://127.0.0.1:1080"), { host: "example.com", port: 80 }, { socks4a: true });
 * ```
 */
export class Socks4Client extends TunnelMachine {
  readonly #reply = new ReplyReader();

  constructor(proxy: ProxyEndpoint, target: TunnelTarget, options: { socks4a?: boolean } = {}) {
    super(proxy, target);
    const host = unbracket(target.host);
    const ipv4 = parseIpv4(host);
    const userId = encoder.encode(proxy.username ?? "");
    let name: Uint8Array | undefined;
    if (ipv4 === undefined) {
      if (options.socks4a !== true || host.includes(":") || host === "") {
        throw new TypeError(
          `Cannot open SOCKS4 tunnel: "${target.host}" is not an IPv4 address${host.includes(":") ? " (SOCKS4 has no IPv6)" : " (socks4a:// sends names)"}`,
        );
      }
      name = encoder.encode(host);
    }
    if (userId.includes(0) || name?.includes(0) === true) {
      throw new TypeError("Cannot open SOCKS4 tunnel: a NUL byte in the user ID or host");
    }
    // VN CD DSTPORT DSTIP USERID NUL [HOSTNAME NUL]
    const request = new Uint8Array(9 + userId.length + (name === undefined ? 0 : name.length + 1));
    request[0] = 0x04;
    request[1] = 0x01;
    request[2] = target.port >> 8;
    request[3] = target.port & 0xff;
    // SOCKS4a: 0.0.0.x with x nonzero says "the name follows".
    request.set(ipv4 ?? [0, 0, 0, 1], 4);
    request.set(userId, 8);
    if (name !== undefined) request.set(name, 9 + userId.length);
    this.send(request);
  }

  protected started(): boolean {
    return this.#reply.length > 0;
  }

  protected consume(bytes: Uint8Array): void {
    const reply = this.#reply;
    // VN CD DSTPORT DSTIP: the code is reported at once, the rest awaited on success.
    const pos = reply.fill(bytes, 0, 8);
    if (reply.length < 2) return;
    if (reply.at(0) !== 0x00) {
      this.fail(`invalid reply: version ${hex(reply.at(0))} instead of SOCKS4's 0x00`);
      return;
    }
    const code = reply.at(1);
    if (code !== GRANTED) {
      const known = SOCKS4_REPLIES[code];
      this.fail(`SOCKS4 reply ${hex(code)} (${known?.text ?? "unknown reply code"})`, {
        replyCode: code,
        isTransient: known?.isTransient ?? false,
      });
      return;
    }
    if (reply.length === 8) this.establish(bytes.subarray(pos));
  }
}
