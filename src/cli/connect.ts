/**
 * `websocket-sansio connect URL`: a WebSocket client for people and for
 * scripts. On a terminal it is interactive (messages appear as they arrive,
 * above the line being typed; commands send binary, ping and close). In a
 * pipe it sends each input line as a text message, prints each message
 * received on its own line, and its exit status says how the connection
 * ended.
 *
 * @module
 */

import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { isValidCloseCode } from "../core/close.js";
import { HandshakeError } from "../core/errors.js";
import {
  type ClientConnection,
  type CloseInfo,
  connect,
  Http2UnsupportedError,
  isNormalClosure,
  type NodeClientOptions,
  ProxyError,
  TimeoutError,
  TransportError,
} from "../node/index.js";
import { permessageDeflate } from "../node/permessage-deflate.js";
import { parseProxyUrl } from "../proxy/proxy-url.js";
import { EXIT, EXIT_HELP, type ExitStatus, parseOrUsage, UsageError } from "./exit.js";
import { parseBytes, showClose, showClosed, showConnectError, showMessage } from "./format.js";
import { Terminal } from "./terminal.js";

/** The streams a command talks to (the process's by default; tests pass their own). */
export interface Io {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable;
}

/** `--help` of `connect`. */
export const CONNECT_HELP = `Usage: websocket-sansio connect [options] URL
       websocket-sansio URL

Opens a WebSocket connection to URL: ws:// or wss:// (http:// and https:// mean
the same; "host:port" means ws://host:port/).

On a terminal: type a line to send it as a text message. Received messages are
shown as they arrive, marked "< "; your lines are marked "> ". Commands:
  /ping [data]              send a ping and show the round-trip time
  /binary <hex|base64>      send a binary message (e.g. /binary 68656c6c6f)
  /close [code [reason]]    close the connection (default 1000) and exit
  /quit                     same as /close
  /help                     show the commands
  //text                    send "/text" (a line starting with "/")
Ctrl-D or Ctrl-C closes the connection (1000); Ctrl-C twice exits at once.

In a pipe (stdin not a terminal): each input line is sent as a text message and
each message received is printed on its own line (binary messages as raw bytes).
When input ends, the client waits until no message has arrived for --wait ms,
then closes the connection (1000) and exits.

Options:
  -H, --header "Name: value"   add a request header (repeatable)
  -s, --subprotocol NAME       offer a subprotocol (repeatable, in order of preference)
  -o, --origin ORIGIN          send this Origin header
  -k, --insecure               do not verify the server's TLS certificate
      --http2                  open the WebSocket as a stream of an HTTP/2 connection (RFC 8441)
      --no-compression         do not offer permessage-deflate
  -w, --wait MS                pipe mode: quiet time before closing after input ends (default 1000)
      --timeout MS             opening deadline, proxy tunnel included (default 10000)
      --proxy URL              connect through this proxy: http://[user:pass@]host:port,
                               https://..., socks5h://..., socks5://..., socks4a://..., socks4://...
      --no-proxy               connect directly, whatever the environment says
  -h, --help                   show this help

Proxies: without --proxy, the environment chooses, as curl and Python do:
wss_proxy (wss:) or ws_proxy (ws:), then https_proxy, then http_proxy (ws:
only), then all_proxy; lower case wins over upper case; no_proxy lists hosts
to reach directly (names and domain suffixes, host:port, IP addresses, CIDR
ranges, or * for all). The proxy's TLS certificate is checked like the
server's (--insecure skips both).

${EXIT_HELP}
`;

const DEFAULT_WAIT_MS = 1000;

/** The command's options, parsed. */
interface ConnectArgs {
  readonly url: string;
  readonly options: NodeClientOptions;
  readonly waitMs: number;
}

function parseMs(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (value.trim() === "" || !Number.isFinite(ms) || ms < 0) {
    throw new UsageError(`Invalid --${name}: "${value}" is not a number of milliseconds`);
  }
  return ms;
}

function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon < 0 ? "" : text.slice(0, colon).trim();
  if (colon < 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`Invalid --header: "${text}" is not "Name: value"`);
  }
  return [name, text.slice(colon + 1).trim()];
}

/**
 * Adds `ws://` to `host:port` and `host/path`, and turns `http(s)://` into
 * `ws(s)://` (as the WHATWG WebSocket constructor does), so the address that
 * `serve` prints for browsers works too. Other schemes are left for the URL
 * check to refuse.
 */
