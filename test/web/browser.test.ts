// The core and connection modules in a browser: headless Chromium imports the
// built ESM (.build/src, served by a tiny local HTTP server, no bundler) and
// runs a client and a server Connection in memory (websocket-sansio/testing).
// Any import of node:*, Buffer or process would fail to load or to run here.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { describe, it } from "node:test";
import { chromiumSkip, withChromium } from "../runtimes/browser.js";
import { root } from "../runtimes/runtimes.js";

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".html": "text/html",
  ".map": "application/json",
};

/** Serves .build/src read-only, plus an empty page to run the test from. */
async function serveBuild(): Promise<Server> {
  const base = join(root, ".build/src");
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    if (path === "/") {
      response
        .writeHead(200, { "content-type": "text/html" })
        .end("<!doctype html><title>t</title>");
      return;
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(`${base}/`)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "text/plain" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

describe("core and connection modules in Chromium", { skip: chromiumSkip() }, () => {
  it("imports the built ESM and runs an in-memory client/server pair", async () => {
    const server = await serveBuild();
    try {
      const { port } = server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      const result = await withChromium(async (context) => {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(String(error)));
        await page.goto(`${origin}/`);
        const outcome = await page.evaluate(async (origin) => {
          // Module specifiers built at run time: this code runs in the page.
          const testing = await import(`${origin}/testing/index.js`);
          const core = await import(`${origin}/core/index.js`);
          const { client, server } = await testing.connectPair();
          const echo = (async () => {
            for await (const message of server) await server.send(message);
          })();
          await client.send("hello from the browser");
          const text = await client.recv();
          await client.send(new Uint8Array([1, 2, 3, 250]));
          const bytes = Array.from((await client.recv()) as Uint8Array);
          const latency = await client.ping();
          const closed = await client.close(1000, "done");
          await echo;
          return {
            text,
            bytes,
            latencyIsNumber: typeof latency === "number",
            closed: { code: closed.code, wasClean: closed.wasClean },
            serverClosed: (await server.closed).code,
            coreExports: ["ClientProtocol", "ServerProtocol"].filter((name) => name in core),
            hasNodeGlobals: "process" in globalThis || "Buffer" in globalThis,
          };
        }, origin);
        return { ...outcome, errors };
      });
      assert.deepEqual(result, {
        text: "hello from the browser",
        bytes: [1, 2, 3, 250],
        latencyIsNumber: true,
        closed: { code: 1000, wasClean: true },
        serverClosed: 1000,
        coreExports: ["ClientProtocol", "ServerProtocol"],
        hasNodeGlobals: false,
        errors: [],
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
