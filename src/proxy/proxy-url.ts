/**
 * Proxy URLs: `http://user:pass@host:port`, `https://…` (TLS to the proxy),
 * `socks5://`, `socks5h://`, `socks4://`, `socks4a://`.
 *
 * @module
 */

/** The kinds of proxy: HTTP CONNECT (over TCP or TLS) and the SOCKS versions. */
export type ProxyScheme = "http" | "https" | "socks4" | "socks4a" | "socks5" | "socks5h";

/** A proxy, parsed from its URL. */
export interface ProxyEndpoint {
  readonly scheme: ProxyScheme;
  /** Host name or IP address; IPv6 without brackets. */
  readonly hostname: string;
  /** Port; by default 80 for `http`, 443 for `https` and 1080 for SOCKS. */
  readonly port: number;
  /** User name, percent-decoded; `undefined` when the URL has none. */
  readonly username: string | undefined;
  /** Password, percent-decoded; `undefined` when the URL has none. */
  readonly password: string | undefined;
  /** The URL without credentials, for messages and logs (`socks5h://proxy.example:1080`). */
  readonly display: string;
}

const DEFAULT_PORTS: Readonly<Record<ProxyScheme, number>> = {
  http: 80,
  https: 443,
  // The port IANA assigned to SOCKS, and curl's default for every proxy.
  socks4: 1080,
  socks4a: 1080,
  socks5: 1080,
  socks5h: 1080,
};

function isScheme(text: string): text is ProxyScheme {
  return Object.hasOwn(DEFAULT_PORTS, text);
}

function decode(text: string, what: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new TypeError(
      `Cannot parse proxy URL "${url}": invalid percent-encoding in the ${what}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Parses a proxy URL. A value without a scheme (`proxy.example:3128`, as
 * environment variables often hold) means `http://`, as in curl. Throws
 * TypeError for another scheme, a missing host, a path or query, or bad
 * percent-encoding in the credentials.
 *
 * @example
 * ```ts
 * parseProxyUrl("socks5h://me:p%40ss@127.0.0.1:1080");
 * // { scheme: "socks5h", hostname: "127.0.0.1", port: 1080, username: "me", password: "p@ss", … }
 * ```
 */
export function parseProxyUrl(url: string | URL): ProxyEndpoint {
  let text = String(url).trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (error) {
    throw new TypeError(`Cannot parse proxy URL "${String(url)}": not a URL`, { cause: error });
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (!isScheme(scheme)) {
    throw new TypeError(
      `Cannot parse proxy URL "${String(url)}": unsupported scheme "${scheme}:" (http, https, socks4, socks4a, socks5, socks5h)`,
    );
  }
  // Non-special schemes (socks*) keep IPv6 brackets in `hostname`.
  let hostname = parsed.hostname;
  const bracketed = hostname.startsWith("[") && hostname.endsWith("]");
  if (bracketed) hostname = hostname.slice(1, -1);
  if (hostname === "") throw new TypeError(`Cannot parse proxy URL "${String(url)}": no host`);
  if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search !== "") {
    throw new TypeError(
      `Cannot parse proxy URL "${String(url)}": a proxy URL has no path or query`,
    );
  }
  const port = parsed.port === "" ? DEFAULT_PORTS[scheme] : Number(parsed.port);
  const hasCredentials = parsed.username !== "" || parsed.password !== "";
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    scheme,
    hostname: hostname.toLowerCase(),
    port,
    username: hasCredentials ? decode(parsed.username, "user name", String(url)) : undefined,
    password: hasCredentials ? decode(parsed.password, "password", String(url)) : undefined,
    display: `${scheme}://${host.toLowerCase()}:${port}`,
  };
}
