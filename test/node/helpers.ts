// Shared by the Node transport tests: echo handlers and a round trip through
// them, self-signed certificates, child processes with deadlines.

import { strictEqual } from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientConnection } from "../../src/connection/client.js";
import type { ServerConnection } from "../../src/connection/server.js";

/** Echoes every message until the peer closes. */
export async function echo(connection: ServerConnection): Promise<void> {
  for await (const message of connection) await connection.send(message);
}

/** Sends `text` through `connection` to an echo server, checks the echo, closes cleanly. */
export async function roundTrip(connection: ClientConnection, text = "round trip"): Promise<void> {
  await connection.send(text);
  strictEqual(await connection.recv(), text);
  strictEqual((await connection.close()).wasClean, true);
}

/** The port of a server listening on TCP. */
export function portOf(address: AddressInfo | string | null): number {
  assert(address !== null && typeof address === "object", "not listening on TCP");
  return address.port;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * A throwaway self-signed certificate (a self-signed one trusted as a `ca`
 * verifies itself): `localhost`'s names `localhost` and 127.0.0.1, any other
 * `name` is `<name>.test`.
 */
export function certificate(name: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "ws-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${name}/O=websocket-sansio tests`,
        "-addext",
        name === "localhost"
          ? "subjectAltName=DNS:localhost,IP:127.0.0.1"
          : `subjectAltName=DNS:${name}.test`,
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway self-signed certificate for `localhost` and 127.0.0.1. */
export const selfSigned = (): { key: string; cert: string } => certificate("localhost");

/** Runs a program to completion within `timeoutMs`; resolves with its output, rejects on failure. */
export function run(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(env === undefined ? {} : { env }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} exited with ${code}\n${stdout}\n${stderr}`));
    });
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Debian's Python, where Debian's Python packages (the peers) are installed. */
export const PYTHON = "/usr/bin/python3";

/**
 * Whether a test that needs Debian's Python with `module` runs: `false` when
 * it can, or the reason to skip. In CI (`CI=true`, where `.ci/run` installs
 * `aptPackage`) it never skips: a missing peer fails the test instead of
 * hiding it.
 */
export async function skipWithoutPython(
  module: string,
  aptPackage: string,
): Promise<false | string> {
  const available =
    existsSync(PYTHON) &&
    (await run(PYTHON, ["-c", `import ${module}`], 10_000).then(
      () => true,
      () => false,
    ));
  if (available || process.env["CI"] === "true") return false;
  return `${aptPackage} is not installed (apt-get install ${aptPackage})`;
}
