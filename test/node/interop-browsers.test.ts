// WHATWG WebSocket clients against our server: headless Chromium (Debian's,
// driven by playwright-core) and Node 22+'s built-in (undici) WebSocket.
// Chromium comes from .ci/run's apt list, Node 22 from
// scripts/install-runtimes.sh (into .runtimes/).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serve } from "../../src/node/index.js";
import { chromiumSkip, OPEN_QUEUED, withChromium } from "../runtimes/browser.js";
import { runtime } from "../runtimes/runtimes.js";
import { echo, portOf, run } from "./helpers.js";

// Installed by scripts/install-runtimes.sh; with REQUIRE_RUNTIMES=1 (CI) a
// missing one fails the run instead of skipping.
const node22 = runtime("node22");

// The scenario both clients run, as page/module source: subprotocol, text,
// binary, 200 pipelined messages, then a clean close. Prints a JSON summary.
const SCENARIO = `${OPEN_QUEUED}
async function scenario(url) {
  const { ws, next } = await openQueued(url, ["chat", "other"]);
  const result = { protocol: ws.protocol };
  ws.send("héllo");
  result.text = await next();
  ws.send(new Uint8Array([1, 2, 3, 250]));
  result.binary = Array.from(new Uint8Array(await next()));
  const big = "x".repeat(100000);
  ws.send(big);
  result.big = (await next()) === big;
  for (let i = 0; i < 200; i++) ws.send("m" + i);
  let ordered = true;
  for (let i = 0; i < 200; i++) if ((await next()) !== "m" + i) ordered = false;
  result.ordered = ordered;
  const closed = new Promise((resolve) => (ws.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean })));
  ws.close(1000, "done");
  result.close = await closed;
  return result;
}
`;

const EXPECTED = {
  protocol: "chat",
  text: "héllo",
  binary: [1, 2, 3, 250],
  big: true,
  ordered: true,
  close: { code: 1000, wasClean: true },
};

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
          `(async () => { ${SCENARIO} return scenario(${JSON.stringify(url)}); })()`,
        );
        assert.deepEqual(result, EXPECTED);
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
      const source = `${SCENARIO}\nconsole.log(JSON.stringify(await scenario(${JSON.stringify(url)})));`;
      const node = node22.skip === false ? node22.path : "node";
      const { stdout } = await run(node, ["--input-type=module", "-e", source], 20_000);
      assert.deepEqual(JSON.parse(stdout), EXPECTED);
    } finally {
      await server.close();
    }
  });
});
