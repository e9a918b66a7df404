// WHATWG WebSocket clients against our server: headless Chromium (Debian's,
// driven by playwright-core) and Node 22+'s built-in (undici) WebSocket.
// Chromium comes from .ci/run's apt list, Node 22 from
// scripts/install-runtimes.sh (into .runtimes/).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serve } from "../../src/node/index.js";
import {
  chromiumSkip,
  ECHO_SCENARIO,
  ECHO_SCENARIO_EXPECTED,
  withChromium,
} from "../runtimes/browser.js";
import { runtime } from "../runtimes/runtimes.js";
import { echo, portOf, run } from "./helpers.js";

// Installed by scripts/install-runtimes.sh; with REQUIRE_RUNTIMES=1 (CI) a
// missing one fails the run instead of skipping.
const node22 = runtime("node22");

// What both clients must see of ECHO_SCENARIO (browser.ts), but for the
// extensions, which are each client's own offer.
function assertEchoScenario(result: unknown): void {
  const { extensions, ...rest } = result as { extensions: unknown };
  assert.equal(typeof extensions, "string");
  assert.deepEqual(rest, ECHO_SCENARIO_EXPECTED);
}

describe("interop with WHATWG WebSocket clients", () => {
  test("headless Chromium talks to our server", {
    timeout: 60_000,
    skip: chromiumSkip(),
  }, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, subprotocols: ["chat"] });
    try {
      await withChromium(async (context) => {
        const page = await context.newPage();
        const frames: string[] = [];
        page.on("websocket", (ws) => {
          ws.on("framereceived", (frame) => {
            if (typeof frame.payload === "string" && frame.payload === "héllo") frames.push("text");
          });
        });
        const url = `ws://127.0.0.1:${portOf(server.address)}/`;
        const result = await page.evaluate(
          `(async () => { ${ECHO_SCENARIO} return echoScenario(${JSON.stringify(url)}, ["chat", "other"]); })()`,
        );
        assertEchoScenario(result);
        assert.deepEqual(frames, ["text"]);
      });
    } finally {
      await server.close();
    }
  });

  test("Node 22's global WebSocket talks to our server", {
    timeout: 30_000,
    skip: node22.skip,
  }, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, subprotocols: ["chat"] });
    try {
      const url = `ws://127.0.0.1:${portOf(server.address)}/`;
      const source = `${ECHO_SCENARIO}\nconsole.log(JSON.stringify(await echoScenario(${JSON.stringify(url)}, ["chat", "other"])));`;
      const node = node22.skip === false ? node22.path : "node";
      const { stdout } = await run(node, ["--input-type=module", "-e", source], 20_000);
      assertEchoScenario(JSON.parse(stdout));
    } finally {
      await server.close();
    }
  });
});
