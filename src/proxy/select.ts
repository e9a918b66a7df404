/**
 * Which proxy a URL goes through: an explicit choice, else the environment,
 * read from a plain object (the runtime passes `process.env` or
 * `Deno.env.toObject()`; nothing here reads it).
 *
 * The variables, first found wins (Python websockets 15's order, extended by
 * curl's `all_proxy`):
 *
 * | URL    | variables, in order                                      |
 * |--------|----------------------------------------------------------|
 * | `ws:`  | `ws_proxy`, `https_proxy`, `http_proxy`, `all_proxy`     |
 * | `wss:` | `wss_proxy`, `https_proxy`, `all_proxy`                  |
 *
 * Each name in lower case wins over the upper-case one, and a lower-case name
 * set to the empty string hides the upper-case one (as in Python's
 * `urllib`); an empty value means "not set". `HTTP_PROXY` in upper case is
 * ignored when `REQUEST_METHOD` is set: in a CGI script, it comes from the
 * client's `Proxy:` header (the "httpoxy" attack). `no_proxy` (or
 * `NO_PROXY`) lists hosts reached directly (see {@link bypassesProxy}).
 *
 * @module
 */

import { inRange, parseIp } from "./address.js";
import { unbracket } from "./tunnel-client.js";

/** Environment variables, as `process.env` holds them. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** A variable's value: lower case first, an empty lower-case value hides the upper-case one. */
function variable(env: ProxyEnv, name: string): string | undefined {
  const lower = env[name];
  if (lower !== undefined) return lower.trim() === "" ? undefined : lower.trim();
  const upperName = name.toUpperCase();
  // httpoxy: in CGI, HTTP_PROXY is the request's Proxy header.
  if (upperName === "HTTP_PROXY" && env["REQUEST_METHOD"] !== undefined) return undefined;
  const upper = env[upperName];
  return upper === undefined || upper.trim() === "" ? undefined : upper.trim();
}

const WS_VARIABLES = ["ws_proxy", "https_proxy", "http_proxy", "all_proxy"] as const;
const WSS_VARIABLES = ["wss_proxy", "https_proxy", "all_proxy"] as const;

/** The default port of a `ws:`/`wss:` URL (and of their `http:`/`https:` spellings). */
function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "wss:" || url.protocol === "https:" ? 443 : 80;
}

/**
 * The proxy for `url` according to `env`, or `undefined` to connect
 * directly: the first variable set for the URL's scheme (see the module's
 * table), unless `no_proxy` lists the host.
 *
 * @example
 * ```ts
 * proxyFromEnv("wss://example.com/", { https_proxy: "http://proxy:3128", no_proxy: "localhost" });
 * // "http://proxy:3128"
 * ```
 */
export function proxyFromEnv(url: string | URL, env: ProxyEnv): string | undefined {
  const parsed = new URL(url);
  const secure = parsed.protocol === "wss:" || parsed.protocol === "https:";
  let proxy: string | undefined;
  for (const name of secure ? WSS_VARIABLES : WS_VARIABLES) {
    proxy = variable(env, name);
    if (proxy !== undefined) break;
  }
  if (proxy === undefined) return undefined;
  const noProxy = variable(env, "no_proxy");
  if (noProxy !== undefined && bypassesProxy(parsed.hostname, portOf(parsed), noProxy)) {
    return undefined;
  }
  return proxy;
}

/**
 * The proxy for `url`: `proxy` when given as a URL (used whatever the
 * environment says), none when `null`, else {@link proxyFromEnv}.
 */
export function selectProxy(
  url: string | URL,
  proxy: string | URL | null | undefined,
  env: ProxyEnv | undefined,
): string | undefined {
  if (proxy === null) return undefined;
  if (proxy !== undefined) return String(proxy);
  return env === undefined ? undefined : proxyFromEnv(url, env);
}

/**
 * Whether `no_proxy` lists `hostname` (reached on `port`), so that it is
 * reached directly. Entries are separated by commas or spaces, compared
 * without case:
 *
 * - `*` as the whole value: every host (as in curl and Python; a `*` among
 *   other entries matches nothing);
 * - a name: that host and its subdomains (`example.com` and `.example.com`
 *   both match `example.com` and `a.example.com`, not `badexample.com`);
 * - an IP address (`127.0.0.1`, `::1`, `[::1]`): that address, written
 *   the same way in the URL;
 * - a CIDR range (`10.0.0.0/8`, `fd00::/8`): the IP addresses in it;
 * - any of these with `:port` (`example.com:8080`, `[::1]:8080`): only
 *   that port.
 */
export function bypassesProxy(hostname: string, port: number, noProxy: string): boolean {
  let host = unbracket(hostname).toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (noProxy.trim() === "*") return true;
  const address = parseIp(host);
  for (const raw of noProxy.split(/[\s,]+/)) {
    if (raw === "" || raw === "*") continue;
    let entry = raw.toLowerCase();
    // A port: `host:port`, `[v6]:port`; an unbracketed IPv6 has several colons.
    const colon = entry.lastIndexOf(":");
    if (colon !== -1 && (entry.startsWith("[") || entry.indexOf(":") === colon)) {
      const portText = entry.slice(colon + 1);
      if (entry.startsWith("[") && !entry.slice(0, colon).endsWith("]")) {
        // `[::1]` alone: the colon is inside the brackets.
      } else {
        if (!/^\d{1,5}$/.test(portText) || Number(portText) !== port) continue;
        entry = entry.slice(0, colon);
      }
    }
    entry = unbracket(entry);
    const slash = entry.indexOf("/");
    if (slash !== -1) {
      const network = parseIp(entry.slice(0, slash));
      const bitsText = entry.slice(slash + 1);
      if (address !== undefined && network !== undefined && /^\d{1,3}$/.test(bitsText)) {
        if (inRange(address, network, Number(bitsText))) return true;
      }
      continue;
    }
    const entryAddress = parseIp(entry);
    if (entryAddress !== undefined) {
      if (address !== undefined && inRange(address, entryAddress, address.length * 8)) return true;
      continue;
    }
    if (entry.startsWith("*.")) entry = entry.slice(1);
    if (entry.startsWith(".")) entry = entry.slice(1);
    if (entry.endsWith(".")) entry = entry.slice(0, -1);
    if (entry === "") continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}
