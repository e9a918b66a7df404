// The runnable examples of examples/ run, as the guides tell readers to run
// them (the compiled .build/examples/*.js), and print what the guides show.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const built = join(root, ".build", "examples");
const runtimes = join(root, ".runtimes", "node_modules");
const bun = join(runtimes, "@oven", "bun-linux-x64", "bin", "bun");
const deno = join(runtimes, "@deno", "linux-x64-glibc", "deno");
const T = { timeout: 60_000 };

/** Runs an example to its end (bounded), and returns what it printed. */
function run(command: string, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
  delete env["NODE_V8_COVERAGE"];
  delete env["NODE_TEST_CONTEXT"]; // set for us by node --test: the child would report to it
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null)
        reject(new Error(`${args.join(" ")} failed: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** Each example: how it is run here and what its output must hold. */
const examples: Record<string, { runtime: "node" | "bun" | "deno"; expect: RegExp[] } | string> = {
  "bring-your-own-io": {
    runtime: "node",
    expect: [/client: received "Hello, sans-I\/O!"/, /server: connection closed, code 1000/],
  },
  "existing-http-server": { runtime: "node", expect: [/echo: /] },
  whatwg: { runtime: "node", expect: [/echo: hello from a WHATWG WebSocket/, /closeCode: 1000/] },
  browser: { runtime: "node", expect: [/echo: hello from the page/] },
  bun: { runtime: "bun", expect: [/echo: hello from Bun/, /code: 1000/] },
  deno: { runtime: "deno", expect: [/echo: hello from Deno/, /closed: /] },
  chat: { runtime: "node", expect: [/alice got: bob: hi all/, /bob got: alice: hello/] },
  reconnect: { runtime: "node", expect: [/connection 1: .*hello/, /connection 2: .*hello/] },
  testing: { runtime: "node", expect: [/# pass 2/] },
  // Not run here, with the reason:
  "cloudflare-worker": "needs workerd; test/runtimes/workerd.test.ts runs a Worker like it",
  "socks-own-io": "needs a SOCKS5 proxy; test/node/proxy.test.ts runs it against microsocks",
};

describe("examples", () => {
  test("every example is listed here (run, or the reason it is not)", () => {
    const files = readdirSync(join(root, "examples")).filter((name) => name.endsWith(".ts"));
    assert.deepEqual(files.map((name) => name.slice(0, -3)).sort(), Object.keys(examples).sort());
  });

  for (const [name, how] of Object.entries(examples)) {
    if (typeof how === "string") continue;
    const binary = { node: process.execPath, bun, deno }[how.runtime];
    const skip = existsSync(binary) ? false : `${how.runtime} is not installed in .runtimes/`;
    test(`examples/${name}.ts runs on ${how.runtime === "node" ? "Node" : how.runtime}`, {
      ...T,
      skip,
    }, async () => {
      const file = join(built, `${name}.js`);
      const args =
        how.runtime === "deno"
          ? ["run", "--allow-net", "--allow-env", "--allow-read", "--node-modules-dir=manual", file]
          : how.runtime === "node" && name === "testing"
            ? ["--test", "--test-reporter=tap", file]
            : [file];
      const output = await run(binary, args);
      for (const pattern of how.expect) assert.match(output, pattern);
    });
  }
});
