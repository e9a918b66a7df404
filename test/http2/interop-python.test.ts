// Our client against Python's Hypercorn (Debian's python3-hypercorn, an RFC
// 8441 server) serving an ASGI echo app, over TLS (ALPN h2) and over h2c
// with prior knowledge.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { pooledSessions } from "../../src/http2/sessions.js";
import { type ClientConnection, connect } from "../../src/node/index.js";
import { PYTHON, selfSigned, skipWithoutPython } from "../node/helpers.js";

const skip = await skipWithoutPython("hypercorn", "python3-hypercorn");
// The fixture lives beside this file's source (the build does not copy .py files).
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../../test/http2/fixtures");

const dir = mkdtempSync(join(tmpdir(), "ws-hypercorn-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts Hypercorn on a free port; resolves once it listens. */
async function hypercorn(tls: boolean): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const args = ["-m", "hypercorn", "--bind", `127.0.0.1:${port}`];
  if (tls) {
    const { key, cert } = selfSigned();
    writeFileSync(join(dir, "key.pem"), key);
    writeFileSync(join(dir, "cert.pem"), cert);
    args.push("--keyfile", join(dir, "key.pem"), "--certfile", join(dir, "cert.pem"));
  }
  args.push("asgi_echo:app");
  const child = spawn(PYTHON, args, { cwd: FIXTURES, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`hypercorn did not start:\n${output}`)),
      10_000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Running on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hypercorn exited with ${code}:\n${output}`));
    });
  });
  return { child, port };
}

async function exchange(client: ClientConnection, tag: string): Promise<void> {
  await client.send(`héllo ${tag}`);
  assert.equal(await client.recv(), `héllo ${tag}`);
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  await client.send(big);
  assert.deepEqual(await client.recv(), big);
  for (let i = 0; i < 200; i++) void client.send(`${tag}${i}`);
  for (let i = 0; i < 200; i++) assert.equal(await client.recv(), `${tag}${i}`);
  assert.ok((await client.ping()) >= 0);
}

describe("interop over HTTP/2 with Hypercorn", () => {
  for (const tls of [true, false]) {
    test(`our client talks to Hypercorn over ${tls ? "TLS (h2)" : "h2c"}`, {
      timeout: 30_000,
      skip,
    }, async () => {
      const { child, port } = await hypercorn(tls);
      try {
        const url = `${tls ? "wss" : "ws"}://127.0.0.1:${port}/echo`;
        const options = {
          http2: true,
          subprotocols: ["chat"],
          tls: { rejectUnauthorized: false },
        };
        const clients = await Promise.all(Array.from({ length: 4 }, () => connect(url, options)));
        // Four WebSockets, one HTTP/2 connection.
        assert.equal(pooledSessions(), 1);
        for (const client of clients) {
          assert.equal(client.response?.status, 200);
          assert.equal(client.response?.headers.get("x-http-version"), "2");
          assert.equal(client.subprotocol, "chat");
          // Hypercorn (wsproto) negotiates permessage-deflate.
          assert.equal(client.extensions.length, 1);
        }
        await Promise.all(clients.map((client, i) => exchange(client, `c${i}`)));
        const infos = await Promise.all(clients.map((client) => client.close()));
        for (const info of infos)
          assert.deepEqual(info, { code: 1000, reason: "", wasClean: true });
        // The last stream closed its session.
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(pooledSessions(), 0);
      } finally {
        child.kill("SIGKILL");
      }
    });
  }
});
