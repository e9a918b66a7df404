/**
 * The `websocket-sansio` command: dispatches to `connect` and `serve`, prints
 * usage errors, and resolves with the exit status (the process entry point is
 * `run.ts`).
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONNECT_HELP, connectCommand, type Io } from "./connect.js";
import { EXIT, EXIT_HELP, type ExitStatus, UsageError } from "./exit.js";
import { SERVE_HELP, type ServeControl, serveCommand } from "./serve.js";

/** `--help` of the command itself. */
export const MAIN_HELP = `Usage: websocket-sansio <command> [options]

Commands:
  connect URL    an interactive WebSocket client (or a pipe: lines in, messages out)
  URL            same as "connect URL" (URL with a scheme: ws:// or wss://)
  serve          an echo or broadcast WebSocket server, with a browser client at /
  help [command] show help

Run "websocket-sansio <command> --help" for a command's options.

${EXIT_HELP}
`;

const HELP: Readonly<Record<string, string>> = { connect: CONNECT_HELP, serve: SERVE_HELP };

/** The package's version, read from the nearest package.json above this file. */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "websocket-sansio") return pkg.version ?? "unknown";
    }
    dir = dirname(dir);
  }
  return "unknown";
}

/**
 * Runs the command line `args` (without `node` and the script). Resolves with
 * the exit status; never throws for a user's mistake (it prints it).
 *
 * @example
 * ```ts
 * process.exitCode = await main(["connect", "ws://127.0.0.1:8765/"]);
 * ```
 */
export async function main(
  args: readonly string[],
  io: Io = process,
  control?: ServeControl,
): Promise<ExitStatus> {
  const [first, ...rest] = args;
  let command = "";
  try {
    switch (first) {
      case undefined:
        io.stderr.write(MAIN_HELP);
        return EXIT.usage;
      case "-h":
      case "--help":
        io.stdout.write(MAIN_HELP);
        return EXIT.ok;
      case "help": {
        const topic = rest[0];
        if (topic !== undefined && HELP[topic] === undefined) {
          throw new UsageError(`Unknown command "${topic}"`);
        }
        io.stdout.write(topic === undefined ? MAIN_HELP : HELP[topic]!);
        return EXIT.ok;
      }
      case "-V":
      case "--version":
        io.stdout.write(`websocket-sansio ${version()}\n`);
        return EXIT.ok;
      case "connect":
        command = " connect";
        return await connectCommand(rest, io);
      case "serve":
        command = " serve";
        return await serveCommand(rest, io, control);
      default:
        // `websocket-sansio ws://host/` is `connect ws://host/`; a bare word is a typo.
        if (/^(?:ws|http)s?:\/\//i.test(first)) {
          command = " connect";
          return await connectCommand(args, io);
        }
        if (first.startsWith("-")) {
          throw new UsageError(`Unknown option "${first}" (options go after the command)`);
        }
        throw new UsageError(`Unknown command "${first}" (a URL starts with ws:// or wss://)`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(
      `websocket-sansio: ${error.message}\nRun "websocket-sansio${command} --help" for usage.\n`,
    );
    return EXIT.usage;
  }
}
