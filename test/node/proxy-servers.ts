// Real proxies for the proxy tests, each started on a free loopback port by
// the test and stopped by it: tinyproxy (HTTP CONNECT), squid (HTTP CONNECT
// with Basic auth), stunnel in front of tinyproxy (an https:// proxy),
// microsocks (SOCKS5) and dante (SOCKS4, 4a and 5). A proxy whose binary is
// missing is skipped with a message, except under CI (CI=true), where it is
// an error: .ci/run installs them all.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/free-port.js";

/** A running proxy. */
export interface ProxyServer {
  readonly port: number;
  /** Output so far (for failure messages, and the proxies that log tunnels). */
  log(): string;
  stop(): Promise<void>;
}

const BINARIES = {
  tinyproxy: ["/usr/bin/tinyproxy", "tinyproxy-bin"],
  squid: ["/usr/sbin/squid", "squid"],
  stunnel: ["/usr/bin/stunnel4", "stunnel4"],
  microsocks: ["/usr/bin/microsocks", "microsocks"],
  danted: ["/usr/sbin/danted", "dante-server"],
  socks4a: ["/usr/share/perl5/IO/Socket/Socks.pm", "libio-socket-socks-perl"],
} as const;

export type ProxyKind = keyof typeof BINARIES;

/** `false` when the proxy's binary is installed, else why its tests are skipped. Throws under CI. */
export function skipUnless(...kinds: ProxyKind[]): string | false {
  for (const kind of kinds) {
    const [path, pkg] = BINARIES[kind];
    if (existsSync(path)) continue;
    const message = `${path} is missing (apt-get install ${pkg})`;
    if (process.env["CI"] === "true") throw new Error(`${message}: .ci/run installs it`);
    return message;
  }
  return false;
}

