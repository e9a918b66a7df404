// Shared by the CLI tests: runs the compiled command as a child process, with
// deadlines, and starts `serve` on a free port.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** The compiled entry point of the command (tests run from .build/test/cli/). */
export const CLI = fileURLToPath(new URL("../../src/cli/run.js", import.meta.url));

/** What a finished run printed, and its exit status. */
export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** stdout as bytes (binary messages are printed raw). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/**
 * Runs the command with `args`, writing `input` to its stdin (a pipe, so the
 * client is in pipe mode) and closing it. Rejects after `timeoutMs`.
 */
export function runCli(
  args: readonly string[],
  options: {
    input?: string;
    timeoutMs?: number;
    keepStdinOpen?: boolean;
    /** The child's environment variables (default: this process's). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => void stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdin.on("error", () => {}); // the child may exit before reading everything
    if (options.input !== undefined) child.stdin.write(options.input);
    if (options.keepStdinOpen !== true) child.stdin.end();
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `CLI timed out after ${timeoutMs} ms\nstdout: ${Buffer.concat(stdout)}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      child.stdin.destroy();
      const bytes = Buffer.concat(stdout);
      resolve({ status, signal, stdout: bytes.toString(), stdoutBytes: bytes, stderr });
    });
  });
}

/** A `websocket-sansio serve` child process listening on a free port. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** What it logged so far. */
  readonly stderr: () => string;
  /** Resolves when a line matching `pattern` has been logged (rejects after `timeoutMs`). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` and resolves with the exit status (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Starts `websocket-sansio serve --port 0 ...args` and waits until it listens. */
export async function startServe(
  args: readonly string[] = [],
  listenTimeoutMs = 5000,
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const waiters = new Set<() => void>();
  child.stderr.on("data", (chunk: Buffer) => {
    log += chunk.toString();
    for (const waiter of waiters) waiter();
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const waitForLog = (pattern: RegExp, timeoutMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(log);
        if (match === null) return;
        cleanup();
        resolve(match[0]);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`No log line matching ${pattern} within ${timeoutMs} ms; log:\n${log}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const listening = await waitForLog(
    /Listening on wss?:\/\/127\.0\.0\.1:(\d+)\//,
    listenTimeoutMs,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const port = Number(/:(\d+)\//.exec(listening)![1]);
  return {
    child,
    port,
    stderr: () => log,
    waitForLog,
    async stop(signal = "SIGINT", timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const [status] = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}
