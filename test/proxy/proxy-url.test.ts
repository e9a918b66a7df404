import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProxyUrl } from "../../src/proxy/proxy-url.js";

describe("parseProxyUrl", () => {
  it("parses schemes, default ports and credentials", () => {
    for (const [url, expected] of [
      [
        "http://proxy.example:3128",
        ["http", "proxy.example", 3128, undefined, undefined, "http://proxy.example:3128"],
      ],
      [
        "http://proxy.example",
        ["http", "proxy.example", 80, undefined, undefined, "http://proxy.example:80"],
      ],
      [
        "https://Proxy.Example/",
        ["https", "proxy.example", 443, undefined, undefined, "https://proxy.example:443"],
      ],
      [
        "proxy.example:8080",
        ["http", "proxy.example", 8080, undefined, undefined, "http://proxy.example:8080"],
      ],
      [
        "socks5h://u%40x:p%3Aw%20@[::1]:9050",
        ["socks5h", "::1", 9050, "u@x", "p:w ", "socks5h://[::1]:9050"],
      ],
      [
        "SOCKS5://10.0.0.1",
        ["socks5", "10.0.0.1", 1080, undefined, undefined, "socks5://10.0.0.1:1080"],
      ],
      ["socks4://me@h", ["socks4", "h", 1080, "me", "", "socks4://h:1080"]],
      ["socks4a://h:1", ["socks4a", "h", 1, undefined, undefined, "socks4a://h:1"]],
      ["http://[::1]:3128", ["http", "::1", 3128, undefined, undefined, "http://[::1]:3128"]],
    ] as const) {
      const p = parseProxyUrl(url);
      assert.deepEqual(
        [p.scheme, p.hostname, p.port, p.username, p.password, p.display],
        expected,
        url,
      );
    }
  });

  it("refuses what is not a proxy URL", () => {
    for (const [url, message] of [
      ["ftp://h", /unsupported scheme "ftp:"/],
      ["socks://h", /unsupported scheme "socks:"/],
      ["http://h/path", /no path or query/],
      ["http://h?x", /no path or query/],
      ["socks5://u:%E0%A4%A@h", /invalid percent-encoding in the password/],
      ["http://", /not a URL|no host/],
    ] as const) {
      assert.throws(
        () => parseProxyUrl(url),
        (error: unknown) => error instanceof TypeError && message.test(error.message),
        url,
      );
    }
  });
});