// Re-exported for proxy.test.ts (a port nothing listens on).
export { freePort };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts `command` and waits until `port` accepts connections (5 s at most). */
async function start(
  command: string,
  args: readonly string[],
  port: number,
  cleanup: () => void = () => {},
): Promise<ProxyServer> {
  // A process group of its own: squid and dante start helpers, which hold
  // the output pipes open; the whole group is stopped together.
  const child: ChildProcess = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.on("close", () => {
      exited = true;
      resolve();
    });
    child.on("error", (error) => {
      output += String(error);
      exited = true;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const signal = (name: NodeJS.Signals): void => {
        try {
          process.kill(-child.pid!, name);
        } catch {}
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 2000);
      await exit;
      clearTimeout(timer);
    }
    cleanup();
  };
  const deadline = performance.now() + 5000;
  while (!(await canConnect(port))) {
    if (exited || performance.now() > deadline) {
      await stop();
      throw new Error(`${command} did not start on port ${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { port, log: () => output, stop };
}

/**
 * The proxy `start()` makes, running for the tests of the enclosing
 * `describe`: started before them, stopped after them. Its `port` and `log()`
 * are read in the tests.
 */
export function runningFor(start: () => Promise<ProxyServer>): ProxyServer {
  let proxy: ProxyServer | undefined;
  before(async () => {
    proxy = await start();
  });
  after(() => proxy?.stop());
  const running = (): ProxyServer => {
    if (proxy === undefined) throw new Error("The proxy runs for the tests only, not before them");
    return proxy;
  };
  return {
    get port() {
      return running().port;
    },
    log: () => running().log(),
    stop: () => running().stop(),
  };
}

/**
 * Starts `command` on a free port with a configuration file: `config(port,
 * dir)`'s text (it may write more files in `dir`, the proxy's own folder),
 * written to `name` in `dir`, and the command line `args(path of that file)`.
 * The folder is deleted once the proxy has stopped.
 */
async function startConfigured(
  command: string,
  name: string,
  config: (port: number, dir: string) => string,
  args: (configPath: string) => readonly string[],
): Promise<ProxyServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ws-proxy-"));
  // squid drops root for its own user, which must read the files here.
  chmodSync(dir, 0o755);
  const path = write(dir, name, config(port, dir));
  return start(command, args(path), port, () => rmSync(dir, { recursive: true, force: true }));
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

/** tinyproxy: HTTP CONNECT to any port (no ConnectPort lines), from loopback only. */
export function tinyproxy(): Promise<ProxyServer> {
  return startConfigured(
    BINARIES.tinyproxy[0],
    "tinyproxy.conf",
    (port) =>
      `Port ${port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nLogLevel Info\nMaxClients 50\n`,
    (config) => ["-d", "-c", config],
  );
}

// `openssl passwd -apr1 -salt wsproxy secret`: the password file squid's
// basic_ncsa_auth reads (no htpasswd needed).
const SQUID_USER = "alice";
const SQUID_PASSWORD = "s3cret:p@ss";

/** The user and password squid accepts. */
export const squidCredentials = { user: SQUID_USER, password: SQUID_PASSWORD } as const;

/** squid with Basic auth required, CONNECT allowed to any port (its default allows 443 only). */
export function squid(): Promise<ProxyServer> {
  const hash = execFileSync("openssl", ["passwd", "-apr1", "-salt", "wsproxy", SQUID_PASSWORD], {
    encoding: "utf8",
  }).trim();
  return startConfigured(
    BINARIES.squid[0],
    "squid.conf",
    (port, dir) => {
      const passwd = write(dir, "passwd", `${SQUID_USER}:${hash}\n`);
      return [
        `http_port 127.0.0.1:${port}`,
        `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${passwd}`,
        "auth_param basic realm websocket-sansio-test",
        "acl authenticated proxy_auth REQUIRED",
        "http_access deny !authenticated",
        "http_access allow localhost",
        "http_access deny all",
        "cache deny all",
        "access_log none",
        `cache_log ${join(dir, "cache.log")}`,
        `pid_filename ${join(dir, "squid.pid")}`,
        `coredump_dir ${dir}`,
        "shutdown_lifetime 0 seconds",
        "pinger_enable off",
        "",
      ].join("\n");
    },
    (config) => ["-N", "-f", config],
  );
}

/** stunnel: TLS on `port`, forwarded to `backendPort` (an https:// proxy in front of tinyproxy). */
export function stunnel(
  backendPort: number,
  tls: { key: string; cert: string },
): Promise<ProxyServer> {
  return startConfigured(
    BINARIES.stunnel[0],
    "stunnel.conf",
    (port, dir) => {
      const cert = write(dir, "cert.pem", tls.cert);
      const key = write(dir, "key.pem", tls.key);
      return `foreground = yes\npid =\n[proxy]\naccept = 127.0.0.1:${port}\nconnect = 127.0.0.1:${backendPort}\ncert = ${cert}\nkey = ${key}\n`;
    },
    (config) => [config],
  );
}

/** microsocks: SOCKS5, with user/password when `credentials` is given. */
export async function microsocks(credentials?: {
  user: string;
  password: string;
}): Promise<ProxyServer> {
  const port = await freePort();
  const auth =
    credentials === undefined ? [] : ["-u", credentials.user, "-P", credentials.password];
  return start(BINARIES.microsocks[0], ["-i", "127.0.0.1", "-p", String(port), ...auth], port);
}

/**
 * dante: SOCKS4, 4a and 5 without authentication, to loopback only (so that
 * a CONNECT to 10.0.0.1 is refused by rule: reply 0x02 or 0x5b).
 */
export function danted(): Promise<ProxyServer> {
  return startConfigured(
    BINARIES.danted[0],
    "danted.conf",
    (port) =>
      [
        "logoutput: stderr",
        `internal: 127.0.0.1 port = ${port}`,
        "external: 127.0.0.1",
        "clientmethod: none",
        "socksmethod: none",
        "user.privileged: root",
        "user.unprivileged: nobody",
        "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
        "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }",
        "socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect error }",
        "",
      ].join("\n"),
    (config) => ["-f", config, "-N", "1"],
  );
}

/**
 * SOCKS4 and SOCKS4a on IO::Socket::Socks (dante 1.4.2 does not implement
 * 4a: it logs a request for 0.0.0.1 and refuses it).
 */
export async function socks4a(): Promise<ProxyServer> {
  const port = await freePort();
  // The script is not compiled: it stays in test/, three levels above .build/test/node/.
  const script = fileURLToPath(
    new URL("../../../test/node/fixtures/socks4a-server.pl", import.meta.url),
  );
  return start("perl", [script, String(port)], port);
}
