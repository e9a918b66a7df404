// Cloudflare's runtime: workerd (npm) runs a Worker that uses our client over
// connect() from cloudflare:sockets to reach our Node server on loopback,
// exchanges messages and closes cleanly. The Worker loads the same built
// modules of src/core, src/proxy, src/connection and src/web as every other runtime.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { serve } from "../../src/node/index.js";
import { freePort } from "../helpers/free-port.js";
import { assertExchanged, root, runtime, startPeer } from "./runtimes.js";

const workerd = runtime("workerd");

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith(".js") ? [path] : [];
  });
}

/**
 * A workerd config: every built module the Worker may import, named by its
 * path so relative imports resolve as on disk, fflate's ESM build,
 * and outbound connections allowed to loopback (PEERS.md).
 */
function config(port: number, dir: string): string {
  const build = join(root, ".build");
  const files = [
    join(build, "test/runtimes/fixtures/worker.js"),
    join(build, "test/runtimes/fixtures/exchange.js"),
    ...["core", "proxy", "connection", "web", "whatwg"].flatMap((dir) =>
      jsFiles(join(build, "src", dir)),
    ),
  ];
  const modules = files.map(
    // embed paths are relative to the config file's folder.
    (file) => `(name = "${relative(build, file)}", esModule = embed "${relative(dir, file)}")`,
  );
  // workerd resolves a bare specifier against the importer's folder:
  // `import "fflate"` in src/web/fflate-codec.js looks for "src/web/fflate".
  modules.push(
    `(name = "src/web/fflate", esModule = embed "${relative(dir, join(root, "node_modules/fflate/esm/browser.js"))}")`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "internet",
);
`;
}

async function fetchWithRetry(url: string, deadline: number): Promise<Response> {
  for (;;) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("websocket-sansio/web on Cloudflare workerd", { skip: workerd.skip }, () => {
  it("a Worker's client reaches our server over cloudflare:sockets and closes cleanly", async () => {
    const received: unknown[] = [];
    const closes: unknown[] = [];
    const server = await serve(
      async (connection) => {
        void connection.closed.then((info) =>
          closes.push({ code: info.code, wasClean: info.wasClean }),
        );
        for await (const message of connection) {
          received.push(typeof message === "string" ? message : message.length);
          await connection.send(message);
        }
      },
      { host: "127.0.0.1", port: 0 },
    );
    const dir = mkdtempSync(join(tmpdir(), "workerd-"));
    const port = await freePort();
    writeFileSync(join(dir, "config.capnp"), config(port, dir));
    const peer = startPeer(
      workerd.skip === false ? workerd.path : "workerd",
      ["serve", join(dir, "config.capnp"), "--experimental"],
      30_000,
    );
    try {
      const address = server.address;
      assert.ok(address !== null && typeof address === "object");
      const target = encodeURIComponent(`ws://127.0.0.1:${address.port}/`);
      const response = await fetchWithRetry(
        `http://127.0.0.1:${port}/?target=${target}`,
        Date.now() + 15_000,
      );
      const result = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 200, JSON.stringify(result));
      // Our server echoes the close code and the reason, as ws does.
      assertExchanged(result, { remotePort: address.port });
      assert.deepEqual(received, ["hello from the client", 70_000, "fragmented"]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(closes, [{ code: 1000, wasClean: true }], "our server saw a clean close");
    } finally {
      peer.child.kill();
      await peer.result.catch(() => {});
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
