/**
 * `websocket-sansio serve`: an echo (or broadcast) WebSocket server that also
 * answers plain HTTP `GET /` with a browser client, so a newcomer can talk to
 * it from a terminal and from a browser at once. Logs connections and closes
 * to stderr; stops gracefully on SIGINT or SIGTERM (1001 to every client).
 *
 * @module
 */

import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type CloseInfo,
  ConnectionClosed,
  type LogRecord,
  type NodeServer,
  type NodeServerOptions,
  type ServerConnection,
  serve,
  TransportError,
} from "../node/index.js";
import { permessageDeflate } from "../node/permessage-deflate.js";
import type { Io } from "./connect.js";
import { EXIT, type ExitStatus, parseOrUsage, UsageError } from "./exit.js";
import { isServeWorker, makeBackplane, ROOM, runPrimary } from "./fanout.js";
import { showClose } from "./format.js";
import { httpAnswers } from "./http-answers.js";
import { LogLines } from "./log-lines.js";
import { page } from "./page.js";
import { keepYoungGenerationSmall } from "./young-generation.js";

/** `--help` of `serve`. */
export const SERVE_HELP = `Usage: websocket-sansio serve [options]

Runs a WebSocket server: it echoes every message back (or, with --broadcast,
relays it to every client, as a chat room), and answers a plain HTTP GET / with
a page that talks to it from a browser (GET /healthz answers 200 OK). It
negotiates permessage-deflate with clients that offer it. Connections and
closes are logged to stderr.
Ctrl-C (SIGINT) or SIGTERM closes every connection with 1001 and exits.

Options:
      --host HOST        interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  -p, --port PORT        TCP port (default 8765; 0 picks a free one)
  -b, --broadcast        relay each message to every client instead of echoing it
      --redis URL        with --broadcast: relay through Redis (redis://host:port) to
                         the clients of every server using it, on any machine
      --redis-cluster URL[,URL...]
                         with --broadcast: relay through a Redis Cluster (7.0+),
                         given one or more of its nodes, with sharded Pub/Sub
                         (SPUBLISH): each room's messages go through one shard
      --workers N        run N processes on this machine (sharing the port); with
                         --broadcast they share one room (through Redis if
                         --redis or --redis-cluster)
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
  readonly redis: string | undefined;
  /** Nodes of a Redis Cluster (`--redis-cluster`): sharded Pub/Sub. */
  readonly redisCluster: readonly string[] | undefined;
  readonly workers: number;
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
  const redis = values.redis;
  if (redis !== undefined) {
    if (values.broadcast !== true)
      throw new UsageError("Invalid options: --redis needs --broadcast");
    if (!/^rediss?:\/\/./.test(redis)) {
      throw new UsageError(`Invalid --redis: "${redis}" is not a redis:// or rediss:// URL`);
    }
  }
  const clusterText = values["redis-cluster"];
  let redisCluster: string[] | undefined;
  if (clusterText !== undefined) {
    if (values.broadcast !== true)
      throw new UsageError("Invalid options: --redis-cluster needs --broadcast");
    if (redis !== undefined)
      throw new UsageError("Invalid options: --redis and --redis-cluster exclude each other");
    redisCluster = clusterText.split(",").map((url) => url.trim());
    const bad = redisCluster.find((url) => !/^rediss?:\/\/./.test(url));
    if (bad !== undefined) {
      throw new UsageError(`Invalid --redis-cluster: "${bad}" is not a redis:// or rediss:// URL`);
    }
  }
  const workersText = values.workers ?? "1";
  const workers = Number(workersText);
  if (!/^\d+$/.test(workersText) || workers < 1 || workers > 1024) {
    throw new UsageError(
      `Invalid --workers: "${workersText}" is not a number of processes (1-1024)`,
    );
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
    redis,
    redisCluster,
    workers,
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
      redis: { type: "string" },
      "redis-cluster": { type: "string" },
      workers: { type: "string" },
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

/** Where a connection comes from, for the log. */
function peer(connection: ServerConnection): string {
  const address = connection.remoteAddress ?? "?";
  const host = address.includes(":") ? `[${address}]` : address;
  return connection.remotePort === undefined ? host : `${host}:${connection.remotePort}`;
}

/**
 * Whether a warning repeats a line the log has anyway. A connection's
 * failure comes as an `error` record, then as the `closed` record carrying
 * the same error: only the latter is written. A `closed` record whose error
 * is the transport's (the peer reset or dropped the connection) is left out
 * too: for a connection that opened, its own `closed` line above says it,
 * with the peer's port; one that did not open was a client that left before
 * its handshake (a port probe, a load balancer's TCP check), not worth a
 * line. Under the handshake benchmark (connections reset after the 101),
 * these two lines were half of the log, each a record formatted and written.
 */
function redundant(record: LogRecord): boolean {
  if (record.level !== "warn") return false;
  if (record.event === "error") return true;
  return record.event === "closed" && record.details?.["error"] instanceof TransportError;
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
  // A server process holding many connections: see young-generation.ts.
  keepYoungGenerationSmall();
  const logLines = new LogLines(io.stderr);
  const worker = isServeWorker() ? `[worker ${cluster.worker?.id}] ` : "";
  const log = (line: string): void => logLines.line(`${worker}${line}`);
  if (parsed.workers > 1 && cluster.isPrimary) {
    const relay =
      parsed.broadcast && parsed.redis === undefined && parsed.redisCluster === undefined;
    try {
      return await runPrimary(parsed.workers, relay, log, control.handleSignals !== false);
    } finally {
      logLines.flush();
    }
  }
  const mode = parsed.broadcast ? "broadcast" : "echo";

  let server: NodeServer | undefined;
  const handler = async (connection: ServerConnection): Promise<void> => {
    // Logged here rather than in a callback on `closed`: an idle connection
    // keeps no closure for the log, only the peer's string, read once (a
    // getpeername system call) for both lines.
    const from = peer(connection);
    const extensions = connection.extensions;
    log(
      extensions.length === 0
        ? `${from} connected`
        : `${from} connected (${extensions.map((extension) => extension.name).join(", ")})`,
    );
    if (parsed.broadcast) connection.subscribe(ROOM);
    let info: CloseInfo;
    try {
      for await (const message of connection) {
        if (parsed.broadcast) connection.publish(ROOM, message, { includeSelf: true });
        else await connection.send(message);
      }
      info = await connection.closed;
    } catch (error) {
      // An abnormal closure is logged below; anything else is a bug worth showing.
      if (!(error instanceof ConnectionClosed)) throw error;
      // The error holds the close as `closed` resolves with it (its cause is
      // `closed`'s error): waiting for `closed` made a promise and its
      // resolver on every connection that closed abnormally (a reset, the
      // usual end under the handshake benchmark).
      info = error;
    }
    const how = info.wasClean ? "" : " (not clean)";
    const cause = info instanceof ConnectionClosed ? (info.cause as Error | undefined) : info.error;
    const why = cause === undefined ? "" : `: ${cause.message}`;
    log(`${from} closed ${showClose(info.code, info.reason)}${how}${why}`);
  };
  const options: NodeServerOptions = {
    host: parsed.host,
    port: parsed.port,
    ...(parsed.tls === undefined ? {} : { tls: parsed.tls }),
    compression: parsed.compression ? [permessageDeflate().server] : null,
    // Plain HTTP requests get the page (or 404, 405); WebSocket requests go on.
    processRequest: httpAnswers(page(mode)),
    logger: (record) => {
      // Handshake failures, hook errors, timeouts; opens and closes are logged above.
      if (redundant(record)) return;
      if (record.level === "warn" || record.level === "error") {
        const remote = record.remoteAddress === undefined ? "" : `${record.remoteAddress} `;
        const { error } = record.details ?? {};
        const cause =
          error instanceof Error && error.message !== record.message ? `: ${error.message}` : "";
        log(`${remote}${record.message}${cause}`);
      }
    },
    logLevel: "warn",
    topics: { backplane: parsed.broadcast ? await makeBackplane(parsed, log) : null },
  };
  try {
    server = await serve(handler, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "address already in use"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    io.stderr.write(`websocket-sansio: Cannot listen on ${parsed.host}:${parsed.port}: ${why}\n`);
    return EXIT.unreachable;
  }

  const address = server.address;
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
  for (const signal of signals) process.off(signal, hurry);
  log("Stopped");
  logLines.flush();
  return EXIT.ok;
}
