// websocket-sansio/web's connect() on Deno through real proxies: HTTP
// CONNECT (tinyproxy), SOCKS5 with credentials (microsocks), SOCKS4 and
// SOCKS5 (dante), an https:// proxy (stunnel), wss: with TLS started inside
// the tunnel (Deno.startTls), and the proxy chosen from Deno's environment.
// (On Bun, and on Deno through its Node compatibility, the Node entry's
// proxy tests run as they are: see scripts/test-runtimes.sh.)

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type NodeServer, type ServerConnection, serve } from "../../src/node/index.js";
import { portOf, run } from "../node/helpers.js";
import * as proxies from "../node/proxy-servers.js";
import { denoArgs, runtime } from "./runtimes.js";

const deno = runtime("deno");

/** A CA and a certificate it signed for localhost: Deno's rustls refuses a self-signed end entity. */
function caSigned(): { ca: string; key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "ws-ca-"));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { stdio: "ignore" });
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    openssl(
      "req",
      "-x509",
      ...ec,
      "-days",
      "1",
      "-subj",
      "/CN=websocket-sansio test CA",
      "-keyout",
      file("ca.key"),
      "-out",
      file("ca.pem"),
    );
    openssl(
      "req",
      ...ec,
      "-subj",
      "/CN=localhost",
      "-keyout",
      file("key.pem"),
      "-out",
      file("req.pem"),
    );
    writeFileSync(file("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      file("req.pem"),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      file("ext.cnf"),
      "-out",
      file("cert.pem"),
    );
    return {
      ca: readFileSync(file("ca.pem"), "utf8"),
      key: readFileSync(file("key.pem"), "utf8"),
      cert: readFileSync(file("cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip =
  deno.skip !== false
    ? deno.skip
    : proxies.skipUnless("tinyproxy", "microsocks", "danted", "stunnel");

describe("websocket-sansio/web on Deno through proxies", { skip }, () => {
  const command = deno.skip === false ? deno.path : "deno";
  let tls: { ca: string; key: string; cert: string };
  let plain: NodeServer;
  let secure: NodeServer;
  let tiny: proxies.ProxyServer;
  let socks5: proxies.ProxyServer;
  let dante: proxies.ProxyServer;
  let https: proxies.ProxyServer;

  before(async () => {
    tls = caSigned();
    const echo = async (connection: ServerConnection): Promise<void> => {
      for await (const message of connection) await connection.send(message);
    };
    plain = await serve(echo, { host: "127.0.0.1", port: 0 });
    secure = await serve(echo, { host: "127.0.0.1", port: 0, tls });
    [tiny, socks5, dante] = await Promise.all([
      proxies.tinyproxy(),
      proxies.microsocks({ user: "deno", password: "p@ss" }),
      proxies.danted(),
    ]);
    https = await proxies.stunnel(tiny.port, tls);
  });

  after(async () => {
    await Promise.all([https, tiny, socks5, dante].map((proxy) => proxy?.stop()));
    await plain?.close();
    await secure?.close();
  });

  async function onDeno(cases: object[], env: NodeJS.ProcessEnv = {}): Promise<unknown[]> {
    const { stdout } = await run(
      command,
      denoArgs("deno-proxy.js", JSON.stringify(cases)),
      30_000,
      {
        ...process.env,
        ...env,
      },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as unknown[];
  }

  test("ws: and wss: through HTTP CONNECT, SOCKS5, SOCKS4 and an https:// proxy", {
    timeout: 40_000,
  }, async () => {
    const ws = `ws://localhost:${portOf(plain.address)}/`;
    const wss = `wss://localhost:${portOf(secure.address)}/`;
    const ok = { echo: "via proxy", wasClean: true };
    const cases: [object, unknown][] = [
      [{ url: ws, proxy: `http://127.0.0.1:${tiny.port}` }, ok],
      [{ url: wss, proxy: `http://127.0.0.1:${tiny.port}`, caCerts: [tls.ca] }, ok],
      [{ url: ws, proxy: `socks5h://deno:p%40ss@127.0.0.1:${socks5.port}` }, ok],
      [{ url: wss, proxy: `socks5://deno:p%40ss@127.0.0.1:${socks5.port}`, caCerts: [tls.ca] }, ok],
      [{ url: ws, proxy: `socks4://127.0.0.1:${dante.port}` }, ok],
      [{ url: wss, proxy: `socks5h://127.0.0.1:${dante.port}`, caCerts: [tls.ca] }, ok],
      [{ url: ws, proxy: `https://localhost:${https.port}`, caCerts: [tls.ca] }, ok],
      [
        { url: ws, proxy: `socks5h://deno:wrong@127.0.0.1:${socks5.port}` },
        {
          error: `ProxyError: Cannot open tunnel to localhost:${portOf(plain.address)} through proxy socks5h://127.0.0.1:${socks5.port}: credentials refused (RFC 1929 status 0x01)`,
        },
      ],
    ];
    const results = await onDeno(cases.map(([input]) => input));
    cases.forEach(([input, expected], i) => {
      const result = results[i] as { error?: string };
      if (typeof (expected as { error?: string }).error === "string") {
        assert.match(
          result.error ?? "",
          /^ProxyError: .*credentials refused/,
          JSON.stringify(input),
        );
      } else {
        assert.deepEqual(result, expected, JSON.stringify(input));
      }
    });
  });

  test("the proxy chosen from Deno's environment, and no_proxy", { timeout: 40_000 }, async () => {
    const ws = `ws://127.0.0.1:${portOf(plain.address)}/`;
    const before = (tiny.log().match(/CONNECT/g) ?? []).length;
    const [through] = await onDeno([{ url: ws }], { ws_proxy: `http://127.0.0.1:${tiny.port}` });
    assert.deepEqual(through, { echo: "via proxy", wasClean: true });
    const afterOne = (tiny.log().match(/CONNECT/g) ?? []).length;
    assert.ok(afterOne > before, "the connection went through tinyproxy");
    const [direct] = await onDeno([{ url: ws }], {
      ws_proxy: `http://127.0.0.1:${tiny.port}`,
      NO_PROXY: "127.0.0.1",
    });
    assert.deepEqual(direct, { echo: "via proxy", wasClean: true });
    assert.equal((tiny.log().match(/CONNECT/g) ?? []).length, afterOne);
  });
});
