/**
 * `websocket-sansio/proxy`: proxy clients as sans-I/O machines (HTTP CONNECT,
 * SOCKS5 with user/password, SOCKS4 and SOCKS4a), proxy URLs, and the choice
 * of a proxy from the environment. No I/O: the connection layer (or your own
 * code) dials the proxy and moves the bytes.
 *
 * @module websocket-sansio/proxy
 */

export { inRange, parseIp, parseIpv4, parseIpv6 } from "./address.js";
export { ProxyError, type ProxyErrorDetails } from "./errors.js";
export { HttpConnectClient, type HttpConnectOptions } from "./http-connect.js";
export { type ProxyEndpoint, type ProxyScheme, parseProxyUrl } from "./proxy-url.js";
export { bypassesProxy, type ProxyEnv, proxyFromEnv, selectProxy } from "./select.js";
export { SOCKS4_REPLIES, Socks4Client } from "./socks4.js";
export { SOCKS5_REPLIES, Socks5Client } from "./socks5.js";
export { createTunnelClient } from "./tunnel.js";
export type {
  EstablishedEvent,
  FailedEvent,
  TunnelClient,
  TunnelEvent,
  TunnelState,
  TunnelTarget,
} from "./tunnel-client.js";
