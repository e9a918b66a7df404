/**
 * One entry for every kind of proxy: the right machine for a proxy URL.
 *
 * @module
 */

import { HttpConnectClient, type HttpConnectOptions } from "./http-connect.js";
import { type ProxyEndpoint, parseProxyUrl } from "./proxy-url.js";
import { Socks4Client } from "./socks4.js";
import { Socks5Client } from "./socks5.js";
import type { TunnelClient, TunnelTarget } from "./tunnel-client.js";

/**
 * The proxy client machine for `proxy`: {@link HttpConnectClient} for
 * `http:` and `https:` (the TLS to an `https:` proxy is the caller's),
 * {@link Socks5Client} for `socks5:` and `socks5h:`, {@link Socks4Client}
 * for `socks4:` and `socks4a:`. For `socks5:` and `socks4:` the caller
 * resolves the target's name first and passes its address (the proxy is
 * not told names); for `socks5h:` and `socks4a:` names go to the proxy.
 *
 * @example
 * ```ts
 * const client = createTunnelClient("socks5h://127.0.0.1:1080", { host: "example.com", port: 443 });
 * ```
 */
export function createTunnelClient(
  proxy: ProxyEndpoint | string | URL,
  target: TunnelTarget,
  options: HttpConnectOptions = {},
): TunnelClient {
  const endpoint = typeof proxy === "string" || proxy instanceof URL ? parseProxyUrl(proxy) : proxy;
  switch (endpoint.scheme) {
    case "http":
    case "https":
      return new HttpConnectClient(endpoint, target, options);
    case "socks5":
    case "socks5h":
      return new Socks5Client(endpoint, target);
    case "socks4":
      return new Socks4Client(endpoint, target);
    case "socks4a":
      return new Socks4Client(endpoint, target, { socks4a: true });
  }
}