export function normalizeUrl(text: string): string {
  if (/^https?:\/\//i.test(text))
    return text.replace(/^https?/i, (s) => (s.length === 5 ? "wss" : "ws"));
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`;
}

/** Parses the command line of `connect` (without the command name). */
export function parseConnectArgs(args: readonly string[]): ConnectArgs | "help" {
  const { values, positionals } = parseOrUsage(() => parse(args));
  if (values.help === true) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Missing URL"
        : `Too many arguments: ${positionals.map((p) => JSON.stringify(p)).join(" ")}`,
    );
  }
  const url = normalizeUrl(positionals[0]!);
  const options: NodeClientOptions = {
    openTimeoutMs: parseMs("timeout", values.timeout, 10_000),
    compression: values["no-compression"] === true ? null : [permessageDeflate().client],
  };
  if (values.header !== undefined) options.headers = values.header.map(parseHeader);
  if (values.subprotocol !== undefined) options.subprotocols = values.subprotocol;
  if (values.origin !== undefined) options.origin = values.origin;
  if (values.insecure === true) {
    options.tls = { rejectUnauthorized: false };
    options.proxyTls = { rejectUnauthorized: false };
  }
  if (values.proxy !== undefined && values["no-proxy"] === true) {
    throw new UsageError("Cannot use --proxy with --no-proxy");
  }
  if (values.proxy !== undefined) {
    const proxy = values.proxy;
    parseOrUsage(() => parseProxyUrl(proxy));
    options.proxy = proxy;
  }
  if (values["no-proxy"] === true) options.proxy = null;
  if (values.http2 === true) options.http2 = true;
  return { url, options, waitMs: parseMs("wait", values.wait, DEFAULT_WAIT_MS) };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      header: { type: "string", short: "H", multiple: true },
      subprotocol: { type: "string", short: "s", multiple: true },
      origin: { type: "string", short: "o" },
      insecure: { type: "boolean", short: "k" },
      http2: { type: "boolean" },
      "no-compression": { type: "boolean" },
      wait: { type: "string", short: "w" },
      timeout: { type: "string" },
      proxy: { type: "string" },
      "no-proxy": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** The exit status for an error that kept the connection from opening. */
function connectFailureStatus(error: unknown): ExitStatus {
  if (error instanceof HandshakeError || error instanceof Http2UnsupportedError) {
    return EXIT.handshake;
  }
  if (
    error instanceof TransportError ||
    error instanceof TimeoutError ||
    error instanceof ProxyError
  ) {
    return EXIT.unreachable;
  }
  if (error instanceof TypeError || error instanceof RangeError) return EXIT.usage;
  return EXIT.abnormal;
}

/**
 * Runs `websocket-sansio connect`. Resolves with the exit status; prints
 * errors to `io.stderr`.
 */
export async function connectCommand(args: readonly string[], io: Io): Promise<ExitStatus> {
  const parsed = parseConnectArgs(args);
  if (parsed === "help") {
    io.stdout.write(CONNECT_HELP);
    return EXIT.ok;
  }
  const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
  let connection: ClientConnection;
  try {
    connection = await connect(parsed.url, parsed.options);
  } catch (error) {
    io.stderr.write(`websocket-sansio: ${showConnectError(error)}\n`);
    return connectFailureStatus(error);
  }
  const info = interactive
    ? await interactiveSession(connection, parsed.url, io)
    : await pipeSession(connection, io, parsed.waitMs);
  if (!interactive && !isNormalClosure(info))
    io.stderr.write(`websocket-sansio: ${showClosed(info)}\n`);
  return isNormalClosure(info) ? EXIT.ok : EXIT.abnormal;
}

// ------------------------------------------------------------------ pipe mode

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function pipeSession(
  connection: ClientConnection,
  io: Io,
  waitMs: number,
): Promise<CloseInfo> {
  const { stdout } = io;
  let lastActivity = performance.now();
  const newline = Buffer.from("\n");
  // A reader that went away (`| head -1`) ends the session.
  const onOutputError = (): void => void connection.close().catch(() => {});
  stdout.on("error", onOutputError);

  const printing = (async (): Promise<void> => {
    try {
      for await (const message of connection) {
        lastActivity = performance.now();
        const written = stdout.write(
          typeof message === "string" ? `${message}\n` : Buffer.concat([message, newline]),
        );
        // Waiting for a slow reader pauses the connection's reads: backpressure to the server.
        if (!written) await once(stdout, "drain");
      }
    } catch {
      // An abnormal closure: reported from `closed`.
    }
  })();

  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  void connection.closed.then(() => lines.close());
  try {
    for await (const line of lines) {
      if (connection.state !== "open") break;
      await connection.send(line);
      lastActivity = performance.now();
    }
  } catch {
    // The connection closed while sending: reported from `closed`.
  }
  lines.close();

  // Input ended: give the server time to answer, until it has been quiet for `waitMs`.
  for (;;) {
    if (connection.state !== "open") break;
    const quiet = performance.now() - lastActivity;
    if (quiet >= waitMs) break;
    await Promise.race([sleep(waitMs - quiet), connection.closed]);
  }
  if (connection.state === "open") await connection.close().catch(() => {});
  const info = await connection.closed;
  await printing;
  stdout.off("error", onOutputError);
  return info;
}

// ------------------------------------------------------------------ interactive mode

const COMMANDS_HELP = `* Commands: /ping [data], /binary <hex|base64>, /close [code [reason]], /quit, /help; //text sends "/text"`;

function describe(connection: ClientConnection, url: string): string {
  const details = [
    ...(connection.subprotocol === null ? [] : [`subprotocol ${connection.subprotocol}`]),
    ...connection.extensions.map((extension) => extension.name),
  ];
  const suffix = details.length === 0 ? "" : ` (${details.join("; ")})`;
  return `* Connected to ${url}${suffix}. Type /help for commands.`;
}

async function interactiveSession(
  connection: ClientConnection,
  url: string,
  io: Io,
): Promise<CloseInfo> {
  const terminal = new Terminal(io.stdin, io.stdout);
  const print = (line: string): void => terminal.print(line);
  const fail = (error: unknown): void => print(`* ${(error as Error).message}`);

  print(describe(connection, url));
  void (async () => {
    try {
      for await (const message of connection) print(showMessage("< ", message));
    } catch {
      // An abnormal closure: reported from `closed`.
    }
  })();

  const close = (code?: number, reason?: string): void => {
    if (connection.state !== "open") return;
    connection.close(code, reason).catch(fail);
  };
  terminal.onLine((line) => {
    runLine(line, connection, print, close, fail);
    terminal.prompt();
  });
  // Ctrl-C once closes cleanly; twice gives up on the closing handshake.
  let forced: (info: CloseInfo) => void = () => {};
  const force = new Promise<CloseInfo>((resolve) => {
    forced = resolve;
  });
  let interrupts = 0;
  terminal.onInterrupt(() => {
    if (++interrupts === 1 && connection.state === "open") {
      print("* Closing (Ctrl-C again to quit now)");
      close();
    } else {
      forced({ code: 1006, reason: "", wasClean: false, error: new Error("Interrupted") });
    }
  });
  terminal.onClose(() => close());

  const info = await Promise.race([connection.closed, force]);
  print(`* ${showClosed(info)}`);
  terminal.close();
  return info;
}

/** Handles one line typed in the interactive client: a command, or a text message. */
function runLine(
  line: string,
  connection: ClientConnection,
  print: (line: string) => void,
  close: (code?: number, reason?: string) => void,
  fail: (error: unknown) => void,
): void {
  if (!line.startsWith("/") || line.startsWith("//")) {
    connection.send(line.startsWith("//") ? line.slice(1) : line).catch(fail);
    return;
  }
  const space = line.indexOf(" ");
  const name = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? "" : line.slice(space + 1);
  switch (name) {
    case "/help":
      print(COMMANDS_HELP);
      return;
    case "/ping":
      connection
        .ping(rest === "" ? undefined : rest)
        .then((ms) => print(`* Pong in ${ms.toFixed(2)} ms`), fail);
      return;
    case "/binary": {
      const bytes = parseBytes(rest);
      if (bytes === undefined) {
        print(`* Cannot send binary message: "${rest}" is neither hex nor base64`);
        return;
      }
      print(showMessage("> ", bytes));
      connection.send(bytes).catch(fail);
      return;
    }
    case "/close":
    case "/quit":
    case "/exit": {
      const match = /^\s*(\d+)?(?:\s+(.*))?$/s.exec(rest);
      const code = match?.[1] === undefined ? undefined : Number(match[1]);
      if (match === null || (code !== undefined && !isValidCloseCode(code))) {
        print(`* Cannot close: "${rest}" is not a close code (1000-1003, 1007-1014, 3000-4999)`);
        return;
      }
      const reason = match[2] ?? "";
      print(`* Closing with ${showClose(code ?? 1000, reason)}`);
      close(code ?? 1000, reason);
      return;
    }
    default:
      print(`* Unknown command ${name} (type /help; //text sends "/text")`);
  }
}
