/**
 * `websocket-sansio serve`: an echo (or broadcast) WebSocket server that also
 * answers plain HTTP `GET /` with a browser client, so a newcomer can talk to
 * it from a terminal and from a browser at once. Logs connections and closes
 * to stderr; stops gracefully on SIGINT or SIGTERM (1001 to every client).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createSecureServer, type Http2SecureServer, type Http2Session } from "node:http2";
import { parseArgs } from "node:util";
import {
  broadcast,
  ConnectionClosed,
  type NodeServerOptions,
  type ServerConnection,
  serve,
  type WebSocketServer,
} from "../node/index.js";
import { permessageDeflate } from "../node/permessage-deflate.js";
import type { Io } from "./connect.js";
import { EXIT, type ExitStatus, parseOrUsage, UsageError } from "./exit.js";
import { showClose } from "./format.js";
import { PAGE_CSP, page } from "./page.js";

/** `--help` of `serve`. */
export const SERVE_HELP = `Usage: websocket-sansio serve [options]

Runs a WebSocket server: it echoes every message back (or, with --broadcast,
relays it to every client, as a chat room), and answers a plain HTTP GET / with
a page that talks to it from a browser. It negotiates permessage-deflate with
clients that offer it. Connections and closes are logged to stderr.
Ctrl-C (SIGINT) or SIGTERM closes every connection with 1001 and exits.

Options:
      --host HOST        interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  -p, --port PORT        TCP port (default 8765; 0 picks a free one)
  -b, --broadcast        relay each message to every client instead of echoing it
      --cert FILE        TLS certificate (PEM): serve wss:// and https://, over
                         HTTP/1.1 and HTTP/2 (WebSockets as HTTP/2 streams, RFC 8441)
      --key FILE         TLS private key (PEM), with --cert
      --no-compression   do not negotiate permessage-deflate
  -h, --help             show this help

Exit status: 0 after a graceful stop, 2 for a bad command line, 3 when it
cannot listen (address in use, permission denied).
`;

/** The parsed command line of `serve`. */
interface ServeArgs {
  readonly host: string;
  readonly port: number;
  readonly broadcast: boolean;
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly compression: boolean;
}

/** Parses the command line of `serve` (without the command name). */
export function parseServeArgs(args: readonly string[]): ServeArgs | "help" {
  const { values, positionals } = parseOrUsage(() => parse(args));
  if (values.help === true) return "help";
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument: ${JSON.stringify(positionals[0])}`);
  }
  const portText = values.port ?? "8765";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`Invalid --port: "${portText}" is not a port number (0-65535)`);
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError("Invalid TLS options: --cert and --key go together");
  }
  let tls: ServeArgs["tls"];
  if (values.cert !== undefined && values.key !== undefined) {
    tls = { cert: readPem("cert", values.cert), key: readPem("key", values.key) };
  }
  return {
    host: values.host ?? "127.0.0.1",
    port,
    broadcast: values.broadcast === true,
    tls,
    compression: values["no-compression"] !== true,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string", short: "p" },
      broadcast: { type: "boolean", short: "b" },
      cert: { type: "string" },
      key: { type: "string" },
      "no-compression": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function readPem(option: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read --${option} file "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

/** Where a connection comes from, for the log. */
function peer(connection: ServerConnection): string {
  const address = connection.remoteAddress ?? "?";
  const host = address.includes(":") ? `[${address}]` : address;
  return connection.remotePort === undefined ? host : `${host}:${connection.remotePort}`;
}

/** Options that let a test or an embedding stop the server without a signal. */
export interface ServeControl {
  /** Resolves once the server listens, with its URL (the port filled in when it was 0). */
  onListening?: (url: URL) => void;
  /** Stops the server when aborted, as SIGINT does. */
  signal?: AbortSignal;
  /** Whether SIGINT and SIGTERM stop the server. Default true. */
  handleSignals?: boolean;
}

/**
 * Runs `websocket-sansio serve` until SIGINT, SIGTERM or `control.signal`.
 * Resolves with the exit status.
 */
export async function serveCommand(
  args: readonly string[],
  io: Io,
  control: ServeControl = {},
): Promise<ExitStatus> {
  const parsed = parseServeArgs(args);
  if (parsed === "help") {
    io.stdout.write(SERVE_HELP);
    return EXIT.ok;
  }
  const log = (line: string): void => void io.stderr.write(`${time()} ${line}\n`);
  const mode = parsed.broadcast ? "broadcast" : "echo";
  const html = page(mode);

  // Plain HTTP requests get the page; upgrade requests go to the WebSocket server.
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? "/").split("?")[0];
    const isRead = request.method === "GET" || request.method === "HEAD";
    if (isRead && (path === "/" || path === "/index.html")) {
      response.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": PAGE_CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      });
      response.end(request.method === "HEAD" ? undefined : html);
      return;
    }
    response.writeHead(isRead ? 404 : 405, {
      "Content-Type": "text/plain; charset=utf-8",
      ...(isRead ? {} : { Allow: "GET, HEAD" }),
    });
    response.end(
      isRead
        ? "Not found. This is a WebSocket server: open / in a browser, or connect with a WebSocket client.\n"
        : "Method not allowed.\n",
    );
  };
  // Over TLS, HTTP/2 and HTTP/1.1 on one port (ALPN): a browser gets the
  // page over h2 and opens its WebSocket as a stream of the same connection
  // (RFC 8441); HTTP/1.1 clients upgrade as usual.
  const sessions = new Set<Http2Session>();
  const http: HttpServer | Http2SecureServer =
    parsed.tls === undefined
      ? createHttpServer(onRequest)
      : createSecureServer(
          { cert: parsed.tls.cert, key: parsed.tls.key, allowHTTP1: true },
          // The compatibility API's request and response have all that onRequest uses.
          onRequest as unknown as Parameters<typeof createSecureServer>[1],
        ).on("session", (session: Http2Session) => {
          sessions.add(session);
          session.once("close", () => sessions.delete(session));
        });

  let server: WebSocketServer | undefined;
  const handler = async (connection: ServerConnection): Promise<void> => {
    const who = peer(connection);
    const extensions = connection.extensions.map((extension) => extension.name);
    log(`${who} connected${extensions.length === 0 ? "" : ` (${extensions.join(", ")})`}`);
    void connection.closed.then((info) => {
      const how = info.wasClean ? "" : " (not clean)";
      const why = info.error === undefined ? "" : `: ${info.error.message}`;
      log(`${who} closed ${showClose(info.code, info.reason)}${how}${why}`);
    });
    try {
      for await (const message of connection) {
        if (parsed.broadcast && server !== undefined) broadcast(server.connections, message);
        else await connection.send(message);
      }
    } catch (error) {
      // An abnormal closure is logged from `closed`; anything else is a bug worth showing.
      if (!(error instanceof ConnectionClosed)) throw error;
    }
  };
  const options: NodeServerOptions = {
    server: http,
    compression: parsed.compression ? [permessageDeflate().server] : null,
    logger: (record) => {
      // Handshake failures, hook errors, timeouts; opens and closes are logged above.
      if (record.level === "warn" || record.level === "error") {
        const remote = record.remoteAddress === undefined ? "" : `${record.remoteAddress} `;
        const { error } = record.details ?? {};
        const cause =
          error instanceof Error && error.message !== record.message ? `: ${error.message}` : "";
        log(`${remote}${record.message}${cause}`);
      }
    },
    logLevel: "warn",
  };
  server = await serve(handler, options);

  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen({ host: parsed.host, port: parsed.port }, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "address already in use"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    io.stderr.write(`websocket-sansio: Cannot listen on ${parsed.host}:${parsed.port}: ${why}\n`);
    await server.close();
    return EXIT.unreachable;
  }

  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : parsed.port;
  const host = parsed.host.includes(":") ? `[${parsed.host}]` : parsed.host;
  const secure = parsed.tls !== undefined;
  const url = new URL(`${secure ? "wss" : "ws"}://${host}:${port}/`);
  log(
    `Listening on ${url.href} (${mode}${parsed.compression ? ", permessage-deflate" : ""}); ` +
      `open ${secure ? "https" : "http"}://${host}:${port}/ in a browser. Ctrl-C stops.`,
  );
  control.onListening?.(url);

  // Wait for a stop request, then shut down gracefully.
  const signals: NodeJS.Signals[] = control.handleSignals === false ? [] : ["SIGINT", "SIGTERM"];
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stop = await new Promise<string>((resolve) => {
    onSignal = (signal) => resolve(signal);
    for (const signal of signals) process.on(signal, onSignal);
    if (control.signal?.aborted === true) resolve("abort");
    control.signal?.addEventListener("abort", () => resolve("abort"), { once: true });
  });
  for (const signal of signals) process.off(signal, onSignal);
  // A second signal during the shutdown stops at once.
  const hurry = (): never => process.exit(130);
  for (const signal of signals) process.once(signal, hurry);
  const count = server.connections.size;
  log(
    `Stopping (${stop}): closing ${count} connection${count === 1 ? "" : "s"} with 1001 (going away)`,
  );
  await server.close(1001, "Server shutting down");
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    if ("closeAllConnections" in http) http.closeAllConnections();
    for (const session of sessions) session.destroy();
  });
  for (const signal of signals) process.off(signal, hurry);
  log("Stopped");
  return EXIT.ok;
}
